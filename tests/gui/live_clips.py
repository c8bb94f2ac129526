"""Small video files of known content for the Live tab's tests, written with PyAV: Fashion-MNIST test images, each
held for a few frames, grey scaled up to a small colour frame."""

from __future__ import annotations

from pathlib import Path

SLICE = Path(__file__).resolve().parents[1] / "data" / "fmnist_test_slice"


def fmnist_images(count: int) -> list:
    """Return the first ``count`` images of the test slice as ``(PIL RGB image, class name)``, each class once
    before any repeats."""
    from PIL import Image

    seen: dict[str, Path] = {}
    for path in sorted(SLICE.glob("*.png")):
        seen.setdefault(path.stem.split("_", 1)[1], path)
        if len(seen) == count:
            break
    return [(Image.open(p).convert("RGB"), name) for name, p in seen.items()]


def write_clip(
    path: Path, count: int = 4, hold: int = 3, fps: int = 10, side: int = 96, codec: str = "libx264"
) -> Path:
    """Write ``count`` Fashion-MNIST images, each held ``hold`` frames, at ``fps`` as a ``side``-pixel square
    video to ``path`` (H.264 in MP4 by default); return ``path``."""
    import av
    from PIL import Image

    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width = stream.height = side
        stream.pix_fmt = "yuv420p"
        for image, _name in fmnist_images(count):
            frame = av.VideoFrame.from_image(image.resize((side, side), Image.Resampling.BICUBIC))
            for _ in range(hold):
                out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path
