"""The Image tab puts a new image's top-5 first: a file is classified as the CLI classifies it, before it is decoded for
display and explained, and a faithfulness scoring job of the previous image stops between its batched passes instead
of running to its end (the real window, offscreen, small model)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import torch
from gui_helpers import TIMEOUT_MS, show

from model.explain import scoring

SLICE = Path(__file__).resolve().parents[1] / "data" / "fmnist_test_slice"


def test_the_top5_of_a_dropped_file_is_the_clis_and_comes_before_the_explanation(qtbot, window, monkeypatch):
    session, panel = window.session, window.image_tab.prediction
    classifier = session.classifier
    path = SLICE / "00001_Pullover.png"
    expected = classifier.classify_files([path])[0]
    decoded_classified = []
    monkeypatch.setattr(classifier, "classify_image", lambda *args: decoded_classified.append(args))
    order: list[str] = []
    session.prediction_ready.connect(lambda _p: order.append("top-5"))
    session.image_ready.connect(lambda _i: order.append("image"))
    session.explanation_ready.connect(lambda _e: order.append("explanation"))
    show(qtbot, window, path)
    shown = panel.prediction
    assert shown is not None and shown.path == str(path) and shown.error is None
    assert (shown.labels, shown.indices) == (expected.labels, expected.indices)
    assert torch.allclose(torch.tensor(shown.probs), torch.tensor(expected.probs), atol=1e-6)
    # top-5 first and kept when its image arrives (only another file's is cleared); the decoded copy is not classified
    assert order == ["top-5", "image", "explanation"] and not decoded_classified


def test_a_scoring_job_in_flight_stops_after_one_pass_when_a_new_image_is_opened(qtbot, window, sample):
    session, checks, panel = window.session, window.image_tab.checks, window.image_tab.prediction
    checks.auto_score.setChecked(False)  # only the scoring job started here runs
    show(qtbot, window, sample)
    classifier = session.classifier
    forward = classifier.probabilities
    scoring_passes, in_pass, release = [], threading.Event(), threading.Event()

    def spy(batch: torch.Tensor) -> torch.Tensor:
        if batch.shape[0] > 1:  # a scoring pass (one image is a top-5)
            scoring_passes.append(batch.shape[0])
            in_pass.set()
            release.wait(TIMEOUT_MS / 1000)
        return forward(batch)

    classifier.probabilities = spy
    tables = []
    session.scores_ready.connect(tables.append)
    new = SLICE / "00002_Trouser.png"
    try:
        session.score_all_maps()
        qtbot.waitUntil(in_pass.is_set, timeout=TIMEOUT_MS)
        window.open_path(str(new))
        # the display decode does not wait for the busy model pool
        qtbot.waitUntil(lambda: session.image is not None and session.image.source.path == str(new), timeout=TIMEOUT_MS)
    finally:
        release.set()
    qtbot.waitUntil(lambda: panel.prediction is not None and panel.prediction.path == str(new), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: session.explanation is not None and not session.workers.busy(), timeout=TIMEOUT_MS)
    assert len(scoring_passes) == 1 and not tables  # the table of the previous image: abandoned, never shown
    assert panel.prediction.labels == classifier.classify_files([new])[0].labels


def test_a_score_superseded_by_a_newer_map_request_stops_and_only_the_newer_score_shows(
    qtbot, window, sample, monkeypatch
):
    session = window.session
    window.image_tab.checks.auto_score.setChecked(False)
    show(qtbot, window, sample)
    classifier = session.classifier
    forward = classifier.probabilities
    passes: list[list[int]] = []  # the batched passes each scoring job made
    in_pass, release = threading.Event(), threading.Event()
    real = scoring.faithfulness

    def counting(*args, **kwargs):
        passes.append([])  # a scoring job starts its passes
        return real(*args, **kwargs)

    def probabilities(batch: torch.Tensor) -> torch.Tensor:
        out = forward(batch)
        if passes and batch.shape[0] > 1:
            passes[-1].append(batch.shape[0])
            if len(passes) == 1:  # hold the first job in its first pass until the newer request is made
                in_pass.set()
                release.wait(TIMEOUT_MS / 1000)
        return out

    monkeypatch.setattr(scoring, "faithfulness", counting)
    monkeypatch.setattr(classifier, "probabilities", probabilities)
    scores = []
    session.score_ready.connect(scores.append)
    try:
        session.score_map(window.result)
        qtbot.waitUntil(in_pass.is_set, timeout=TIMEOUT_MS)
        session.score_map(window.result)
    finally:
        release.set()
    qtbot.waitUntil(lambda: bool(scores) and not session.workers.busy(), timeout=TIMEOUT_MS)
    # the first job's token was cancelled: it stopped before its second pass; only the newer score shows
    assert len(passes) == 2 and len(passes[0]) == 1 and len(passes[1]) > 1 and len(scores) == 1
