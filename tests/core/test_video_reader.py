"""The video reader (model/video/reader.py) on files written here with PyAV: timestamps (constant and variable
rates), sampling, seeking, the rotation tag, pixel formats, colour matrices and ranges, alpha, and bad files."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from video_clips import solid, write_clip

from model.video import (
    DEFAULT_FPS,
    Sampling,
    VideoError,
    frame_key,
    is_video,
    open_video,
    split_key,
)

RED = (200, 40, 60)


def counting_frames(n: int, width: int = 64, height: int = 48) -> list[np.ndarray]:
    """Frames whose left part is white over ``i * 3`` columns (frame i is told apart by its content)."""
    out = []
    for i in range(n):
        array = np.zeros((height, width, 3), np.uint8)
        array[:, : i * 3] = 255
        out.append(array)
    return out


def white_columns(image) -> int:
    grey = np.asarray(image.convert("L"), dtype=np.int32)
    return int((grey[grey.shape[0] // 2] > 128).sum())


def test_names_and_sampling_rules():
    assert is_video("a/B.MP4") and is_video("x.webm") and is_video("c.mkv") and not is_video("a.png")
    assert frame_key("dir/a b.mp4", 1.23456) == "dir/a b.mp4#t=1.235" and frame_key("a.mp4", 0) == "a.mp4#t=0.000"
    assert split_key("x/a#t=1.mp4#t=2.500") == ("x/a#t=1.mp4", 2.5)
    assert split_key("a.mp4") == ("a.mp4", None)
    assert split_key("photo.png#t=1.000") == ("photo.png#t=1.000", None)  # an image's odd name, not a frame
    assert split_key("a.mp4#t=1.5") == ("a.mp4#t=1.5", None)  # not three decimals: not a name frame_key makes
    assert Sampling().rate == DEFAULT_FPS == 2.0 and Sampling(every=3).rate is None
    assert Sampling().identity() == {"video_fps": 2.0} and Sampling(every=3).identity() == {"video_every": 3}
    assert Sampling(fps=2).estimate(10.0, None, 25.0) == 20 and Sampling(every=4).estimate(None, 10, 25.0) == 3
    assert Sampling(every=3).estimate(2.0, None, 10.0) == 7 and Sampling(fps=2).estimate(None, 50, 25.0) == 4
    assert Sampling(every=3).estimate(2.0, 0, 0.0) == 1 and Sampling(fps=2).estimate(None, 50, 0.0) == 1
    assert Sampling().estimate(0.1, None, 30.0) == 1 and Sampling(every=1).estimate(None, 2, 0.0) == 2
    assert Sampling(every=3).estimate(None, None, 10.0) == 1 and Sampling(fps=2).estimate(None, None, 0.0) == 1
    assert Sampling(every=1).every == 1 and Sampling(fps=0.5).rate == 0.5  # the smallest valid choices
    assert hash(Sampling(every=2)) == hash(Sampling(every=2))  # frozen: part of the frozen BatchSettings
    for bad in ({"every": 0}, {"fps": 0.0}, {"fps": float("nan")}, {"every": 2, "fps": 1.0}):
        with pytest.raises(ValueError):
            Sampling(**bad)


def test_every_frame_with_its_time_index_and_content(tmp_path: Path):
    clip = write_clip(tmp_path / "c.mp4", counting_frames(20), rate=10)
    with open_video(clip) as video:
        assert (video.info.width, video.info.height, video.info.fps) == (64, 48, 10.0)
        assert video.info.frames == 20 and video.info.duration == pytest.approx(2.0)
        assert (video.info.codec, video.info.pix_fmt, video.info.rotation) == ("h264", "yuv420p", 0)
        frames = list(video.frames())
    assert [f.index for f in frames] == list(range(20))
    assert [f.time for f in frames] == pytest.approx([i / 10 for i in range(20)], abs=1e-9)
    assert all(f.image.mode == "RGB" and f.image.size == (64, 48) for f in frames)
    assert [white_columns(f.image) for f in frames] == pytest.approx([i * 3 for i in range(20)], abs=1)


def test_sampling_by_every_and_by_fps_and_seeking(tmp_path: Path):
    clip = write_clip(tmp_path / "c.mp4", counting_frames(20), rate=10, options={"crf": "18", "g": "5"})
    with open_video(clip) as video:
        assert [f.index for f in video.frames(every=3)] == [0, 3, 6, 9, 12, 15, 18]
        assert [f.time for f in video.frames(fps=DEFAULT_FPS)] == pytest.approx([0.0, 0.5, 1.0, 1.5])
        after = list(video.frames(start=1.25))  # seeks to the keyframe at 1.0 s and decodes forward
        assert [f.index for f in after] == list(range(13, 20)) and after[0].time == pytest.approx(1.3)
        assert white_columns(after[0].image) == pytest.approx(39, abs=1)
        assert [f.time for f in video.frames(fps=1, start=0.55)] == pytest.approx([0.6, 1.6])
        assert len(list(video.frames())) == 20  # from the start again after a seek
        with pytest.raises(ValueError):
            next(video.frames(every=2, fps=1))


def test_variable_frame_rate_times_come_from_the_timestamps(tmp_path: Path):
    pts = [0, 100, 150, 600, 620, 1500, 1510, 2900]
    frames = [solid((i * 30, 0, 0)) for i in range(len(pts))]
    clip = write_clip(tmp_path / "vfr.mkv", frames, pts=pts, time_base=Fraction(1, 1000))
    with open_video(clip) as video:
        assert [f.time for f in video.frames()] == pytest.approx([p / 1000 for p in pts])
        sampled = [f.time for f in video.frames(fps=2)]  # the first frame at or after 0, 0.5, 1.0, ... s
    assert sampled == pytest.approx([0.0, 0.6, 1.5, 2.9])


def test_the_rotation_tag_turns_the_picture(tmp_path: Path):
    array = np.zeros((48, 64, 3), np.uint8)
    array[:8, :8] = 255  # a white mark in the encoded picture's top-left corner
    clip = write_clip(tmp_path / "portrait.mp4", [array] * 3, rotation=90)
    with open_video(clip) as video:
        assert video.info.rotation == 90 and (video.info.width, video.info.height) == (48, 64)
        image = next(video.frames()).image
    assert image.size == (48, 64)
    grey = np.asarray(image.convert("L"))
    assert grey[-4, 4] > 200 and grey[4, 4] < 50  # 90 degrees counter-clockwise: top-left goes bottom-left


@pytest.mark.parametrize(
    ("name", "codec", "pix_fmt"),
    [
        ("yuv420p.mp4", "libx264", "yuv420p"),
        ("ten_bit.mp4", "libx264", "yuv420p10le"),
        ("four22.mp4", "libx264", "yuv422p"),
        ("full_range.mp4", "libx264", "yuvj420p"),
        ("vp9.webm", "libvpx-vp9", "yuv420p"),
        ("mpeg4.avi", "mpeg4", "yuv420p"),
        ("prores_10bit_422.mov", "prores_ks", "yuv422p10le"),
    ],
)
def test_pixel_formats_give_the_right_colour(tmp_path: Path, name: str, codec: str, pix_fmt: str):
    options = {"crf": "0"} if codec == "libx264" else ({"qscale": "2"} if codec == "mpeg4" else {})
    clip = write_clip(tmp_path / name, [solid(RED)] * 3, codec=codec, pix_fmt=pix_fmt, options=options)
    with open_video(clip) as video:
        assert video.info.pix_fmt.startswith(pix_fmt.replace("yuvj", "yuv")[:6]) or pix_fmt.startswith("yuvj")
        image = next(video.frames()).image
    assert np.abs(np.asarray(image, np.int32)[24, 32] - RED).max() <= 4


def _yuv(rgb: tuple[int, int, int], kr: float, kb: float, full: bool) -> list[int]:
    r, g, b = (c / 255 for c in rgb)
    y = kr * r + (1 - kr - kb) * g + kb * b
    cb, cr = (b - y) / (2 * (1 - kb)), (r - y) / (2 * (1 - kr))
    values = [y * 255, cb * 255 + 128, cr * 255 + 128] if full else [16 + 219 * y, 128 + 224 * cb, 128 + 224 * cr]
    return [round(v) for v in values]


@pytest.mark.parametrize(
    ("matrix", "kr", "kb", "full"),
    [(1, 0.2126, 0.0722, False), (5, 0.299, 0.114, False), (1, 0.2126, 0.0722, True), (5, 0.299, 0.114, True)],
)
def test_the_colour_matrix_and_range_of_the_file_are_used(tmp_path: Path, matrix: int, kr: float, kb: float, full):
    """YUV written by hand with BT.709 (1) or BT.601 (5) coefficients, limited or full range, and tagged so: the
    decoded RGB is the colour those numbers mean (a reader that ignored the tags would be off by up to ~20)."""
    planes = np.array(_yuv(RED, kr, kb, full), np.uint8)[:, None, None] * np.ones((3, 48, 64), np.uint8)
    path = tmp_path / "tagged.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv444p"
        stream.codec_context.colorspace, stream.codec_context.color_range = matrix, 2 if full else 1
        stream.options = {"crf": "0"}
        for _ in range(2):
            frame = av.VideoFrame.from_ndarray(planes, format="yuv444p")
            frame.colorspace, frame.color_range = matrix, 2 if full else 1
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with open_video(path) as video:
        image = next(video.frames()).image
    assert np.abs(np.asarray(image, np.int32)[24, 32] - RED).max() <= 3


def test_alpha_is_composited_on_white(tmp_path: Path):
    rgba = np.zeros((48, 64, 4), np.uint8)
    rgba[..., :3] = RED
    rgba[:, 32:, 3] = 255  # left half transparent, right half opaque red
    clip = write_clip(tmp_path / "alpha.webm", [rgba] * 3, codec="libvpx-vp9", pix_fmt="yuva420p")
    with open_video(clip) as video:
        assert video.info.pix_fmt == "yuva420p"
        pixels = np.asarray(next(video.frames()).image, np.int32)
    assert np.abs(pixels[24, 8] - (255, 255, 255)).max() <= 6
    assert np.abs(pixels[24, 56] - RED).max() <= 8


def test_shrink_to_scales_a_large_frame_down_while_decoding(tmp_path: Path):
    clip = write_clip(tmp_path / "big.mp4", [solid(RED, 640, 360)] * 2, options={"preset": "ultrafast"})
    with open_video(clip) as video:
        assert [f.image.size for f in video.frames(shrink_to=90)] == [(160, 90)] * 2
        assert next(video.frames(shrink_to=1000)).image.size == (640, 360)  # never scaled up


def test_a_truncated_file_gives_its_frames_up_to_the_damage_then_a_clear_error(tmp_path: Path):
    whole = write_clip(tmp_path / "whole.webm", counting_frames(20), codec="libvpx-vp9")
    cut = tmp_path / "cut.webm"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 6 // 10])
    got = []
    with open_video(cut) as video, pytest.raises(VideoError, match="truncated or damaged"):
        for frame in video.frames():
            got.append(frame)
    assert 3 <= len(got) < 20
    assert [white_columns(f.image) for f in got] == pytest.approx([i * 3 for i in range(len(got))], abs=1)


def test_a_truncated_mp4_with_its_index_first_stops_at_the_damage(tmp_path: Path):
    rng = np.random.default_rng(0)
    noise = [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(40)]
    options = {"movflags": "faststart"}  # the index (moov) before the data, as for streaming
    whole = write_clip(tmp_path / "whole.mp4", noise, options={"crf": "30", "g": "10"}, container_options=options)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 7 // 10])
    got = []
    with open_video(cut) as video, pytest.raises(VideoError, match=r"of the header's 40 frames decoded"):
        got.extend(video.frames())
    assert 10 <= len(got) < 40 and [f.index for f in got] == list(range(len(got)))


def test_bad_files_raise_a_one_line_video_error(tmp_path: Path):
    whole = write_clip(tmp_path / "whole.mp4", counting_frames(10))  # its index (moov) is at the end
    (tmp_path / "cut.mp4").write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    (tmp_path / "junk.mp4").write_bytes(b"not a video " * 20)
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "folder.mp4").mkdir()
    audio = tmp_path / "audio.mp4"
    with av.open(str(audio), "w") as container:
        stream = container.add_stream("aac", rate=8000)
        for i in range(4):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 8000, i * 1024
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    expected = {
        "cut.mp4": "not a video FFmpeg can read|no video stream",  # the index at its end is gone
        "junk.mp4": "not a video FFmpeg can read",
        "empty.mp4": "empty file",
        "folder.mp4": "is a folder",
        "audio.mp4": "has no video stream",
        "missing.mp4": "no such file",
    }
    for name, reason in expected.items():
        with pytest.raises(VideoError, match=reason) as caught:
            open_video(tmp_path / name)
        assert "\n" not in str(caught.value) and str(tmp_path / name) in str(caught.value)
