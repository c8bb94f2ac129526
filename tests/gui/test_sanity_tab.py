"""The Checks panel's verdict words, fill chooser and Sanity tab, clicked through in the real window (offscreen,
bundled model): the score says better / worse / inconclusive with the chosen fill, the model randomisation test
runs off the GUI thread with progress, draws a curve per kind, goes on the explanation sheet, can be cancelled, and
leaves the network as it was."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import torch
from gui_helpers import TIMEOUT_MS, choose, show
from PySide6.QtCore import Qt

from coatnet_gui.app import view_export
from coatnet_gui.image import sheet
from model.explain.sanity import INSENSITIVE

VERDICTS = ("better", "worse", "inconclusive")


def test_fill_verdicts_and_the_sanity_tab(qtbot, window, sample, tmp_path, monkeypatch):
    show(qtbot, window, sample)
    checks = window.image_tab.checks
    faithfulness = checks.faithfulness
    qtbot.waitUntil(lambda: faithfulness.score is not None, timeout=TIMEOUT_MS)
    assert faithfulness.score.scores.fill == "blur"

    # another fill: the map is scored again with it, and the words say the verdicts
    choose(checks.fill_box, "mean")
    qtbot.waitUntil(
        lambda: faithfulness.score is not None and faithfulness.score.scores.fill == "mean", timeout=TIMEOUT_MS
    )
    text = faithfulness.numbers.text()
    verdicts = faithfulness.score.scores.verdicts
    assert "fill: the training data's mean colour" in text
    assert verdicts.deletion in VERDICTS and sum(text.count(word) for word in VERDICTS) >= 2
    assert window.session.fill == "mean"

    # the Sanity tab: run, progress, one curve per kind, the summary
    net = window.session.classifier.net
    before = {k: v.clone() for k, v in net.state_dict().items()}
    checks.setCurrentWidget(checks.sanity)
    view = checks.sanity
    progress = []
    window.session.sanity_progress.connect(lambda done, total: progress.append((done, total)))
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert not view.run_button.isEnabled() and view.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: view.report is not None, timeout=TIMEOUT_MS)
    report = view.report
    assert set(report.kinds) >= {"gradcam", "rollout", "received", "activation", "query", "content", "position"}
    assert view.plot.report is report and progress and progress[-1] == (7, 7)
    summary = view.summary.text()
    assert "Grad-CAM" in summary and "rollout" in summary and summary.count("■") == len(report.kinds)
    flagged = [n for n, k in report.kinds.items() if k.insensitive]
    assert (INSENSITIVE in view.status.text()) == bool(flagged)
    assert view.run_button.isEnabled() and not view.cancel_button.isEnabled()
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # the app's network is untouched
    image = view.plot.grab().toImage()
    assert image.width() > 0 and len({image.pixel(x, image.height() // 2) for x in range(image.width())}) > 2

    # the explanation sheet says the verdicts, the fill and the sanity check's result
    contents = []
    monkeypatch.setattr(view_export, "write_sheet_png", lambda content, _out: contents.append(content))
    window.exporter.export_sheet(str(tmp_path / "sheet.png"))
    qtbot.waitUntil(lambda: bool(contents), timeout=60_000)
    [content] = contents
    assert sheet.sanity_line(report) in content.settings_lines
    assert any("fill: the training data's mean colour" in line for line in content.settings_lines)
    assert all(m.verdicts.deletion in VERDICTS and m.verdicts.insertion in VERDICTS for m in content.maps)

    # cancel: the run stops and shows nothing
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    assert view.status.text() == "Cancelled." and view.run_button.isEnabled()
    qtbot.waitUntil(lambda: window.workers.pending("model") == 0, timeout=TIMEOUT_MS)
    assert view.status.text() == "Cancelled." and view.report is report
