"""Overlay choices: kind, block, mode, head, channel, Grad-CAM class (and class B of "why A and not B"), colour map,
opacity, on/off.

Holds the current :class:`~model.explain.maps.OverlaySpec`; every change emits ``spec_changed(spec)`` (the window
asks the session for the map) or ``appearance_changed()`` (colour map, opacity, on/off: no new map needed).
``spec_shown(spec)`` follows every spec the controls show, asked for or set from outside (hints follow it).
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QWidget,
)

from coatnet_gui.model_texts import block_text, caption_text, core_text
from coatnet_gui.widgets.head_shares import CONTENT, POSITION, HeadShareChart
from coatnet_gui.widgets.theme import series
from model.explain.blocks import blocks_for
from model.explain.capture import BlockInfo
from model.explain.colormaps import COLORMAPS
from model.explain.maps import (
    ACTIVATION_MODES,
    ATTENTION_MODES,
    HEAD_ALL,
    HEAD_MEAN,
    KINDS,
    QUERY_MODES,
    OverlayResult,
    OverlaySpec,
)
from model.explain.maps import resolve as resolve_spec


def _fill(box: QComboBox, items: list[tuple[str, Any]], current: Any) -> None:
    """Replace ``box``'s items with ``(text, data)`` pairs and select the one whose data is ``current``."""
    box.blockSignals(True)
    box.clear()
    for text, data in items:
        box.addItem(text, data)
    index = box.findData(current)
    box.setCurrentIndex(max(0, index))
    box.blockSignals(False)


def class_entries(label_names: list[str]) -> list[str]:
    """Return the class picker's entries: "name (index)" for every class, in class order."""
    return [f"{name} ({index})" for index, name in enumerate(label_names)]


def class_row(entries: list[str], text: str) -> int | None:
    """Return the class index of the entry ``text`` names exactly, else of the first entry that contains it
    (ignoring case), else None."""
    try:
        return entries.index(text)
    except ValueError:
        needle = text.casefold()
        return next((i for i, entry in enumerate(entries) if needle in entry.casefold()), None)


