"""JPEG decoding on the GPU for labelling folders (nvJPEG through torchvision), with Pillow for what it refuses.

    decoder = choose_decoder("cuda")                    # nvJPEG where CUDA is usable, else Pillow (decode is None)
    results = decode_batch(paths, cfg, decoder, "cuda")  # one (pixels, error) per path, in order

Each file is read and its header parsed on the CPU (Pillow reads no pixels for that). A JPEG in RGB or grey
whose crop lies inside the resized image goes to the GPU decoder; the rest (other formats, CMYK JPEGs,
images over :data:`~model.data.decode.MAX_PIXELS`, padding crops) is decoded by
:func:`~model.data.transform.load_pixels`, as is every file the GPU decoder refuses. The GPU decoder takes a
whole batch in one call and returns nothing when one file fails, so a failed batch is retried file by file:
a failure never costs the other files of its batch.

On the GPU the pixels are resized and cropped with the arithmetic of :func:`~model.data.transform.model_pixels`
(antialiased ``interpolate`` instead of Pillow's resampling: values within a few levels, not equal), after the
EXIF orientation is applied as Pillow applies it.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from PIL import Image

from model.data.decode import MAX_PIXELS, ImageLoadError
from model.data.pixels import PreprocessCfg, crop_origin, resized_size
from model.data.transform import load_pixels

DECODER_CHOICES = ("auto", "pillow", "gpu")

GpuDecode = Callable[[list[bytes]], list[torch.Tensor]]
"""Decodes JPEG files' bytes into RGB uint8 ``(3, H, W)`` tensors, one per file; raises when any file fails."""

PillowLoad = Callable[[str, PreprocessCfg], tuple[torch.Tensor, tuple[int, int]]]

_EXIF_ORIENTATION = 0x0112
_GPU_MODES = frozenset({"RGB", "L"})


@dataclass(frozen=True)
class Decoder:
    """The decoder a labelling run uses: ``name`` ("nvjpeg" or "pillow"), the batch function for the GPU
    (None for Pillow), and a ``note`` for the user (empty, or why the GPU decoder is not used)."""

    name: str
    decode: GpuDecode | None = None
    note: str = ""


def gpu_decoding_available() -> bool:
    """Return whether CUDA is usable and torchvision can decode JPEGs on it."""
    if not torch.cuda.is_available():
        return False
    try:
        from torchvision.io import decode_jpeg  # noqa: F401
    except ImportError:
        return False
    return True


def nvjpeg_decoder(device: str) -> GpuDecode:
    """Return a :data:`GpuDecode` running torchvision's ``decode_jpeg`` (nvJPEG) on ``device``, a whole batch in
    one call."""
    from torchvision.io import ImageReadMode, decode_jpeg

    def decode(files: list[bytes]) -> list[torch.Tensor]:
        data = [torch.frombuffer(bytearray(f), dtype=torch.uint8) for f in files]
        with warnings.catch_warnings():
            # torchvision 0.29 deprecates its decoders for TorchCodec, which is not a dependency; <= 0.29 is pinned
            warnings.simplefilter("ignore", DeprecationWarning)
            return decode_jpeg(data, mode=ImageReadMode.RGB, device=device)

    return decode


def choose_decoder(
    device: str,
    requested: str = "auto",
    *,
    available: Callable[[], bool] = gpu_decoding_available,
    make: Callable[[str], GpuDecode] = nvjpeg_decoder,
) -> Decoder:
    """Return the decoder for a run whose network is on ``device``: ``requested`` "pillow" is Pillow; "auto"
    is the GPU decoder when ``device`` is a CUDA device and :func:`gpu_decoding_available` (``available``),
    else Pillow; "gpu" is the GPU decoder when available, else Pillow with a note. ``make(device)`` builds the
    GPU decoder (:func:`nvjpeg_decoder`)."""
    if requested not in DECODER_CHOICES:
        raise ValueError(f"unknown decoder {requested!r}; choose one of {', '.join(DECODER_CHOICES)}")
    if requested == "pillow" or (requested == "auto" and not device.startswith("cuda")):
        return Decoder("pillow")
    if not available():
        note = "" if requested == "auto" else "JPEG decoding on the GPU needs CUDA and torchvision; using Pillow"
        return Decoder("pillow", note=note)
    gpu = device if device.startswith("cuda") else "cuda"
    return Decoder("nvjpeg", make(gpu))


@dataclass(frozen=True)
class _Routed:
    """A file read for the GPU decoder: its bytes and EXIF orientation (1 = as stored)."""

    data: bytes
    orientation: int


