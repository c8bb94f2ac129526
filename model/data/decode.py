"""Image files to defined pixels: every file the app reads is opened and decoded here.

    image = load_image("photo.jpg")                      # RGB PIL image, EXIF orientation applied

Decoding rules (every file the app reads goes through :func:`load_image`, or :func:`open_image` and
:func:`decode_opened` as :func:`model.data.transform.load_pixels` uses them):

- EXIF orientation is applied; animated and multi-page files give their first frame.
- Every mode becomes RGB: ``1``/``L`` are repeated into three channels; anything with transparency (``LA``,
  ``PA``, ``RGBA``, ``P`` with a transparent colour, premultiplied modes) is composited on
  :data:`ALPHA_BACKGROUND` (white, as a browser shows it); ``CMYK``, ``YCbCr``, ``LAB``, ``HSV`` go through
  Pillow's conversion; 16- and 32-bit integer images (``I;16*``, ``I``) are scaled from 0..65535 to 0..255;
  float images (``F``) are taken as 0..1 when their maximum is at most 1, else as 0..255.
- Images over :data:`MAX_PIXELS` (Pillow's ``MAX_IMAGE_PIXELS``, 89,478,485 pixels, e.g. 9459 x 9459) are
  refused before decoding: a possible decompression bomb.
- Anything that fails (missing, empty, not an image, truncated, corrupt) raises :class:`ImageLoadError`
  with a one-line reason.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from model.video.stills import frame_source, read_frame

__all__ = [
    "ALPHA_BACKGROUND",
    "IMAGE_SUFFIXES",
    "MAX_PIXELS",
    "ImageLoadError",
    "as_grey",
    "decode_opened",
    "is_plain_grey",
    "load_image",
    "open_image",
    "swaps_sides",
    "to_rgb",
]

ALPHA_BACKGROUND = (255, 255, 255)
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485

IMAGE_SUFFIXES = frozenset(
    {
        ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".apng", ".webp", ".bmp", ".dib", ".gif",
        ".tif", ".tiff", ".ppm", ".pgm", ".pbm", ".pnm", ".tga", ".ico", ".heic", ".heif", ".avif",
    }
)  # fmt: skip
_NEEDS_PLUGIN = {".heic": "pillow-heif", ".heif": "pillow-heif"}

_GREY_MODES = frozenset({"1", "L", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
_EXIF_ORIENTATION = 0x0112
_TRANSPOSING_ORIENTATIONS = (5, 6, 7, 8)  # the EXIF orientations that swap width and height

# We refuse oversized images ourselves, with a message, before Pillow's warning would be of any use.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)

try:  # HEIC/HEIF (and AVIF on older Pillow) when the optional plugin is installed
    import pillow_heif

    pillow_heif.register_heif_opener()
    _NEEDS_PLUGIN.clear()
except ImportError:
    pass


class ImageLoadError(ValueError):
    """An image file that cannot be used; ``str(error)`` is a one-line reason for the user."""


def file_problem(path: Path, kind: str) -> str | None:
    """Return why ``path`` cannot be opened as ``kind`` ("an image", "a video"): missing, unreadable, a folder or
    an empty file, as one line naming the path; None for a file with bytes in it."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return f"{path}: no such file"
    except OSError as exc:
        return f"{path}: cannot read: {exc.strerror or exc}"
    if stat.S_ISDIR(info.st_mode):
        return f"{path}: is a folder, not {kind}"
    if info.st_size == 0:
        return f"{path}: empty file (0 bytes)"
    return None


def _describe(source: str | os.PathLike | bytes) -> str:
    """Return how errors name ``source``: its path, or ``image data`` for bytes."""
    return "image data" if isinstance(source, bytes | bytearray) else os.fspath(source)


def open_image(source: str | os.PathLike | bytes) -> Image.Image:
    """Return ``source`` opened lazily (header only); raise :class:`ImageLoadError` for what cannot or must not
    be decoded (missing, empty, a folder, not an image, too many pixels)."""
    if isinstance(source, bytes | bytearray):
        if not source:
            raise ImageLoadError("empty image data (0 bytes)")
        fp: str | io.BytesIO = io.BytesIO(source)
        suffix = ""
    else:
        path = Path(source)
        suffix = path.suffix.lower()
        problem = file_problem(path, "an image")
        if problem:
            raise ImageLoadError(problem)
        fp = os.fspath(path)
    try:
        image = Image.open(fp)
    except Image.DecompressionBombError as exc:
        raise ImageLoadError(f"{_describe(source)}: refused as a possible decompression bomb: {exc}") from None
    except UnidentifiedImageError:
        hint = f" (reading {suffix} files needs {_NEEDS_PLUGIN[suffix]})" if suffix in _NEEDS_PLUGIN else ""
        raise ImageLoadError(f"{_describe(source)}: not an image format Pillow can read{hint}") from None
    except PermissionError:
        raise ImageLoadError(f"{_describe(source)}: permission denied") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageLoadError(f"{_describe(source)}: cannot open: {exc}") from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        image.close()
        raise ImageLoadError(
            f"{_describe(source)}: {width} x {height} = {width * height / 1e6:.1f} megapixels is over the "
            f"{MAX_PIXELS / 1e6:.1f}-megapixel limit (Pillow's MAX_IMAGE_PIXELS); refused as a possible "
            "decompression bomb"
        )
    if width < 1 or height < 1:
        image.close()
        raise ImageLoadError(f"{_describe(source)}: has no pixels ({width} x {height})")
    return image


