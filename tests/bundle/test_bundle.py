"""The self-test from the source install, and the PyInstaller bundle: it builds and passes the same self-test.

The bundle test is slow (a build of several GB, minutes) but runs in CI like every other test: a spec or an
app change that breaks the frozen app must fail the suite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from coatnet_gui.app.self_test import STEPS
from model import create_model
from model.weights.checkpoint import save_checkpoint
from model.weights.pretrained import FASHION_MNIST_CFG as PRETRAINED_CFG

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 1800  # a hang fails the test; the build itself takes a few minutes
RUN_TIMEOUT_S = 300
PNGS = ("attention.png", "grad-cam.png", "window.png")


def _offscreen_env() -> dict[str, str]:
    """Return this environment with Qt on the offscreen platform (no display needed)."""
    return dict(os.environ, QT_QPA_PLATFORM="offscreen")


def _run(cmd: list[str], cwd: Path, timeout: int = RUN_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` offscreen, capturing its output as text."""
    return subprocess.run(cmd, cwd=cwd, env=_offscreen_env(), capture_output=True, text=True, timeout=timeout)


def _assert_passed(proc: subprocess.CompletedProcess[str], out_dir: Path) -> None:
    """Assert that a self-test run exited 0, printed an ``ok`` line per step and wrote its PNG files."""
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    for step in STEPS:
        assert f"[ ok ] {step}: " in proc.stdout, output
    assert "self-test passed" in proc.stdout, output
    for name in PNGS:
        assert (out_dir / name).stat().st_size > 0, output


def test_self_test_from_source(tmp_path: Path) -> None:
    """``python -m coatnet_gui --self-test DIR`` passes on the bundled model and writes its three PNG files."""
    proc = _run([sys.executable, "-m", "coatnet_gui", "--self-test", str(tmp_path)], cwd=tmp_path)
    _assert_passed(proc, tmp_path)


def test_self_test_fails_on_broken_model(tmp_path: Path) -> None:
    """Weights with a NaN fail the model step, the steps after it are skipped, and the exit status is 1."""
    net = create_model("coatnet_fmnist_96").eval()
    with torch.no_grad():
        net.head.fc.weight[0, 0] = float("nan")
    labels = [f"class {i}" for i in range(net.cfg.num_classes)]
    checkpoint = save_checkpoint(net, tmp_path / "broken", labels, preprocess=PRETRAINED_CFG)
    code = f"import sys, coatnet_gui.app.self_test as t; sys.exit(t.run_self_test(model={str(checkpoint)!r}))"
    proc = _run([sys.executable, "-c", code], cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "[ ok ] qt: " in proc.stdout
    assert "[FAIL] model: SelfTestError: the weights contain NaN or infinity" in proc.stdout
    for step in STEPS[2:]:
        assert f"[skip] {step}: " in proc.stdout
    assert "self-test FAILED" in proc.stdout


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Build the bundle with ``build.spec`` into a temporary folder; yield ``dist/coatnet-gui``; delete it."""
    base = tmp_path_factory.mktemp("pyinstaller")
    cmd = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", str(base / "dist"), "--workpath", str(base / "build"), str(ROOT / "build.spec"),
    ]  # fmt: skip
    proc = _run(cmd, cwd=ROOT, timeout=BUILD_TIMEOUT_S)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    yield base / "dist" / "coatnet-gui"
    shutil.rmtree(base, ignore_errors=True)  # several GB


@pytest.mark.slow
def test_bundle_passes_self_test(bundle: Path, tmp_path: Path) -> None:
    """The frozen app's ``--self-test`` passes, run from outside the repository."""
    out_dir = tmp_path / "out"
    proc = _run([str(bundle / "coatnet-gui"), "--self-test", str(out_dir)], cwd=tmp_path)
    _assert_passed(proc, out_dir)


@pytest.mark.slow
def test_bundle_contents(bundle: Path) -> None:
    """The bundle carries the assets and leaves out what users never need."""
    internal = bundle / "_internal"
    assert (internal / "assets" / "models" / "coatnet_fmnist_96" / "model.safetensors").is_file()
    assert sorted((internal / "assets" / "samples").iterdir())
    assert (internal / "assets" / "labels" / "imagenet-1k.txt").is_file()
    unwanted_packages = ("triton", "timm", "pytest", "torchvision", "openvino", "scipy", "pandas", "pyarrow")
    for unwanted in (*unwanted_packages, "PySide6/QtQml.abi3.so", "PySide6/QtQuick.abi3.so"):
        assert not (internal / unwanted).exists(), unwanted
