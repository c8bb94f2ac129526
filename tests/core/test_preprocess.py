"""model/data/decode.py and transform.py: decoding every image file into defined RGB, refusing bad files with a
one-line reason, and reproducing timm's evaluation transform (timm is the test-only oracle). Real files in
``tmp_path``, no network."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import struct
import sys
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import timm
import torch
from PIL import Image, features

from model.data.decode import ALPHA_BACKGROUND, IMAGE_SUFFIXES, MAX_PIXELS, ImageLoadError, load_image, to_rgb
from model.data.pixels import DEFAULT_PREPROCESS, PreprocessCfg, crop_box
from model.data.transform import load_and_preprocess, load_pixels, model_pixels, normalize, preprocess

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_decode import photo_like, psnr  # noqa: E402  (the benchmark's content and measure, asserted here)

HALF = (0.5, 0.5, 0.5)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
COATNET_0 = PreprocessCfg(input_size=(224, 224), interpolation="bicubic", mean=HALF, std=HALF, crop_pct=0.95)

# Same Pillow resize and crop calls as timm, same float32 arithmetic after: the tensors agree bit for bit (max abs
# difference 0 with timm 1.0.31 and Pillow 13); the tolerance only allows a future change in float32 op order.
PARITY_ATOL = 1e-6
MIN_PSNR_DB = 35.0

WHITE, BLACK = (255, 255, 255), (0, 0, 0)
RED, GREEN, BLUE, GREY = (220, 30, 40), (30, 200, 60), (40, 60, 210), (128, 128, 128)
HEIF_PLUGIN = importlib.util.find_spec("pillow_heif") is not None
STRIPE = 16  # px: wide enough that JPEG's 8x8 blocks and chroma subsampling keep each stripe's centre exact-ish


def _cfg(size: tuple[int, int], crop_mode: str, crop_pct: float, interpolation: str, mean: tuple, std: tuple) -> dict:
    """A timm-style ``pretrained_cfg`` dict."""
    return {
        "input_size": (3, *size),
        "crop_mode": crop_mode,
        "crop_pct": crop_pct,
        "interpolation": interpolation,
        "mean": mean,
        "std": std,
    }


def _test_card(width: int, height: int, seed: int = 0) -> Image.Image:
    """An RGB image with gradients and strong noise, so any resize or crop offset changes the tensor."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([255 * x / width, 255 * y / height, np.full(x.shape, 128.0)], axis=-1)
    return Image.fromarray(np.clip(base + rng.normal(0, 25, base.shape), 0, 255).astype(np.uint8))


def _stripes(mode: str, colours: list) -> Image.Image:
    """A ``mode`` image of vertical ``STRIPE``-wide stripes, one per colour (a pixel value of that mode)."""
    image = Image.new(mode, (STRIPE * len(colours), STRIPE), colours[0])
    for i, colour in enumerate(colours):
        image.paste(colour, (i * STRIPE, 0, (i + 1) * STRIPE, STRIPE))
    return image


def _palette_stripes() -> Image.Image:
    """A ``P`` image of two stripes, palette index 0 (red) and 1 (blue)."""
    image = _stripes("P", [0, 1])
    image.putpalette([*RED, *BLUE])
    return image


