"""The sdist and the wheel, as a user installs them: built once per module (the sdist from a copy of this checkout,
the wheel from that sdist, so both must carry everything), the wheel installed into a fresh virtual environment
outside the checkout, then ``coatnet-gui --version``, ``classify`` of a sample and ``--self-test`` run from
another folder on the bundled model the wheel brought. Also: the editable install maps ``assets/`` in the same way.

The fresh environment is made without pip and without the dependencies (no torch downloaded again): a ``.pth``
file puts this test environment's site-packages after the new one's, where ``.pth`` files are not run, so the
checkout's editable hook never applies there; the test asserts that ``model`` and the assets are imported from
the fresh environment. Builds use this environment's setuptools (``--no-build-isolation``): no network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "setup.py", "README.md", "LICENSE", "model", "coatnet_gui", "assets")
WEIGHTS = "coatnet_lens_assets/models/coatnet_fmnist_96/model.safetensors"
TIMEOUT_S = 600


@dataclass(frozen=True)
class Install:
    """The built files and the fresh environment the wheel went into."""

    sdist: Path
    wheel: Path
    venv: Path

    def bin(self, name: str) -> Path:
        return self.venv / ("Scripts" if os.name == "nt" else "bin") / name


def run(cmd: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` in ``cwd``; fail the test with its output when it exits non-zero."""
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def copy_checkout(dest: Path) -> Path:
    """Copy what the distributions are made from (tracked and new files, as git sees them) to ``dest``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *SOURCES],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split("\0")  # fmt: skip
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


def fresh_venv(path: Path) -> Path:
    """Make a virtual environment at ``path`` without pip whose imports fall back on this environment's
    site-packages (after its own); return its site-packages folder."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True, timeout=TIMEOUT_S)
    found = subprocess.run(
        [str(path / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    site = Path(found.stdout.strip())
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "zz_test_dependencies.pth").write_text("".join(f"{p}\n" for p in ours))
    return site


def clean_env(data: Path) -> dict[str, str]:
    """This environment without anything that would import the checkout, Qt offscreen, data folder ``data``."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return {**env, "QT_QPA_PLATFORM": "offscreen", "COATNET_LENS_DATA": str(data), "OMP_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Install]:
    """Build the sdist and, from it, the wheel; install the wheel into a fresh environment."""
    base = tmp_path_factory.mktemp("dist")
    src = copy_checkout(base / "src")
    dist = base / "dist"
    build = "from setuptools import build_meta; build_meta.build_{}({!r})"
    run([sys.executable, "-c", build.format("sdist", str(dist))], src)
    (sdist,) = dist.glob("coatnet_lens-*.tar.gz")
    with tarfile.open(sdist) as archive:  # the wheel is built from the unpacked sdist, as pip builds an sdist
        archive.extractall(base / "unpacked", filter="data")
    (unpacked,) = (base / "unpacked").iterdir()
    run([sys.executable, "-c", build.format("wheel", str(dist))], unpacked)
    (wheel,) = dist.glob("coatnet_lens-*.whl")
    venv = base / "fresh venv"  # a space in the path, as in many home folders
    fresh_venv(venv)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", venv / "bin" / "python"]
    run([*pip, "install", "--no-deps", "--no-index", "--no-compile", wheel], base)
    print(f"\nsdist {sdist.stat().st_size:,} bytes, wheel {wheel.stat().st_size:,} bytes")
    yield Install(sdist, wheel, venv)


def test_both_distributions_carry_the_assets(installed: Install):
    with zipfile.ZipFile(installed.wheel) as whl:
        names = set(whl.namelist())
    with tarfile.open(installed.sdist) as sdist:
        in_sdist = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for asset in (
        WEIGHTS,
        "coatnet_lens_assets/models/coatnet_fmnist_96/config.json",
        "coatnet_lens_assets/labels/imagenet-1k.txt",
        "coatnet_lens_assets/icons/coatnet-lens.svg",
        "coatnet_lens_assets/samples/fashion_bag.png",
        "coatnet_lens_assets/i18n/coatnet_lens_zh_CN.qm",
    ):
        assert asset in names
        assert "assets/" + asset.split("/", 1)[1] in in_sdist  # the sdist keeps the checkout's layout
    assert not any(n.startswith(("assets/", "tests/")) for n in names)  # no clash-prone top-level names


def test_metadata_an_index_expects(installed: Install):
    with zipfile.ZipFile(installed.wheel) as whl:
        meta_name = next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(whl.read(meta_name).decode())
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in whl.namelist())
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta["Description-Content-Type"] == "text/markdown" and "# CoAtNet Lens" in meta.get_payload()
    assert {"cluster", "test"} <= set(meta.get_all("Provides-Extra"))
    classifiers = meta.get_all("Classifier")
    assert "Topic :: Scientific/Engineering :: Image Recognition" in classifiers
    assert not any(c.startswith("License ::") for c in classifiers)  # PEP 639: the expression says it


def test_the_installed_app_runs_from_another_folder(installed: Install, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = clean_env(tmp_path / "data")
    where = run(
        [installed.bin("python"), "-c",
         "import model, coatnet_gui, coatnet_lens_assets; from model.resources import assets_dir; "
         "print(model.__file__); print(coatnet_gui.__file__); print(assets_dir())"],
        elsewhere, env,
    ).stdout.splitlines()  # fmt: skip
    venv = installed.venv.resolve()
    assert all(Path(p).resolve().is_relative_to(venv) for p in where), where
    assets = Path(where[2])
    assert assets.name == "coatnet_lens_assets" and (assets / "models" / "coatnet_fmnist_96").is_dir()

    version = run([installed.bin("coatnet-gui"), "--version"], elsewhere, env)
    assert version.stdout.strip() == "coatnet-gui 0.1.0"

    sample = assets / "samples" / "fashion_bag.png"
    classified = run([installed.bin("coatnet-gui"), "classify", sample], elsewhere, env)
    lines = classified.stdout.splitlines()  # model line, the image, then the top-5 best first
    assert lines[0].startswith("model: coatnet_fmnist_96 (bundled)") and lines[2].split()[-1] == "Bag", lines

    checked = run([installed.bin("coatnet-gui"), "--self-test", tmp_path / "pictures"], elsewhere, env)
    assert "self-test passed" in checked.stdout
    assert (tmp_path / "pictures" / "window.png").stat().st_size > 0


def test_the_editable_install_maps_the_checkouts_assets(installed: Install, tmp_path: Path):
    """``pip install -e`` serves ``coatnet_lens_assets`` from the checkout's own ``assets/`` folder."""
    src = copy_checkout(tmp_path / "checkout")
    venv = tmp_path / "editable"
    fresh_venv(venv)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", venv / "bin" / "python"]
    run([*pip, "install", "--no-deps", "--no-build-isolation", "--no-index", "-e", src], tmp_path)
    shown = run(
        [venv / "bin" / "python", "-c",
         "import importlib.resources; from model.resources import assets_dir; import model; "
         "print(importlib.resources.files('coatnet_lens_assets')); print(assets_dir()); print(model.__file__)"],
        tmp_path, clean_env(tmp_path / "data"),
    ).stdout.splitlines()  # fmt: skip
    assert [Path(p).resolve() for p in shown] == [src / "assets", src / "assets", src / "model" / "__init__.py"]
