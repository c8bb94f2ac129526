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
from video_clips import fashion_stills, held_frames, write_clip

from model.audit.duplicates import find_groups
from model.audit.fingerprint import SIZE
from model.data.decode import ImageLoadError, load_image
from model.data.transform import PreprocessCfg, frame_side, load_pixels, model_pixels
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
