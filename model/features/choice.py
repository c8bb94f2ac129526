"""Where a head reads a base network: the feature candidates of a CoAtNet and the user's names for them.

The candidates are each inner stage's output from S2 on, average-pooled to a 2x2 grid (``"stage2"``,
``"stage3"``, ...), and the final pooled features (``"final"``, what the base's own classifier reads). The user
chooses one by name, or ``"auto"``: the best by cross-validation (:func:`model.teach.session.choose_features`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch

from model.net.coatnet import CoAtNet

AUTO = "auto"
INNER_POOL = 2  # inner stages are pooled to 2x2: a coarse layout, 4x the stage's channels
_NAME = re.compile(r"auto|final|stage\d")


@dataclass(frozen=True)
class FeatureChoice:
    """Where a linear head reads the base: after stage ``stage`` (1-based), average-pooled to ``pool`` x
    ``pool``; the last stage with ``pool`` 1 is the base's own final pooled features."""

    stage: int
    pool: int

    @property
    def key(self) -> str:
        """The name of this feature in the cache and the metadata, e.g. ``"s3p2"`` or ``"final"``."""
        return "final" if self.pool == 1 else f"s{self.stage}p{self.pool}"

    @property
    def name(self) -> str:
        """The user's name of this choice: ``"final"`` or ``"stage3"``."""
        return "final" if self.pool == 1 else f"stage{self.stage}"

    def describe(self, width: int) -> str:
        """Return the choice in words, with its ``width`` (number of features)."""
        if self.pool == 1:
            return f"final pooled features ({width})"
        return f"stage S{self.stage} output, {self.pool}x{self.pool} average pooled ({width})"


def candidates(net: CoAtNet) -> list[FeatureChoice]:
    """Return the feature choices of ``net``: each inner stage from S2 on with 2x2 pooling, then the final."""
    stages = len(net.stages)
    return [FeatureChoice(s, INNER_POOL) for s in range(2, stages)] + [FeatureChoice(stages, 1)]


def final_choice(net: CoAtNet) -> FeatureChoice:
    """Return the choice of ``net``'s final pooled features (what its own classifier reads)."""
    return FeatureChoice(len(net.stages), 1)


def feature_widths(net: CoAtNet) -> dict[str, int]:
    """Return the number of features of each candidate of ``net`` (by :attr:`FeatureChoice.key`): a stage's
    channels x 4 for an inner stage, the classifier's input width for the final features."""
    widths = {}
    for choice in candidates(net):
        if choice.pool == 1:
            fc = net.head.fc
            widths[choice.key] = fc.in_features if isinstance(fc, torch.nn.Linear) else net.num_features
        else:
            widths[choice.key] = net.cfg.embed_dim[choice.stage - 1] * choice.pool * choice.pool
    return widths


def is_feature_name(name: str) -> bool:
    """Return True when ``name`` has the form of a feature choice: "auto", "final" or "stageN" (whether that
    stage exists depends on the base: :func:`named_choice`)."""
    return _NAME.fullmatch(name) is not None


def named_choice(net: CoAtNet, name: str) -> FeatureChoice:
    """Return the candidate of ``net`` called ``name`` ("final", "stage2", ...). Raises ValueError naming the
    choices when ``net`` has no such candidate ("auto" is not a candidate: it asks for a comparison)."""
    named = {c.name: c for c in candidates(net)}
    if name not in named:
        raise ValueError(f"The features must be 'auto' or one of {', '.join(named)}, not {name!r}.")
    return named[name]
