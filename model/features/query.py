"""Features to search with: the final features of one image, and the features of each token of the last stage
in the same space (a region of an image).

A base's final features are its last stage's tokens, normalised (the network's final norm acts on each token),
then averaged, then passed through the rest of the head up to the classifier (nothing for the plain linear head;
LayerNorm and the tanh pre-logits layer for the paper configs' head). A single token taken through the same steps
— a 1 x 1 map whose average is itself — lands in that same space: its cosine to an image's final features says
how much that image looks like the region the token sees.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch

from model.data.transform import load_and_preprocess
from model.explain.introspect import grid_cell
from model.features.taps import FeatureTaps
from model.net.coatnet import CoAtNet
from model.runtime.inference import Classifier, Explanation


@dataclass(frozen=True)
class RegionQuery:
    """The features ``vector`` ``(width,)`` float32 of the token ``cell`` (row, column) of the last stage's
    ``grid`` (rows, columns)."""

    vector: np.ndarray
    cell: tuple[int, int]
    grid: tuple[int, int]


def last_stage_block(net: CoAtNet) -> str:
    """Return the name of the block whose output is the last stage's (its last block), e.g.
    ``"stages.3.blocks.1"``: the activation that :func:`token_features` reads."""
    last = len(net.stages) - 1
    return f"stages.{last}.blocks.{len(net.stages[last].blocks) - 1}"


def token_features(net: CoAtNet, last_stage: torch.Tensor) -> np.ndarray:
    """Return the final-space features ``(H, W, width)`` float32 of every token of the last stage's output
    ``last_stage`` ``(1, C, H, W)`` (before the final norm, as a capture records it): each token normalised and
    taken through the head as a 1 x 1 map, up to the classifier's input."""
    _, channels, height, width = last_stage.shape
    with torch.no_grad():
        normed = net.norm(last_stage.detach().float().to(next(net.parameters()).device))
        tokens = normed.permute(0, 2, 3, 1).reshape(height * width, channels, 1, 1)
        got: list[torch.Tensor] = []
        hook = net.head.fc.register_forward_pre_hook(lambda _m, inputs: got.append(inputs[0]))
        try:
            net.head(tokens)
        finally:
            hook.remove()
    return got[0].float().flatten(1).cpu().numpy().reshape(height, width, -1)


def final_features(classifier: Classifier, path: str | os.PathLike) -> np.ndarray:
    """Return the final features ``(width,)`` float32 of the image file at ``path`` under ``classifier``'s
    network (its preprocessing, one fp32 forward pass holding the network alone: the taps are hooks on it).
    Raises :class:`~model.data.decode.ImageLoadError` for a file that is not a readable image."""
    pixels, _ = load_and_preprocess(path, classifier.preprocess_cfg)
    with classifier.owner.exclusive() as placement, FeatureTaps(classifier.net) as taps, torch.inference_mode():
        classifier.net(placement.to_input(pixels[None]))
        return taps.out["final"][0].float().cpu().numpy()


def region_features(classifier: Classifier, explanation: Explanation, fy: float, fx: float) -> RegionQuery:
    """Return the final-space features of the last-stage token under the point at fractions ``(fy, fx)`` (0-1)
    of the model's view of the image that ``explanation`` explains (its recorded activations: no new forward
    pass); holds the network alone while the head runs on the token (the hook on it must see only this pass)."""
    activation = explanation.captured.activations[last_stage_block(classifier.net)]
    with classifier.owner.exclusive():
        tokens = token_features(classifier.net, activation)
    grid = (tokens.shape[0], tokens.shape[1])
    row, column = grid_cell(grid, fy, fx)
    return RegionQuery(tokens[row, column], (row, column), grid)
