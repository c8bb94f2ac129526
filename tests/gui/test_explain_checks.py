"""Explanations a user can check, clicked through in the real window (offscreen, bundled model): "why A and not B"
from a Ctrl-click on a prediction bar, the faithfulness curve and the ranked table of every map, the head chart,
and the explanation sheet."""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

from gui_helpers import TIMEOUT_MS, choose, settle, show
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QFileDialog

from coatnet_gui.app import view_export
from coatnet_gui.image import sheet
from coatnet_gui.widgets.faithfulness_chart import interval_text, verdict_html
from coatnet_gui.widgets.score_table import RANDOM_ROW
from model.choices import FILL_CHOICES


def test_ctrl_click_on_a_second_class_shows_why_a_and_not_b(qtbot, window, sample, tmp_path):
    show(qtbot, window, sample)
    tab = window.image_tab
    panel, controls = tab.prediction, tab.controls
    qtbot.waitUntil(lambda: panel.prediction is not None, timeout=TIMEOUT_MS)
    a, b = panel.prediction.indices[0], panel.prediction.indices[1]
    labels = window.session.classifier.label_names
    qtbot.mouseClick(panel.bars[1], Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    spec = window.result.spec
    assert (spec.kind, spec.class_index, spec.versus) == ("gradcam", None, b)
    assert window.result.unit == f"Grad-CAM {labels[a]} vs {labels[b]}"
    assert f"“{labels[a]}” vs “{labels[b]}”" in controls.caption.text()
    assert panel.bars[1].versus and not panel.bars[0].versus and panel.bars[0].isChecked()
    assert controls.versus_box.currentIndex() == b and controls.clear_versus_button.isEnabled()
    assert controls.versus_box.isVisible()
    explanation = window.session.explanation
    expected = explanation.grad_cam(a, window.result.block.name, versus=b).numpy()
    assert abs(window.result.panels[0].grid - expected).max() < 1e-6

    # saved files say "A vs B": the raw map's name and description
    name = window.suggested_name(".npy")
    assert name.endswith(f"_gradcam_vs_class{b}.npy")
    window.save_map(str(tmp_path / name))
    meta = json.loads((tmp_path / f"{name}.json").read_text())
    assert (meta["class_index"], meta["versus_index"], meta["versus_name"]) == (a, b, labels[b])

    # a plain click keeps B; Clear goes back to plain Grad-CAM, and so does Ctrl-clicking B again
    qtbot.mouseClick(controls.clear_versus_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert window.result.spec.versus is None and window.result.unit == "Grad-CAM"
    assert not any(bar.versus for bar in panel.bars) and controls.versus_box.currentText() == ""
    qtbot.mouseClick(panel.bars[2], Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert window.result.spec.versus == panel.prediction.indices[2]
    qtbot.mouseClick(panel.bars[2], Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert window.result.spec.versus is None
    # the Versus picker reaches any class (typing part of its name and Enter), but not class A
    other = next(i for i in range(len(labels)) if i not in panel.prediction.indices)
    edit = controls.versus_box.lineEdit()
    edit.setText(labels[other][1:].upper())
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert window.result.spec.versus == other and f"vs “{labels[other]}”" in controls.caption.text()
    qtbot.mouseClick(controls.clear_versus_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    edit.setText(labels[a])
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert controls.spec().versus is None and edit.text() == ""
    # from the keyboard: Ctrl+Space on a focused bar
    panel.bars[3].setFocus()
    qtbot.keyClick(panel.bars[3], Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert window.result.spec.versus == panel.prediction.indices[3]
    qtbot.mouseClick(controls.clear_versus_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    # class A itself is no class B
    qtbot.mouseClick(panel.bars[0], Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert window.result.spec.versus is None
    assert window.settings.overlay.versus is None  # B is not remembered for the next start, like the class


def test_the_map_on_screen_is_scored_and_score_all_maps_ranks_every_kind(qtbot, window, sample):
    show(qtbot, window, sample)
    checks, controls = window.image_tab.checks, window.image_tab.controls
    faithfulness = checks.faithfulness
    qtbot.waitUntil(lambda: faithfulness.score is not None, timeout=TIMEOUT_MS)
    score, explanation = faithfulness.score, window.session.explanation
    assert score.spec == window.result.spec and score.class_index == int(explanation.probs.argmax())
    curves, orders, verdicts = score.scores.map, score.scores.random_orders, score.scores.verdicts
    assert curves.fractions.shape == curves.deletion.shape == (score.scores.steps + 1,) and len(orders) > 1
    assert abs(curves.deletion[0] - float(explanation.probs[score.class_index])) < 0.02
    text = faithfulness.numbers.text()
    assert f"{curves.deletion_area:.3f}" in text and interval_text(verdicts.deletion_interval) in text
    assert verdicts.deletion in {"better", "worse", "inconclusive"} and verdict_html(verdicts.deletion) in text
    assert f"fill: {FILL_CHOICES['blur']}" in text

    # with automatic scoring off, another map takes the score down until scoring is on again
    checks.auto_score.setChecked(False)
    choose(controls.mode_box, "received")
    settle(qtbot, window)
    assert faithfulness.score is None and "Tick" in faithfulness.numbers.text()
    checks.auto_score.setChecked(True)
    qtbot.waitUntil(lambda: faithfulness.score is not None, timeout=TIMEOUT_MS)
    assert faithfulness.score.spec == window.result.spec and faithfulness.score.title.startswith("received")
    assert faithfulness.score.scores.random_orders is orders  # the random orders of this image and class run once

    # small multiples hold several maps: no score, and the panel says why
    choose(controls.head_box, "all")
    settle(qtbot, window)
    qtbot.waitUntil(lambda: "Several maps" in faithfulness.numbers.text(), timeout=TIMEOUT_MS)
    assert faithfulness.score is None

    qtbot.mouseClick(checks.score_all_button, Qt.MouseButton.LeftButton)
    table = checks.table
    qtbot.waitUntil(lambda: table.scores is not None, timeout=TIMEOUT_MS)
    specs = table.scores.specs
    kinds = {(s.kind, s.attention_mode if s.kind == "attention" else "") for s in specs.values()}
    assert {("gradcam", ""), ("activation", ""), ("attention", "rollout"), ("attention", "received")} <= kinds
    assert ("attention", "query") in kinds and table.rowCount() == len(specs) + 1  # the last row: random order
    areas = [table.scores.table.maps[name].deletion_area for name in table.names]
    assert areas == sorted(areas) and [table.item(r, 1).text() for r in range(len(specs))] == table.names
    assert table.item(len(specs), 1).text() == RANDOM_ROW and checks.score_all_button.isEnabled()
    words = {table.item(r, c).text().split()[-1] for r in range(len(specs)) for c in (2, 3)}
    assert words <= {"better", "worse", "inconclusive"} and words  # every area says its verdict

    # clicking a row shows that map; the random row shows nothing new
    for row in (len(specs) - 1, 0):
        rect = table.visualItemRect(table.item(row, 1))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        settle(qtbot, window)
        assert window.result.spec == specs[table.names[row]]
    rect = table.visualItemRect(table.item(len(specs), 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert controls.spec() == specs[table.names[0]]
    qtbot.waitUntil(lambda: faithfulness.score is not None, timeout=TIMEOUT_MS)
    assert faithfulness.score.spec == specs[table.names[0]]


def test_the_head_chart_shows_every_head_and_a_click_shows_its_map(qtbot, window, sample, tmp_path, monkeypatch):
    show(qtbot, window, sample)
    checks = window.image_tab.checks
    checks.setCurrentIndex(1)
    chart = checks.heads
    qtbot.waitUntil(lambda: bool(chart.state.stats), timeout=TIMEOUT_MS)
    transformers = [b for b in window.session.explanation.blocks if b.kind == "transformer"]
    assert [(s.block, s.head) for s in chart.state.stats] == [(b.name, h) for b in transformers for h in range(b.heads)]
    block = transformers[-1].name
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=chart.point_of(block, 1).toPoint())
    settle(qtbot, window)
    spec = window.result.spec
    assert (spec.kind, spec.block, spec.head) == ("attention", block, 1)
    assert chart.state.selected == (block, 1)
    choose(checks.metric_box, "entropy")
    assert chart.state.metric == "entropy"

    # right-click ▸ Save as PNG… ▸ a file name: the chart is painted and written off the GUI thread
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "heads.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args: (str(path), ""))
    [save] = [action for action in chart.context_menu().actions() if action.text() == "Save as PNG…"]
    save.trigger()
    qtbot.waitUntil(path.exists, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: "Saved the head chart" in window.statusBar().currentMessage(), timeout=TIMEOUT_MS)
    saved = QImage(str(path))
    assert (saved.width(), saved.height()) == (900, 560)
    assert [p.name for p in path.parent.iterdir()] == ["heads.png"]  # written atomically: no temporary file left


def test_export_sheet_writes_one_png_with_the_image_the_maps_and_their_scores(
    qtbot, window, sample, tmp_path, monkeypatch
):
    show(qtbot, window, sample)
    controls = window.image_tab.controls
    controls.set_class(1)
    settle(qtbot, window)
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "sheet.png"
    gathered, contents = [], []

    def spy(*args):
        gathered.append(sheet.gather_maps(*args))
        return gathered[-1]

    def written(content, out):
        contents.append(content)
        return sheet.write_sheet_png(content, out)

    monkeypatch.setattr(view_export, "gather_maps", spy)
    monkeypatch.setattr(view_export, "write_sheet_png", written)
    window.exporter.export_sheet(str(path))
    qtbot.waitUntil(lambda: "Exported the explanation sheet" in window.statusBar().currentMessage(), timeout=60_000)
    [maps], [content] = gathered, contents
    shown = window.image_tab.prediction.prediction  # one prediction: the sheet's top-5 is the panel's
    assert content.prediction == shown and shown.precision == window.session.classifier.placement.precision
    assert sheet.prediction_heading(content.prediction) == f"Prediction (top 5, {shown.precision})"
    assert window.session.explanation.prediction.precision == "fp32"  # the capturing pass says what it ran in
    assert (
        maps[0].title.startswith("on screen: Grad-CAM")
        and maps[0].class_name == window.session.classifier.label_names[1]
    )
    kinds = {m.result.spec.kind for m in maps[1:]}
    assert kinds == {"gradcam", "attention", "activation"}
    deletion = [m.curves.deletion_area for m in maps[1:]]
    assert deletion == sorted(deletion)  # most faithful first, after the map on screen
    saved = QImage(str(path))
    rows = -(-len(maps) // sheet.COLUMNS)
    assert saved.width() == 2 * sheet.MARGIN + sheet.COLUMNS * sheet.TILE + (sheet.COLUMNS - 1) * sheet.GAP
    assert saved.height() > rows * sheet.TILE and [p.name for p in path.parent.iterdir()] == ["sheet.png"]
    assert any(a.text() == "&Export sheet…" and a.shortcut().toString() == "Ctrl+E" for a in window.actions())


def test_export_sheet_without_an_image_says_so(qtbot, window, tmp_path):
    window.exporter.export_sheet(str(tmp_path / "sheet.png"))
    assert window.banner.kind == "error" and "Open an image first" in window.banner.text()
    assert not (tmp_path / "sheet.png").exists()


def test_clicking_score_table_rows_leaves_the_table_where_it_was(qtbot, window, sample):
    """Each row shows another kind of map, whose overlay controls have other rows: the table must not move (or
    the next click lands on another row)."""
    show(qtbot, window, sample)
    checks, sidebar = window.image_tab.checks, window.image_tab.sidebar.widget()
    qtbot.mouseClick(checks.score_all_button, Qt.MouseButton.LeftButton)
    table = checks.table
    qtbot.waitUntil(lambda: table.scores is not None, timeout=TIMEOUT_MS)
    settle(qtbot, window)

    def where() -> tuple:  # once the posted layout requests are done, as before a person's next click
        for _ in range(3):
            QApplication.processEvents()
        return table.mapTo(sidebar, table.rect().topLeft()), table.height()

    before = where()
    kinds = {}
    for row in range(len(table.names)):
        rect = table.visualItemRect(table.item(row, 1))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        settle(qtbot, window)
        assert window.result.spec == table.scores.specs[table.names[row]]
        kinds[window.result.spec.kind] = row
        assert where() == before, f"the table moved after a click on row {row} ({table.names[row]})"
    assert {"gradcam", "attention", "activation"} <= set(kinds)
