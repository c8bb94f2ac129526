"""The Live tab's fast pass: a frame that needs no map runs through OpenVINO instead of the eager network.

A large model cannot keep up with a camera in PyTorch on a CPU (coatnet_0_rw_224: 12 img/s at batch 1 on a 2-core
Xeon with AMX), while its OpenVINO compile runs the same pass at 20 img/s. Frames that only need a top-5 use it
once it is ready; frames due for a map keep the eager network, which is the only one that can capture (attention,
activations, Grad-CAM). Nothing waits for it: the tab asks for it only after its forward passes proved slow
(:func:`wants_fast_pass`), prepares it in the background (:func:`open_fast_pass`: the ONNX export, made once per
model and kept in the cache folder, then OpenVINO's compile, itself cached) and keeps classifying meanwhile.

    if wants_fast_pass(recent_seconds) and not fast_pass_unavailable(clf):
        fast = open_fast_pass(clf)             # minutes the first time for a big model, a second after
        probs = fast.probabilities(batch)      # (B, classes), as clf.probabilities
"""

from __future__ import annotations

from collections.abc import Sequence

from model.runtime.inference import Classifier
from model.runtime.predictor import Predictor
from model.weights.loading import LoadedModel

# seconds: forward passes that all take longer ask for the fast pass. 1/30 s, a camera's frame interval: a network
# slower than that cannot keep up with a camera. coatnet_0_rw_224's passes do (60-80 ms on a 2-core Xeon with AMX,
# 41-46 ms on a 2-core AMD Zen 5, where the fixed 1/20 s this was before kept it on PyTorch: 19.4 fps and 70 ms
# played, against 30.0 fps and 25 ms with the fast pass); the bundled 96-px model's (2-8 ms) do not
FAST_PASS_AFTER = 1 / 30
FAST_PASS_FRAMES = 5  # forward passes judged (a map's capturing pass counts, its backward does not)


def wants_fast_pass(seconds: Sequence[float], after: float = FAST_PASS_AFTER) -> bool:
    """Return whether the last forward passes (their ``seconds``, oldest first) ask for the fast pass: at least
    :data:`FAST_PASS_FRAMES` of them, every one longer than ``after`` seconds (the quickest tells what the model
    costs; the others may have waited for cores busy with other work)."""
    recent = list(seconds)[-FAST_PASS_FRAMES:]
    return len(recent) == FAST_PASS_FRAMES and min(recent) > after


def fast_pass_unavailable(clf: Predictor) -> str:
    """Return why ``clf`` can have no fast pass here, in one line ("" when it can): it must be the eager PyTorch
    network on the CPU, and OpenVINO (with onnx, for the export) must be installed."""
    from model.runtime.runtimes import unavailable_reason

    if type(clf) is not Classifier:  # already an export (ONNX file, OpenVINO) or a compiled graph
        return f"{clf.runtime} runs this model already"
    if clf.placement.device != "cpu":
        return f"the model runs on {clf.placement.device}, where PyTorch is the fast path"
    return unavailable_reason("openvino")


def open_fast_pass(clf: Classifier) -> Predictor:
    """Return an OpenVINO classifier of ``clf``'s model in ``clf``'s precision (bf16 where the placement is bf16),
    sharing its network for explanations. A model without a cached export is exported in a child process from its
    weights (:func:`~model.runtime.exported.cached_export`), so frames keep running on ``clf`` and the window's
    event loop keeps turning meanwhile. Raises what the export or the compile raises."""
    from model.runtime.exported import OpenVinoClassifier

    placement = clf.placement
    loaded = LoadedModel(clf.net, clf.info)
    return OpenVinoClassifier(loaded, placement.device, precision=placement.precision, export_apart=True)
