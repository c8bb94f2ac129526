"""A checkpoint's own preprocessing as torch tensors: a decoded image to the normalised model input.

    cfg = info.preprocess                                # PreprocessCfg of the loaded model
    x = preprocess(image, cfg)                           # (3, H, W) float32, normalised
    x, size = load_and_preprocess("photo.jpg", cfg)      # same tensor; large JPEGs decode at reduced size

The settings, the resize and the crop are :mod:`model.data.pixels`' (timm's evaluation transform, with numpy
arrays); this module hands them to the network as tensors.
"""

from __future__ import annotations

import os

import torch
from PIL import Image

from model.data.pixels import PreprocessCfg, load_array, pixel_array

__all__ = [
    "load_and_preprocess",
    "load_pixels",
    "model_pixels",
    "normalize",
    "preprocess",
]


def load_pixels(source: str | os.PathLike | bytes, cfg: PreprocessCfg) -> tuple[torch.Tensor, tuple[int, int]]:
    """Return ``(pixels, (width, height))``: :func:`~model.data.pixels.load_array`'s uint8 ``(C, H, W)`` as a
    tensor, and the size of the full image (after EXIF orientation)."""
    array, size = load_array(source, cfg)
    return torch.from_numpy(array), size


def load_and_preprocess(source: str | os.PathLike | bytes, cfg: PreprocessCfg) -> tuple[torch.Tensor, tuple[int, int]]:
    """Return ``(tensor, (width, height))``: the model input ``(3, H, W)`` float32 for ``source`` and the size of
    the full image, as :func:`load_pixels` reads it."""
    pixels, size = load_pixels(source, cfg)
    return normalize(pixels, cfg), size


def model_pixels(image: Image.Image, cfg: PreprocessCfg) -> torch.Tensor:
    """Return :func:`~model.data.pixels.pixel_array` (the resized, cropped view, uint8 ``(C, H, W)``, C = 1 or 3)
    as a tensor."""
    return torch.from_numpy(pixel_array(image, cfg))


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
