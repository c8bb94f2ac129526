"""GPU JPEG decoding without a GPU: the choice of decoder, the per-file fallback to Pillow (an injected decoder that
refuses some files stands in for nvJPEG), and EXIF orientation applied as Pillow applies it."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageOps

from model.data.gpu_decode import Decoder, apply_orientation, choose_decoder, decode_batch
from model.data.pixels import PreprocessCfg
from model.data.transform import load_pixels

CFG = PreprocessCfg(input_size=(64, 64))


def _photo(seed: int, size: tuple[int, int] = (160, 120)) -> Image.Image:
    """Return a smooth RGB test picture (gradients plus a few blobs) of ``size`` (width, height)."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0 : size[1], 0 : size[0]].astype(np.float32)
    channels = [np.sin(xs / rng.uniform(8, 30) + rng.uniform(0, 6)) + np.cos(ys / rng.uniform(8, 30)) for _ in "rgb"]
    pixels = np.stack(channels, axis=-1) * 60 + 128
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))


def _save_jpeg(image: Image.Image, path: Path, orientation: int = 1) -> Path:
    exif = Image.Exif()
    if orientation != 1:
        exif[0x0112] = orientation
    image.save(path, "JPEG", quality=92, exif=exif.tobytes())
    return path


def _fake_gpu(refused: set[bytes], calls: list[int]):
    """Return a GpuDecode that decodes like nvJPEG (RGB, EXIF ignored) on the CPU, failing a whole call that
    holds one of the ``refused`` files, as decode_jpeg does; each call's batch size goes into ``calls``."""

    def decode(files: list[bytes]) -> list[torch.Tensor]:
        calls.append(len(files))
        if refused.intersection(files):
            raise RuntimeError("nvjpeg: unsupported file")
        arrays = [np.asarray(Image.open(io.BytesIO(f)).convert("RGB")) for f in files]
        return [torch.from_numpy(a.copy()).permute(2, 0, 1) for a in arrays]

    return decode


def test_choice_of_decoder():
    never, always = (lambda: False), (lambda: True)
    made: list[str] = []

    def make(device: str):
        made.append(device)
        return _fake_gpu(set(), [])

    assert choose_decoder("cpu", available=always, make=make) == Decoder("pillow")
    assert choose_decoder("cuda", available=never, make=make) == Decoder("pillow")
    asked = choose_decoder("cuda", "gpu", available=never, make=make)
    assert asked.name == "pillow" and asked.decode is None and "CUDA" in asked.note
    assert choose_decoder("cuda", "pillow", available=always, make=make) == Decoder("pillow")
    assert made == []
    chosen = choose_decoder("cuda:1", available=always, make=make)
    assert chosen.name == "nvjpeg" and chosen.decode is not None and chosen.note == ""
    assert choose_decoder("cpu", "gpu", available=always, make=make).name == "nvjpeg"
    assert made == ["cuda:1", "cuda"]
    with pytest.raises(ValueError, match="unknown decoder"):
        choose_decoder("cuda", "nvdec")


def test_refused_files_are_decoded_by_pillow_and_no_file_is_lost(tmp_path: Path):
    paths = [_save_jpeg(_photo(i), tmp_path / f"photo{i}.jpg") for i in range(4)]
    paths.append(_save_jpeg(_photo(4), tmp_path / "turned.jpg", orientation=6))
    paths.append(_save_jpeg(_photo(5).convert("L"), tmp_path / "grey.jpg"))
    _photo(6).save(tmp_path / "drawing.png")
    paths.append(tmp_path / "drawing.png")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    paths.append(tmp_path / "broken.jpg")
    refused = {paths[1].read_bytes(), paths[3].read_bytes()}
    calls: list[int] = []

    results = decode_batch(paths, CFG, Decoder("nvjpeg", _fake_gpu(refused, calls)), "cpu")

    assert len(results) == len(paths)
    assert calls == [6, 1, 1, 1, 1, 1, 1]  # the six JPEGs Pillow can parse in one call, then each alone
    broken_pixels, broken_error = results[-1]
    assert broken_pixels is None and broken_error and "broken.jpg" in broken_error
    for index, (path, (pixels, error)) in enumerate(zip(paths[:-1], results[:-1], strict=True)):
        assert error is None
        reference, _ = load_pixels(str(path), CFG)
        if index in (1, 3, 6):  # refused, or not a JPEG: Pillow's own output
            assert torch.equal(pixels, reference)
        else:  # decoded by the stand-in, resized by interpolate: Pillow's view within a level or two
            assert pixels.shape == (3, 64, 64)
            difference = (pixels.float() - reference.expand(3, -1, -1).float()).abs().mean()
            assert difference < 1.5, (path.name, difference)


def test_without_a_gpu_decoder_every_file_goes_through_pillow(tmp_path: Path):
    paths = [_save_jpeg(_photo(i), tmp_path / f"photo{i}.jpg") for i in range(2)]
    results = decode_batch(paths, CFG, Decoder("pillow"))
    for path, (pixels, error) in zip(paths, results, strict=True):
        assert error is None and torch.equal(pixels, load_pixels(str(path), CFG)[0])


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_is_applied_as_pillow_applies_it(tmp_path: Path, orientation: int):
    path = _save_jpeg(_photo(orientation, size=(12, 7)), tmp_path / "small.jpg", orientation)
    with Image.open(path) as image:
        stored = torch.from_numpy(np.asarray(image.convert("RGB")).copy()).permute(2, 0, 1)
        shown = torch.from_numpy(np.asarray(ImageOps.exif_transpose(image).convert("RGB")).copy()).permute(2, 0, 1)
    assert torch.equal(apply_orientation(stored, orientation), shown)
