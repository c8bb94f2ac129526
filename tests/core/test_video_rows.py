"""A row named ``video#t=SECONDS`` (a frame ``label`` sampled) read back as that frame wherever an image is read:
the same pixels ``label`` decoded, a digest per frame, a clear error for a time the video does not have; and the
audit's duplicate groups, where the frames of one held still do not flood the groups."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from video_clips import fashion_stills, held_frames, solid, write_clip

from model.audit.duplicates import find_groups
from model.audit.fingerprint import SIZE
from model.data.decode import ImageLoadError, load_image
from model.data.pixels import PreprocessCfg, frame_side
from model.data.transform import load_pixels, model_pixels
from model.features import file_digest
from model.video import frame_key, open_video
from model.video.stills import frame_source


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    stills = [path for path, _ in fashion_stills(per_class=1)[:4]]
    return write_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", held_frames(stills, hold=3, size=32), rate=3)


def test_a_frame_name_reads_the_frame_label_decoded(clip: Path):
    cfg = PreprocessCfg()
    with open_video(clip) as video, open_video(clip) as again:
        decoded = [(f.time, f.image) for f in video.frames()]
        shrunk = [f.image for f in again.frames(shrink_to=frame_side(cfg))]
    assert len(decoded) == 12 and any(round(t, 3) > t for t, _ in decoded)  # some names round the time up
    for (seconds, image), small in zip(decoded, shrunk, strict=True):
        name = frame_key(str(clip), seconds)
        assert frame_source(name) == (str(clip), round(seconds, 3))
        assert np.array_equal(np.asarray(load_image(name)), np.asarray(image)), name
        pixels, size = load_pixels(name, cfg)
        assert size == (32, 32) and pixels.equal(model_pixels(small, cfg))
    for i in [11, 3, 3, 2, 7, 0, 5, 4, 10]:  # back, again, forward, far: a seek, the same frame, decoding on
        name = frame_key(str(clip), decoded[i][0])
        assert np.array_equal(np.asarray(load_image(name)), np.asarray(decoded[i][1])), name
    digests = {file_digest(frame_key(str(clip), t)) for t, _ in decoded}
    assert len(digests) == 12 and file_digest(frame_key(str(clip), decoded[3][0])) in digests


def test_a_frame_that_is_not_there_says_why(clip: Path, tmp_path: Path):
    with pytest.raises(ImageLoadError, match=r"clip.mp4: no frame at 9.000 s \(it lasts 4.000 s\)"):
        load_image(f"{clip}#t=9.000")
    with pytest.raises(ImageLoadError, match="gone.mp4: no such file"):
        load_image(f"{tmp_path / 'gone.mp4'}#t=1.000")
    with pytest.raises(OSError):
        file_digest(f"{tmp_path / 'gone.mp4'}#t=1.000")
    literal = tmp_path / "odd.mp4#t=1.000"  # a file of that very name stays a file
    Image.new("RGB", (4, 4), (200, 10, 10)).save(literal, format="PNG")
    assert frame_source(str(literal)) is None and load_image(str(literal)).getpixel((0, 0)) == (200, 10, 10)


def test_frames_of_one_held_still_do_not_flood_the_duplicate_groups():
    rng = np.random.default_rng(0)
    patterns = [np.kron(rng.integers(0, 256, (8, 8)), np.ones((SIZE // 8, SIZE // 8))).astype(np.uint8) for _ in "xyz"]
    x, y, z = patterns
    rows = [  # (thumbnail, given class, video)
        (x, "A", ""),  # an image copied from the video's still
        (x, "A", "v.mp4"), (x, "A", "v.mp4"), (x, "A", "v.mp4"),  # the still, held
        (y, "B", "v.mp4"), (y, "C", "v.mp4"),  # one still labelled two ways: a leak
        (z, "A", "v.mp4"), (z, "A", "w.mp4"),  # the same frame in two videos
    ]  # fmt: skip
    thumbs = np.stack([t for t, _, _ in rows])
    given, videos = [g for _, g, _ in rows], [v for _, _, v in rows]
    digests = [str(i) for i in range(len(rows))]
    groups = find_groups(digests, thumbs, given, videos=videos)
    assert groups.group.tolist() == [1, 1, 0, 0, 2, 2, 3, 3]
    assert "labelled B and C" in groups.leaks[2] and set(groups.leaks) == {2}
    flat = find_groups(digests, thumbs, given)  # without the videos: every held frame in the image's group
    assert flat.group.tolist()[:4] == [1, 1, 1, 1]


def _holds(path: Path) -> bool:
    """True when this process has ``path`` open (Linux: /proc/self/fd)."""
    fds = Path("/proc/self/fd")
    return any(os.path.realpath(fd) == str(path.resolve()) for fd in fds.iterdir()) if fds.is_dir() else False


def test_an_idle_video_is_closed_and_opened_again_on_the_next_read(clip: Path, monkeypatch: pytest.MonkeyPatch):
    from model.video import stills

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to see open files")
    monkeypatch.setattr(stills, "IDLE_S", 0.05)
    with open_video(clip) as video:
        decoded = [(f.time, f.image) for f in video.frames()]
    load_image(frame_key(str(clip), decoded[1][0]))
    assert _holds(clip)  # kept open for the next frame
    deadline = time.monotonic() + 30
    while _holds(clip) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _holds(clip)  # closed while idle
    again = load_image(frame_key(str(clip), decoded[2][0]))
    assert np.array_equal(np.asarray(again), np.asarray(decoded[2][1]))


def test_frames_read_in_time_order_decode_the_video_once_and_another_video_closes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Mutants of stills.py whose frames are still right but cost a seek or a decode each, or keep a file open:
    the held video never reused, a seek for every frame, the last frame not kept, the frame at 0 s skipped, the
    previous video left open when another is read."""
    from model.video import stills
    from model.video.reader import VideoReader

    colours = [solid((20 * i, 240 - 20 * i, (70 * i) % 256), 32, 32) for i in range(12)]  # every frame differs
    clip = write_clip(tmp_path / "distinct.mp4", colours, rate=3)
    other = write_clip(tmp_path / "other.mp4", colours[:3], rate=3)
    with open_video(clip) as video:
        decoded = [(f.time, f.image) for f in video.frames()]
    assert decoded[0][0] == 0.0 and len(decoded) == 12
    stills._forget()  # this thread starts with no video open
    seeks, converted = [], []
    timed, to_rgb = VideoReader.timed, VideoReader.to_rgb
    monkeypatch.setattr(VideoReader, "timed", lambda self, start=0.0: seeks.append(start) or timed(self, start))
    monkeypatch.setattr(VideoReader, "to_rgb", lambda self, *a, **k: converted.append(1) or to_rgb(self, *a, **k))
    for seconds, image in decoded:  # in time order: one seek, each frame converted once
        assert np.array_equal(np.asarray(load_image(frame_key(str(clip), seconds))), np.asarray(image)), seconds
    assert len(seeks) == 1 and len(converted) == 12
    for _ in range(2):  # the frame just read again: kept, neither sought nor converted again
        assert np.array_equal(np.asarray(load_image(frame_key(str(clip), decoded[11][0]))), np.asarray(decoded[11][1]))
    assert len(seeks) == 1 and len(converted) == 12
    assert np.array_equal(np.asarray(load_image(frame_key(str(clip), 0.0))), np.asarray(decoded[0][1]))
    assert len(seeks) == 2  # back to the start: a seek
    for i in (5, 3):  # 5 decoded forward past 1..4, then 3: the frame before 5 is not 5
        assert np.array_equal(np.asarray(load_image(frame_key(str(clip), decoded[i][0]))), np.asarray(decoded[i][1]))
    with pytest.raises(ImageLoadError, match="no frame at 9.000 s"):  # past the end: the decoder runs out
        load_image(f"{clip}#t=9.000")
    again = load_image(frame_key(str(clip), decoded[5][0]))  # a frame after the one read before: sought afresh
    assert np.array_equal(np.asarray(again), np.asarray(decoded[5][1]))
    assert stills._THREAD.opened.timer.daemon  # the idle close never keeps a finished process waiting
    if Path("/proc/self/fd").is_dir():
        assert _holds(clip)
        load_image(frame_key(str(other), 0.0))
        assert _holds(other) and not _holds(clip)  # another video read: the first one closed at once
    stills._forget()


