"""A checkpoint's own preprocessing: a decoded image to the normalised model input.

    cfg = info.preprocess                                # PreprocessCfg of the loaded model
    x = preprocess(image, cfg)                           # (3, H, W) float32, normalised
    x, size = load_and_preprocess("photo.jpg", cfg)      # same tensor; large JPEGs decode at reduced size

The preprocessing is timm's evaluation transform (``transforms_imagenet_eval``) reproduced with the same
Pillow calls: resize (``crop_mode`` ``center``: shortest side to ``floor(size / crop_pct)``; ``squash``: both
sides; ``border``: longest side, then pad with the mean colour), centre crop, scale to 0..1, normalise.
Decoding is :mod:`model.data.decode`'s.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from model.data.decode import as_grey, decode_opened, is_plain_grey, open_image, swaps_sides, to_rgb

__all__ = [
    "PreprocessCfg",
    "load_and_preprocess",
    "load_pixels",
    "model_pixels",
    "normalize",
    "preprocess",
]

_INTERPOLATIONS = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
    "box": Image.Resampling.BOX,
    "hamming": Image.Resampling.HAMMING,
}


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
    both speed and PSNR). Raises :class:`~model.data.decode.ImageLoadError` like
    :func:`~model.data.decode.load_image`.
    """
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
    transparency (resized once instead of three times; :func:`normalize` repeats it), else 3 (RGB by
    :mod:`model.data.decode`'s rules)."""
    grey = cfg.crop_mode != "border" and is_plain_grey(image)
    view = _center_crop_or_pad(_resize(as_grey(image) if grey else to_rgb(image), cfg), cfg)
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
