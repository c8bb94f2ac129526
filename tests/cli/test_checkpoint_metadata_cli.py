"""``classify`` as a real process on crafted checkpoints: one ``warning:`` line says what of the metadata was
unreadable and what is used instead; preprocessing that cannot be valid is refused with exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from model import create_model
from model.weights.pretrained import FASHION_MNIST_CFG
from tests.core.test_checkpoint_metadata import write_taught

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("image") / "shirt.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)).save(path)
    return path


def classify(model: Path, image: Path, *extra: str) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "coatnet_gui", "classify", "--model", str(model), str(image), *extra]
    return subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=REPO, env=ENV)


def test_classify_warns_in_one_line_and_refuses_impossible_preprocessing(tmp_path: Path, image: Path):
    torch.manual_seed(0)
    state = {k: v.contiguous() for k, v in create_model("coatnet_fmnist_96").state_dict().items()}
    garbage = write_taught(tmp_path / "garbage", state, label_names='{"0": "cat"}', pretrained_cfg="{not json")
    done = classify(garbage, image, "--json")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert "class names (label_names) are unreadable (a JSON object, not a list of names)" in warnings[0]
    assert "'class 0' … 'class 9'" in warnings[0]
    assert "preprocessing (pretrained_cfg) is unreadable (not valid JSON, not an object)" in warnings[0]
    assert json.loads(done.stdout)["labels"][0].startswith("class ")

    nan = json.dumps({**FASHION_MNIST_CFG.to_pretrained_cfg(), "mean": [float("nan"), 0.5, 0.5]})
    refused = classify(write_taught(tmp_path / "nan", state, pretrained_cfg=nan), image)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "cannot be valid: its mean [nan, 0.5, 0.5] is not three finite numbers" in refused.stderr
    assert "Traceback" not in refused.stderr
