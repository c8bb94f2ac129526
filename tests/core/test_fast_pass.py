"""The Live tab's fast pass (model.live.fast_pass): asked for only after slow plain passes, refused with a reason
where it cannot run, and, where OpenVINO is installed, the same classes as the eager network on real Fashion-MNIST
images, prepared from a copy while frames keep running on the shared network, which it leaves where it was."""

from __future__ import annotations

import csv
import threading
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from model.data.transform import load_and_preprocess
from model.live.fast_pass import (
    FAST_PASS_AFTER,
    FAST_PASS_FRAMES,
    fast_pass_unavailable,
    open_fast_pass,
    wants_fast_pass,
)
from model.live.pacing import FAST_PASS_PLAN, RatePlan
from model.runtime.inference import Classifier
from model.runtime.runtimes import unavailable_reason
from model.weights.loading import load_model

SLICE = Path(__file__).resolve().parents[1] / "data" / "fmnist_test_slice"
NO_OPENVINO = unavailable_reason("openvino")


def test_the_fast_pass_is_asked_for_only_after_enough_slow_passes():
    slow, quick = FAST_PASS_AFTER * 1.5, FAST_PASS_AFTER / 2
    assert not wants_fast_pass([slow] * (FAST_PASS_FRAMES - 1))  # too few to judge
    assert wants_fast_pass([slow] * FAST_PASS_FRAMES)
    assert not wants_fast_pass([quick] * FAST_PASS_FRAMES)
    assert not wants_fast_pass([slow] * 10 + [quick] * FAST_PASS_FRAMES)  # only the last passes count
    assert not wants_fast_pass([slow] * (FAST_PASS_FRAMES - 1) + [quick])  # one quick pass: the cores were busy
    assert wants_fast_pass([quick] * FAST_PASS_FRAMES, after=quick / 2)


def test_only_the_eager_network_on_the_cpu_can_have_one(monkeypatch):
    clf = Classifier(load_model("bundled"), device="cpu")
    assert fast_pass_unavailable(clf) == NO_OPENVINO

    class Exported(Classifier):  # an export or a compile runs it already
        runtime = "openvino"

    assert fast_pass_unavailable(Exported(load_model("bundled"), device="cpu")) == "openvino runs this model already"
    monkeypatch.setattr(Classifier, "placement", property(lambda self: replace(clf.owner.placement, device="cuda")))
    assert "PyTorch is the fast path" in fast_pass_unavailable(clf)


@pytest.mark.skipif(bool(NO_OPENVINO), reason=NO_OPENVINO)
def test_the_fast_pass_gives_the_eager_classes_and_frames_run_while_it_is_made(tmp_path, monkeypatch):
    monkeypatch.setenv("COATNET_LENS_CACHE", str(tmp_path / "cache"))
    rows = list(csv.DictReader((SLICE / "labels.csv").open(encoding="utf-8")))
    clf = Classifier(load_model("bundled"), device="cpu")
    batch = torch.stack([load_and_preprocess(SLICE / r["file"], clf.preprocess_cfg)[0] for r in rows])
    truth = torch.tensor([int(r["index"]) for r in rows])
    eager = clf.probabilities(batch).argmax(-1)
    placement, generation = clf.placement, clf.owner.generation

    seen, stop = [], threading.Event()

    def frames() -> None:  # a Live tab's frames on the shared network while the fast pass is made
        while not stop.is_set():
            seen.append(clf.probabilities(batch[:4]).argmax(-1))

    runner = threading.Thread(target=frames)
    runner.start()
    try:
        fast = open_fast_pass(clf)
    finally:
        stop.set()
        runner.join()
    assert seen and all(torch.equal(s, eager[:4]) for s in seen)
    assert fast.runtime == "openvino" and fast.placement.precision == placement.precision
    assert clf.placement == placement and clf.owner.generation == generation  # the shared network was not moved
    assert fast.net is clf.net  # explanations stay on the one network

    quick = torch.cat([fast.probabilities(batch[s : s + 100]).argmax(-1) for s in range(0, len(batch), 100)])
    assert (quick == eager).float().mean() >= 0.995
    eager_right, quick_right = (eager == truth).float().mean(), (quick == truth).float().mean()
    assert quick_right >= eager_right - 0.005, (quick_right, eager_right)  # judged against the true classes
    assert list((tmp_path / "cache" / "exported").glob("*.onnx"))
    again = open_fast_pass(clf)  # from the cached export and compile: no second export
    assert torch.equal(again.probabilities(batch[:50]).argmax(-1), quick[:50])


def test_with_the_fast_pass_a_map_that_needs_a_whole_pass_comes_every_2nd_frame():
    assert FAST_PASS_PLAN.describe("attention") == "Attention every 2nd frame"
    assert FAST_PASS_PLAN.describe("activation") == "Activations every 2nd frame"
    assert FAST_PASS_PLAN.describe("gradcam") == RatePlan().describe("gradcam") == "Grad-CAM every 3rd frame"
    assert [FAST_PASS_PLAN.due("attention", n) for n in range(4)] == [True, False, True, False]
