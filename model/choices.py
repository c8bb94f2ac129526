"""What a user can choose before any network is loaded: devices, how many classes to show, kinds of map.

Imports nothing (no torch), so that a parser or a menu built from these, such as ``coatnet-gui --help``,
starts in a fraction of a second. The modules that use them re-export them where they always were.
"""

from __future__ import annotations

DEVICE_CHOICES = ("auto", "cuda", "mps", "cpu")
RUNTIME_CHOICES = ("auto", "torch", "compiled", "onnxruntime", "openvino")  # model.runtime.runtimes
TOP_K = 5  # classes shown or kept per image unless asked otherwise (GUI panel, CLI, batch labelling)
MAP_KINDS: dict[str, str] = {
    "gradcam": "Grad-CAM of the top-1 class",
    "rollout": "attention rollout through the Transformer blocks, all tokens",
    "received": "attention received, mean of heads",
    "activation": "mean |activation|",
}
EXPLAIN_KINDS: dict[str, str] = {  # the kinds ``explain`` scores and checks: label --maps's and the query-point ones
    **MAP_KINDS,
    "query": "attention from the centre point, mean of heads",
    "content": "content-only attention softmax(q·k/√d) from the centre point, mean of heads",
    "position": "position-only attention softmax(w[i−j]) from the centre point, mean of heads",
}
FILL_CHOICES: dict[str, str] = {
    "blur": "a blurred copy of the image",
    "mean": "the training data's mean colour",
    "noise": "noise with the training data's mean and spread",
    "road": "ROAD's noisy linear imputation from the neighbours",
}
# random orders per image behind the verdict of ``label --maps`` and the Batch tab's maps (t(3) = 3.18 for the
# interval); each costs as much as the map's own deletion score
MAP_ORDERS = 4
