"""What replaces the removed pixels of a faithfulness curve: the fills a score is computed with.

    fill = make_fill("road", x)           # x: the preprocessed input (3, H, W)
    images = fill(removed)                 # removed: (n, 1, H, W) bool -> (n, 3, H, W), x where not removed

- ``blur``: a Gaussian-blurred copy of the input (shapes gone, colours kept; the window's first fill).
- ``mean``: the training data's mean colour: the preprocessing's mean, which is 0 after normalisation.
- ``noise``: seeded Gaussian noise around that mean with the training data's spread (N(0, 1) after normalisation).
- ``road``: ROAD's noisy linear imputation (Rong et al. 2022, "A Consistent and Efficient Evaluation Strategy for
  Attribution Methods"): each removed pixel is the weighted mean of its 8 neighbours (direct ones 1/6, diagonal ones
  1/12), solved for all removed pixels at once with the kept pixels fixed, plus a little noise. A blur leaks the
  removed region's shape (its edge colours stay); the imputation does not.

The imputation is a sparse symmetric positive definite system per image and channel (the neighbour graph's
Laplacian restricted to the removed pixels); it is solved by batched conjugate gradients with torch convolutions,
on whichever device the input lives. With every pixel removed nothing is known: the fill is the mean.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from model.choices import FILL_CHOICES

BLUR_SIGMA = 0.05  # of the input's longest side: about 11 px at 224, 5 px at 96 (shapes gone, colours kept)
ROAD_NOISE = 0.01  # std of the noise added to imputed pixels, in the model's input units (ROAD's default)
ROAD_TOLERANCE = 1e-3  # relative residual at which the conjugate gradients stop
ROAD_WEIGHTS = ((1 / 12, 1 / 6, 1 / 12), (1 / 6, 0.0, 1 / 6), (1 / 12, 1 / 6, 1 / 12))

Fill = Callable[[torch.Tensor], torch.Tensor]


def blurred_input(x: torch.Tensor, sigma: float | None = None) -> torch.Tensor:
    """Return a Gaussian-blurred copy of input ``x`` ``(..., 3, H, W)`` (same shape, float32); ``sigma`` in pixels,
    default :data:`BLUR_SIGMA` of the longest side. Borders are reflected, so edges keep their colour."""
    size = x.shape[-2:]
    sigma = sigma if sigma is not None else BLUR_SIGMA * max(size)
    radius = max(1, min(math.ceil(3 * sigma), min(size) - 1))
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float32, device=x.device)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = kernel / kernel.sum()
    flat = x.float().reshape(-1, 1, *size)
    flat = F.conv2d(F.pad(flat, (radius, radius, 0, 0), mode="reflect"), kernel.view(1, 1, 1, -1))
    flat = F.conv2d(F.pad(flat, (0, 0, radius, radius), mode="reflect"), kernel.view(1, 1, -1, 1))
    return flat.reshape(x.shape)


def _neighbours(t: torch.Tensor) -> torch.Tensor:
    """Return the ROAD-weighted sum of each pixel's 8 neighbours (outside the image: none) of ``t`` ``(n, c, H, W)``."""
    height, width = t.shape[-2:]
    padded = F.pad(t, (1, 1, 1, 1))
    out = torch.zeros_like(t)
    for dy, row in enumerate(ROAD_WEIGHTS):  # eight shifted adds: far faster than a one-channel convolution on a CPU
        for dx, weight in enumerate(row):
            if weight:
                out += weight * padded[..., dy : dy + height, dx : dx + width]
    return out


