"""Image files to model input: decoding into defined RGB, then a checkpoint's own preprocessing.

    image = load_image("photo.jpg")                      # RGB PIL image, EXIF orientation applied
    cfg = PreprocessCfg.from_pretrained_cfg(info.pretrained_cfg)
    x = preprocess(image, cfg)                           # (3, H, W) float32, normalised
    x, size = load_and_preprocess("photo.jpg", cfg)      # same tensor; large JPEGs decode at reduced size

Decoding rules (every file the app reads goes through :func:`load_image` or :func:`load_and_preprocess`):

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

The preprocessing is timm's evaluation transform (``transforms_imagenet_eval``) reproduced with the same
Pillow calls: resize (``crop_mode`` ``center``: shortest side to ``floor(size / crop_pct)``; ``squash``: both
sides; ``border``: longest side, then pad with the mean colour), centre crop, scale to 0..1, normalise.
"""

from __future__ import annotations

import io
import math
import os
import stat
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "ALPHA_BACKGROUND",
    "IMAGE_SUFFIXES",
    "MAX_PIXELS",
    "ImageLoadError",
    "PreprocessCfg",
    "load_and_preprocess",
    "load_image",
    "load_pixels",
    "model_pixels",
    "normalize",
    "preprocess",
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

_INTERPOLATIONS = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
    "box": Image.Resampling.BOX,
    "hamming": Image.Resampling.HAMMING,
}

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


@dataclass(frozen=True)
class PreprocessCfg:
    """A checkpoint's evaluation preprocessing, in timm's terms.

    ``input_size`` is (height, width); ``crop_mode`` is ``center``, ``squash`` or ``border``. The defaults, also
    used for keys a ``pretrained_cfg`` lacks, are those of timm's CoAtNet checkpoints (``maxxvit._cfg``), not
    timm's generic ones.
    """

    input_size: tuple[int, int] = (224, 224)
    interpolation: str = "bicubic"
    mean: tuple[float, float, float] = (0.5, 0.5, 0.5)
    std: tuple[float, float, float] = (0.5, 0.5, 0.5)
    crop_pct: float = 0.95
    crop_mode: str = "center"

    @classmethod
    def from_pretrained_cfg(cls, cfg: dict) -> PreprocessCfg:
        """Return the settings of a timm-style ``pretrained_cfg`` dict (``input_size`` is ``[3, H, W]``)."""
        size = cfg.get("input_size", (3, *cls.input_size))
        interpolation = str(cfg.get("interpolation") or cls.interpolation)
        if interpolation not in _INTERPOLATIONS:
            interpolation = "bicubic"
        return cls(
            input_size=(int(size[-2]), int(size[-1])),
            interpolation=interpolation,
            mean=tuple(float(v) for v in cfg.get("mean", cls.mean)),
            std=tuple(float(v) for v in cfg.get("std", cls.std)),
            crop_pct=float(cfg.get("crop_pct") or cls.crop_pct),
            crop_mode=str(cfg.get("crop_mode") or "center"),
        )

    @property
    def scale_size(self) -> tuple[int, int]:
        """The (height, width) that resizing aims at before the crop: ``floor(input_size / crop_pct)``."""
        return math.floor(self.input_size[0] / self.crop_pct), math.floor(self.input_size[1] / self.crop_pct)


def _describe(source: str | os.PathLike | bytes) -> str:
    return "image data" if isinstance(source, bytes | bytearray) else os.fspath(source)


def _open(source: str | os.PathLike | bytes) -> Image.Image:
    """Open ``source`` lazily (header only) and refuse what cannot or must not be decoded."""
    if isinstance(source, bytes | bytearray):
        if not source:
            raise ImageLoadError("empty image data (0 bytes)")
        fp: str | io.BytesIO = io.BytesIO(source)
        suffix = ""
    else:
        path = Path(source)
        suffix = path.suffix.lower()
        try:
            info = path.stat()
        except FileNotFoundError:
            raise ImageLoadError(f"{path}: no such file") from None
        except OSError as exc:
            raise ImageLoadError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if stat.S_ISDIR(info.st_mode):
            raise ImageLoadError(f"{path}: is a folder, not an image")
        if info.st_size == 0:
            raise ImageLoadError(f"{path}: empty file (0 bytes)")
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


def _is_plain_grey(image: Image.Image) -> bool:
    """Return True for a grey image without transparency (one channel is all the model input needs)."""
    return image.mode in _GREY_MODES and "transparency" not in image.info


def _as_grey(image: Image.Image) -> Image.Image:
    """Return a grey image (one of :data:`_GREY_MODES`) as ``L`` by the module's rules."""
    if image.mode.startswith("I") or image.mode == "F":
        return _integer_to_l(image)
    return image.convert("L") if image.mode != "L" else image


def _decode(image: Image.Image, source: str | os.PathLike | bytes, keep_grey: bool = False) -> Image.Image:
    """Decode an opened image (first frame), apply EXIF orientation and return it as RGB (or, with
    ``keep_grey``, a grey image without transparency as it is, for :func:`model_pixels`)."""
    try:
        image.seek(0)
        image.load()
        oriented = ImageOps.exif_transpose(image)
        if keep_grey and _is_plain_grey(oriented):
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


def load_image(source: str | os.PathLike | bytes) -> Image.Image:
    """Return the full-resolution RGB image in ``source`` (a path or the bytes of an image file).

    Raises :class:`ImageLoadError` with a one-line reason when the file cannot be used.
    """
    image = _open(source)
    try:
        return _decode(image, source)
    finally:
        image.close()


