"""The Image tab's layout: the image large on the left (or the welcome page), the filmstrip under it, and a
sidebar with the prediction and the overlay controls. Layout only; the main window wires it up."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QLabel,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from coatnet_gui.widgets.filmstrip import Filmstrip
from coatnet_gui.widgets.image_view import ImageView
from coatnet_gui.widgets.overlay_controls import OverlayControls
from coatnet_gui.widgets.prediction_panel import PredictionPanel
from coatnet_gui.widgets.welcome import Welcome

SIDEBAR_WIDTH = 350
HOVER_HINT = "Hover over the image to read the map's value; click (or use the arrow keys) to move the query point."


class ImageTab(QSplitter):
    """The widgets of the Image tab, exposed as attributes: ``view``, ``welcome``, ``filmstrip``, ``hover``,
    ``prediction`` and ``controls``."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.view = ImageView()
        self.welcome = Welcome()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.view)
        self.filmstrip = Filmstrip()
        self.hover = QLabel(HOVER_HINT)
        self.hover.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hover.setToolTip("The value of the overlay under the cursor, on the block's own token grid")
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 4, 0)
        column.addWidget(self.stack, 1)
        column.addWidget(self.hover)
        column.addWidget(self.filmstrip)

        self.prediction = PredictionPanel()
        self.controls = OverlayControls()
        sidebar = QWidget()
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(4, 0, 4, 0)
        for title, widget in (("Prediction", self.prediction), ("Overlay", self.controls)):
            group = QGroupBox(title)
            QVBoxLayout(group).addWidget(widget)
            side.addWidget(group)
        side.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(sidebar)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(SIDEBAR_WIDTH - 40)

        self.addWidget(left)
        self.addWidget(scroll)
        self.setStretchFactor(0, 1)
        self.setStretchFactor(1, 0)
        self.setSizes([1000, SIDEBAR_WIDTH])
        self.setChildrenCollapsible(False)

    def show_image_page(self, shown: bool) -> None:
        """Show the image view (True) or the welcome page with the samples (False)."""
        self.stack.setCurrentWidget(self.view if shown else self.welcome)