def _coarse_guess(values: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Return a dense guess ``(n, c, H, W)`` from ``values`` known where ``weight`` > 0 (``values`` already multiplied
    by it): each unknown pixel gets the mean of the known ones of ever coarser halvings of the grid ("push-pull")."""
    height, width = values.shape[-2:]
    known = torch.where(weight > 0, values / weight.clamp_min(1e-12), torch.zeros_like(values))
    if height <= 1 and width <= 1:
        return known
    coarse = _coarse_guess(F.avg_pool2d(values, 2, ceil_mode=True), F.avg_pool2d(weight, 2, ceil_mode=True))
    return torch.where(weight > 0, known, F.interpolate(coarse, size=(height, width), mode="bilinear"))


def road_impute(
    x: torch.Tensor, removed: torch.Tensor, noise: float = ROAD_NOISE, seed: int = 0, tolerance: float = ROAD_TOLERANCE
) -> torch.Tensor:
    """Return ``(n, 3, H, W)`` copies of ``x`` ``(3, H, W)`` whose ``removed`` pixels (``(n, 1, H, W)`` bool) are
    imputed from the kept ones: each the weighted mean of its neighbours (:data:`ROAD_WEIGHTS`), plus seeded
    Gaussian noise of std ``noise``. An image with every pixel removed becomes 0 (the mean) plus noise.

    Solves ``deg·v − Σ w·v_removed = Σ w·x_kept`` on the removed pixels by Jacobi-preconditioned conjugate gradients
    until the relative residual is below ``tolerance`` (a linear ramp is reproduced exactly: it is its neighbours'
    weighted mean)."""
    x = x.float()
    n, (c, h, w) = removed.shape[0], x.shape
    unknown = removed.to(x.dtype).expand(n, c, h, w)
    known = 1.0 - unknown
    full = x.expand(n, c, h, w)
    degree = _neighbours(torch.ones(1, 1, h, w, dtype=x.dtype, device=x.device))

    def apply(v: torch.Tensor) -> torch.Tensor:
        return (degree * v - _neighbours(v * unknown)) * unknown

    rhs = _neighbours(full * known) * unknown
    value = _coarse_guess(full * known, known) * unknown  # smooth errors are what conjugate gradients fix slowest
    residual = rhs - apply(value)
    z = residual / degree
    direction = z.clone()
    rz = (residual * z).sum((2, 3), keepdim=True)
    scale = rhs.square().sum((2, 3), keepdim=True).sqrt().clamp_min(1e-12)
    for _ in range(20 * max(h, w)):
        if float((residual.square().sum((2, 3), keepdim=True).sqrt() / scale).max()) < tolerance:
            break
        moved = apply(direction)
        alpha = rz / (direction * moved).sum((2, 3), keepdim=True).clamp_min(1e-30)
        value = value + alpha * direction
        residual = residual - alpha * moved
        z = residual / degree
        rz_next = (residual * z).sum((2, 3), keepdim=True)
        direction = z + (rz_next / rz.clamp_min(1e-30)) * direction
        rz = rz_next
    if noise:
        generator = torch.Generator(device=x.device).manual_seed(seed)
        value = value + noise * torch.randn(value.shape, generator=generator, device=x.device, dtype=x.dtype)
    return torch.where(unknown.bool(), value, full)


def replace_with(x: torch.Tensor, image: torch.Tensor) -> Fill:
    """Return the fill that puts ``image`` ``(3, H, W)`` where pixels of ``x`` are removed."""
    return lambda removed: torch.where(removed, image[None], x[None])


def make_fill(name: str, x: torch.Tensor, seed: int = 0) -> Fill:
    """Return the fill ``name`` (a key of :data:`~model.choices.FILL_CHOICES`) of the preprocessed input ``x``
    ``(3, H, W)``: a function of a ``removed`` mask ``(n, 1, H, W)`` bool that returns ``(n, 3, H, W)`` images. The
    noise of "noise" and "road" is seeded by ``seed``. Raises ValueError for an unknown name."""
    x = x.float()
    if name == "blur":
        return replace_with(x, blurred_input(x))
    if name == "mean":
        return replace_with(x, torch.zeros_like(x))
    if name == "noise":
        generator = torch.Generator(device=x.device).manual_seed(seed)
        return replace_with(x, torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype))
    if name == "road":
        return lambda removed: road_impute(x, removed, seed=seed)
    raise ValueError(f"unknown fill {name!r}; choices: {', '.join(FILL_CHOICES)}")