def _draft_request(cfg: PreprocessCfg) -> tuple[int, int]:
    """The size JPEG's DCT scaling must not go below: the resize target itself, so the final resize still only
    shrinks (decoding at twice the target instead costs about a third more time for PSNR 55 dB instead of 47)."""
    side = max(cfg.scale_size)
    return side, side


def load_pixels(source: str | os.PathLike | bytes, cfg: PreprocessCfg) -> tuple[torch.Tensor, tuple[int, int]]:
    """Return ``(pixels, (width, height))``: the model's view of ``source`` as uint8 ``(C, H, W)`` (see
    :func:`model_pixels`; :func:`normalize` makes it the model input) and the size of the full image (after
    EXIF orientation).

    A JPEG far larger than the input decodes at 1/2, 1/4 or 1/8 scale (Pillow's ``draft``), never below the
    resize target, so the result stays close to the full-decode path (benchmarks/bench_decode.py measures
    both speed and PSNR). Raises :class:`ImageLoadError` like :func:`load_image`.
    """
    image = _open(source)
    try:
        width, height = image.size
        if image.format == "JPEG":
            image.draft(None, _draft_request(cfg))
        decoded = _decode(image, source, keep_grey=True)
        # Only after decoding: PNG's getexif() loads the pixels, which must fail inside _decode's error handling.
        if image.getexif().get(_EXIF_ORIENTATION, 1) in _TRANSPOSING_ORIENTATIONS:
            width, height = height, width
    finally:
        image.close()
    return model_pixels(decoded, cfg), (width, height)


def load_and_preprocess(source: str | os.PathLike | bytes, cfg: PreprocessCfg) -> tuple[torch.Tensor, tuple[int, int]]:
    """Return ``(tensor, (width, height))``: the model input ``(3, H, W)`` float32 for ``source`` and the size of
    the full image, as :func:`load_pixels` reads it."""
    pixels, size = load_pixels(source, cfg)
    return normalize(pixels, cfg), size


def _resize(image: Image.Image, cfg: PreprocessCfg) -> Image.Image:
    """Resize as timm's eval transform does before its crop."""
    resample = _INTERPOLATIONS[cfg.interpolation]
    scale_h, scale_w = cfg.scale_size
    width, height = image.size
    if cfg.crop_mode == "squash":
        size = (scale_w, scale_h)
    elif cfg.crop_mode == "border":
        ratio = max(height / scale_h, width / scale_w)
        size = (round(width / ratio), round(height / ratio))
    elif scale_h == scale_w:
        short = scale_h
        if width <= height:
            size = (short, int(short * height / width))
        else:
            size = (int(short * width / height), short)
    else:
        ratio = min(height / scale_h, width / scale_w)
        size = (round(width / ratio), round(height / ratio))
    return image if size == image.size else image.resize(size, resample)


def _center_crop_or_pad(image: Image.Image, cfg: PreprocessCfg) -> Image.Image:
    """Crop the centre ``input_size``; pad first (mean colour for ``border``, black else) when smaller."""
    out_h, out_w = cfg.input_size
    width, height = image.size
    if width < out_w or height < out_h:
        fill = tuple(round(255 * v) for v in cfg.mean) if cfg.crop_mode == "border" else (0,) * len(image.getbands())
        padded = Image.new(image.mode, (max(width, out_w), max(height, out_h)), fill)
        padded.paste(image, ((padded.width - width) // 2, (padded.height - height) // 2))
        image, width, height = padded, padded.width, padded.height
    top = int(round((height - out_h) / 2.0))
    left = int(round((width - out_w) / 2.0))
    return image.crop((left, top, left + out_w, top + out_h))


def model_pixels(image: Image.Image, cfg: PreprocessCfg) -> torch.Tensor:
    """Return the resized, cropped view the model sees as uint8 ``(C, H, W)``: C = 1 for a grey image without
    transparency (resized once instead of three times; :func:`normalize` repeats it), else 3 (RGB by the
    module's rules)."""
    grey = cfg.crop_mode != "border" and _is_plain_grey(image)
    view = _center_crop_or_pad(_resize(_as_grey(image) if grey else to_rgb(image), cfg), cfg)
    array = torch.from_numpy(np.asarray(view, dtype=np.uint8).copy())
    return array[None] if array.ndim == 2 else array.permute(2, 0, 1)


def normalize(pixels: torch.Tensor, cfg: PreprocessCfg) -> torch.Tensor:
    """Return model input float32 ``(..., 3, H, W)`` from uint8 pixels ``(..., C, H, W)`` (C = 1 or 3): scaled to
    0..1, minus ``cfg.mean``, over ``cfg.std``. One call can normalise a whole batch."""
    x = pixels.expand(*pixels.shape[:-3], 3, *pixels.shape[-2:]).float().div_(255.0)
    mean = torch.tensor(cfg.mean, dtype=torch.float32)[:, None, None]
    std = torch.tensor(cfg.std, dtype=torch.float32)[:, None, None]
    return x.sub_(mean).div_(std)


def preprocess(image: Image.Image, cfg: PreprocessCfg) -> torch.Tensor:
    """Return the normalised model input ``(3, H, W)`` float32 for an image (converted to RGB if it is not)."""
    return normalize(model_pixels(image, cfg), cfg)
