"""The similar-images strip on its own (coatnet_gui/widgets/similar_strip.py): thumbnails decoded off the GUI
thread by the Batch tab's loader, captions, the intents it emits (open, set class for the selected or every image
shown, a dropped file) and what it refuses."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from coatnet_gui.batch.thumbnails import Thumbnails
from coatnet_gui.widgets.similar_strip import SimilarItem, SimilarStrip
from coatnet_gui.workers import Workers

SLICE = Path(__file__).resolve().parents[1] / "data" / "fmnist_test_slice"


def make_strip(qtbot) -> tuple[SimilarStrip, Thumbnails]:
    workers = Workers()
    thumbnails = Thumbnails(workers, side=40)
    strip = SimilarStrip(thumbnails, side=40)
    qtbot.addWidget(strip)
    strip.resize(600, 300)
    strip.show()
    return strip, thumbnails


def test_the_strip_shows_thumbnails_and_emits_what_the_user_asks(qtbot):
    strip, thumbnails = make_strip(qtbot)
    files = sorted(SLICE.glob("*.png"))[:4]
    items = [SimilarItem(str(f), 0.9 - i / 10, "Coat" if i else "") for i, f in enumerate(files)]
    assert not strip.set_class_button.isEnabled()
    strip.show_results("Most like x.png", items)
    assert strip.title.text() == "Most like x.png" and strip.list.count() == 4
    assert strip.list.item(0).text() == "unlabelled\n0.90" and strip.list.item(1).text() == "Coat\n0.80"
    assert strip.list.item(0).icon().pixmap(40, 40).toImage().pixelColor(20, 20).alpha() == 0  # a placeholder first
    assert thumbnails.wait(10_000)  # decoded on the thumbs pool, off the GUI thread
    qtbot.waitUntil(lambda: all(thumbnails.get(str(f)) is not None for f in files))
    for i in range(4):  # each placeholder replaced by the picture (opaque grey)
        assert strip.list.item(i).icon().pixmap(40, 40).toImage().pixelColor(20, 20).alpha() == 255
    assert thumbnails.get(str(files[0])).width() == 40  # 28 px images grown to the strip's side

    with qtbot.waitSignal(strip.set_class_requested) as every:
        strip.set_class_button.click()
    assert every.args[0] == [str(f) for f in files] and strip.set_class_button.text() == "Set class for these 4…"
    strip.list.item(2).setSelected(True)
    assert strip.set_class_button.text() == "Set class for these 1…"
    with qtbot.waitSignal(strip.set_class_requested) as chosen:
        strip.set_class_button.click()
    assert chosen.args[0] == [str(files[2])]

    rect = strip.list.visualItemRect(strip.list.item(1))
    QTest.mouseClick(strip.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(strip.open_requested) as opened:
        QTest.mouseDClick(strip.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args[0] == str(files[1])
    strip.list.setCurrentRow(3)
    with qtbot.waitSignal(strip.open_requested) as entered:
        QTest.keyClick(strip.list, Qt.Key.Key_Return)
    assert entered.args[0] == str(files[3])

    strip.show_message("Could not read y.png: not an image")
    assert strip.list.count() == 0 and not strip.set_class_button.isEnabled()
    strip.show_results("Most like z.png", [])
    assert strip.title.text() == "Most like z.png: nothing found."


def drag(widget, urls: list[QUrl]) -> QDragEnterEvent:
    mime = QMimeData()
    mime.setUrls(urls)
    pos, buttons, modifiers = QPoint(5, 5), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(widget, enter)
    if enter.isAccepted():
        QApplication.sendEvent(widget, QDropEvent(pos, Qt.DropAction.CopyAction, mime, buttons, modifiers))
    return enter


def test_a_dropped_file_is_the_query_and_anything_else_is_refused(qtbot, tmp_path):
    strip, _ = make_strip(qtbot)
    dropped: list[str] = []
    strip.image_dropped.connect(dropped.append)
    image = sorted(SLICE.glob("*.png"))[0]
    assert not drag(strip, [QUrl("https://example.org/a.png")]).isAccepted()
    assert not drag(strip, [QUrl.fromLocalFile(str(tmp_path))]).isAccepted()  # a folder
    assert not drag(strip, [QUrl.fromLocalFile(str(tmp_path / "gone.png"))]).isAccepted()
    assert dropped == []
    assert drag(strip, [QUrl.fromLocalFile(str(tmp_path)), QUrl.fromLocalFile(str(image))]).isAccepted()
    assert dropped == [str(image)]
