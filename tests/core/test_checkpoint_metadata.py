"""Crafted checkpoint metadata: unreadable class names or preprocessing load with the defaults and a warning that
says what was replaced; preprocessing that cannot be valid refuses the checkpoint with a clear WeightsError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from model import create_model
from model.weights.layout import WeightsError
from model.weights.loading import load_model
from model.weights.pretrained import FASHION_MNIST_CFG

GOOD_NAMES = json.dumps([f"kind {i}" for i in range(10)])
GOOD_CFG = json.dumps(FASHION_MNIST_CFG.to_pretrained_cfg())


@pytest.fixture(scope="module")
def state() -> dict[str, torch.Tensor]:
    torch.manual_seed(0)
    net = create_model("coatnet_fmnist_96").eval()
    return {k: v.detach().contiguous() for k, v in net.state_dict().items()}


def write_taught(folder: Path, state: dict, label_names: str = GOOD_NAMES, pretrained_cfg: str = GOOD_CFG) -> Path:
    """Write a taught-style checkpoint whose metadata carries ``label_names`` and ``pretrained_cfg`` as given."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "taught.safetensors"
    meta = {"format": "pt", "architecture": "coatnet_fmnist_96", "label_names": label_names}
    save_file(state, str(path), metadata={**meta, "pretrained_cfg": pretrained_cfg})
    return path


def test_good_metadata_loads_without_warnings(tmp_path: Path, state: dict):
    loaded = load_model(write_taught(tmp_path, state))
    assert loaded.info.label_names == json.loads(GOOD_NAMES)
    assert loaded.info.preprocess == FASHION_MNIST_CFG
    assert loaded.warnings == []


@pytest.mark.parametrize(
    ("label_names", "why"),
    [
        ('{"0": "cat", "1": "dog"}', "a JSON object, not a list of names"),
        ('["cat", "dog"', "not valid JSON"),
        ('["cat", "dog", "bird"]', "3 names for 10 outputs"),
        (json.dumps(["cat"] * 9 + [7]), "a name that is not text (7)"),
        ('"cat"', "text, not a list of names"),
    ],
)
def test_unreadable_class_names_are_numbered_and_say_so(tmp_path: Path, state: dict, label_names: str, why: str):
    loaded = load_model(write_taught(tmp_path, state, label_names=label_names))
    assert loaded.info.label_names == [f"class {i}" for i in range(10)]
    assert loaded.info.preprocess == FASHION_MNIST_CFG  # the rest of the metadata still counts
    assert loaded.warnings == [
        f"The checkpoint's class names (label_names) are unreadable ({why}); using custom (10 classes): "
        "'class 0' … 'class 9'."
    ]


def test_names_from_a_class_map_beside_it_need_no_warning(tmp_path: Path, state: dict):
    path = write_taught(tmp_path, state, label_names="{broken")
    (tmp_path / "class_map.txt").write_text("\n".join(f"mine {i}" for i in range(10)) + "\n")
    loaded = load_model(path)
    assert loaded.info.label_names[0] == "mine 0" and loaded.warnings == []


@pytest.mark.parametrize(
    ("pretrained_cfg", "said"),
    [
        ("{not json", "is unreadable (not valid JSON, not an object); using the defaults for its network: 96x96"),
        ("[1, 2, 3]", "is unreadable (a list, not an object); using the defaults for its network: 96x96"),
        (
            '{"input_size": [3, 96, 96], "mean": "grey", "interpolation": "sharpest"}',
            "has unreadable interpolation 'sharpest', mean 'grey'; using the default interpolation 'bicubic', "
            "mean (0.5, 0.5, 0.5)",
        ),
    ],
)
def test_unreadable_preprocessing_uses_the_defaults_and_says_so(
    tmp_path: Path, state: dict, pretrained_cfg: str, said: str
):
    loaded = load_model(write_taught(tmp_path, state, pretrained_cfg=pretrained_cfg))
    assert loaded.info.preprocess.input_size == (96, 96)
    assert loaded.info.preprocess.mean == (0.5, 0.5, 0.5)
    assert len(loaded.warnings) == 1 and said in loaded.warnings[0]
    assert loaded.warnings[0].startswith("The checkpoint's preprocessing (pretrained_cfg) ")


@pytest.mark.parametrize(
    ("pretrained_cfg", "why"),
    [
        ({"mean": [float("nan"), 0.5, 0.5]}, r"its mean \[nan, 0.5, 0.5\] is not three finite numbers"),
        ({"mean": [1e300, 0.5, 0.5]}, r"its mean \[1e\+300, 0.5, 0.5\] is not three finite numbers within ±1000"),
        ({"std": [0.5, 0, 0.5]}, r"its std \[0.5, 0, 0.5\] is not three numbers from 1e-06"),
        ({"std": [0.5, -0.2, 0.5]}, "its std"),
        ({"std": [float("inf"), 0.5, 0.5]}, "its std"),
        ({"input_size": [3, -96, 96]}, r"its input size \[3, -96, 96\] is not the 96x96 the network was built for"),
        ({"input_size": [3, 100000, 100000]}, r"its input size \[3, 100000, 100000\] is not the 96x96"),
        ({"input_size": [3, 10**400, 96]}, r"its input size \[3, 1000.*… is not the 96x96"),
        ({"crop_pct": 1e-9}, "its crop_pct 1e-09 is not between 0.1 and 10.0"),
        ({"crop_pct": float("nan")}, "its crop_pct nan is not between"),
    ],
)
def test_preprocessing_that_cannot_be_valid_refuses_the_checkpoint(
    tmp_path: Path, state: dict, pretrained_cfg: dict, why: str
):
    path = write_taught(
        tmp_path, state, pretrained_cfg=json.dumps({**FASHION_MNIST_CFG.to_pretrained_cfg(), **pretrained_cfg})
    )
    with pytest.raises(
        WeightsError, match=r"The checkpoint's preprocessing \(pretrained_cfg\) cannot be valid: " + why
    ):
        load_model(path)


def test_config_json_garbage_is_said_too(tmp_path: Path, state: dict):
    folder = tmp_path / "hub_layout"
    folder.mkdir()
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "config.json").write_text(json.dumps({"architecture": "coatnet_fmnist_96", "label_names": {"a": 1}}))
    loaded = load_model(folder)
    assert loaded.info.label_names == [f"class {i}" for i in range(10)]
    assert "a JSON object, not a list of names" in loaded.warnings[0]
