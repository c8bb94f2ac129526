"""Running a checkpoint's cached export without torch (model.runtime.export_card): the second process that labels
with an exported runtime finds the card the first one left, runs the export with no torch imported at all, and
writes the same rows — judged against the true classes of the 600 real Fashion-MNIST images of tests/data, not
only against the first run. Any change to what the model was loaded from (weights, the names beside them, the
``--labels`` file), maps, a possible GPU or an unreadable card sends the model the usual way, which rewrites the
card."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from model.batch.pipeline import BatchSettings, run_settings
from model.runtime import export_card
from model.runtime.export_card import ExportPredictor
from model.runtime.runtimes import open_predictor, unavailable_reason
from model.weights.layout import CONFIG_JSON, WEIGHTS_NAME

REPO = Path(__file__).resolve().parents[2]
SLICE = REPO / "tests" / "data" / "fmnist_test_slice"
EXPORTED = [r for r in ("openvino", "onnxruntime") if not unavailable_reason(r)]
pytestmark = pytest.mark.skipif(not EXPORTED, reason="neither OpenVINO nor onnxruntime is installed")

NO_TORCH = """
import sys
sys.modules["torch"] = None  # any import of torch now fails: the run must not need it
from coatnet_gui.cli.main import main
status = main(sys.argv[1:])
assert "torch" not in sys.modules or sys.modules["torch"] is None
sys.exit(status)
"""


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A fresh app cache folder for the test (exports, cards), also for its child processes."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("COATNET_LENS_CACHE", str(folder))
    return folder


@pytest.fixture
def checkpoint(tmp_path, small_model_dir) -> Path:
    """A copy of the small model's folder (weights + config.json) that a test may change."""
    folder = tmp_path / "coatnet_fmnist_96"
    folder.mkdir()
    for name in (WEIGHTS_NAME, CONFIG_JSON):
        shutil.copy2(small_model_dir / name, folder / name)
    return folder


@pytest.fixture(autouse=True)
def no_gpu(monkeypatch):
    """This machine has no GPU; the tests that need one say so."""
    monkeypatch.setattr(export_card, "gpu_may_be_present", lambda: False)


def truth() -> dict[str, str]:
    """Return the true class of each image of the slice by file name."""
    return {row["file"]: row["label"] for row in csv.DictReader((SLICE / "labels.csv").open(encoding="utf-8"))}


def read_rows(path: Path) -> dict[str, dict]:
    """Return the rows of a ``label`` CSV by file name."""
    return {Path(row["path"]).name: row for row in csv.DictReader(path.open(encoding="utf-8", newline=""))}


def label_in_child(tmp_path: Path, out: Path, *args: str, no_torch: bool = False) -> subprocess.CompletedProcess:
    """Run ``label SLICE --out OUT ARGS`` in a child process (with torch made unimportable when ``no_torch``)."""
    code = NO_TORCH if no_torch else "import sys; from coatnet_gui.cli.main import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-c", code, "label", str(SLICE), "--out", str(out), *args]
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("runtime", EXPORTED)
def test_the_second_process_labels_without_torch_and_as_right_as_the_first(runtime, tmp_path, cache, checkpoint):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    args = ("--model", str(checkpoint), "--runtime", runtime)
    loaded_run = label_in_child(tmp_path, first, *args)
    assert loaded_run.returncode == 0, loaded_run.stderr
    assert list((cache / "exported" / "cards").glob("*.json")), "the exported runtime left no card"
    card_run = label_in_child(tmp_path, second, *args, no_torch=True)
    assert card_run.returncode == 0, card_run.stderr
    assert f"runtime: {runtime}" in card_run.stderr
    a, b, names = read_rows(first), read_rows(second), truth()
    assert set(a) == set(b) == set(names)
    for name, row in a.items():
        same = ("label", "index", "labels", "indices", "model", "device", "precision", "error")
        assert {k: row[k] for k in same} == {k: b[name][k] for k in same}, name
        assert float(row["prob"]) == pytest.approx(float(b[name]["prob"]), abs=1e-5)
    right = [sum(rows[n]["label"] == names[n] for n in names) / len(names) for rows in (a, b)]
    assert right[0] == right[1] >= 0.9, right  # the bundled model: 95 % here; random weights would be near 10 %


def open_for_labelling(source: Path | str, labels: Path | None = None, **kw):
    """Return what ``label`` opens for ``source`` with the automatic runtime (OpenVINO where installed)."""
    runtime = kw.pop("runtime", EXPORTED[0])
    return open_predictor(str(source), "cpu", labels=labels, runtime=runtime, batch_work=True, **kw)


def test_the_card_run_keeps_the_journal_identity_so_a_killed_run_resumes(cache, checkpoint, tmp_path):
    loaded = open_for_labelling(checkpoint)
    from_card = open_for_labelling(checkpoint)
    assert not isinstance(loaded, ExportPredictor) and isinstance(from_card, ExportPredictor)
    settings = BatchSettings()
    assert run_settings(from_card, SLICE, settings) == run_settings(loaded, SLICE, settings)
    assert from_card.info == loaded.info
    assert from_card.maps_unavailable and from_card.net is None


def test_a_relative_path_from_another_folder_is_named_as_loading_names_it(cache, checkpoint, monkeypatch):
    monkeypatch.chdir(checkpoint.parent)
    open_for_labelling(checkpoint.name)
    monkeypatch.chdir(checkpoint)
    from_card = open_for_labelling(Path("..") / checkpoint.name)
    assert isinstance(from_card, ExportPredictor)
    assert from_card.info.location == str(Path("..") / checkpoint.name)


