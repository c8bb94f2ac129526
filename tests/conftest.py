"""Fixtures shared by the test modules."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any test module imports Qt


@pytest.fixture(autouse=True, scope="session")
def app_data_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app's data folder (kept batch runs) for the whole test session: never the user's own."""
    folder = tmp_path_factory.mktemp("app_data")
    os.environ["COATNET_LENS_DATA"] = str(folder)
    return folder


def pytest_collection_finish(session: pytest.Session) -> None:
    """Move everything the collected modules hold (torch, Qt, timm: ~470,000 objects) out of the collector's reach:
    the collection after each test then walks only what tests made, not 0.5 s of imports 950 times over."""
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def collect_garbage_between_tests():
    """Collect reference cycles after each test, on the main thread: the window switches automatic collection off
    (coatnet_gui/app/gc_guard.py) and its timer only runs while a test turns the Qt event loop."""
    yield
    gc.collect()


def write_random_fmnist(folder: Path, label_names: list[str], seed: int) -> Path:
    """Write a coatnet_fmnist_96 checkpoint with random weights (``seed``) and ``label_names`` to ``folder``."""
    import torch

    from model import create_model
    from model.weights.checkpoint import save_checkpoint
    from model.weights.pretrained import FASHION_MNIST_CFG as PRETRAINED_CFG

    torch.manual_seed(seed)
    return save_checkpoint(create_model("coatnet_fmnist_96").eval(), folder, label_names, PRETRAINED_CFG)


@pytest.fixture(scope="session")
def small_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled model's folder once it is trained, else a random-weight checkpoint of the same config."""
    from model.resources import bundled_model_dir
    from model.weights.labels import FASHION_MNIST_CLASSES as CLASS_NAMES
    from model.weights.layout import WEIGHTS_NAME

    bundled = bundled_model_dir()
    if (bundled / WEIGHTS_NAME).is_file():
        return bundled
    return write_random_fmnist(tmp_path_factory.mktemp("small_model"), list(CLASS_NAMES), seed=0)


@pytest.fixture(scope="session")
def second_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another small checkpoint, with other weights and its own class names (a custom label set)."""
    names = [f"shape {chr(ord('A') + i)}" for i in range(10)]
    return write_random_fmnist(tmp_path_factory.mktemp("second_model"), names, seed=1)


@pytest.fixture(scope="session")
def slice_features():
    """The bundled model's unit final features of 30 images per class of ``tests/data/fmnist_test_slice``:
    ``(paths, vectors (300, 192) float32, true class indices (300,))``, computed once per session."""
    import numpy as np
    import torch

    from model.data.transform import load_and_preprocess
    from model.features.taps import FeatureTaps
    from model.weights.labels import FASHION_MNIST_CLASSES
    from model.weights.loading import load_model

    safe = {"".join(ch if ch.isalnum() else "-" for ch in c): i for i, c in enumerate(FASHION_MNIST_CLASSES)}
    files = sorted((Path(__file__).resolve().parent / "data" / "fmnist_test_slice").glob("*.png"))
    paths = [f for c in safe for f in [f for f in files if f.stem.split("_", 1)[1] == c][:30]]
    loaded = load_model("bundled")
    with FeatureTaps(loaded.net.eval()) as taps, torch.inference_mode():
        loaded.net(torch.stack([load_and_preprocess(p, loaded.info.preprocess)[0] for p in paths]))
        vectors = taps.out["final"].numpy().copy()
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = np.array([safe[p.stem.split("_", 1)[1]] for p in paths], np.int64)
    return [str(p) for p in paths], vectors, labels


SAMPLES = Path(__file__).resolve().parent.parent / "assets" / "samples"


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A bundled sample when there is one, else a PNG written here."""
    import numpy as np
    from PIL import Image

    found = sorted(SAMPLES.glob("*.png"))
    if found:
        return found[0]
    path = tmp_path / "sample.png"
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (120, 120, 3), dtype=np.uint8)).save(path)
    return path


@pytest.fixture
def settings(tmp_path: Path, small_model_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """The window's settings in a temporary .ini file (the default QSettings location points there too), on the
    CPU, with the small model; batch runs are kept in a temporary data folder."""
    monkeypatch.setenv("COATNET_LENS_DATA", str(tmp_path / "data"))
    from PySide6.QtCore import QSettings

    from coatnet_gui.app.settings import Settings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    settings = Settings(str(tmp_path / "settings.ini"))
    settings.model = str(small_model_dir)
    settings.device = "cpu"
    return settings


@pytest.fixture
def window(qtbot, settings):
    """The main window, shown at 1200x760 with its model loaded."""
    from gui_helpers import open_window

    window = open_window(qtbot, settings)
    # The Live tab's fast pass comes after passes measured slow, which a loaded CI machine makes at random; it has
    # its own test (test_live_tab), every other test sees maps on the frames the rate plan names
    window.live.session.fast_after = None
    return window


@pytest.fixture
def crafted_manifest(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A manifest this app did not write, in its DEST: it names a victim file outside DEST (as its own copy) and an
    identical copy inside DEST. Return ``(manifest, victim, copy inside DEST)``; both files hold "precious"."""
    import json

    victim = tmp_path / "victim" / "notes.txt"
    victim.parent.mkdir()
    victim.write_text("precious")
    dest = tmp_path / "downloaded-dataset"
    (dest / "k").mkdir(parents=True)
    (dest / "k" / "copy.txt").write_text("precious")
    lines = [
        {"coatnet_sort_manifest": 1, "mode": "copy", "dest": str(dest)},
        {"src": str(victim), "dst": str(victim)},
        {"src": str(victim), "dst": str(dest / "k" / "copy.txt")},
    ]
    manifest = dest / "coatnet-sort-evil.jsonl"
    manifest.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return manifest, victim, dest / "k" / "copy.txt"
