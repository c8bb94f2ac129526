"""Which maps of an explanation can be scored for faithfulness, and scoring them (runs the network: off the GUI thread).

A map ranks pixels when it is one map (not small multiples): Grad-CAM, rollout, attention received or from the
query point, the other single attention maps and activations. :func:`score_overlay` scores the map on screen
against a random order; :func:`score_all_maps` scores one map of every kind that ranks pixels, sharing the baseline,
for the table that says which view explains *this* prediction best. See :mod:`model.explain.faithfulness`. Both take
``cancel`` (a :class:`~model.cancel.CancelToken`; the window's is its job's): a cancelled scoring raises
:class:`~model.cancel.Cancelled` before its next batched pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from model.cancel import CancelToken, check
from model.data.transform import preprocess
from model.explain.blocks import block_label, blocks_for
from model.explain.faithfulness import (
    DEFAULT_FILL,
    DEFAULT_STEPS,
    Curves,
    Faithfulness,
    FaithfulnessTable,
    faithfulness,
    faithfulness_of_maps,
)
from model.explain.maps import HEAD_MEAN, OverlayResult, OverlaySpec, compute_overlay, gradcam_class, resolve
from model.runtime.inference import Classifier, Explanation

Baselines = dict[tuple[int, str], tuple[Curves, ...]]  # (class, fill) -> the random orders' curves of one explanation
SCORE_MAP_SIZE = (1, 1)  # compute_overlay's resized image is not used: the scores upsample the grid map themselves


@dataclass(frozen=True)
class MapScore:
    """The faithfulness of the map on screen: its ``spec``, a short ``title``, and the curves (``scores``) of the
    map and of the random baseline for class ``class_index``, named ``class_name``."""

    spec: OverlaySpec
    title: str
    class_index: int
    class_name: str
    scores: Faithfulness


@dataclass(frozen=True)
class ScoreTable:
    """The faithfulness of one map of each kind that ranks pixels: ``specs`` by name (the table's rows; a click
    shows that map), ``table`` their curves and the shared random baseline, for class ``class_name``."""

    specs: dict[str, OverlaySpec]
    table: FaithfulnessTable
    class_name: str


def unscorable_reason(result: OverlayResult) -> str:
    """Return why ``result`` cannot be scored ("" when it can): small multiples hold several maps, not one order."""
    if len(result.panels) != 1:
        return "Several maps side by side: choose one head, one channel or one map to score it."
    return ""


def scored_class(spec: OverlaySpec, explanation: Explanation) -> int:
    """Return the class whose probability a map's curves follow: the Grad-CAM class (class A of "A vs B") for
    Grad-CAM, else the predicted class."""
    return gradcam_class(spec, explanation) if spec.kind == "gradcam" else int(explanation.probs.argmax())


def model_input(classifier: Classifier, explanation: Explanation) -> torch.Tensor:
    """Return the preprocessed input ``(3, H, W)`` the explanation's forward pass saw."""
    return preprocess(explanation.image, classifier.preprocess_cfg)


def short_title(result: OverlayResult) -> str:
    """Return a short name of ``result``'s map for the table and the curve's legend, e.g. "Grad-CAM · S2.1"."""
    spec, where = result.spec, block_label(result.block)
    if spec.kind == "gradcam":
        return f"Grad-CAM · {where}" + (" (vs)" if spec.versus is not None else "")
    if spec.kind == "activation":
        return f"activation · {where}" + (f" ch {spec.channel}" if spec.activation_mode == "channel" else "")
    names = {
        "query": "from query",
        "received": "received",
        "rollout": "rollout",
        "rollout_query": "rollout from query",
        "content": "content only",
        "position": "position only",
        "bias": "bias",
    }
    head = f" h{spec.head}" if spec.uses_head and isinstance(spec.head, int) else ""
    return f"{names.get(spec.attention_mode, spec.attention_mode)} · {where}{head}"


