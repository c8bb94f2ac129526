"""Fuzzing what a checkpoint says about itself: the safetensors metadata (class names, descriptions,
preprocessing, the taught head's feature choice, the architecture hint), a ``config.json`` beside the weights, and
``class_map.txt`` / ``--labels`` files.

Properties: :func:`model.weights.loading.load_model` returns a model or raises :class:`WeightsError` with a
message, never another exception; a model it returns has one name per output, preprocessing that is valid for its
network (its input size, a positive finite std) and that turns an image into a finite input, and warnings that are
sentences; reading writes nothing; a class map is ``n`` non-empty names or a :class:`WeightsError`."""

from __future__ import annotations

import json
import math
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import event, given, settings
from hypothesis import strategies as st
from PIL import Image
from safetensors.torch import save

from model import create_model
from model.data.transform import load_and_preprocess
from model.weights.labels import read_class_map
from model.weights.layout import WeightsError
from model.weights.loading import LoadedModel, config_signature, load_model
from tests.fuzz.fuzzing import FUZZ, bounded, changes_outside, snapshot

BIGGER = "coatnet_pico_rw_224"  # another real config the weights do not fit: the smallest of the 224 px ones to build
NUMBER = st.sampled_from([0, -1, 1, 96, 3, 1e-9, 1e300, 10**400, math.nan, math.inf]) | st.floats() | st.integers()
JSON = st.recursive(
    st.none() | st.booleans() | NUMBER | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
PRETRAINED_CFG = st.dictionaries(
    st.sampled_from(["input_size", "mean", "std", "crop_pct", "interpolation", "crop_mode", "num_classes"]),
    st.lists(NUMBER, min_size=2, max_size=3).map(lambda v: [3, *v][-3:])
    | st.lists(NUMBER, min_size=3, max_size=3)
    | st.sampled_from(["bicubic", "bilinear", "center", "squash", "border", "zoom"])
    | NUMBER
    | JSON,
    max_size=6,
)
NAMES = st.lists(st.text(max_size=12), min_size=10, max_size=10) | st.lists(st.text(max_size=6), max_size=12) | JSON
FEATURES = st.fixed_dictionaries({"stage": NUMBER | JSON, "pool": NUMBER | JSON}) | JSON


def as_metadata_text(value: object) -> str:
    """Return ``value`` as a metadata string: JSON (NaN and huge numbers included), or text as it is."""
    return value if isinstance(value, str) else json.dumps(value)


METADATA = st.fixed_dictionaries(
    {},
    optional={
        "label_names": (NAMES | st.text(max_size=20)).map(as_metadata_text),
        "label_descriptions": JSON.map(as_metadata_text),
        "pretrained_cfg": (PRETRAINED_CFG | st.text(max_size=20) | JSON).map(as_metadata_text),
        "features": (FEATURES | st.text(max_size=10)).map(as_metadata_text),
        "architecture": st.sampled_from(["coatnet_fmnist_96", BIGGER, "nope"]) | st.text(max_size=10),
        "format": st.sampled_from(["pt", "np"]) | st.text(max_size=4),
    },
)


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict]:
    """Return the tensor bytes and header of a small checkpoint (coatnet_fmnist_96, random weights). It is loaded
    once here: the key -> shape maps of the configs the loader compares it with are built then (and cached), so a
    case's deadline times the case, not that one-off cost."""
    torch.manual_seed(0)
    state = {k: v.contiguous() for k, v in create_model("coatnet_fmnist_96").state_dict().items()}
    blob = save(state)
    warm = tmp_path_factory.mktemp("weights") / "plain.safetensors"
    warm.write_bytes(blob)
    load_model(warm)
    config_signature(BIGGER)
    (size,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + size])
    header.pop("__metadata__", None)
    return blob[8 + size :], header


def with_metadata(weights: tuple[bytes, dict], metadata: dict[str, str]) -> bytes:
    """Return a safetensors file of ``weights`` whose header carries ``metadata``."""
    data, header = weights
    text = json.dumps({**header, "__metadata__": metadata}).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("image") / "coat.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (40, 30, 3), dtype=np.uint8)).save(path)
    return path


def check_load(source: Path, base: Path, image: Path) -> None:
    """Load ``source`` and check the properties of the module docstring."""
    before = snapshot(base)
    try:
        loaded = load_model(source)
    except WeightsError as exc:
        assert str(exc)
        event("refused: preprocessing" if "pretrained_cfg" in str(exc) else "refused: other")
    else:
        event(f"loaded, {len(loaded.warnings)} warnings")
        check_model(loaded, image)
    assert changes_outside(before, snapshot(base), []) == []


def check_model(loaded: LoadedModel, image: Path) -> None:
    info, side = loaded.info, loaded.net.cfg.img_size
    assert len(info.label_names) == info.num_classes and all(isinstance(n, str) for n in info.label_names)
    assert info.preprocess.input_size == (side, side)
    assert all(math.isfinite(s) and s > 0 for s in info.preprocess.std)
    assert all(isinstance(w, str) and w.endswith(".") for w in loaded.warnings)
    x, _ = load_and_preprocess(image, info.preprocess)
    assert x.shape == (3, side, side) and torch.isfinite(x).all()


@settings(FUZZ, max_examples=50)  # each case builds and loads a network: fewer, to stay in the suite's minute
@given(metadata=METADATA)
def test_safetensors_metadata(weights: tuple[bytes, dict], image: Path, metadata: dict[str, str]):
    with tempfile.TemporaryDirectory() as tmp, bounded("safetensors metadata"):
        path = Path(tmp) / "taught.safetensors"
        path.write_bytes(with_metadata(weights, metadata))
        check_load(path, Path(tmp), image)


CONFIG = st.fixed_dictionaries(
    {},
    optional={
        "architecture": st.sampled_from(["coatnet_fmnist_96", BIGGER]) | JSON,
        "num_classes": NUMBER | JSON,
        "label_names": NAMES,
        "label_descriptions": JSON,
        "pretrained_cfg": PRETRAINED_CFG | JSON,
        "features": FEATURES,
    },
)


@settings(FUZZ, max_examples=40)
@given(config=CONFIG.map(json.dumps) | st.text(max_size=40))
def test_config_json(weights: tuple[bytes, dict], image: Path, config: str):
    with tempfile.TemporaryDirectory() as tmp, bounded("config.json"):
        folder = Path(tmp) / "run"
        folder.mkdir()
        (folder / "model.safetensors").write_bytes(with_metadata(weights, {"format": "pt"}))
        (folder / "config.json").write_text(config, encoding="utf-8", errors="surrogatepass")
        check_load(folder, Path(tmp), image)


LINES = st.lists(st.text(max_size=10) | st.sampled_from(["", " ", "cat", "\ufeffdog", "a\rb"]), max_size=6)


@FUZZ
@given(content=LINES.map(lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")) | st.binary(max_size=40),
       n=st.integers(1, 5))  # fmt: skip
def test_class_map_files(content: bytes, n: int):
    with tempfile.TemporaryDirectory() as tmp, bounded("class maps"):
        path = Path(tmp) / "class_map.txt"
        path.write_bytes(content)
        try:
            names = read_class_map(path, n)
        except WeightsError as exc:
            assert str(exc)
        else:
            assert len(names) == n and all(isinstance(x, str) and x and x == x.strip() for x in names)
