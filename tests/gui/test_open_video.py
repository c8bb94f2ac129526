"""A video file is accepted wherever the window accepts an image: dropped, pasted as a path, or given on the command
line, it plays in the Live tab (its frames classified as their stills' true classes), while images dropped with it
open in the Image tab; of several videos the first plays and the status bar says how many were left out."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

from pathlib import Path

from gui_helpers import TIMEOUT_MS, drop_files
from PySide6.QtGui import QGuiApplication
from video_clips import fashion_stills, held_frames, write_clip

from coatnet_gui.app.launch import open_arguments

HOLD = 3  # frames each still is held for


def stills_clip(path: Path, count: int = 3) -> tuple[Path, list[str]]:
    """Write ``count`` Fashion-MNIST stills of different classes, each held :data:`HOLD` frames; return the clip and
    the stills' true classes, in order."""
    stills = fashion_stills(1)[:count]
    write_clip(path, held_frames([p for p, _ in stills], hold=HOLD, size=96))
    return path, [name for _, name in stills]


def wait_classified(qtbot, window, path: Path) -> None:
    live = window.live
    qtbot.waitUntil(
        lambda: live.player.path == str(path) and live.session.result is not None and not live.session.busy(),
        timeout=TIMEOUT_MS,
    )


def test_a_dropped_video_plays_in_the_live_tab_and_the_images_with_it_open_in_the_image_tab(
    qtbot, window, sample, tmp_path
):
    clip, truth = stills_clip(tmp_path / "stills.mp4")
    drop_files(window, sample, clip)
    wait_classified(qtbot, window, clip)
    live = window.live
    assert window.tabs.currentWidget() is live and live.player.info.frames == HOLD * len(truth)
    assert live.session.result.prediction.labels[0] == truth[0]  # the first still's true class
    qtbot.waitUntil(lambda: window.session.image is not None, timeout=TIMEOUT_MS)
    assert window.session.image.source.path == str(sample)  # the image went to the Image tab

    seen = {}
    live.session.result_ready.connect(lambda r: seen.setdefault(r.frame.index, r.prediction.labels[0]))
    live.toggle_play()
    qtbot.waitUntil(lambda: not live.player.playing and not live.session.busy(), timeout=TIMEOUT_MS)
    right = [label == truth[index // HOLD] for index, label in seen.items()]
    assert len(right) >= len(truth) and sum(right) >= 0.9 * len(right), seen  # classified, not just shown


def test_of_several_videos_the_first_plays_and_the_status_bar_says_the_rest_were_left_out(qtbot, window, tmp_path):
    first, _ = stills_clip(tmp_path / "first.mp4")
    others = [stills_clip(tmp_path / f"other{i}.mkv", 2)[0] for i in range(2)]
    drop_files(window, first, *others)
    wait_classified(qtbot, window, first)
    message = window.statusBar().currentMessage()
    assert "first.mp4" in message and "2 more left out" in message


def test_a_video_path_pasted_or_on_the_command_line_plays_in_the_live_tab(qtbot, window, tmp_path):
    clip, _ = stills_clip(tmp_path / "pasted.mp4")
    QGuiApplication.clipboard().setText(str(clip))  # setMimeData would hand the clipboard a QMimeData Python frees too
    window.paste()
    wait_classified(qtbot, window, clip)

    window.tabs.setCurrentWidget(window.image_tab)
    argued, _ = stills_clip(tmp_path / "argued.mp4")
    open_arguments(window, [str(argued)])
    wait_classified(qtbot, window, argued)
    assert window.tabs.currentWidget() is window.live and not window.live.message.isVisible()
