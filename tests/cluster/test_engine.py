"""The Ray engine on the session's local Ray against the local engine, on the same folder and weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.batch.journal import Journal, read_records
from model.batch.pipeline import BatchSettings, label_folder, open_journal
from model.runtime.inference import Classifier
from model.weights.loading import load_model
from tests.cluster.conftest import image_folder

BF16_TOLERANCE = 2e-2  # probabilities: the two engines may batch images differently, and bf16 keeps 8 bits


def local_records(folder: Path, model_dir: Path, tmp_path: Path) -> dict[str, dict]:
    clf = Classifier(load_model(str(model_dir)))
    settings = BatchSettings(batch_size=8)
    with open_journal(tmp_path / "local.journal", clf, folder, settings) as journal:
        label_folder(clf, folder, journal, settings)
    return {r["path"]: r for r in read_records(tmp_path / "local.journal")}


def ray_records(source_text: str, model_dir: Path, journal_path: Path) -> dict[str, dict]:
    from model.cluster.run import ClusterSettings, label_source, run_settings
    from model.cluster.source import open_source

    loaded = load_model(str(model_dir))
    source = open_source(source_text)
    settings = ClusterSettings(batch_size=8)
    with Journal(journal_path, run_settings(loaded, source, settings)) as journal:
        progress = label_source(loaded, source, journal, settings)
    records = list(read_records(journal_path))
    assert progress.done == len(records) and progress.failed == sum(1 for r in records if r["error"])
    return {r["path"]: r for r in records}


def test_rows_equal_the_local_engines(ray_address: str, small_model_dir: Path, tmp_path: Path):
    folder = image_folder(tmp_path / "images", 40)
    local = local_records(folder, small_model_dir, tmp_path)
    on_ray = ray_records(str(folder), small_model_dir, tmp_path / "ray.journal")
    assert len(on_ray) == 42 and on_ray.keys() == local.keys()
    for path, mine in on_ray.items():
        theirs = local[path]
        assert mine["error"] == theirs["error"]  # the same reasons, word for word
        assert mine["indices"][:1] == theirs["indices"][:1], path
        assert mine["probs"] == pytest.approx(theirs["probs"], abs=BF16_TOLERANCE)
        assert {k: mine[k] for k in ("model", "device", "precision")} == {
            k: theirs[k] for k in ("model", "device", "precision")
        }
    assert {p for p, r in on_ray.items() if r["error"]} == {"broken.png", "empty.jpg"}

    by_url = ray_records(folder.as_uri(), small_model_dir, tmp_path / "url.journal")
    assert by_url.keys() == local.keys()
    assert all(by_url[p]["indices"][:1] == local[p]["indices"][:1] for p in local)
    assert by_url["broken.png"]["error"] == f"{folder.as_uri()}/broken.png: not an image format Pillow can read"
