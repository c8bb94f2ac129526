"""What a user can choose before any network is loaded: devices, how many classes to show, kinds of map.

Imports nothing (no torch), so that a parser or a menu built from these, such as ``coatnet-gui --help``,
starts in a fraction of a second. The modules that use them re-export them where they always were.
"""

from __future__ import annotations

DEVICE_CHOICES = ("auto", "cuda", "mps", "cpu")
TOP_K = 5  # classes shown or kept per image unless asked otherwise (GUI panel, CLI, batch labelling)
MAP_KINDS: dict[str, str] = {
    "gradcam": "Grad-CAM of the top-1 class",
    "rollout": "attention rollout through the Transformer blocks, all tokens",
    "received": "attention received, mean of heads",
    "activation": "mean |activation|",
}
