"""The window in Simplified Chinese: with the zh_CN translators installed, no user-visible text of the main window
(every tab), its menus (every action, submenus included, filled as they open), the Batch tab, the Teach dialog and
the Live tab (a video file open, its timeline, a capture, the strip's hover tip) is left in English; Settings ▸
Language saves the choice for the next start; ``--self-test`` passes in zh_CN.

A text counts as translated when it holds Chinese characters, or when nothing Latin is left once the proper nouns
(CoAtNet, Grad-CAM, CPU…), the model's class names and name, file names and paths are taken out. Font rendering
plays no part: the texts are read from the widgets."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QTabWidget,
    QTreeView,
    QWidget,
)

from coatnet_gui import i18n
from coatnet_gui.app.main_window import MainWindow
from model.explain.colormaps import COLORMAPS
from model.resources import sample_images

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
PROPER_NOUNS = ("CoAtNet Lens", "CoAtNet", "Grad-CAM", "Fashion-MNIST", "ImageNet", "English", "CUDA", "NVIDIA")
PROPER_NOUNS += ("GPU", "MPS", "Apple", "CPU", "Top-1", "top-1", "fp32", "bf16", "fp16", "Ctrl", "Alt", "Shift")


@pytest.fixture
def zh_cn(qapp) -> Iterator[None]:
    """The app in Simplified Chinese, as ``run_app`` sets it up for a zh_CN system; English again afterwards."""
    before = QLocale()
    translators = i18n.install(qapp, "zh_CN")
    assert len(translators) == 2  # the app's and Qt's own (standard buttons)
    yield
    for translator in translators:
        qapp.removeTranslator(translator)
    qapp.setProperty("coatnet_translators", 0)
    QLocale.setDefault(before)


def widget_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """Yield ``(where, text)`` for every user-visible text of ``root`` and its children: labels, buttons, group
    titles, tab texts and tooltips, combo items, placeholders, table headers (and their tooltips), tooltips."""
    for w in [root, *root.findChildren(QWidget)]:
        name = type(w).__name__
        if isinstance(w, QLabel | QAbstractButton):
            yield name, w.text()
        if isinstance(w, QGroupBox):
            yield name, w.title()
        if isinstance(w, QLineEdit):
            yield name, w.placeholderText()
        if isinstance(w, QComboBox):
            yield from ((f"{name} item", w.itemText(i)) for i in range(w.count()))
        if isinstance(w, QTabWidget):
            for i in range(w.count()):
                yield f"{name} tab", w.tabText(i)
                yield f"{name} tab tooltip", w.tabToolTip(i)
        header = w.horizontalHeader() if isinstance(w, QTableView) else w.header() if isinstance(w, QTreeView) else None
        if header is not None and header.model() is not None:
            model, across, tip = header.model(), Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
            for c in range(header.count()):
                yield f"{name} header", str(model.headerData(c, across) or "")
                yield f"{name} header tooltip", str(model.headerData(c, across, tip) or "")
        yield f"{name} tooltip", w.toolTip()


def menu_texts(menu: QMenu, path: str) -> Iterator[tuple[str, str]]:
    """Yield ``(menu path, text)`` for every action of ``menu`` and its submenus (each filled as when it opens)."""
    menu.aboutToShow.emit()
    yield path, menu.title()
    for action in menu.actions():
        if action.isSeparator():
            continue
        yield f"{path} ▸ action", action.text()
        yield f"{path} ▸ tooltip", action.toolTip() if action.toolTip() != action.text().replace("&", "") else ""
        if action.menu() is not None:
            yield from menu_texts(action.menu(), f"{path} ▸ {action.text()}")


def untranslated(texts: Iterator[tuple[str, str]], allowed: list[str]) -> list[tuple[str, str]]:
    """Return the texts left in English: no Chinese character, and Latin words left once the ``allowed`` names
    (longest first), paths, file names and numbers are taken out."""
    allowed = sorted({a for a in allowed if a}, key=len, reverse=True)
    left = []
    for where, text in texts:
        plain = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
        if not plain.strip() or CJK.search(plain):
            continue
        rest = plain
        for name in allowed:
            rest = rest.replace(name, " ")
        rest = re.sub(r"\S*[/\\]\S*|\S+\.(png|jpe?g|webp|npy|safetensors|onnx|csv|jsonl)\b", " ", rest)  # paths
        if re.search(r"[A-Za-z]{2,}", rest):
            left.append((where, text))
    return left


def test_no_english_is_left_in_the_window_its_menus_the_batch_tab_and_the_teach_dialog(
    qtbot, settings, sample: Path, zh_cn
):
    from gui_helpers import open_window

    window: MainWindow = open_window(qtbot, settings)
    with qtbot.waitSignal(window.session.overlay_ready, timeout=60_000):
        window.open_path(str(sample))
    classifier = window.session.classifier
    info, placement = classifier.info, classifier.placement
    allowed = [*PROPER_NOUNS, *classifier.label_names, info.name, info.label_set, info.config_name, info.source]
    allowed += [str(info.location), placement.device, placement.precision, sample.name, *COLORMAPS]
    allowed += [p.stem.removeprefix("fashion_").replace("-", " ") for p in sample_images()]  # sample buttons
    allowed += [p.name for p in sample_images()]
    from model.weights.pretrained import PRETRAINED

    allowed += list(PRETRAINED)  # the public checkpoints' tags
    texts = [("title", window.windowTitle()), *widget_texts(window)]
    for action in window.menuBar().actions():
        texts += list(menu_texts(action.menu(), action.text()))
    window.tabs.setCurrentWidget(window.batch)
    dialog = window.batch.show_teach()
    texts += widget_texts(dialog)
    texts += [("Teach dialog title", dialog.windowTitle())]
    assert len(texts) > 500  # the walk reached the tabs, the menus and the dialog
    assert any("批量标注" in t for _w, t in texts) and any("教模型认识你的类别" in t for _w, t in texts)
    assert untranslated(texts, allowed) == []
    dialog.close()


def test_the_walk_finds_english_when_no_translation_is_loaded(qtbot, settings):
    """The check can fail: without the translators the same walk reports the English texts."""
    from gui_helpers import open_window

    window = open_window(qtbot, settings)
    left = untranslated(widget_texts(window), list(PROPER_NOUNS))
    assert ("QPushButton", "Export shown rows…") in left and len(left) > 50


def test_settings_language_saves_the_choice_for_the_next_start(qtbot, settings):
    from gui_helpers import open_window

    window = open_window(qtbot, settings)
    [language] = [a.menu() for a in window.menuBar().actions() if a.text() == "Setti&ngs"]
    [menu] = [a.menu() for a in language.actions() if a.menu() is not None]
    assert [a.text() for a in menu.actions()] == ["&System language", "English", "简体中文"]
    assert [a.isChecked() for a in menu.actions()] == [True, False, False]
    menu.actions()[2].trigger()
    assert settings.language == "zh_CN" and type(settings).__name__ == "Settings"
    assert "starts again" in window.banner.label.text()
    assert QCoreApplication.translate("Menus", "&File") == "&File"  # this session stays in English


def test_self_test_passes_in_chinese(tmp_path: Path):
    env = {**os.environ, i18n.ENV_LANG: "zh_CN", "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    env["COATNET_LENS_DATA"] = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-m", "coatnet_gui", "--self-test", str(tmp_path / "out")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "language zh_CN" in done.stdout and "self-test passed" in done.stdout
    assert (tmp_path / "out" / "window.png").stat().st_size > 0


def test_no_english_is_left_in_the_live_tab(qtbot, settings, tmp_path: Path, zh_cn):
    """The Live tab with a video file open, its timeline classified, a frame captured and a message shown: every
    text of it (labels, buttons, tooltips, the source picker, the readouts, the strip's note and hover tip)."""
    from gui_helpers import open_window
    from video_clips import fashion_stills, held_frames, write_clip

    window: MainWindow = open_window(qtbot, settings)
    tab = window.live
    window.tabs.setCurrentWidget(tab)
    note = tab.strip.note  # before any file: what the strip says
    clip = write_clip(tmp_path / "clip.mp4", held_frames([p for p, _n in fashion_stills(1)][:2], hold=2, size=64))
    tab.open_file(clip)
    qtbot.waitUntil(lambda: tab.session.result is not None and tab.session.overlay is not None, timeout=60_000)
    qtbot.waitUntil(lambda: not tab.session.timeline_running() and bool(tab.strip.rows), timeout=60_000)
    tab.capture.start_capture()  # no class named yet: a message above the frame
    assert not tab.message.isHidden()
    tab.class_edit.setText("shirts")
    tab.capture.start_capture()
    qtbot.waitUntil(lambda: bool(tab.capture_label.text()), timeout=60_000)
    tab.capture.stop_capture()
    strip = tab.strip
    at = QPointF(strip.width() / 2, strip.height() / 2)
    no_button, no_key = Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    move = QMouseEvent(QEvent.Type.MouseMove, at, strip.mapToGlobal(at), no_button, no_button, no_key)
    QCoreApplication.sendEvent(strip, move)  # the hover tip names the frame under the cursor
    tab.toggle_play()
    playing = tab.play_button.text()
    tab.player.pause()
    clf = window.session.classifier
    camera = tab.camera_note.text()  # "" with a camera, else why none, in Chinese; a library's error may follow
    library_error = camera.rsplit(" (", 1)[1] if " (" in camera else ""
    allowed = [*PROPER_NOUNS, *clf.label_names, clf.info.name, "shirts", clip.name, *COLORMAPS, library_error]
    texts = [*widget_texts(tab), ("strip note", note), ("play button", playing)]
    texts += [("rate", tab.rate_text(kind)) for kind in ("gradcam", "attention", "activation")]
    assert len(texts) > 60 and any("快照与采集" in t for _w, t in texts) and "每 3 帧" in tab.rate_text("gradcam")
    assert "秒" in strip.toolTip() and "点击显示此帧" in strip.toolTip()
    assert CJK.search(camera) or not camera
    assert untranslated(texts, allowed) == []
