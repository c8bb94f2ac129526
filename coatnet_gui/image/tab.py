"""The Image tab's layout: the image large on the left (or the welcome page), the filmstrip under it, and a
sidebar with the prediction, the overlay controls and the checks (faithfulness, heads). Layout, and the hint under
the image that follows the overlay shown; the main window wires up the rest."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QLabel,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from coatnet_gui.image.sources import THUMBNAIL_SIDE
from coatnet_gui.widgets.checks_panel import ChecksPanel
from coatnet_gui.widgets.filmstrip import Filmstrip
from coatnet_gui.widgets.image_view import ImageView
from coatnet_gui.widgets.overlay_controls import OverlayControls
from coatnet_gui.widgets.prediction_panel import PredictionPanel
from coatnet_gui.widgets.welcome import Welcome
from coatnet_gui.widgets.wheel_guard import add_sidebar
from model.explain.maps import OverlaySpec

SIDEBAR_WIDTH = 350
HOVER_HINT = QT_TRANSLATE_NOOP(  # the hints and tooltips are translated where shown (context "ImageTab")
    "ImageTab", "Hover over the image to read the map's value; click (or use the arrow keys) to move the query point."
)
HOVER_HINT_TO_QUERY = QT_TRANSLATE_NOOP(
    "ImageTab", "Hover over the image to read the map's value; a click shows the attention from that point."
)
HOVER_HINT_VALUE = QT_TRANSLATE_NOOP("ImageTab", "Hover over the image to read the map's value.")


def hover_hint(spec: OverlaySpec) -> str:
    """Return the hint shown under the image while nothing is hovered: it names the query point only where a
    click moves it (attention maps from the query point) or switches to such a map (the other attention maps)."""
    if spec.uses_query:
        return QCoreApplication.translate("ImageTab", HOVER_HINT)
    return QCoreApplication.translate("ImageTab", HOVER_HINT_TO_QUERY if spec.kind == "attention" else HOVER_HINT_VALUE)


def view_tooltip(spec: OverlaySpec) -> str:
    """Return the image view's tooltip for ``spec``: what a click and the arrow keys do there."""
    if spec.kind == "attention":
        return QCoreApplication.translate("ImageTab", "Click to set the query point; arrow keys move it by one token")
    return QCoreApplication.translate("ImageTab", "Hover to read the map's value under the cursor")


class ImageTab(QSplitter):
    """The widgets of the Image tab, exposed as attributes: ``view``, ``welcome``, ``filmstrip``, ``hover``,
    ``prediction``, ``controls``, ``checks`` and ``sidebar`` (the scroll area holding the last three). A row of the
    faithfulness table or a point of the head chart shows that map through the controls."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.view = ImageView()
        self.welcome = Welcome()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.view)
        self.filmstrip = Filmstrip(THUMBNAIL_SIDE)
        self.hover = QLabel(self.tr(HOVER_HINT))
        self._hovering = False
        self.hover.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hover.setToolTip(self.tr("The value of the overlay under the cursor, on the block's own token grid"))
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 4, 0)
        column.addWidget(self.stack, 1)
        column.addWidget(self.hover)
        column.addWidget(self.filmstrip)

        self.prediction = PredictionPanel()
        self.controls = OverlayControls()
        self.controls.spec_shown.connect(self._spec_shown)
        self.prediction.versus_clicked.connect(self._versus_clicked)
        self.prediction.top_class_shown.connect(self.controls.set_top_class)
        self.checks = ChecksPanel()
        self.checks.table.spec_chosen.connect(self.controls.choose)
        self.checks.heads.head_clicked.connect(self._head_clicked)
        self.maps_note = QLabel()  # why there are no maps (an ONNX file), shown above the disabled overlay controls
        self.maps_note.setWordWrap(True)
        self.maps_note.setObjectName("mapsNote")
        self.maps_note.hide()
        sidebar = QWidget()
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(4, 0, 4, 0)
        for title, widgets in (
            (self.tr("Prediction"), [self.prediction]),
            (self.tr("Overlay"), [self.maps_note, self.controls]),
            (self.tr("Checks"), [self.checks]),
        ):
            group = QGroupBox(title)
            column = QVBoxLayout(group)
            for widget in widgets:
                column.addWidget(widget)
            side.addWidget(group)
        side.addStretch(1)
        self.sidebar, self.wheel_guard = add_sidebar(self, left, sidebar, SIDEBAR_WIDTH)
        self.setAccessibleName("Image tab")
        self.hover.setAccessibleName("Value under the cursor")

    def show_hover(self, text: str) -> None:
        """Show ``text`` (the value under the cursor) under the image, or the hint for the overlay when empty."""
        self._hovering = bool(text)
        self.hover.setText(text or hover_hint(self.controls.spec()))

    def _versus_clicked(self, class_index: int) -> None:
        """A Ctrl-clicked class becomes class B of "why A and not B" (A: the Grad-CAM class, else the top class;
        A itself is no B); Ctrl-clicking B again goes back to plain Grad-CAM."""
        spec = self.controls.spec()
        again = spec.kind == "gradcam" and class_index == spec.versus
        self.controls.set_versus(None if again else class_index)

    def _head_clicked(self, block: str, head: int) -> None:
        """Show the map of ``head`` of ``block``: the attention mode stays when it shows one head, else the
        attention from the query point."""
        spec = self.controls.spec()
        keep = spec.kind == "attention" and spec.uses_head and spec.attention_mode != "split"
        mode = spec.attention_mode if keep else "query"
        self.controls.choose(replace(spec, kind="attention", block=block, head=head, attention_mode=mode))

    def _spec_shown(self, spec: OverlaySpec) -> None:
        self.prediction.set_versus_class(spec.versus if spec.kind == "gradcam" else None)
        one_head = spec.kind == "attention" and spec.uses_head and isinstance(spec.head, int)
        self.checks.heads.set_selected((spec.block, spec.head) if one_head else None)
        self.view.setToolTip(view_tooltip(spec))
        if not self._hovering:
            self.hover.setText(hover_hint(spec))

    def set_maps_unavailable(self, reason: str) -> None:
        """Say ``reason`` above the overlay controls and disable them and the checks (a model that cannot explain,
        such as an ONNX file); "" shows the controls enabled again."""
        self.maps_note.setText(reason)
        self.maps_note.setVisible(bool(reason))
        self.controls.setEnabled(not reason)
        self.checks.setEnabled(not reason)

    def show_image_page(self, shown: bool) -> None:
        """Show the image view (True) or the welcome page with the samples (False)."""
        self.stack.setCurrentWidget(self.view if shown else self.welcome)