def score_overlay(
    classifier: Classifier,
    explanation: Explanation,
    result: OverlayResult,
    steps: int = DEFAULT_STEPS,
    baselines: Baselines | None = None,
    cancel: CancelToken | None = None,
    fill: str = DEFAULT_FILL,
) -> MapScore:
    """Return the deletion/insertion curves of ``result``'s one map and of the random orders (``2·steps − 2``
    images per order in two batched passes), the pixels removed with ``fill``. ``baselines`` ((class, fill) ->
    random orders' curves of this explanation, at ``steps``) saves the random orders' passes when it holds the
    pair, and is given their curves when it does not: the random orders do not depend on the map. Raises
    ValueError for small multiples or an unknown fill, Cancelled once ``cancel`` is cancelled."""
    reason = unscorable_reason(result)
    if reason:
        raise ValueError(reason)
    class_index = scored_class(result.spec, explanation)
    known = baselines.get((class_index, fill)) if baselines is not None else None
    x = model_input(classifier, explanation)
    grid_map = result.panels[0].grid
    scores = faithfulness(
        classifier,
        x,
        grid_map,
        class_index,
        steps,
        baseline=known is None,
        probs=explanation.probs,
        cancel=cancel,
        fill=fill,
    )
    if known is not None:
        scores = Faithfulness(class_index, steps, scores.map, known, fill)
    elif baselines is not None:
        baselines[(class_index, fill)] = scores.random_orders
    return MapScore(result.spec, short_title(result), class_index, _name(classifier, class_index), scores)


def candidate_specs(explanation: Explanation, current: OverlaySpec, num_classes: int) -> list[OverlaySpec]:
    """Return one spec per map kind that ranks pixels, for the top class: Grad-CAM at the last MBConv and the
    last Transformer block, rollout (all tokens and from the query point), attention received and from the query
    point (mean of heads, at the current attention block or the first), mean |activation| (at the current
    activation block or the last). Models without Transformer blocks get the Grad-CAM and activation maps only."""
    blocks = explanation.blocks
    transformers = blocks_for("attention", blocks)
    query = current.query
    attention_block = current.block if current.kind == "attention" else ""
    activation_block = current.block if current.kind == "activation" else ""
    specs = [OverlaySpec(kind="gradcam")]
    if transformers:
        last = transformers[-1].name
        specs += [
            OverlaySpec(kind="gradcam", block=last),
            OverlaySpec(kind="attention", block=last, attention_mode="rollout"),
            OverlaySpec(kind="attention", block=last, attention_mode="rollout_query", query=query),
            OverlaySpec(kind="attention", block=attention_block, attention_mode="received", head=HEAD_MEAN),
            OverlaySpec(kind="attention", block=attention_block, attention_mode="query", head=HEAD_MEAN, query=query),
        ]
    specs.append(OverlaySpec(kind="activation", block=activation_block, activation_mode="mean"))
    return [resolve(spec, blocks, num_classes) for spec in specs]


def score_all_maps(
    classifier: Classifier,
    explanation: Explanation,
    current: OverlaySpec,
    steps: int = DEFAULT_STEPS,
    baselines: Baselines | None = None,
    cancel: CancelToken | None = None,
    fill: str = DEFAULT_FILL,
) -> ScoreTable:
    """Return the faithfulness of every map of :func:`candidate_specs` for the top class, the pixels removed with
    ``fill``, with one shared random baseline (``2·steps − 2`` images per map and per random order), which goes
    into ``baselines`` (see :func:`score_overlay`; ``cancel`` too)."""
    labels = classifier.label_names
    maps, specs = {}, {}
    for spec in candidate_specs(explanation, current, explanation.probs.numel()):
        check(cancel)  # a Grad-CAM map is a backward pass: a superseded table stops between them too
        result = compute_overlay(explanation, spec, SCORE_MAP_SIZE, labels)
        title = short_title(result)
        maps[title], specs[title] = result.panels[0].grid, result.spec
    class_index = int(explanation.probs.argmax())
    x = model_input(classifier, explanation)
    table = faithfulness_of_maps(
        classifier, x, maps, class_index, steps, probs=explanation.probs, cancel=cancel, fill=fill
    )
    if baselines is not None:
        baselines[(class_index, fill)] = table.random_orders
    return ScoreTable(specs, table, _name(classifier, class_index))


def _name(classifier: Classifier, index: int) -> str:
    labels = classifier.label_names
    return labels[index] if index < len(labels) else f"class {index}"