def test_new_weights_are_loaded_and_their_predictions_used(cache, checkpoint, second_model_dir):
    before = open_for_labelling(checkpoint)
    image = [SLICE / n for n in sorted(truth())][:16]
    old = [p.indices for p in before.classify_files(image)]
    shutil.copy2(second_model_dir / WEIGHTS_NAME, checkpoint / WEIGHTS_NAME)  # other weights, same place
    after = open_for_labelling(checkpoint)
    assert not isinstance(after, ExportPredictor)
    new = [p.indices for p in after.classify_files(image)]
    assert new != old
    again = open_for_labelling(checkpoint)  # the usual path rewrote the card
    assert isinstance(again, ExportPredictor)
    assert [p.indices for p in again.classify_files(image)] == new


def test_names_that_appear_beside_the_checkpoint_are_used(cache, checkpoint):
    open_for_labelling(checkpoint)
    names = [f"kind {i}" for i in range(10)]
    (checkpoint / "class_map.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    after = open_for_labelling(checkpoint)
    assert not isinstance(after, ExportPredictor)
    assert after.label_names == names
    from_card = open_for_labelling(checkpoint)
    assert isinstance(from_card, ExportPredictor) and from_card.label_names == names
    assert from_card.info.label_source == "class_map.txt beside the checkpoint"


def test_a_changed_labels_file_is_read_again(cache, checkpoint, tmp_path):
    labels = tmp_path / "names.txt"
    labels.write_text("\n".join(f"first {i}" for i in range(10)) + "\n", encoding="utf-8")
    open_for_labelling(checkpoint, labels)
    assert isinstance(open_for_labelling(checkpoint, labels), ExportPredictor)
    assert not isinstance(open_for_labelling(checkpoint), ExportPredictor)  # without --labels: another card
    labels.write_text("\n".join(f"second {i}" for i in range(10)) + "\n", encoding="utf-8")
    after = open_for_labelling(checkpoint, labels)
    assert not isinstance(after, ExportPredictor)
    assert after.label_names[0] == "second 0"


@pytest.mark.parametrize("case", ["maps", "gpu", "cuda", "torch runtime", "bad card", "export gone", "config changed"])
def test_the_usual_path_decides_when_the_card_cannot(case, cache, checkpoint, monkeypatch):
    open_for_labelling(checkpoint)
    kw: dict = {}
    if case == "maps":
        kw["maps"] = True
    elif case == "gpu":
        monkeypatch.setattr(export_card, "gpu_may_be_present", lambda: True)
        clf = open_predictor(str(checkpoint), "auto", runtime="auto", batch_work=True)
        assert not isinstance(clf, ExportPredictor)
        return
    elif case == "cuda":
        assert export_card.card_runtime("openvino", "cuda") is None
        return
    elif case == "torch runtime":
        kw["runtime"] = "torch"
    elif case == "bad card":
        for card in (cache / "exported" / "cards").glob("*.json"):
            card.write_text('{"format": 1, "files": ', encoding="utf-8")
    elif case == "export gone":
        for export in (cache / "exported").glob("*.onnx"):
            export.unlink()
    elif case == "config changed":
        config = checkpoint / CONFIG_JSON
        config.write_text(config.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    clf = open_for_labelling(checkpoint, **kw)
    assert not isinstance(clf, ExportPredictor)
    assert clf.net is not None


def test_a_file_that_changes_while_it_is_loaded_does_not_match_its_card(cache, checkpoint, monkeypatch):
    from model.weights import loading

    real = loading.load_model

    def touching(*args, **kw):
        loaded = real(*args, **kw)
        weights = checkpoint / WEIGHTS_NAME
        os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 1_000_000))
        return loaded

    monkeypatch.setattr(loading, "load_model", touching)
    open_for_labelling(checkpoint)
    monkeypatch.setattr(loading, "load_model", real)
    assert not isinstance(open_for_labelling(checkpoint), ExportPredictor)  # stamped before loading: stale


def test_a_public_tag_runs_from_its_card_until_the_hub_cache_moves_on(cache, tmp_path, monkeypatch):
    import torch
    from safetensors.torch import save_file

    from model.net.coatnet import create_model

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    repo = tmp_path / "hf" / "hub" / "models--timm--coatnet_nano_rw_224.sw_in1k"

    def snapshot(commit: str, seed: int) -> None:
        """Put random nano weights (``seed``) in the hub cache as revision ``commit`` of main."""
        folder = repo / "snapshots" / commit
        folder.mkdir(parents=True)
        torch.manual_seed(seed)
        save_file(create_model("coatnet_nano_rw_224").state_dict(), folder / WEIGHTS_NAME)
        (repo / "refs").mkdir(exist_ok=True)
        (repo / "refs" / "main").write_text(commit)

    tag = "coatnet_nano_rw_224.sw_in1k"
    snapshot("a" * 40, seed=0)
    loaded = open_for_labelling(tag)
    from_card = open_for_labelling(f"timm/{tag}")  # another spelling of the same tag: the same card
    assert not isinstance(loaded, ExportPredictor)
    assert isinstance(from_card, ExportPredictor) and from_card.info == loaded.info and from_card.info.source == "hub"
    snapshot("b" * 40, seed=1)  # the cache moves on: main names another snapshot
    moved = open_for_labelling(tag)
    assert not isinstance(moved, ExportPredictor)
    now = export_card.current_stamps(tag, None)
    assert export_card.read_card(tag, None, now) is not None  # the usual path renewed the card for the new snapshot
