"""The model's view of an image as plain arrays, without torch: a checkpoint's preprocessing settings
(:class:`PreprocessCfg`), the resize and centre crop timm's evaluation transform does, and the normalisation.

    cfg = info.preprocess                                # PreprocessCfg of the loaded model
    pixels, size = load_array("photo.jpg", cfg)          # uint8 (C, H, W); large JPEGs decode at reduced size
    x = normalize_array(pixels[None], cfg)               # float32 (1, 3, H, W), the model input

The resize and crop are timm's ``transforms_imagenet_eval`` reproduced with the same Pillow calls: resize
(``crop_mode`` ``center``: shortest side to ``floor(size / crop_pct)``; ``squash``: both sides; ``border``:
longest side, then pad with the mean colour), centre crop, scale to 0..1, normalise. Decoding is
:mod:`model.data.decode`'s. Torch-free, so that a run of an exported model needs no torch at all
(:mod:`model.runtime.export_card`); :mod:`model.data.transform` gives the same as tensors.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from PIL import Image

from model.data.decode import as_grey, decode_opened, is_plain_grey, load_frame, open_image, swaps_sides, to_rgb
from model.video.stills import frame_source

INTERPOLATIONS = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
    "box": Image.Resampling.BOX,
    "hamming": Image.Resampling.HAMMING,
}
CROP_MODES = ("center", "squash", "border")


def _pair(value: Any) -> tuple[int, int]:
    """Return the last two entries of ``value`` (``[3, H, W]`` or ``(H, W)``) as ``(H, W)`` ints."""
    height, width = (int(v) for v in tuple(value)[-2:])
    return height, width


def _triple(value: Any) -> tuple[float, float, float]:
    """Return ``value`` (three numbers) as a tuple of three floats."""
    a, b, c = (float(v) for v in value)
    return a, b, c


_FROM_DICT: dict[str, Callable[[Any], object]] = {
    "input_size": _pair,
    "interpolation": str,
    "mean": _triple,
    "std": _triple,
    "crop_pct": float,
    "crop_mode": str,
}


@dataclass(frozen=True)
class PreprocessCfg:
    """A checkpoint's evaluation preprocessing, in timm's terms.

    ``input_size`` is (height, width); ``crop_mode`` is one of :data:`CROP_MODES`, ``interpolation`` a key of
    :data:`INTERPOLATIONS`. The field defaults are those of timm's CoAtNet checkpoints (``maxxvit._cfg``), not
    timm's generic ones; :data:`DEFAULT_PREPROCESS` is that instance. Bad values raise ``ValueError``.
    """

    input_size: tuple[int, int] = (224, 224)
    interpolation: str = "bicubic"
    mean: tuple[float, float, float] = (0.5, 0.5, 0.5)
    std: tuple[float, float, float] = (0.5, 0.5, 0.5)
    crop_pct: float = 0.95
    crop_mode: str = "center"

    def __post_init__(self) -> None:
        if self.interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"PreprocessCfg.interpolation={self.interpolation!r} is not one of {', '.join(INTERPOLATIONS)}"
            )
        if self.crop_mode not in CROP_MODES:
            raise ValueError(f"PreprocessCfg.crop_mode={self.crop_mode!r} is not one of {', '.join(CROP_MODES)}")
        if len(self.input_size) != 2 or min(self.input_size) < 1:
            raise ValueError(f"PreprocessCfg.input_size={self.input_size!r} is not a positive (height, width)")
        if not self.crop_pct > 0.0:
            raise ValueError(f"PreprocessCfg.crop_pct={self.crop_pct!r} is not positive")
        if len(self.mean) != 3 or len(self.std) != 3 or 0.0 in self.std:
            raise ValueError(f"PreprocessCfg mean={self.mean!r} / std={self.std!r} are not three values, std non-zero")

    @classmethod
    def from_pretrained_cfg(cls, cfg: Mapping[str, Any], base: PreprocessCfg | None = None) -> PreprocessCfg:
        """Return the settings of a timm-style ``pretrained_cfg`` dict (``input_size`` is ``[3, H, W]``), as a
        checkpoint file stores them: keys it lacks, and malformed or unknown values, keep those of ``base``
        (:data:`DEFAULT_PREPROCESS` when None); other keys are ignored."""
        out = DEFAULT_PREPROCESS if base is None else base
        for key, convert in _FROM_DICT.items():
            if cfg.get(key) is not None:
                try:
                    out = replace(out, **{key: convert(cfg[key])})
                except (TypeError, ValueError):
                    pass  # keep the base value for a malformed one
        return out

    def to_pretrained_cfg(self) -> dict[str, Any]:
        """Return the timm-style ``pretrained_cfg`` form: input_size ``(3, H, W)``, interpolation, crop_pct,
        crop_mode, mean, std (what ``timm.models.get_pretrained_cfg`` has and a ``config.json`` stores)."""
        return {
            "input_size": (3, *self.input_size),
            "interpolation": self.interpolation,
            "crop_pct": self.crop_pct,
            "crop_mode": self.crop_mode,
            "mean": self.mean,
            "std": self.std,
        }

    @property
    def scale_size(self) -> tuple[int, int]:
        """The (height, width) that resizing aims at before the crop: ``floor(input_size / crop_pct)``."""
        return math.floor(self.input_size[0] / self.crop_pct), math.floor(self.input_size[1] / self.crop_pct)


DEFAULT_PREPROCESS = PreprocessCfg()


def _draft_request(cfg: PreprocessCfg) -> tuple[int, int]:
    """The size JPEG's DCT scaling must not go below: the resize target itself, so the final resize still only
    shrinks (decoding at twice the target instead costs about a third more time for PSNR 55 dB instead of 47)."""
    side = max(cfg.scale_size)
    return side, side


def frame_side(cfg: PreprocessCfg) -> int:
    """Return the shorter side a video frame is scaled down to while decoding (twice the model's resize target: a
    4K frame never goes through Pillow at full size, and the final resize still starts from more pixels)."""
    return 2 * max(cfg.scale_size)


def load_array(source: str | os.PathLike | bytes, cfg: PreprocessCfg) -> tuple[np.ndarray, tuple[int, int]]:
    """Return ``(pixels, (width, height))``: the model's view of ``source`` as uint8 ``(C, H, W)`` (see
    :func:`pixel_array`; :func:`normalize_array` makes it the model input) and the size of the full image (after
    EXIF orientation).

    A JPEG far larger than the input decodes at 1/2, 1/4 or 1/8 scale (Pillow's ``draft``), never below the
    resize target, so the result stays close to the full-decode path (benchmarks/bench_decode.py measures
    both speed and PSNR). A video's sampled frame, ``video#t=SECONDS``, is read as ``label`` decoded it
    (:func:`~model.data.decode.load_frame`; the size is the video's). Raises
    :class:`~model.data.decode.ImageLoadError` like :func:`~model.data.decode.load_image`.
    """
    frame = frame_source(source)
    if frame is not None:  # a video's sampled frame, shrunk while decoding as `label` decodes it
        image, size = load_frame(*frame, shrink_to=frame_side(cfg))
        return pixel_array(image, cfg), size
    image = open_image(source)
    try:
        width, height = image.size
        if image.format == "JPEG":
            image.draft(None, _draft_request(cfg))
        decoded = decode_opened(image, source, keep_grey=True)
        if swaps_sides(image):
            width, height = height, width
    finally:
        image.close()
    return pixel_array(decoded, cfg), (width, height)


def resized_size(image_size: tuple[int, int], cfg: PreprocessCfg) -> tuple[int, int]:
    """Return the (width, height) that timm's eval transform resizes an image of ``image_size`` to."""
    scale_h, scale_w = cfg.scale_size
    width, height = image_size
    if cfg.crop_mode == "squash":
        return scale_w, scale_h
    if cfg.crop_mode == "border":
        ratio = max(height / scale_h, width / scale_w)
        return round(width / ratio), round(height / ratio)
    if scale_h == scale_w:
        short = scale_h
        return (short, int(short * height / width)) if width <= height else (int(short * width / height), short)
    ratio = min(height / scale_h, width / scale_w)
    return round(width / ratio), round(height / ratio)


def crop_origin(resized: tuple[int, int], cfg: PreprocessCfg) -> tuple[int, int]:
    """Return the (left, top) of the centre ``input_size`` crop in the resized image of size ``resized``
    (width, height); negative where the image is smaller and gets padded (timm pads, then crops)."""
    out_h, out_w = cfg.input_size

    def start(size: int, out: int) -> int:
        return int(round((size - out) / 2.0)) if size >= out else -((out - size) // 2)

    return start(resized[0], out_w), start(resized[1], out_h)


def crop_box(image_size: tuple[int, int], cfg: PreprocessCfg) -> tuple[float, float, float, float]:
    """Return ``(left, top, width, height)``: the box of an image of ``image_size`` (width, height), in its own
    pixels, that becomes the model's input under ``cfg`` (the same arithmetic as the crop itself). It reaches
    past the image where the preprocessing pads (``border``, or an image smaller than the input)."""
    width, height = image_size
    resized_w, resized_h = resized_size(image_size, cfg)
    left, top = crop_origin((resized_w, resized_h), cfg)
    out_h, out_w = cfg.input_size
    sx, sy = width / resized_w, height / resized_h
    return left * sx, top * sy, out_w * sx, out_h * sy


def _resize(image: Image.Image, cfg: PreprocessCfg) -> Image.Image:
    """Resize as timm's eval transform does before its crop."""
    size = resized_size(image.size, cfg)
    return image if size == image.size else image.resize(size, INTERPOLATIONS[cfg.interpolation])


def _center_crop_or_pad(image: Image.Image, cfg: PreprocessCfg) -> Image.Image:
    """Crop the centre ``input_size``; pad (mean colour for ``border``, black else) where the image is smaller."""
    out_h, out_w = cfg.input_size
    left, top = crop_origin(image.size, cfg)
    if left >= 0 and top >= 0 and left + out_w <= image.width and top + out_h <= image.height:
        return image.crop((left, top, left + out_w, top + out_h))
    fill = tuple(round(255 * v) for v in cfg.mean) if cfg.crop_mode == "border" else (0,) * len(image.getbands())
    canvas = Image.new(image.mode, (out_w, out_h), fill)
    canvas.paste(image, (-left, -top))
    return canvas


def pixel_array(image: Image.Image, cfg: PreprocessCfg) -> np.ndarray:
    """Return the resized, cropped view the model sees as uint8 ``(C, H, W)``: C = 1 for a grey image without
    transparency (resized once instead of three times; :func:`normalize_array` repeats it), else 3 (RGB by
    :mod:`model.data.decode`'s rules)."""
    grey = cfg.crop_mode != "border" and is_plain_grey(image)
    view = _center_crop_or_pad(_resize(as_grey(image) if grey else to_rgb(image), cfg), cfg)
    array = np.array(view, dtype=np.uint8)
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def stack_pixels(pixels: list[np.ndarray]) -> np.ndarray:
    """Return one uint8 batch ``(B, 3, H, W)`` of same-sized pixel arrays ``(C, H, W)`` (a grey image's one channel
    repeated)."""
    return np.stack([np.broadcast_to(p, (3, *p.shape[-2:])) for p in pixels])


def normalize_array(pixels: np.ndarray, cfg: PreprocessCfg) -> np.ndarray:
    """Return model input float32 ``(..., 3, H, W)`` from uint8 pixels ``(..., C, H, W)`` (C = 1 or 3): scaled to
    0..1, minus ``cfg.mean``, over ``cfg.std`` (the same float32 steps as :func:`model.data.transform.normalize`).
    One call can normalise a whole batch."""
    x = np.broadcast_to(pixels, (*pixels.shape[:-3], 3, *pixels.shape[-2:])).astype(np.float32)
    x /= np.float32(255.0)
    x -= np.asarray(cfg.mean, dtype=np.float32)[:, None, None]
    x /= np.asarray(cfg.std, dtype=np.float32)[:, None, None]
    return x
