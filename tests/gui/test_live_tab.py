"""The Live tab in the real window, offscreen, on small generated video files (PyAV) and the small model: a file
plays and shows frames with an overlay; a query click moves the map; pause and step; a snapshot lands in the Image
tab; frames captured into classes teach a model the tab then uses; the timeline strip fills, a click on it seeks and
its rows export; no camera is said so; a bad file is an error in the window, the app keeps running; frames that
arrive while the network is busy are dropped, not queued; slow plain passes hand frames without a map to the fast
pass (OpenVINO); an exported .onnx file gives frames and the timeline their predictions, without maps."""

from __future__ import annotations

import csv
import json
import os
import sys
from dataclasses import replace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from video_clips import fashion_stills, held_frames, write_clip

from coatnet_gui.live.camera import NO_CAMERA
from coatnet_gui.overlay.paint import COLORMAP_KEY
from model.data.transform import preprocess
from model.explain.colormaps import for_map
from model.explain.maps import OverlaySpec
from model.live.fast_pass import FAST_PASS_FRAMES
from model.live.pacing import KIND_NAMES
from model.paths import data_dir
from model.runtime.runtimes import unavailable_reason

TIMEOUT_MS = 60_000
FRAMES = 12  # fashion_clip's: 4 images held 3 frames each, 10 fps


def fashion_clip(path: Path, count: int = 4, hold: int = 3) -> Path:
    """Write ``count`` Fashion-MNIST images of different classes, each held ``hold`` frames, at 10 fps, 96 px."""
    stills = [p for p, _name in fashion_stills(1)][:count]
    return write_clip(path, held_frames(stills, hold=hold, size=96))


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return fashion_clip(tmp_path / "clip.mp4")


@pytest.fixture
def live(qtbot, window, clip: Path):
    """The window's Live tab shown, the clip open and its first frame classified with an overlay."""
    tab = window.live
    window.tabs.setCurrentWidget(tab)
    tab.open_file(clip)
    qtbot.waitUntil(lambda: tab.session.result is not None and tab.session.overlay is not None, timeout=TIMEOUT_MS)
    return tab


def wait_frame(qtbot, tab, index: int) -> None:
    """Wait until frame ``index`` is shown and classified, with no frame job left in flight."""
    qtbot.waitUntil(
        lambda: (
            tab.player.index == index
            and tab.session.result is not None
            and tab.session.result.frame.index == index
            and not tab.session.busy()
        ),
        timeout=TIMEOUT_MS,
    )


