"""What one overlay needs from a forward pass, so the Live tab captures only that, frame after frame: the block's
attention record for an attention map (every Transformer block up to it for a rollout), the block's output for
activations, and the graph for Grad-CAM. :func:`live_explanation` runs that pass; the map is then computed by
:func:`~model.explain.maps.compute_overlay`, as in the Image tab.

    explanation = live_explanation(classifier, frame, spec)
    result = compute_overlay(explanation, spec, size, classifier.label_names)
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from model.explain.capture import BlockInfo, list_blocks
from model.explain.maps import OverlaySpec, resolve
from model.runtime.inference import Classifier, Explanation


@dataclass(frozen=True)
class MapNeeds:
    """The ``attention`` and ``activations`` block names a map reads and whether it needs ``gradients``."""

    attention: list[str]
    activations: list[str]
    gradients: bool


def map_needs(spec: OverlaySpec, blocks: list[BlockInfo], num_classes: int) -> MapNeeds:
    """Return what the map of ``spec`` (resolved for a model with ``blocks`` and ``num_classes``) reads from a
    forward pass."""
    spec = resolve(spec, blocks, num_classes)
    if spec.kind == "attention":
        if spec.attention_mode.startswith("rollout"):
            names = [b.name for b in blocks if b.kind == "transformer"]
            return MapNeeds(names[: names.index(spec.block) + 1], [], False)
        return MapNeeds([spec.block], [], False)
    return MapNeeds([], [spec.block], spec.kind == "gradcam")


def live_explanation(classifier: Classifier, image: Image.Image, spec: OverlaySpec, fast: bool = True) -> Explanation:
    """Return the :class:`~model.runtime.inference.Explanation` of ``image`` holding what the map of ``spec``
    needs (:func:`map_needs`): one forward pass, a graph only for Grad-CAM and only from the map's block on. ``fast``
    (the Live tab): in the placement's precision, bf16 on a CPU with AMX or AVX-512-BF16 (maps within a
    correlation of 0.999 of fp32's on the bundled model; a snapshot is explained again in fp32 in the Image tab);
    else fp32."""
    needs = map_needs(spec, list_blocks(classifier.net), len(classifier.label_names))
    return classifier.explain(
        image, attention=needs.attention, activations=needs.activations, gradients=needs.gradients, fast=fast
    )