def _route(path: str, cfg: PreprocessCfg) -> _Routed | None:
    """Return the file's bytes when the GPU decoder should take it, or None when Pillow should (including every
    file that cannot be read: Pillow's path words the error)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "JPEG" or image.mode not in _GPU_MODES or image.width * image.height > MAX_PIXELS:
                return None
            orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
            size = (image.height, image.width) if orientation in (5, 6, 7, 8) else image.size
    except (OSError, ValueError, SyntaxError):  # unreadable, or a header Pillow rejects
        return None
    if orientation not in range(1, 9) or cfg.crop_mode == "border":
        return None
    left, top = crop_origin(resized_size(size, cfg), cfg)
    return _Routed(data, orientation) if left >= 0 and top >= 0 else None  # padding crops stay with Pillow


def apply_orientation(pixels: torch.Tensor, orientation: int) -> torch.Tensor:
    """Return ``pixels`` ``(C, H, W)`` turned as EXIF ``orientation`` (1-8) asks, as Pillow's ``exif_transpose``
    does."""
    if orientation == 2:
        return pixels.flip(-1)
    if orientation == 3:
        return pixels.flip(-2, -1)
    if orientation == 4:
        return pixels.flip(-2)
    if orientation == 5:
        return pixels.transpose(-2, -1)
    if orientation == 6:
        return pixels.rot90(-1, (-2, -1))
    if orientation == 7:
        return pixels.transpose(-2, -1).flip(-2, -1)
    if orientation == 8:
        return pixels.rot90(1, (-2, -1))
    return pixels


def resize_and_crop(pixels: torch.Tensor, cfg: PreprocessCfg) -> torch.Tensor:
    """Return the model's view ``(3, h, w)`` uint8 of decoded RGB ``pixels`` ``(3, H, W)`` uint8, on their device:
    resized and centre-cropped as :func:`~model.data.transform.model_pixels` does (the crop must lie inside)."""
    height, width = pixels.shape[-2:]
    new_w, new_h = resized_size((width, height), cfg)
    if (new_w, new_h) != (width, height):
        mode = cfg.interpolation if cfg.interpolation in ("bilinear", "bicubic") else "nearest"
        smooth = mode != "nearest"
        scaled = F.interpolate(pixels[None].float(), size=(new_h, new_w), mode=mode, antialias=smooth)
        pixels = scaled[0].round_().clamp_(0, 255).to(torch.uint8)
    left, top = crop_origin((new_w, new_h), cfg)
    out_h, out_w = cfg.input_size
    return pixels[:, top : top + out_h, left : left + out_w].contiguous()


def _gpu_decode_each(decode: GpuDecode, files: list[bytes]) -> list[torch.Tensor | None]:
    """Return ``decode(files)``; when that fails, each file decoded on its own, None where it is refused."""
    try:
        return list(decode(files))
    except Exception:  # nvJPEG fails the whole call for one bad file: find it by decoding each file alone
        if len(files) == 1:
            return [None]
        return [_gpu_decode_each(decode, [f])[0] for f in files]


def decode_batch(
    paths: Sequence[str | os.PathLike],
    cfg: PreprocessCfg,
    decoder: Decoder,
    device: str | torch.device = "cpu",
    *,
    pool: Executor | None = None,
    pillow: PillowLoad = load_pixels,
) -> list[tuple[torch.Tensor | None, str | None]]:
    """Return, for each of ``paths`` in order, ``(pixels, None)`` with the model's view of the image as uint8
    ``(C, h, w)`` on ``device`` (C = 3, or 1 for a grey image Pillow decoded), or ``(None, reason)`` when it
    cannot be read. ``pool`` reads and parses the files (and runs Pillow) in parallel when given; ``pillow``
    is the CPU decoder (:func:`~model.data.transform.load_pixels`)."""
    run = pool.map if pool is not None else map
    names = [os.fspath(p) for p in paths]
    decoded: dict[int, torch.Tensor] = {}
    if decoder.decode is not None:
        routed = [(i, r) for i, r in enumerate(run(_route, names, [cfg] * len(names))) if r is not None]
        images = _gpu_decode_each(decoder.decode, [r.data for _, r in routed]) if routed else []
        for (i, r), image in zip(routed, images, strict=True):
            if image is not None:
                decoded[i] = resize_and_crop(apply_orientation(image, r.orientation), cfg)

    def on_cpu(i: int) -> tuple[torch.Tensor | None, str | None]:
        try:
            pixels, _ = pillow(names[i], cfg)
        except (ImageLoadError, OSError) as exc:
            return None, str(exc)
        return pixels.to(device), None

    rest = [i for i in range(len(names)) if i not in decoded]
    results = dict(zip(rest, run(on_cpu, rest), strict=True))
    return [(decoded[i].to(device), None) if i in decoded else results[i] for i in range(len(names))]