def _stripe_colours(image: Image.Image) -> list[tuple[int, int, int]]:
    """The RGB colour at the centre of each stripe of an image made by :func:`_stripes`."""
    return [image.getpixel((i * STRIPE + STRIPE // 2, STRIPE // 2)) for i in range(image.width // STRIPE)]


def _assert_colours(actual: list, expected: list, tolerance: int) -> None:
    """Every channel of every colour within ``tolerance`` of the expected one."""
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert max(abs(a - b) for a, b in zip(got, want, strict=True)) <= tolerance, (actual, expected)


def _write(path: Path, image: Image.Image, **save_args) -> Path:
    """Save ``image`` to ``path`` (format from the suffix) and return the path."""
    image.save(path, **save_args)
    return path


def _assert_matches_timm(image: Image.Image, pretrained_cfg: dict) -> None:
    """``preprocess`` equals timm's eval transform for the same cfg on the same PIL image."""
    config = timm.data.resolve_data_config({}, pretrained_cfg=pretrained_cfg)
    expected = timm.data.create_transform(**config, is_training=False)(image)
    actual = preprocess(image, PreprocessCfg.from_pretrained_cfg(pretrained_cfg))
    assert actual.dtype == torch.float32
    assert actual.shape == expected.shape == (3, *pretrained_cfg["input_size"][-2:])
    assert (actual - expected).abs().max().item() <= PARITY_ATOL


PARITY_SIZES = [(640, 480), (300, 500), (224, 224), (97, 333)]
PARITY_CFGS = {
    "center-0.95-bicubic-half": _cfg((224, 224), "center", 0.95, "bicubic", HALF, HALF),
    "center-0.875-bilinear-imagenet": _cfg((224, 224), "center", 0.875, "bilinear", IMAGENET_MEAN, IMAGENET_STD),
    "center-1.15-pads-black": _cfg((224, 224), "center", 1.15, "bicubic", HALF, HALF),
    "center-non-square": _cfg((192, 256), "center", 0.9, "bicubic", IMAGENET_MEAN, IMAGENET_STD),
    "squash-1.0-384": _cfg((384, 384), "squash", 1.0, "bicubic", HALF, HALF),
    "squash-non-square-bilinear": _cfg((256, 192), "squash", 0.875, "bilinear", HALF, HALF),
    "border-1.0-imagenet": _cfg((224, 224), "border", 1.0, "bicubic", IMAGENET_MEAN, IMAGENET_STD),
    "border-0.875-bilinear-half": _cfg((224, 224), "border", 0.875, "bilinear", HALF, HALF),
}


@pytest.mark.parametrize("size", PARITY_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("cfg", PARITY_CFGS.values(), ids=PARITY_CFGS.keys())
def test_preprocess_matches_timm_eval_transform(size: tuple[int, int], cfg: dict) -> None:
    """For every crop mode, crop_pct (incl. padding), interpolation, mean/std and aspect ratio, the tensor
    equals timm's ``create_transform`` output to within PARITY_ATOL."""
    _assert_matches_timm(_test_card(*size), cfg)


@pytest.mark.parametrize(
    "tag", ["coatnet_0_rw_224.sw_in1k", "coatnet_bn_0_rw_224.sw_in1k", "coatnet_rmlp_2_rw_384.sw_in12k_ft_in1k"]
)
def test_preprocess_matches_timm_on_real_pretrained_cfgs(tag: str) -> None:
    """timm's own pretrained cfgs (mean/std 0.5, ImageNet's, and squash at 384) give timm's tensor on every size."""
    cfg = timm.models.get_pretrained_cfg(tag).to_dict()
    for size in PARITY_SIZES:
        _assert_matches_timm(_test_card(*size, seed=1), cfg)


@pytest.mark.parametrize("size", PARITY_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("cfg", PARITY_CFGS.values(), ids=PARITY_CFGS.keys())
def test_crop_box_is_where_the_crop_takes_its_pixels(size: tuple[int, int], cfg: dict) -> None:
    """A white square drawn into the image lands in the tensor where :func:`crop_box` puts it, for every crop
    mode (padding included): the box the GUI draws is the view the model gets."""
    width, height = size
    pcfg = replace(PreprocessCfg.from_pretrained_cfg(cfg), mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0))
    left, top, box_w, box_h = crop_box(size, pcfg)
    cx = min(max(int(left + 0.6 * box_w), 5), width - 5)  # inside both the image and the model's view
    cy = min(max(int(top + 0.4 * box_h), 5), height - 5)
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[cy - 5 : cy + 5, cx - 5 : cx + 5] = 255
    weights = preprocess(Image.fromarray(image), pcfg)[0].clamp_min(0)
    out_h, out_w = pcfg.input_size
    ys, xs = torch.meshgrid(torch.arange(float(out_h)), torch.arange(float(out_w)), indexing="ij")
    found = float((weights * xs).sum() / weights.sum()) + 0.5, float((weights * ys).sum() / weights.sum()) + 0.5
    assert found == pytest.approx(((cx - left) / box_w * out_w, (cy - top) / box_h * out_h), abs=1.0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("interpolation", "cubic"),
        ("crop_mode", "centre"),
        ("crop_pct", 0.0),
        ("input_size", (0, 224)),
        ("std", (0.5, 0.0, 0.5)),
        ("mean", (0.5, 0.5)),
    ],
)
def test_preprocess_cfg_refuses_bad_values(field: str, value: object) -> None:
    """A bad setting fails where the settings are made, naming the field and the value."""
    with pytest.raises(ValueError, match=rf"{field}.*{re.escape(repr(value))}"):
        PreprocessCfg(**{field: value})


def test_pretrained_cfg_dict_round_trip_and_bad_values() -> None:
    """The dict form (what a config.json stores) reads back to the same settings, through JSON too; a key that is
    missing, malformed or unknown keeps the base value."""
    cfg = PreprocessCfg(input_size=(96, 128), interpolation="bilinear", mean=HALF, std=IMAGENET_STD, crop_pct=0.9)
    assert PreprocessCfg.from_pretrained_cfg(cfg.to_pretrained_cfg()) == cfg
    assert PreprocessCfg.from_pretrained_cfg(json.loads(json.dumps(cfg.to_pretrained_cfg()))) == cfg
    bad = {"interpolation": "cubic", "crop_pct": "wide", "crop_mode": None, "input_size": [3, 0, 96], "mean": [1]}
    assert PreprocessCfg.from_pretrained_cfg(bad, base=cfg) == cfg
    assert PreprocessCfg.from_pretrained_cfg({}) == DEFAULT_PREPROCESS == PreprocessCfg()


@pytest.mark.parametrize("stored_size", [(120, 100), (1200, 1000)], ids=["full-decode", "reduced-decode"])
def test_exif_orientation_is_applied(tmp_path: Path, stored_size: tuple[int, int]) -> None:
    """A JPEG stored landscape with EXIF Orientation 6 loads rotated 90 degrees clockwise (the stored top-left
    quadrant ends top right, which tells it from a transpose), and load_and_preprocess reports the oriented full
    size and the same content, whether the JPEG decodes at full or at reduced size."""
    width, height = stored_size
    stored = Image.new("RGB", stored_size, RED)
    stored.paste(GREEN, (0, 0, width // 2, height // 2))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = _write(tmp_path / "rotated.jpg", stored, quality=95, exif=exif)

    image = load_image(path)
    assert image.mode == "RGB" and image.size == (height, width)
    quadrants = [(1 / 4, 1 / 4), (3 / 4, 1 / 4), (1 / 4, 3 / 4), (3 / 4, 3 / 4)]  # TL, TR, BL, BR
    colours = [image.getpixel((int(fx * height), int(fy * width))) for fx, fy in quadrants]
    _assert_colours(colours, [RED, GREEN, RED, RED], tolerance=8)

    tensor, size = load_and_preprocess(path, COATNET_0)
    assert size == (height, width)
    assert psnr(tensor, preprocess(image, COATNET_0), COATNET_0) >= MIN_PSNR_DB


MODE_CASES = [
    # (stored image, suffix, save args, expected RGB per stripe, tolerance)
    pytest.param(_stripes("1", [0, 1]), ".png", {}, [BLACK, WHITE], 0, id="1"),
    pytest.param(_stripes("L", [10, 200]), ".png", {}, [(10,) * 3, (200,) * 3], 0, id="L"),
    pytest.param(
        _stripes("L", [10, 200]), ".png", {"transparency": 10}, [WHITE, (200,) * 3], 0, id="L-transparent-grey"
    ),
    pytest.param(_stripes("LA", [(90, 0), (90, 255)]), ".png", {}, [ALPHA_BACKGROUND, (90,) * 3], 0, id="LA"),
    pytest.param(_palette_stripes(), ".png", {}, [RED, BLUE], 0, id="P"),
    pytest.param(_palette_stripes(), ".png", {"transparency": 0}, [ALPHA_BACKGROUND, BLUE], 0, id="P-transparency"),
    pytest.param(_palette_stripes(), ".gif", {"transparency": 0}, [ALPHA_BACKGROUND, BLUE], 0, id="P-gif-transp"),
    pytest.param(_stripes("RGBA", [(*RED, 0), (*RED, 255)]), ".png", {}, [ALPHA_BACKGROUND, RED], 0, id="RGBA"),
    pytest.param(
        _stripes("RGB", [RED, BLUE]), ".png", {"transparency": RED}, [ALPHA_BACKGROUND, BLUE], 0, id="RGB-tRNS"
    ),
    pytest.param(
        _stripes("CMYK", [(0, 0, 0, 0), (255, 0, 0, 0), (0, 0, 0, 255)]),
        ".jpg",
        {"quality": 95},
        [WHITE, (0, 255, 255), BLACK],
        6,
        id="CMYK-jpeg",
    ),
    pytest.param(
        _stripes("CMYK", [(0, 0, 0, 0), (255, 0, 0, 0), (0, 0, 0, 255)]),
        ".tiff",
        {},
        [WHITE, (0, 255, 255), BLACK],
        0,
        id="CMYK-tiff",
    ),
    pytest.param(_stripes("I;16", [0, 32896, 65535]), ".png", {}, [BLACK, GREY, WHITE], 0, id="I;16-png"),
    pytest.param(_stripes("I", [0, 12850, 65535]), ".tiff", {}, [BLACK, (50,) * 3, WHITE], 0, id="I-tiff"),
    pytest.param(_stripes("F", [0.0, 0.5, 1.0]), ".tiff", {}, [BLACK, GREY, WHITE], 0, id="F-tiff-unit"),
    pytest.param(_stripes("F", [0.0, 100.0, 255.0]), ".tiff", {}, [BLACK, (100,) * 3, WHITE], 0, id="F-tiff-255"),
    pytest.param(_stripes("RGB", [RED, BLUE]).convert("YCbCr"), ".tiff", {}, [RED, BLUE], 3, id="YCbCr-tiff"),
]


@pytest.mark.parametrize(("stored", "suffix", "save_args", "expected", "tolerance"), MODE_CASES)
def test_every_mode_becomes_defined_rgb(
    tmp_path: Path, stored: Image.Image, suffix: str, save_args: dict, expected: list, tolerance: int
) -> None:
    """A file stored in each Pillow mode (checked: the file really opens in that mode) loads as RGB with the
    colours of the module's rules: transparency on white, 16/32-bit ints scaled from 0..65535, floats from 0..1
    or 0..255, CMYK and YCbCr through Pillow's conversion; preprocess accepts the undecoded image alike."""
    path = _write(tmp_path / f"image{suffix}", stored, **save_args)
    with Image.open(path) as opened:
        assert opened.mode == stored.mode
        assert preprocess(opened, COATNET_0).equal(preprocess(load_image(path), COATNET_0))
    image = load_image(path)
    assert image.mode == "RGB" and image.size == stored.size
    _assert_colours(_stripe_colours(image), expected, tolerance)


ORANGE, ORANGE_LUMA = (200, 50, 10), (90, 90, 90)


@pytest.mark.parametrize(
    ("mode", "convert", "expected", "tolerance"),
    [
        pytest.param("HSV", lambda im: im.convert("HSV"), [ORANGE, ORANGE], 6, id="HSV"),
        pytest.param("LAB", lambda im: im.convert("LAB"), [ORANGE, ORANGE], 2, id="LAB"),
        pytest.param("YCbCr", lambda im: im.convert("YCbCr"), [ORANGE, ORANGE], 2, id="YCbCr"),
        pytest.param("RGBa", lambda im: im.convert("RGBa"), [ORANGE, ALPHA_BACKGROUND], 0, id="RGBa"),
        pytest.param("La", lambda im: im.convert("LA").convert("La"), [ORANGE_LUMA, ALPHA_BACKGROUND], 0, id="La"),
        pytest.param("PA", lambda im: im.convert("P").convert("PA"), [ORANGE, ALPHA_BACKGROUND], 0, id="PA"),
    ],
)
def test_in_memory_modes_become_rgb(mode: str, convert, expected: list, tolerance: int) -> None:
    """to_rgb handles modes met only in memory: colour spaces through Pillow's conversion (they carry no alpha),
    premultiplied and palette alpha composited on ALPHA_BACKGROUND."""
    image = convert(_stripes("RGBA", [(*ORANGE, 255), (*ORANGE, 0)]))
    assert image.mode == mode
    rgb = to_rgb(image)
    assert rgb.mode == "RGB"
    _assert_colours(_stripe_colours(rgb), expected, tolerance)


@pytest.mark.parametrize("suffix", [".gif", ".tiff"])
def test_multi_frame_files_give_the_first_frame(tmp_path: Path, suffix: str) -> None:
    """An animated GIF and a multi-page TIFF (two frames, checked) load as their first frame by both loaders."""
    first, second = Image.new("RGB", (32, 24), RED), Image.new("RGB", (32, 24), BLUE)
    path = _write(tmp_path / f"frames{suffix}", first, save_all=True, append_images=[second])
    with Image.open(path) as opened:
        assert opened.n_frames == 2
    image = load_image(path)
    assert image.size == (32, 24)
    _assert_colours([image.getpixel((16, 12))], [RED], tolerance=0)
    tensor, size = load_and_preprocess(path, COATNET_0)
    assert size == (32, 24) and tensor.equal(preprocess(image, COATNET_0))


FORMATS = [
    pytest.param(".jpg", {"quality": 95, "subsampling": 0}, 6, id="jpeg"),
    pytest.param(".png", {}, 0, id="png"),
    pytest.param(".webp", {"quality": 95}, 12, id="webp"),
    pytest.param(".webp", {"lossless": True}, 0, id="webp-lossless"),
    pytest.param(".bmp", {}, 0, id="bmp"),
    pytest.param(".gif", {}, 0, id="gif"),
    pytest.param(".tiff", {}, 0, id="tiff"),
    pytest.param(".ppm", {}, 0, id="ppm"),
    pytest.param(".tga", {}, 0, id="tga"),
    pytest.param(
        ".avif",
        {"quality": 95},
        12,
        id="avif",
        marks=pytest.mark.skipif(not features.check("avif"), reason="Pillow built without AVIF"),
    ),
]


@pytest.mark.parametrize(("suffix", "save_args", "tolerance"), FORMATS)
def test_formats_load_as_rgb(tmp_path: Path, suffix: str, save_args: dict, tolerance: int) -> None:
    """Each format loads to RGB with its size and stripe colours, from a path and from the file's bytes alike."""
    stored = _stripes("RGB", [RED, GREEN, BLUE, GREY])
    path = _write(tmp_path / f"image{suffix}", stored, **save_args)
    image = load_image(path)
    assert image.mode == "RGB" and image.size == stored.size
    _assert_colours(_stripe_colours(image), [RED, GREEN, BLUE, GREY], tolerance)
    assert np.array_equal(np.asarray(load_image(path.read_bytes())), np.asarray(image))


def test_image_suffixes_cover_the_formats() -> None:
    """Every format exercised above (and HEIC/HEIF, AVIF) is in IMAGE_SUFFIXES, lower case with its dot."""
    formats = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff", ".ppm", ".tga", ".avif", ".heic"}
    assert formats <= IMAGE_SUFFIXES
    assert all(s.startswith(".") and s == s.lower() for s in IMAGE_SUFFIXES)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG with a valid 1-bit ``width`` x ``height`` header and no pixel data: it opens, but cannot decode."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def _first_half(image: Image.Image, image_format: str) -> bytes:
    """The first half of ``image`` encoded as ``image_format``: a truncated file."""
    buffer = io.BytesIO()
    image.save(buffer, image_format)
    return buffer.getvalue()[: buffer.tell() // 2]


def _load_error(source, loader: str) -> str:
    """The message of the ImageLoadError that ``load_image`` or ``load_and_preprocess`` raises for ``source``."""
    with pytest.raises(ImageLoadError) as caught:
        if loader == "load_image":
            load_image(source)
        else:
            load_and_preprocess(source, COATNET_0)
    message = str(caught.value)
    assert message and "\n" not in message
    return message


LOADERS = pytest.mark.parametrize("loader", ["load_image", "load_and_preprocess"])
# The module silences this warning process-wide, but pytest restores the warning filters around each test.
NO_BOMB_WARNING = pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")


@LOADERS
@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param("empty.jpg", b"", ["empty file (0 bytes)"], id="zero-bytes"),
        pytest.param("cut.jpg", _first_half(_test_card(320, 240), "JPEG"), ["truncated"], id="truncated-jpeg"),
        # load_and_preprocess used to let this one escape as a bare OSError
        pytest.param("cut.png", _first_half(_test_card(320, 240), "PNG"), ["truncated"], id="truncated-png"),
        pytest.param("text.jpg", b"just some text, no image\n" * 20, ["not an image format"], id="text-as-jpg"),
        pytest.param(
            "photo.heic",
            np.random.default_rng(0).bytes(4096),
            ["not an image format", "needs pillow-heif"],
            id="heic-no-plugin",
            marks=pytest.mark.skipif(HEIF_PLUGIN, reason="pillow-heif is installed: .heic files are readable"),
        ),
    ],
)
def test_bad_files_raise_image_load_error(
    tmp_path: Path, loader: str, name: str, content: bytes, expected: list[str]
) -> None:
    """Empty, truncated, non-image and unreadable-without-plugin files raise ImageLoadError naming the file and
    the reason in one line, from both loaders."""
    path = tmp_path / name
    path.write_bytes(content)
    message = _load_error(path, loader)
    assert str(path) in message
    for part in expected:
        assert part in message


@LOADERS
def test_missing_path_and_folder_raise_image_load_error(tmp_path: Path, loader: str) -> None:
    """A missing path and a folder are refused with their own reasons."""
    assert _load_error(tmp_path / "nowhere.jpg", loader).endswith("no such file")
    assert _load_error(tmp_path, loader).endswith("is a folder, not an image")


@LOADERS
def test_bad_bytes_raise_image_load_error(loader: str) -> None:
    """Empty and garbage bytes are refused as image data."""
    assert _load_error(b"", loader) == "empty image data (0 bytes)"
    assert _load_error(np.random.default_rng(1).bytes(1000), loader).startswith("image data: not an image format")


@NO_BOMB_WARNING
@LOADERS
def test_decompression_bomb_png_is_refused(tmp_path: Path, loader: str) -> None:
    """A real 10000 x 10000 PNG (100 Mpx, a few KB of 1-bit zeros) is refused with a message naming its size
    and the MAX_PIXELS limit, from a path and from bytes."""
    assert 10000 * 10000 > MAX_PIXELS
    path = _write(tmp_path / "bomb.png", Image.new("1", (10000, 10000)))
    assert path.stat().st_size < 100_000
    for source in (path, path.read_bytes()):
        message = _load_error(source, loader)
        assert "10000 x 10000" in message and f"{MAX_PIXELS / 1e6:.1f}-megapixel limit" in message
        assert "decompression bomb" in message


@NO_BOMB_WARNING
@LOADERS
def test_decompression_bomb_is_refused_before_decoding(loader: str) -> None:
    """The same header with no pixel data gets the size refusal, not a decoding error (which the same file at
    100 x 100 gets), so the refusal comes before any decoding; past twice the limit Pillow's own refusal is
    reported the same way."""
    assert "corrupt" in _load_error(_png_header_only(100, 100), loader)
    assert "megapixel limit" in _load_error(_png_header_only(10000, 10000), loader)
    assert "decompression bomb" in _load_error(_png_header_only(20000, 20000), loader)


def test_large_jpeg_reduced_decode_is_close_to_full_decode(tmp_path: Path) -> None:
    """A 3000 x 2000 photo-like JPEG decoded at reduced size gives a tensor of the same shape within
    MIN_PSNR_DB of the full-decode path, and the full image size."""
    path = _write(tmp_path / "large.jpg", photo_like(3000, 2000), quality=90)
    full = preprocess(load_image(path), COATNET_0)
    fast, size = load_and_preprocess(path, COATNET_0)
    assert size == (3000, 2000)
    assert fast.shape == full.shape == (3, 224, 224)
    assert not fast.equal(full)  # the reduced decode really happened
    assert psnr(fast, full, COATNET_0) >= MIN_PSNR_DB


def test_small_jpeg_decodes_at_full_size(tmp_path: Path) -> None:
    """A JPEG under twice the resize target gives exactly the full-decode tensor."""
    path = _write(tmp_path / "small.jpg", photo_like(440, 330), quality=90)
    fast, size = load_and_preprocess(path, COATNET_0)
    assert size == (440, 330)
    assert fast.equal(preprocess(load_image(path), COATNET_0))


@pytest.mark.parametrize("mode", ["L", "1", "I;16"])
@pytest.mark.parametrize("crop_pct", [0.95, 1.15])
def test_grey_images_take_the_one_channel_path_with_the_rgb_result(tmp_path: Path, mode: str, crop_pct: float) -> None:
    """A grey file is resized once, as one channel, yet gives exactly the tensor of its RGB conversion."""
    grey = photo_like(140, 90).convert("L")
    image = grey.convert(mode) if mode != "I;16" else Image.fromarray(np.asarray(grey).astype(np.uint16) * 257)
    path = _write(tmp_path / "grey.png", image)
    cfg = PreprocessCfg(input_size=(96, 96), crop_pct=crop_pct)
    pixels, _ = load_pixels(path, cfg)
    assert pixels.shape == (1, 96, 96) and pixels.dtype == torch.uint8
    expected = preprocess(load_image(path), cfg)
    assert normalize(pixels, cfg).equal(expected)
    assert load_and_preprocess(path, cfg)[0].equal(expected)
    batch = normalize(torch.stack([pixels.expand(3, -1, -1), model_pixels(load_image(path), cfg)]), cfg)
    assert batch[0].equal(expected) and batch[1].equal(expected)