def _integer_to_l(image: Image.Image) -> Image.Image:
    """Return an ``L`` image from a 16/32-bit integer or float grey image (see the module's rules)."""
    array = np.asarray(image)
    if image.mode == "F":
        array = array.astype(np.float64)
        scale = 255.0 if np.nanmax(array, initial=0.0) <= 1.0 else 1.0
        array = np.nan_to_num(array * scale, nan=0.0)
    else:
        array = array.astype(np.float64) / 257.0
    return Image.fromarray(np.clip(np.rint(array), 0, 255).astype(np.uint8), "L")


def to_rgb(image: Image.Image, background: tuple[int, int, int] = ALPHA_BACKGROUND) -> Image.Image:
    """Return ``image`` as an ``RGB`` image by the module's rules (transparency composited on ``background``)."""
    mode = image.mode
    if mode == "RGB" and "transparency" not in image.info:
        return image
    if mode.startswith("I") or mode == "F":
        return _integer_to_l(image).convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in image.info)
    has_alpha = has_alpha or (mode in ("L", "RGB") and "transparency" in image.info)
    if has_alpha:
        rgba = (image.convert("LA") if mode == "La" else image).convert("RGBA")  # Pillow has no La -> RGBA
        canvas = Image.new("RGBA", rgba.size, (*background, 255))
        return Image.alpha_composite(canvas, rgba).convert("RGB")
    return image.convert("RGB")


def is_plain_grey(image: Image.Image) -> bool:
    """Return True for a grey image without transparency (one channel is all the model input needs)."""
    return image.mode in _GREY_MODES and "transparency" not in image.info


def as_grey(image: Image.Image) -> Image.Image:
    """Return a grey image (one that :func:`is_plain_grey` accepts) as ``L`` by the module's rules."""
    if image.mode.startswith("I") or image.mode == "F":
        return _integer_to_l(image)
    return image.convert("L") if image.mode != "L" else image


def decode_opened(image: Image.Image, source: str | os.PathLike | bytes, keep_grey: bool = False) -> Image.Image:
    """Decode an image from :func:`open_image` (first frame), apply EXIF orientation and return it as RGB (or,
    with ``keep_grey``, a grey image without transparency as it is, for
    :func:`model.data.transform.model_pixels`). ``source`` names it in errors."""
    try:
        image.seek(0)
        image.load()
        oriented = ImageOps.exif_transpose(image)
        if keep_grey and is_plain_grey(oriented):
            return oriented
        return to_rgb(oriented)
    except Image.DecompressionBombError as exc:
        raise ImageLoadError(f"{_describe(source)}: refused as a possible decompression bomb: {exc}") from None
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, struct.error) as exc:
        message = str(exc) or type(exc).__name__
        if "truncated" in message:
            message = f"truncated image file ({message})"
        raise ImageLoadError(f"{_describe(source)}: corrupt or unreadable image data: {message}") from None
    except MemoryError:
        raise ImageLoadError(f"{_describe(source)}: not enough memory to decode this image") from None


def load_frame(path: str, seconds: float, shrink_to: int | None = None) -> tuple[Image.Image, tuple[int, int]]:
    """Return :func:`model.video.stills.read_frame` of the sampled frame ``path#t=seconds`` (RGB image, the video's
    size), its :class:`~model.video.reader.VideoError` raised as :class:`ImageLoadError` with the same reason."""
    from model.video.reader import VideoError

    try:
        return read_frame(path, seconds, shrink_to)
    except VideoError as exc:
        raise ImageLoadError(str(exc)) from None


def load_image(source: str | os.PathLike | bytes) -> Image.Image:
    """Return the full-resolution RGB image in ``source`` (a path or the bytes of an image file); a path that
    names a video's sampled frame, ``video#t=SECONDS``, gives that frame (:mod:`model.video.stills`).

    Raises :class:`ImageLoadError` with a one-line reason when the file cannot be used.
    """
    frame = frame_source(source)
    if frame is not None:
        return load_frame(*frame)[0]
    image = open_image(source)
    try:
        return decode_opened(image, source)
    finally:
        image.close()


def swaps_sides(image: Image.Image) -> bool:
    """Return True when ``image``'s EXIF orientation swaps its width and height (call it after decoding: PNG's
    ``getexif()`` loads the pixels, which must fail inside :func:`decode_opened`'s error handling)."""
    return image.getexif().get(_EXIF_ORIENTATION, 1) in _TRANSPOSING_ORIENTATIONS