class OverlayControls(QWidget):
    """The overlay form; see the module docstring."""

    spec_changed = Signal(object)
    spec_shown = Signal(object)
    appearance_changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._spec = OverlaySpec()
        self._blocks: list[BlockInfo] = []
        self._labels: list[str] = []
        self._top_class: int | None = None
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.visible_box = QCheckBox(self.tr("Show overlay"))
        self.visible_box.setChecked(True)
        self.visible_box.toggled.connect(self.appearance_changed)
        self.form.addRow(self.visible_box)
        self.kind_box = self._combo(self.tr("&Type"), self.tr("What to draw over the image"), "kind")
        _fill(self.kind_box, [(core_text(text), key) for key, text in KINDS.items()], self._spec.kind)
        self.block_box = self._combo(
            self.tr("Bloc&k"), self.tr("The block whose output or attention is shown"), "block"
        )
        self.mode_box = QComboBox()
        self.mode_box.currentIndexChanged.connect(self._mode_chosen)
        self.mode_box.setToolTip(self.tr("How the map is computed from what the forward pass captured"))
        self.form.addRow(self.tr("Mo&de"), self.mode_box)
        self.head_box = self._combo(
            self.tr("H&ead"), self.tr("One head, the mean over heads, or all heads side by side"), "head"
        )
        self.channel_box = QSpinBox()
        self.channel_box.setToolTip(self.tr("Channel index of the block's output"))
        self.channel_box.valueChanged.connect(lambda value: self._change(channel=value))
        self.form.addRow(self.tr("&Channel"), self.channel_box)

        self.class_box = self._class_picker()
        top_tip = self.tr("Grad-CAM for the top class again")
        self.top_class_button, self.class_row = self._picker_row(
            self.tr("C&lass"), self.class_box, self.tr("To&p class"), top_tip, class_index=None
        )
        self.versus_box = self._versus_picker()
        plain_tip = self.tr("Plain Grad-CAM of the class again, without a class B")
        self.clear_versus_button, self.versus_row = self._picker_row(
            self.tr("Ve&rsus"), self.versus_box, self.tr("Cle&ar"), plain_tip, versus=None
        )

        cmap_tip = self.tr(
            "Colour map of the overlay; signed maps (learned bias, one channel) use a diverging map (coolwarm, "
            "unless RdBu is chosen) over a range symmetric around 0"
        )
        self.cmap_box = self._combo(self.tr("Colo&urs"), cmap_tip, None)
        _fill(self.cmap_box, [(name, name) for name in COLORMAPS], COLORMAPS[0])
        self.cmap_box.currentIndexChanged.connect(self.appearance_changed)
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(60)
        self.opacity_slider.setToolTip(self.tr("Opacity of the overlay"))
        self.opacity_slider.valueChanged.connect(self.appearance_changed)
        self.form.addRow(self.tr("Opacit&y"), self.opacity_slider)
        title = self.tr("How positional is each head? {position} position {content} content").replace("} ", "}&nbsp;")
        swatch = "<span style='color:{}'>■</span>".format  # kept with its word (&nbsp;): a wrap never parts them
        colours = {"position": swatch(series(POSITION).name()), "content": swatch(series(CONTENT).name())}
        self.share_title = QLabel(title.format(**colours))
        self.share_title.setWordWrap(True)  # never wider than the sidebar
        self.share_chart = HeadShareChart()
        self.share_chart.head_clicked.connect(lambda head: self._change(head=head))
        self.form.addRow(self.share_title)
        self.form.addRow(self.share_chart)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form.addRow(self.caption)
        self._refresh()
        self._reserve_height()

    def _reserve_height(self) -> None:
        """Keep the form as tall as with every optional row shown and a three-line caption, so that switching
        maps never moves what lies below it (a click on the Checks table's next row would land on another)."""
        rows = (self.mode_box, self.head_box, self.channel_box, self.class_row, self.versus_row)
        rows += (self.share_title, self.share_chart)
        shown = [self.form.isRowVisible(row) for row in rows]
        for row in rows:
            self.form.setRowVisible(row, True)
        self.caption.setMinimumHeight(3 * self.caption.fontMetrics().lineSpacing())
        self.setMinimumHeight(self.form.sizeHint().height())
        for row, visible in zip(rows, shown, strict=True):
            self.form.setRowVisible(row, visible)

    def _picker_row(
        self, title: str, box: QComboBox, button_text: str, button_tip: str, **reset: None
    ) -> tuple[QPushButton, QHBoxLayout]:
        """Add a form row titled ``title`` holding ``box`` and a button that resets the spec fields ``reset``;
        return the button and the row's layout."""
        button = QPushButton(button_text)
        button.setToolTip(button_tip)
        button.clicked.connect(lambda: self._change(**reset))
        row = QHBoxLayout()
        row.addWidget(box, 1)
        row.addWidget(button)
        label = QLabel(title)
        label.setBuddy(box)  # a row holding a layout gets no buddy from the form
        label.setToolTip(box.toolTip())
        self.form.addRow(label, row)
        return button, row

    def _searchable_classes(self, model: QStringListModel, tip: str, placeholder: str) -> tuple[QComboBox, QCompleter]:
        """Return an editable combo box over the class list ``model`` (tens of thousands of rows: uniform sizes) and
        its completer, which filters by substring in any case."""
        box = QComboBox()
        box.setEditable(True)
        box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(12)
        box.setMaxVisibleItems(15)
        box.setModel(model)
        box.view().setUniformItemSizes(True)  # no per-row size measuring
        box.setToolTip(tip)
        box.lineEdit().setPlaceholderText(placeholder)
        completer = QCompleter(model, box)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(15)
        popup = completer.popup()
        if hasattr(popup, "setUniformItemSizes"):
            popup.setUniformItemSizes(True)
        box.setCompleter(completer)
        return box, completer

    def _class_picker(self) -> QComboBox:
        """Return the Grad-CAM class picker: every class of the model as "name (index)", row = class index; typing
        filters them by substring (any case) and Enter takes the first match."""
        box, completer = self._searchable_classes(
            QStringListModel(self),
            self.tr("Grad-CAM for any class of the model: type part of its name, or click a prediction bar"),
            self.tr("top class · type to search"),
        )
        completer.activated[str].connect(self._class_typed)
        box.activated.connect(lambda row: self._change(class_index=row))
        box.lineEdit().returnPressed.connect(self._class_entered)
        return box

    def _versus_picker(self) -> QComboBox:
        """Return the picker of class B ("why A and not B"): the class picker's list, shared; typing filters it,
        Enter takes the first match, an empty entry clears B."""
        box, completer = self._searchable_classes(
            self.class_box.model(),
            self.tr(
                "Why A and not B: Grad-CAM of logit A − logit B shows the regions that favour the Grad-CAM class "
                "over this one. Ctrl+click (Cmd+click) a prediction bar to set it; Clear to go back"
            ),
            self.tr("none · Ctrl+click a bar"),
        )
        completer.activated[str].connect(self._versus_typed)
        box.activated.connect(lambda row: self.set_versus(row))
        box.lineEdit().returnPressed.connect(lambda: self._versus_typed(box.currentText()))
        return box

    def _versus_typed(self, text: str) -> None:
        """Contrast with the class named ``text`` (or the first that contains it); empty clears class B, and a text
        that matches nothing restores the current one."""
        text = text.strip()
        row = class_row(self.class_box.model().stringList(), text) if text else None
        if text and row is None:
            self._show_class()
            return
        self.set_versus(row)
        self._show_class()

    def _class_entered(self) -> None:
        """Enter in the class picker takes the entry highlighted in the completion list, else the typed text."""
        popup = self.class_box.completer().popup()
        current = popup.currentIndex()
        if popup.isVisible() and current.isValid():
            self._class_typed(str(current.data()))
        else:
            self._class_typed(self.class_box.currentText())

    def _class_typed(self, text: str) -> None:
        """Show Grad-CAM for the class named ``text`` ("name (index)"), or for the first class that contains
        it; an empty text means the top class, and a text that matches nothing restores the current class."""
        names = self.class_box.model().stringList()
        text = text.strip()
        if not text:
            self._change(class_index=None)
            return
        row = class_row(names, text)
        if row is None:
            self._show_class()
        else:
            self._change(class_index=row)
            self._show_class()

    def _combo(self, label: str, tip: str, field: str | None) -> QComboBox:
        box = QComboBox()
        box.setToolTip(tip)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(12)
        if field is not None:
            box.currentIndexChanged.connect(lambda _i, b=box, f=field: self._change(**{f: b.currentData()}))
        self.form.addRow(label, box)
        return box

    # --- state ---------------------------------------------------------------------------------------------

    def spec(self) -> OverlaySpec:
        """Return the current overlay choice."""
        return self._spec

    def set_spec(self, spec: OverlaySpec) -> None:
        """Show ``spec`` (made valid for the current model) without emitting ``spec_changed``."""
        self._spec = self._resolve(spec)
        self._refresh()

    def set_model(self, blocks: list[BlockInfo], label_names: list[str]) -> None:
        """Offer the blocks and classes of the model now active (the choices are kept where they exist)."""
        self._blocks = list(blocks)
        if list(label_names) != self._labels:  # filled once per label set: ImageNet-12k has 11,821 names
            self._labels = list(label_names)
            self.class_box.model().setStringList(class_entries(self._labels))
            self._spec = replace(self._spec, versus=None)  # another label set: class B meant another class
        self._spec = self._resolve(self._spec)
        self._refresh()

    def colormap(self) -> str:
        """Return the chosen colour map."""
        return str(self.cmap_box.currentData())

    def opacity(self) -> float:
        """Return the overlay's opacity, 0-1."""
        return self.opacity_slider.value() / 100

    def overlay_visible(self) -> bool:
        """Return whether the overlay is drawn."""
        return self.visible_box.isChecked()

    def set_appearance(self, colormap: str, opacity: float, visible: bool) -> None:
        """Set colour map, opacity and on/off (emits ``appearance_changed``)."""
        self.cmap_box.setCurrentIndex(max(0, self.cmap_box.findData(colormap)))
        self.opacity_slider.setValue(round(opacity * 100))
        self.visible_box.setChecked(visible)

    def show_result(self, result: OverlayResult) -> None:
        """Describe the overlay on screen and, for attention, how positional each head of its block is."""
        self.caption.setText(caption_text(result.caption, result.block))
        selected = result.spec.head if isinstance(result.spec.head, int) else None
        self.share_chart.set_shares(result.head_shares, selected)

    # --- intents -------------------------------------------------------------------------------------------

    def set_kind(self, kind: str) -> None:
        """Switch to overlay ``kind`` (attention, activation, gradcam)."""
        self._change(kind=kind)

    def choose(self, spec: OverlaySpec) -> None:
        """Show overlay ``spec`` (made valid for the current model), as if the user had picked each of its choices:
        emits ``spec_changed`` (a row of the faithfulness table, a point of the head chart)."""
        self._change(**{f.name: getattr(spec, f.name) for f in fields(spec)})

    def set_query(self, fy: float, fx: float) -> None:
        """Move the query point to fractions ``(fy, fx)`` of the model's view. An attention map that does not
        use it switches to its from-the-query form; other overlays just keep it for later."""
        spec = self._spec
        if spec.kind != "attention":
            self._spec = replace(spec, query=(fy, fx))
            return
        mode = spec.attention_mode
        if mode not in QUERY_MODES:
            mode = "rollout_query" if mode == "rollout" else "query"
        self._change(query=(fy, fx), attention_mode=mode)

    def set_class(self, class_index: int | None) -> None:
        """Show Grad-CAM for ``class_index`` (None: the top class)."""
        self._change(kind="gradcam", class_index=class_index)

    def set_top_class(self, class_index: int | None) -> None:
        """Know the predicted class (class A of "A vs B" while the Grad-CAM class is the top class)."""
        self._top_class = class_index

    def set_versus(self, class_index: int | None) -> None:
        """Show the contrastive Grad-CAM of the current class versus ``class_index`` ("why A and not B"); None
        goes back to plain Grad-CAM. Choosing the Grad-CAM class itself (A) as B changes nothing."""
        a = self._spec.class_index if self._spec.class_index is not None else self._top_class
        if class_index is not None and class_index == a:
            self._show_class()
            return
        self._change(kind="gradcam", versus=class_index)

    def step_block(self, step: int) -> None:
        """Choose the next (``step`` 1) or previous (-1) block."""
        self._step(self.block_box, step)

    def step_head(self, step: int) -> None:
        """Choose the next or previous head choice (mean, each head, all heads)."""
        self._step(self.head_box, step)

    def step_mode(self, step: int) -> None:
        """Choose the next or previous mode."""
        self._step(self.mode_box, step)

    def step_colormap(self, step: int) -> None:
        """Choose the next or previous colour map."""
        self._step(self.cmap_box, step)

    def step_opacity(self, step: int) -> None:
        """Change the opacity by ``step`` tenths."""
        self.opacity_slider.setValue(self.opacity_slider.value() + 10 * step)

    def _step(self, box: QComboBox, step: int) -> None:
        if box.isEnabled() and box.count():
            box.setCurrentIndex((box.currentIndex() + step) % box.count())

    def _mode_chosen(self, _index: int) -> None:
        key = "attention_mode" if self._spec.kind == "attention" else "activation_mode"
        self._change(**{key: self.mode_box.currentData()})

    def _change(self, **changes: Any) -> None:
        spec = self._resolve(replace(self._spec, **changes))
        if spec == self._spec:
            return
        if spec.kind != self._spec.kind and "block" not in changes:
            spec = self._resolve(replace(spec, block=""))
        self._spec = spec
        self._refresh()
        self.spec_changed.emit(spec)

    def _show_class(self) -> None:
        """Make the class picker show the spec's class (empty, with its placeholder, for the top class)."""
        index = self._spec.class_index
        self.class_box.blockSignals(True)
        self.class_box.setCurrentIndex(index if index is not None and index < self.class_box.count() else -1)
        if index is None:
            self.class_box.setEditText("")
        self.class_box.blockSignals(False)
        versus = self._spec.versus
        self.versus_box.blockSignals(True)
        self.versus_box.setCurrentIndex(versus if versus is not None and versus < self.versus_box.count() else -1)
        if versus is None:
            self.versus_box.setEditText("")
        self.versus_box.blockSignals(False)
        self.clear_versus_button.setEnabled(versus is not None)

    def _resolve(self, spec: OverlaySpec) -> OverlaySpec:
        return resolve_spec(spec, self._blocks, len(self._labels)) if self._blocks else spec

    def _refresh(self) -> None:
        """Make every control show ``self._spec`` (without emitting)."""
        spec = self._spec
        _fill(self.kind_box, [(core_text(text), key) for key, text in KINDS.items()], spec.kind)
        blocks = blocks_for(spec.kind, self._blocks)
        _fill(self.block_box, [(block_text(b), b.name) for b in blocks], spec.block)
        modes = ATTENTION_MODES if spec.kind == "attention" else ACTIVATION_MODES
        current_mode = spec.attention_mode if spec.kind == "attention" else spec.activation_mode
        _fill(self.mode_box, [(core_text(text), key) for key, text in modes.items()], current_mode)
        block = next((b for b in blocks if b.name == spec.block), None)
        heads = block.heads if block is not None and block.heads else 0
        head_items: list[tuple[str, Any]] = [(self.tr("Mean of heads"), HEAD_MEAN)]
        head_items += [(self.tr("Head {h}").format(h=h), h) for h in range(heads)]
        head_items.append((self.tr("All heads (grid)"), HEAD_ALL))
        _fill(self.head_box, head_items, spec.head)
        self.channel_box.blockSignals(True)
        self.channel_box.setRange(0, max(0, (block.channels - 1) if block is not None else 0))
        self.channel_box.setValue(spec.channel)
        self.channel_box.blockSignals(False)
        self._show_class()
        attention = spec.kind == "attention"
        self.form.setRowVisible(self.mode_box, spec.kind != "gradcam")
        self.form.setRowVisible(self.head_box, attention)
        self.head_box.setEnabled(spec.uses_head)
        self.form.setRowVisible(self.channel_box, spec.kind == "activation" and spec.activation_mode == "channel")
        self.form.setRowVisible(self.class_row, spec.kind == "gradcam")
        self.form.setRowVisible(self.versus_row, spec.kind == "gradcam")
        self.form.setRowVisible(self.share_title, attention)
        self.form.setRowVisible(self.share_chart, attention)
        self.spec_shown.emit(spec)