def test_a_file_shows_frames_with_an_overlay_and_a_click_moves_the_query(qtbot, live):
    tab = live
    assert tab.player.info.frames == FRAMES
    assert tab.view.state is not None and tab.view.state.result is tab.session.overlay and tab.view.state.layers
    assert tab.prediction.prediction is not None and len(tab.prediction.prediction.labels) == 5
    assert "fps" in tab.stats_label.text() and "latency" in tab.stats_label.text()
    tab.controls.choose(OverlaySpec(kind="attention", attention_mode="query", query=(0.5, 0.5)))
    qtbot.waitUntil(lambda: tab.session.overlay is not None and tab.session.overlay.spec.query == (0.5, 0.5))
    before = tab.session.overlay.panels[0].image.copy()
    box = tab.view._layout.cells[0]  # the model's view on screen
    point = QPoint(int(box.left + box.width * 0.15), int(box.top + box.height * 0.15))
    qtbot.mouseClick(tab.view, Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(
        lambda: tab.session.overlay is not None and tab.session.overlay.spec.query[0] < 0.3, timeout=TIMEOUT_MS
    )
    assert tab.view.state.result is tab.session.overlay
    assert not np.allclose(tab.session.overlay.panels[0].image, before)


def test_maps_are_coloured_in_the_worker_with_the_colour_map_chosen(qtbot, live):
    """The frame job colours its map off the GUI thread (which has the arriving frames to show); the view draws those
    very layers, and a colour map chosen later reaches the next frame's job."""
    tab = live
    result = tab.session.result
    assert result.layers is not None and result.colormap == tab.controls.colormap()
    assert tab.view.state.layers is result.layers
    box = tab.controls.cmap_box
    box.setCurrentIndex(next(i for i in range(box.count()) if box.itemData(i) != tab.controls.colormap()))
    name = tab.controls.colormap()
    assert tab.session.colormap == name
    qtbot.waitUntil(lambda: tab.session.result is not result and not tab.session.busy(), timeout=TIMEOUT_MS)
    assert tab.view.state.layers is tab.session.result.layers  # the frame shown, its map coloured anew
    assert tab.view.state.layers[0].text(COLORMAP_KEY) == for_map(name, result.overlay.panels[0].signed)
    tab.step_button.click()
    wait_frame(qtbot, tab, 1)
    stepped = tab.session.result
    assert stepped.overlay is not None and stepped.colormap == name
    assert tab.view.state.layers is stepped.layers


def test_play_pause_and_step(qtbot, live):
    tab = live
    assert tab.player.index == 0 and not tab.player.playing
    tab.smooth_spin.setValue(3)  # the top-5 averaged over the last 3 frames
    assert tab.session.smoother.frames == 3
    tab.step_button.click()
    wait_frame(qtbot, tab, 1)
    tab.step_button.click()
    wait_frame(qtbot, tab, 2)
    assert tab.time_label.text().startswith("0:00.20")
    tab.view.setFocus()  # the key "." steps too (a View menu action scoped to the tab)
    qtbot.keyClick(tab.view, Qt.Key.Key_Period)
    wait_frame(qtbot, tab, 3)
    tab.play_button.click()
    assert tab.player.playing and tab.play_button.text() == "Pause"
    with qtbot.waitSignal(tab.player.ended, timeout=TIMEOUT_MS):
        pass
    assert not tab.player.playing and tab.play_button.text() == "Play"
    assert tab.player.index == FRAMES - 1
    assert tab.session.stats.shown_count + tab.session.stats.dropped >= FRAMES - 3  # every frame shown or dropped
    tab.play_button.click()  # from the start again, then pause: nothing more arrives
    qtbot.waitUntil(lambda: tab.player.index < FRAMES - 1, timeout=TIMEOUT_MS)
    tab.play_button.click()
    assert not tab.player.playing
    shown = tab.player.index
    tab.step_button.click()
    wait_frame(qtbot, tab, shown + 1)


def test_keeping_each_map_on_its_own_frame_while_playing(qtbot, live):
    """Grad-CAM on every 3rd frame. Option off: the video runs on under an older frame's map (the trailing the
    option is for). On: at every frame that arrives and every map that comes, the picture is the frame its map was
    computed on. Paused at the end, the frame shown gets its own map."""
    tab, session = live, live.session
    tab.controls.choose(OverlaySpec(kind="gradcam"))
    qtbot.waitUntil(lambda: session.overlay is not None and session.overlay.spec.kind == "gradcam", timeout=TIMEOUT_MS)
    map_frame = {}  # id(map) -> the frame it was computed on

    def mapped(result) -> None:
        if result.overlay is not None:
            map_frame[id(result.overlay)] = result.frame.qimage

    seen = []  # (picture, map) on screen after each frame's arrival and each map (the tab's slots run first)
    session.result_ready.connect(mapped)
    session.result_ready.connect(lambda _r: seen.append((tab.view.state.image, tab.view.state.result)))
    tab.player.frame_ready.connect(lambda _f: seen.append((tab.view.state.image, tab.view.state.result)))

    def play_through() -> list[bool]:
        seen.clear()
        with qtbot.waitSignal(tab.player.ended, timeout=TIMEOUT_MS):
            tab.play_button.click()
        own = [map_frame[id(result)] is image for image, result in seen if id(result) in map_frame]
        assert len(own) >= FRAMES - 2
        return own

    assert not tab.sync_box.isChecked() and not all(play_through())  # off by default: maps trail
    tab.sync_box.setChecked(True)
    assert all(play_through())
    last = tab.player.index
    qtbot.waitUntil(
        lambda: (
            tab.view.state.result is not None
            and map_frame.get(id(tab.view.state.result)) is tab.view.state.image is session.current.qimage
        ),
        timeout=TIMEOUT_MS,
    )
    assert session.current.index == last == FRAMES - 1


def test_snapshot_lands_in_the_image_tab(qtbot, window, live):
    live.controls.choose(OverlaySpec(kind="gradcam"))
    assert "every 3rd frame" in live.rate_label.text()
    # the tab's translatable wording is the core's in English (the rate line and the readout)
    plan, stats = live.session.plan, live.session.stats
    assert [live.rate_text(k) for k in KIND_NAMES] == [plan.describe(k) for k in KIND_NAMES]
    assert live.session.stats_text() == stats.text() and live.stats_label.text() == stats.text()
    live.snapshot_button.click()
    qtbot.waitUntil(lambda: window.session.image is not None, timeout=TIMEOUT_MS)
    path = Path(window.session.image.source.path)
    assert path.parent == data_dir() / "live-snapshots" and path.name.startswith("clip-t0.000")
    assert window.tabs.currentWidget() is window.image_tab
    qtbot.waitUntil(lambda: window.result is not None, timeout=TIMEOUT_MS)  # explained, with the Live tab's kind
    assert window.result.spec.kind == "gradcam"


def test_capture_into_classes_then_teach_gives_the_model_the_tab_uses(qtbot, window, live, tmp_path, monkeypatch):
    monkeypatch.setenv("COATNET_LENS_CACHE", str(tmp_path / "cache"))
    tab = live
    for name, frames in (("dark things", (0, 1, 3)), ("light things", (6, 9, 10))):
        tab.class_edit.setText(name)
        for index in frames:
            tab.player.seek(index / 10)
            wait_frame(qtbot, tab, index)
            if name == "dark things":  # hold the button
                qtbot.mousePress(tab.capture_button, Qt.MouseButton.LeftButton)
                qtbot.mouseRelease(tab.capture_button, Qt.MouseButton.LeftButton)
            else:  # hold C
                tab.view.setFocus()
                qtbot.keyPress(tab.view, Qt.Key.Key_C)
                assert tab.capture.capturing
                qtbot.keyRelease(tab.view, Qt.Key.Key_C)
                assert not tab.capture.capturing
    qtbot.waitUntil(lambda: tab.capture.captured == 6, timeout=TIMEOUT_MS)
    folders = sorted(p.name for p in (data_dir() / "live-captures").iterdir())
    assert folders == ["dark things", "light things"]
    assert "dark things 3" in tab.capture_label.text()

    tab.teach_button.click()
    dialog = tab.capture.teach_dialog
    assert dialog.isVisible() and dialog.folder_button.isChecked()
    with qtbot.waitSignal(dialog.taught, timeout=120_000) as taught:
        dialog.start()
    checkpoint = taught.args[0]
    qtbot.waitUntil(lambda: window.session.model_source == checkpoint, timeout=TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: (
            tab.session.result is not None
            and set(tab.session.result.prediction.labels) == {"dark things", "light things"}
        ),
        timeout=TIMEOUT_MS,
    )
    assert tab.prediction.model_label.text() == window.session.classifier.info.name


def test_the_timeline_fills_a_click_seeks_and_the_rows_export(qtbot, live, tmp_path):
    tab = live
    qtbot.waitUntil(lambda: not tab.session.timeline_running(), timeout=TIMEOUT_MS)
    assert len(tab.strip.rows) == FRAMES and [r.frame for r in tab.strip.rows] == list(range(FRAMES))
    assert "12 frames classified" in tab.timeline_status.text() and tab.export_button.isEnabled()
    x = int(tab.strip.width() * 0.75)
    qtbot.mouseClick(tab.strip, Qt.MouseButton.LeftButton, pos=QPoint(x, tab.strip.height() // 2))
    qtbot.waitUntil(lambda: tab.player.index >= 8, timeout=TIMEOUT_MS)
    assert abs(tab.player.position - 0.75 * tab.player.info.duration) <= 0.11
    qtbot.waitUntil(lambda: tab.strip.position == tab.player.position, timeout=TIMEOUT_MS)  # drawn with its top-5

    for suffix in ("csv", "jsonl"):
        out = tmp_path / f"rows.{suffix}"
        with qtbot.waitSignal(tab.session.exported, timeout=TIMEOUT_MS):
            tab.session.export_rows(out)
        text = out.read_text(encoding="utf-8")
        if suffix == "csv":
            rows = list(csv.DictReader(text.splitlines()))
            assert rows[4]["path"] == f"{tab.player.path}#t=0.400" and rows[4]["frame"] == "4"
        else:
            rows = [json.loads(line) for line in text.splitlines()]
            assert rows[4]["time"] == pytest.approx(0.4) and 0 < rows[4]["confidence"] <= 1
        assert len(rows) == FRAMES
    with qtbot.waitSignal(tab.failed, timeout=TIMEOUT_MS) as refused:  # never overwritten without asking
        tab.session.export_rows(tmp_path / "rows.csv")
    assert "exists already" in refused.args[0]


def test_a_stopped_timeline_says_so_on_the_strip(qtbot, live, tmp_path):
    tab = live
    qtbot.waitUntil(lambda: not tab.session.timeline_running(), timeout=TIMEOUT_MS)
    finished = []
    tab.session.timeline_finished.connect(finished.append)
    tab.open_file(fashion_clip(tmp_path / "other.mp4"))
    qtbot.waitUntil(lambda: tab.strip.note == "Classifying the frames…", timeout=TIMEOUT_MS)
    tab.cancel_timeline_button.click()  # at once: it may still have finished first, its rows all in
    qtbot.waitUntil(lambda: bool(finished), timeout=TIMEOUT_MS)
    assert tab.strip.note == tab.timeline_status.text() == finished[-1]  # not "Classifying the frames…"
    assert finished[-1].startswith(("Timeline cancelled after", "Timeline: 12 frames"))


def test_view_menu_opens_the_tab_and_no_camera_is_said_in_the_picker(window):
    tab = window.live
    action = next(a for a in window.actions() if a.text() == "&Live tab (camera, video)")
    assert action.shortcut().toString() == "Ctrl+L"
    action.trigger()  # the cameras are listed when the tab first shows
    assert window.tabs.currentWidget() is tab
    texts = [tab.source_box.itemText(i) for i in range(tab.source_box.count())]
    assert texts[0] == "Video file" and texts[-1] == NO_CAMERA
    assert not tab.source_box.model().item(len(texts) - 1).isEnabled()
    assert tab.camera_note.text().startswith(NO_CAMERA)


def test_a_bad_file_is_an_error_in_the_window_and_the_app_keeps_running(qtbot, window, tmp_path, clip):
    tab = window.live
    window.tabs.setCurrentWidget(tab)
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(2000))
    tab.open_file(bad)
    qtbot.waitUntil(lambda: tab.message.isVisible(), timeout=TIMEOUT_MS)
    assert "broken.mp4" in tab.message.text() and "details in" not in tab.message.text()  # expected, one line
    assert window.banner.isVisible()
    assert not tab.play_button.isEnabled()
    tab.open_file(clip)
    qtbot.waitUntil(lambda: tab.session.result is not None, timeout=TIMEOUT_MS)
    assert tab.player.info is not None and not tab.message.isVisible()


def test_frames_are_dropped_not_queued_while_the_network_is_busy(qtbot, live):
    tab, session = live, live.session
    qtbot.waitUntil(lambda: not session.busy(), timeout=TIMEOUT_MS)
    first = session.current
    session.reset()
    ran = []
    session.result_ready.connect(lambda result: ran.append(result.frame))
    assert session.offer(first)  # sent: the network is busy with it until its result comes back to this thread
    later = [replace(first, index=first.index + k) for k in (1, 2, 3)]
    assert [session.offer(f) for f in later] == [False, False, False]
    assert session.stats.dropped == 2 and session.waiting is later[-1]  # the newest waits, the others are dropped
    assert tab.workers.pending("live") == 1  # one frame in the network, nothing queued behind it
    assert "2 dropped" in tab.stats_label.text()
    qtbot.waitUntil(lambda: not session.busy() and session.waiting is None, timeout=TIMEOUT_MS)
    ran = list(dict.fromkeys(ran))  # a frame with a map comes twice: its top-5, then its map
    assert ran == [first, later[-1]] and session.stats.shown_count == 2  # the dropped frames never ran


def test_a_frame_the_network_takes_at_once_is_drawn_with_its_top5(qtbot, live):
    """A frame sent straight to an idle network is drawn when its top-5 comes (picture and classes together, no
    drawing beside its forward pass); one that finds the network busy is drawn at once and replaces the frame still
    waiting to be drawn, which is then never drawn over it; a failed pass draws its frame all the same."""
    tab, session = live, live.session
    qtbot.waitUntil(lambda: not session.busy(), timeout=TIMEOUT_MS)
    first = session.current
    frames = [replace(first, qimage=first.qimage.copy(), index=first.index + k) for k in (1, 2, 3)]
    on_screen = []  # the picture the view holds as each frame's top-5 comes (after the tab has handled it)
    session.result_ready.connect(lambda r: r.overlay is None and on_screen.append((r.frame, tab.view.state.image)))

    tab.show_frame(frames[0])
    assert session.busy() and tab.view.state.image is not frames[0].qimage  # not drawn yet: it is in the network
    qtbot.waitUntil(lambda: bool(on_screen), timeout=TIMEOUT_MS)
    assert on_screen[0] == (frames[0], frames[0].qimage)  # drawn as its top-5 shows
    qtbot.waitUntil(lambda: not session.busy(), timeout=TIMEOUT_MS)

    on_screen.clear()
    tab.show_frame(frames[1])  # taken at once: waits to be drawn
    tab.show_frame(frames[2])  # the network is busy: drawn now, and frames[1] is not drawn after it
    assert tab.view.state.image is frames[2].qimage
    qtbot.waitUntil(lambda: not session.busy() and session.waiting is None, timeout=TIMEOUT_MS)
    assert [frame for frame, _ in on_screen] == [frames[1], frames[2]]
    assert all(image is frames[2].qimage for _, image in on_screen)

    tab.show_frame(frames[0])
    assert tab.view.state.image is not frames[0].qimage
    session.failed.emit("the pass failed")  # as a failing frame job does
    assert tab.view.state.image is frames[0].qimage and tab.message.isVisible()
    qtbot.waitUntil(lambda: not session.busy(), timeout=TIMEOUT_MS)


def test_a_paused_frame_run_again_for_a_new_query_or_model_is_not_timed_again(qtbot, window, live):
    """A click on a paused frame (a new query) or a new model runs the frame shown again: its top-5 and map change,
    but the readout's latency is about frames as they arrive, so it is not timed again from an arrival long gone (it
    read 5,088 ms after one click in the real window)."""
    tab, session = live, live.session
    qtbot.waitUntil(lambda: not session.busy(), timeout=TIMEOUT_MS)
    session.stats.reset()
    tab.step_button.click()
    wait_frame(qtbot, tab, 1)
    assert session.stats.shown_count == 1
    latency, readout, shown = session.stats.latency, tab.stats_label.text(), session.result.frame
    maps = []
    session.result_ready.connect(lambda r: r.overlay is not None and maps.append(r.overlay))

    tab.view.query_picked.emit(0.1, 0.9)  # as a click on the frame does
    qtbot.waitUntil(lambda: bool(maps) and not session.busy(), timeout=TIMEOUT_MS)
    assert maps[-1].spec.query == (0.1, 0.9) and session.result.frame is shown  # the same frame, its new map
    assert session.stats.shown_count == 1 and session.stats.latency == latency and tab.stats_label.text() == readout
    window.session.model_ready.emit(window.session.classifier)  # the model chosen again: the statistics start anew
    qtbot.waitUntil(lambda: session.result is not None and not session.busy(), timeout=TIMEOUT_MS)
    assert session.result.frame is shown and session.stats.shown_count == 0 and session.stats.latency == 0.0

    tab.step_button.click()  # a frame that arrives is timed as ever
    wait_frame(qtbot, tab, 2)
    assert session.stats.shown_count == 1 and 0.0 < session.stats.latency < 10.0


def test_a_frames_top5_shows_before_its_map_is_made(qtbot, live):
    tab, session = live, live.session
    results = []
    session.result_ready.connect(results.append)
    session.stats.reset()
    tab.step_button.click()
    wait_frame(qtbot, tab, 1)
    assert [r.overlay is None for r in results] == [True, False]  # the top-5 first, then the same frame's map
    assert results[0].frame is results[1].frame and results[0].prediction == results[1].prediction
    assert session.stats.shown_count == 1 and tab.view.state.result is results[1].overlay


def test_a_truncated_file_plays_to_where_it_breaks_and_says_so(qtbot, window, tmp_path):
    tab = window.live
    window.tabs.setCurrentWidget(tab)
    whole = fashion_clip(tmp_path / "whole.mkv").read_bytes()  # Matroska: playable without its end
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(whole[: int(len(whole) * 0.6)])
    tab.open_file(cut)
    qtbot.waitUntil(lambda: tab.session.result is not None, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(tab.player.failed, timeout=TIMEOUT_MS) as failed:
        tab.play_button.click()
    assert "truncated" in failed.args[0] and not tab.player.playing and tab.play_button.text() == "Play"
    assert "truncated" in tab.message.text() and not tab.message.isHidden()
    assert 0 < tab.player.index < FRAMES - 1  # the frames before the break were shown
    qtbot.waitUntil(lambda: not tab.session.timeline_running(), timeout=TIMEOUT_MS)
    assert tab.timeline_status.text().startswith("Timeline stopped") and "truncated" in tab.timeline_status.text()
    assert 0 < len(tab.strip.rows) < FRAMES
    tab.player.seek(0.0)  # still usable
    wait_frame(qtbot, tab, 0)


def test_without_qtmultimedia_the_picker_says_why(qtbot, monkeypatch):
    import PySide6

    from coatnet_gui.live.camera import ADDONS_HINT, CameraChoice, CameraSource, list_cameras

    monkeypatch.delattr(PySide6, "QtMultimedia", raising=False)
    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)  # as without PySide6-Addons: import fails
    cameras, note = list_cameras()
    assert cameras == [] and note.startswith(NO_CAMERA) and ADDONS_HINT in note
    source = CameraSource()
    with qtbot.waitSignal(source.failed) as failed:
        source.start(CameraChoice(b"gone", "Desk camera"))
    assert ADDONS_HINT in failed.args[0] and not source.running


def test_a_camera_that_is_gone_is_a_message(qtbot):
    # QtMultimedia comes with the `camera` extra (PySide6-Addons; on Linux it also needs libpulse0): without it,
    # the test above covers what the user sees
    pytest.importorskip("PySide6.QtMultimedia", exc_type=ImportError)
    from coatnet_gui.live.camera import CameraChoice, CameraSource

    source = CameraSource()
    with qtbot.waitSignal(source.failed) as failed:  # QtMultimedia there, the camera not (unplugged)
        source.start(CameraChoice(b"gone", "Desk camera"))
    assert failed.args[0] == "The camera Desk camera is not connected any more." and not source.running


def test_camera_frames_are_classified_from_rgb_made_off_the_gui_thread(qtbot, window, monkeypatch):
    """A camera's frames (QVideoFrames, here made from Fashion-MNIST stills: there is no camera here) arrive as
    LiveFrames whose RGB image is not made on the GUI thread; the Live tab classifies them as the stills' classes."""
    pytest.importorskip("PySide6.QtMultimedia", exc_type=ImportError)
    import threading

    from PIL import Image
    from PySide6.QtMultimedia import QVideoFrame

    from coatnet_gui.live import frames
    from coatnet_gui.live.camera import CameraSource
    from coatnet_gui.qimage import pil_to_qimage

    made_on = []  # the threads the RGB images were made on

    def recorded(image):
        made_on.append(threading.current_thread() is threading.main_thread())
        return to_pil(image)

    to_pil = frames.qimage_to_pil
    monkeypatch.setattr(frames, "qimage_to_pil", recorded)
    tab, source, arrived = window.live, CameraSource(), []
    window.tabs.setCurrentWidget(tab)
    source.frame_ready.connect(arrived.append)
    stills = fashion_stills(1)[:5]
    right = 0
    for number, (path, truth) in enumerate(stills, start=1):
        still = Image.open(path).convert("RGB").resize((96, 96), Image.Resampling.NEAREST)
        source._on_frame(QVideoFrame(pil_to_qimage(still)))
        frame = arrived[-1]
        assert frame.pixels is None and frame.index == number and frame.time is None  # no RGB made on this thread
        tab.show_frame(frame)
        qtbot.waitUntil(lambda f=frame: tab.session.result is not None and tab.session.result.frame is f)
        right += tab.session.result.prediction.labels[0] == truth
        assert np.array_equal(np.asarray(frame.image), np.asarray(still))  # the pixels the camera gave
    assert made_on and not any(made_on), "a camera frame's RGB image was made on the GUI thread"
    assert right >= 4, f"{right} of {len(stills)} camera frames classified as their stills"


def test_the_slider_seeks_and_a_second_file_starts_at_its_start(qtbot, live, tmp_path):
    tab = live
    tab.seek_slider.setValue(500)  # as a click on the track or an arrow key does
    wait_frame(qtbot, tab, 5)
    other = fashion_clip(tmp_path / "other.mp4", count=2)
    tab.open_file(other)
    qtbot.waitUntil(lambda: tab.player.path == str(other) and tab.session.result is not None, timeout=TIMEOUT_MS)
    wait_frame(qtbot, tab, 0)
    assert tab.seek_slider.value() == 0 and tab.seek_slider.maximum() == 600


@pytest.mark.skipif(bool(unavailable_reason("openvino")), reason="OpenVINO is not installed")
def test_slow_passes_bring_the_fast_pass_for_frames_without_a_map(qtbot, live, tmp_path, monkeypatch):
    monkeypatch.setenv("COATNET_LENS_CACHE", str(tmp_path / "cache"))
    tab, session = live, live.session
    clf = tab.classifier_getter()
    session.fast_after = 0.0  # every pass counts as slow (the small model keeps up with a camera here; the window
    # fixture switched the fast pass off for the other tests)
    assert tab.rate_label.text() == "Attention on every frame"
    qtbot.waitUntil(lambda: not session.timeline_running(), timeout=TIMEOUT_MS)  # passes beside it are not judged
    for index in range(1, FAST_PASS_FRAMES + 1):  # all with a map
        tab.step_button.click()
        wait_frame(qtbot, tab, index)
        assert session.result.overlay is not None and session.fast is None
    qtbot.waitUntil(lambda: session.fast is not None, timeout=120_000)
    # a map takes a whole eager pass: on every other frame, and the tab says what runs the others
    assert tab.rate_label.text() == "Attention every 2nd frame (the frames between on OpenVINO)"
    mapped = []
    for index in range(FAST_PASS_FRAMES + 1, FAST_PASS_FRAMES + 3):
        tab.step_button.click()
        wait_frame(qtbot, tab, index)
        mapped.append(session.result.overlay is not None)
        if not mapped[-1]:
            assert session.runtime == "openvino"
    assert sorted(mapped) == [False, True]  # one frame mapped, the other on the fast pass
    assert tab.stats_label.text().endswith("\nFrames without a map: OpenVINO")  # its own line: the sidebar keeps
    assert tab.stats_label.wordWrap()  # its width
    tab.controls.visible_box.setChecked(False)  # no map: every frame on the fast pass, the same classes as PyTorch
    qtbot.waitUntil(lambda: not session.busy(), timeout=TIMEOUT_MS)
    for index in range(FAST_PASS_FRAMES + 3, FAST_PASS_FRAMES + 5):
        tab.step_button.click()
        wait_frame(qtbot, tab, index)
        result = session.result
        eager = clf.probabilities(preprocess(result.frame.image, clf.preprocess_cfg)[None])[0]
        assert result.overlay is None and session.runtime == "openvino"
        assert result.prediction.indices[0] == int(eager.argmax())  # smoothing is off: this frame alone


@pytest.mark.skipif(bool(unavailable_reason("onnxruntime")), reason="onnxruntime is not installed")
def test_an_onnx_file_gives_live_predictions_and_a_timeline_without_maps(
    qtbot, window, clip, small_model_dir, tmp_path
):
    from model.export.onnx_export import export_onnx
    from model.weights.loading import load_model

    window.load_model(str(export_onnx(load_model(small_model_dir), tmp_path / "small.onnx").path))
    qtbot.waitUntil(lambda: getattr(window.session.classifier, "runtime", "") == "onnxruntime", timeout=TIMEOUT_MS)
    tab = window.live
    window.tabs.setCurrentWidget(tab)
    tab.open_file(clip)
    qtbot.waitUntil(lambda: not tab.session.timeline_running() and len(tab.strip.rows) == FRAMES, timeout=TIMEOUT_MS)
    truth = [name for _path, name in fashion_stills(1)][:4]
    held = [truth[row.frame // 3] for row in tab.strip.rows]  # each still is held 3 frames
    assert sum(row.labels[0] == want for row, want in zip(tab.strip.rows, held, strict=True)) >= FRAMES - 3
    wait_frame(qtbot, tab, 0)
    shown = [tab.session.result.prediction.labels[0]]
    for index in range(1, FRAMES):  # the tab's own frame path, frame by frame
        tab.step_button.click()
        wait_frame(qtbot, tab, index)
        shown.append(tab.session.result.prediction.labels[0])
        assert tab.session.overlay is None
    assert sum(a == b for a, b in zip(shown, held, strict=True)) >= FRAMES - 3
    assert shown == [row.labels[0] for row in tab.strip.rows]  # the same predictor, the same frames
    assert not tab.controls.isEnabled()
    assert window.banner.kind != "error", window.banner.text()
