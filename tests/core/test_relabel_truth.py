"""Correct -> teach -> relabel, judged by the truth: on 600 real Fashion-MNIST test images (tests/data), teaching
from the run's rows with some misclassified rows corrected, then relabelling, never lowers the share of right labels
below the first labelling's, and it rises as corrections grow (the corrections kept, as the window keeps them)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from model.runtime.inference import Classifier
from model.teach import teach
from model.teach.dataset import TableRow, labelled_from_rows
from model.teach.types import TeachSettings
from model.weights.loading import load_model

SLICE = Path(__file__).resolve().parents[1] / "data" / "fmnist_test_slice"


def _truth() -> tuple[list[str], list[str]]:
    with (SLICE / "labels.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [str(SLICE / r["file"]) for r in rows], [r["label"] for r in rows]


def _top1(clf: Classifier, paths: list[str]) -> tuple[list[str], list[float]]:
    predictions = [p for start in range(0, len(paths), 200) for p in clf.classify_files(paths[start : start + 200], 1)]
    return [p.labels[0] for p in predictions], [p.probs[0] for p in predictions]


def _accuracy(labels: list[str], truth: list[str]) -> float:
    return sum(a == b for a, b in zip(labels, truth, strict=True)) / len(truth)


@pytest.mark.slow
def test_relabelling_after_corrections_is_never_worse_and_rises_with_corrections(tmp_path: Path):
    paths, truth = _truth()
    first, probs = _top1(Classifier(load_model("bundled"), device="cpu"), paths)
    first_accuracy = _accuracy(first, truth)
    wrong = [i for i in range(len(paths)) if first[i] != truth[i]]
    assert 0.85 < first_accuracy < 0.99 and len(wrong) > 20  # the bundled model's real mistakes on real images
    settings = TeachSettings(force=True, cache_dir=tmp_path / "cache", device="cpu", features="final")
    accuracies = []
    for corrected_count in (10, len(wrong)):
        corrected = {i: truth[i] for i in wrong[:corrected_count]}
        rows = [TableRow(paths[i], first[i], probs[i], corrected.get(i, "")) for i in range(len(paths))]
        data = labelled_from_rows(rows)
        assert sorted(data.classes) == sorted(set(truth))  # no class the user never touched is dropped
        result = teach("bundled", data, tmp_path / f"taught-{corrected_count}.safetensors", settings)
        relabelled, _ = _top1(Classifier(load_model(str(result.checkpoint)), device="cpu"), paths)
        final = [corrected.get(i, relabelled[i]) for i in range(len(paths))]
        accuracies.append(_accuracy(final, truth))
    assert first_accuracy < accuracies[0] < accuracies[1], (first_accuracy, accuracies)


def test_rows_are_taught_with_corrections_winning_and_low_confidence_rows_left_out():
    rows = [
        TableRow("/a.png", "Shirt", 0.9),
        TableRow("/b.png", "Shirt", 0.3, corrected="Coat"),
        TableRow("/c.png", "Bag", 0.4),
        TableRow("/d.png", "", None, error="cannot decode"),
        TableRow("/e.png", "Bag", None),
        TableRow("/f.png", "Bag", 0.95, corrected="Sandal (new)"),
    ]
    data = labelled_from_rows(rows, min_prob=0.5)
    by_path = {p: data.classes[c] for p, c in zip(data.paths, data.labels, strict=True)}
    assert by_path == {"/a.png": "Shirt", "/b.png": "Coat", "/e.png": "Bag", "/f.png": "Sandal (new)"}
    reasons = dict(data.skipped)
    assert "below 50%" in reasons["/c.png"] and "cannot decode" in reasons["/d.png"]
    assert len(labelled_from_rows(rows).paths) == 5  # min_prob 0: every labelled row
