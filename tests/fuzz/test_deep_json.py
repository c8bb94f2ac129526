"""JSON nested deeper than Python's recursion limit (``[[[[…]]]]``) given to every JSON reader of ours ends in the
reader's documented error, not a RecursionError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from safetensors.torch import save_file

from coatnet_gui.batch.corrections import read_corrections
from coatnet_gui.batch.runs import STATE_NAME, RunStore
from model import create_model
from model.batch.journal import Journal, JournalError, read_records
from model.batch.manifest import read_manifest
from model.teach.dataset import labelled_from_table
from model.teach.types import TeachError
from model.weights.layout import WeightsError
from model.weights.loading import load_model

DEEP = "[" * 100_000 + "]" * 100_000


def test_manifest(tmp_path: Path):
    path = tmp_path / "coatnet-sort-deep.jsonl"
    path.write_text(DEEP + "\n")
    with pytest.raises(ValueError, match="not a sort manifest"):
        read_manifest(path)


def test_label_table(tmp_path: Path):
    path = tmp_path / "labels.jsonl"
    path.write_text(DEEP + "\n")
    with pytest.raises(TeachError, match="Line 1 of labels.jsonl"):
        labelled_from_table(path)


def test_journal(tmp_path: Path):
    path = tmp_path / "out.csv.journal"
    path.write_text(json.dumps({"coatnet_journal": 1}) + "\n" + DEEP + "\n")
    assert list(read_records(path)) == []
    path.write_text(DEEP + "\n")
    with pytest.raises(JournalError):
        Journal(path, {}, resume=True)


def test_corrections_and_run_state(tmp_path: Path):
    path = tmp_path / "corrections.json"
    path.write_text(DEEP)
    with pytest.raises(ValueError):
        read_corrections(path)
    store = RunStore(tmp_path / "runs")
    (store.folder / "run").mkdir(parents=True)
    (store.folder / "run" / STATE_NAME).write_text(DEEP)
    assert store.load("run") is None


def test_checkpoint_metadata_and_config_json(tmp_path: Path):
    state = {k: v.contiguous() for k, v in create_model("coatnet_fmnist_96").state_dict().items()}
    save_file(
        state,
        str(tmp_path / "model.safetensors"),
        metadata={"architecture": "coatnet_fmnist_96", "label_names": DEEP, "pretrained_cfg": DEEP},
    )
    loaded = load_model(tmp_path / "model.safetensors")
    assert len(loaded.warnings) == 2 and all("not valid JSON" in w for w in loaded.warnings)
    (tmp_path / "config.json").write_text(DEEP)
    with pytest.raises(WeightsError, match="config.json is not valid JSON"):
        load_model(tmp_path)