def test_a_decoding_error_on_a_videos_first_read_is_that_error_and_leaves_nothing_open(
    clip: Path, monkeypatch: pytest.MonkeyPatch
):
    """Mutant: forgetting a video that failed before any frame was read raising AttributeError (no idle timer
    yet) instead of the video's own error."""
    from model.video import stills
    from model.video.reader import VideoError, VideoReader

    def failing(self, start=0.0):
        raise VideoError(f"{self.path}: decoding failed at {start:.3f} s")
        yield  # a generator, as timed is

    stills._forget()
    monkeypatch.setattr(VideoReader, "timed", failing)
    with pytest.raises(ImageLoadError, match="decoding failed at 1.000 s"):
        load_image(f"{clip}#t=1.000")
    assert getattr(stills._THREAD, "opened", None) is None  # the failed video closed and forgotten


def test_a_frame_past_where_a_truncated_video_stops_says_it_is_truncated(tmp_path: Path):
    """A video cut short (a download or a recording cut off) after it was labelled: the frame's row says where its
    frames stop, not only that the frame is missing; a time past a whole video's end keeps the plain message."""
    from model.video import stills

    whole = write_clip(tmp_path / "whole.webm", [solid((i * 12, 0, 0), 32, 32) for i in range(20)], codec="libvpx-vp9")
    cut = tmp_path / "cut.webm"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 6 // 10])
    with open_video(whole) as video:
        length = video.info.duration
    stills._forget()
    with pytest.raises(ImageLoadError, match=r"no frame at 1\.900 s: its frames stop at [01]\.\d+ s of 2\.000 s "):
        load_image(f"{cut}#t=1.900")
    with pytest.raises(ImageLoadError, match=r"\(truncated or damaged\?\)"):
        load_image(f"{cut}#t=1.900")
    with pytest.raises(ImageLoadError, match=rf"whole.webm: no frame at 9.000 s \(it lasts {length:.3f} s\)$"):
        load_image(f"{whole}#t=9.000")
    assert np.asarray(load_image(f"{whole}#t=1.900")).shape == (32, 32, 3)  # the whole file has that frame
    stills._forget()


def test_frame_digests_hash_their_video_once_and_again_when_it_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An audit hashes every frame row: the video's bytes are read once for all its frames (not once per frame),
    and a video rewritten under the same name gives new digests."""
    from model.features import cache

    clip = write_clip(tmp_path / "v.mp4", [solid((30 * i, 90, 200 - 30 * i), 32, 32) for i in range(6)], rate=3)
    hashed: list[str] = []
    content = cache._content_digest
    monkeypatch.setattr(cache, "_content_digest", lambda path: hashed.append(str(path)) or content(path))
    cache._video_digest.cache_clear()
    names = [frame_key(str(clip), i / 3) for i in range(6)]
    digests = [file_digest(name) for name in names]
    assert len(set(digests)) == 6 and hashed == [str(clip)]
    assert [file_digest(name) for name in names] == digests and hashed == [str(clip)]
    write_clip(clip, [solid((200 - 30 * i, 20, 30 * i), 32, 32) for i in range(6)], rate=3)  # the same name, new frames
    changed = [file_digest(name) for name in names]
    assert hashed == [str(clip)] * 2 and not set(changed) & set(digests)
