"""Maps for a whole folder (``coatnet-gui label DIR --maps OUT_DIR``): one map per image, computed in batches.

    settings = MapSettings(out_dir="maps", kind="gradcam", block=resolve_block(clf.net, "gradcam", "S2").name)
    probs, fields = maps_for_chunk(clf, "photos", ["a.jpg", "b.png"], batch, settings)

Per image it writes ``OUT_DIR/<file name>.<kind>.npy`` (the map on the block's grid, float32) and
``OUT_DIR/<file name>.<kind>.png`` (the map over the full-resolution original, EXIF-rotated, where the model saw
it, with the crop box drawn: :mod:`model.explain.render`), and returns the fields the results file gains:
``map``, ``overlay`` (their paths), ``deletion`` (the map's deletion area, :mod:`model.explain.faithfulness`;
lower is more faithful) and, against ``orders`` seeded random orders of the same image (the window's orders),
``random_lo`` .. ``random_hi`` (the 95 % interval of a random order's deletion area), ``verdict`` (``better``,
``worse`` or ``inconclusive``, :mod:`model.explain.verdicts`; inconclusive too when the curves are flat: ``flat``)
and ``fill`` (``blur``: the pixels are replaced by a blurred copy). Each random order costs as much as the map's
own score: ``orders`` 0 keeps the area alone.

Batches: one forward pass per batch explains every image for its own top-1 class. Grad-CAM takes one backward
pass of the sum of the images' target logits, which gives each image its own class gradient (the images of a
batch do not interact). Attention records and activations live only while their batch is being turned into
maps. The forward runs in the classifier's placement (bf16/fp16 autocast where it says so); the map arithmetic
runs in fp32 (tests/core/test_folder_maps.py states the tolerance against an all-fp32 run).
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass, replace

import numpy as np
import torch
from PIL import Image

from model.atomic import write_bytes_atomically
from model.batch.journal import encode_path, printable
from model.choices import MAP_ORDERS
from model.data.decode import ImageLoadError, load_image
from model.data.pixels import crop_box
from model.explain import introspect
from model.explain.blocks import blocks_for
from model.explain.capture import BlockInfo, capture, list_blocks
from model.explain.faithfulness import DEFAULT_STEPS, curve_areas, deletion_curves
from model.explain.maps import resolve_map_block
from model.explain.render import DEFAULT_COLORMAP, overlay_on_original
from model.explain.verdicts import is_flat, random_interval, verdict
from model.net.blocks import AttentionRecord
from model.net.coatnet import CoAtNet
from model.runtime.inference import Classifier

FILL = "blur"  # the folder maps' scores replace pixels by a blurred copy of the image


@dataclass(frozen=True)
class MapSettings:
    """What to save for each image: maps of ``kind`` (a key of :data:`~model.choices.MAP_KINDS`) at ``block`` (a
    block name; "" is the kind's default, :func:`resolve_block`) into ``out_dir``, scored with ``steps`` deletion
    steps (0: no score) against ``orders`` seeded random orders (0: no verdict), drawn with ``colormap``."""

    out_dir: str
    kind: str = "gradcam"
    block: str = ""
    steps: int = DEFAULT_STEPS
    colormap: str = DEFAULT_COLORMAP
    orders: int = MAP_ORDERS

    def identity(self) -> dict:
        """Return the JSON fields a batch journal records about the maps (a resumed run must match them)."""
        return {
            "out_dir": printable(os.path.abspath(self.out_dir)),
            "kind": self.kind,
            "block": self.block,
            "steps": self.steps,
            "orders": self.orders,
            "fill": FILL,
        }


@dataclass
class BatchMaps:
    """The maps of one batch: class ``probs`` ``(B, classes)`` float32, the ``classes`` ``(B,)`` they explain (top-1),
    the ``maps`` ``(B, h, w)`` float32 on ``block``'s grid; all on the CPU."""

    probs: torch.Tensor
    classes: torch.Tensor
    maps: torch.Tensor
    block: BlockInfo


def resolve_block(net: CoAtNet, kind: str, stage: str = "") -> BlockInfo:
    """Return the block of ``net`` for a map of ``kind`` (a key of :data:`~model.choices.MAP_KINDS`) named by
    ``stage``: a block name (``stages.1.blocks.1``), a short label (``S2.1``), a stage (``S2``, or ``2``: its last
    block) or "" for the kind's default — :func:`model.explain.maps.resolve_map_block`, the window's rule. Raises
    ValueError naming the choices."""
    return resolve_map_block(list_blocks(net), kind, stage)


def _cpu_record(record: AttentionRecord) -> AttentionRecord:
    """Return ``record`` detached, its probabilities fp32 on the CPU (the rollout builds its matrices there)."""
    return replace(record.detach(), probs=record.probs.detach().float().cpu())


def compute_maps(clf: Classifier, batch: torch.Tensor, kind: str, block: BlockInfo) -> BatchMaps:
    """Return the maps of ``kind`` at ``block`` for a normalised batch ``(B, 3, H, W)``, each for its image's top-1
    class, from one forward pass (and, for Grad-CAM, one backward pass) in ``clf``'s placement; the maps are
    computed in fp32 with :mod:`model.explain.introspect`'s functions, as the window does."""
    names = [b.name for b in blocks_for("attention", list_blocks(clf.net))]
    through = names[: names.index(block.name) + 1] if block.name in names else []
    attention = {"rollout": through, "received": [block.name]}
    gradients = kind == "gradcam"
    with (
        clf.owner.exclusive() as placement,  # the forward + backward hold the network alone: one batch at a time
        capture(
            clf.net,
            attention=attention.get(kind, []),
            activations=[block.name] if kind in ("gradcam", "activation") else [],
            gradients=gradients,
        ) as cap,
    ):
        with contextlib.nullcontext() if gradients else torch.no_grad(), placement.autocast():  # capture: the graph
            logits = clf.net(placement.to_input(batch))
        logits = logits.float()
        classes = logits.argmax(-1)
        count = logits.shape[0]
        if kind == "gradcam":
            act = cap.activations[block.name]
            (grad,) = torch.autograd.grad(logits.gather(1, classes[:, None]).sum(), [act])
            act, grad = act.detach().float(), grad.float()
            maps = [introspect.grad_cam(act, grad, i) for i in range(count)]
        elif kind == "activation":
            act = cap.activations[block.name].detach().float()
            maps = [introspect.activation_map(act, None, i) for i in range(count)]
        elif kind == "received":
            record = _cpu_record(cap.attention[block.name])
            maps = [introspect.attention_received(record, None, i) for i in range(count)]
        else:
            records = [_cpu_record(cap.attention[n]) for n in attention["rollout"]]
            maps = [introspect.attention_rollout(records, None, i) for i in range(count)]
        probs = logits.detach().softmax(-1).cpu()
    return BatchMaps(probs, classes.cpu(), torch.stack(maps).detach().float().cpu(), block)


def map_paths(out_dir: str | os.PathLike, rel: str, kind: str) -> tuple[str, str]:
    """Return the paths of the ``.npy`` map and the ``.png`` overlay of the image ``rel`` (relative to the labelled
    folder) under ``out_dir``: ``out_dir/<rel>.<kind>.npy`` and ``.png`` (sub-folders mirrored)."""
    base = os.path.join(os.path.abspath(out_dir), rel)
    return f"{base}.{kind}.npy", f"{base}.{kind}.png"


def save_map(
    clf: Classifier, root: str | os.PathLike, rel: str, grid_map: np.ndarray, settings: MapSettings
) -> tuple[str, str]:
    """Write the map ``(h, w)`` of the image ``root/rel`` as ``.npy`` and its overlay on the full-resolution original
    as ``.png`` (both atomically); return their paths. The overlay's path is "" when the original cannot be read
    again (it vanished or changed since it was labelled)."""
    npy, png = map_paths(settings.out_dir, rel, settings.kind)
    os.makedirs(os.path.dirname(npy), exist_ok=True)
    buffer = _npy_bytes(np.asarray(grid_map, dtype=np.float32))
    write_bytes_atomically(npy, buffer)
    try:
        image = load_image(os.path.join(root, rel))
    except (ImageLoadError, OSError):
        return npy, ""
    picture = overlay_on_original(image, grid_map, crop_box(image.size, clf.preprocess_cfg), colormap=settings.colormap)
    write_bytes_atomically(png, _png_bytes(picture))
    return npy, png


def _npy_bytes(array: np.ndarray) -> bytes:
    """Return ``array`` in NumPy's ``.npy`` format."""
    out = io.BytesIO()
    np.save(out, array)
    return out.getvalue()


def _png_bytes(picture: Image.Image) -> bytes:
    """Return ``picture`` as PNG bytes."""
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def empty_fields() -> dict:
    """Return the map fields of a row without a map (an image that could not be read)."""
    return {
        "map": "",
        "overlay": "",
        "deletion": None,
        "random_lo": None,
        "random_hi": None,
        "verdict": "",
        "flat": None,
        "fill": "",
    }


def score_fields(curves: np.ndarray) -> list[dict]:
    """Return per image the score fields of its deletion curves ``(B, 1 + orders, steps + 1)`` (the map's, then the
    random orders', :func:`~model.explain.faithfulness.deletion_curves`): ``deletion`` and, with random orders,
    ``random_lo``, ``random_hi``, ``verdict`` (lower than the interval: better), ``flat`` and ``fill``."""
    out = []
    for rows, areas in zip(curves, curve_areas(curves), strict=True):
        fields: dict = {"deletion": round(float(areas[0]), 6)}
        if len(areas) > 1:
            interval = random_interval(areas[1:])
            flat = is_flat(list(rows))
            fields.update(
                random_lo=round(interval.lo, 6),
                random_hi=round(interval.hi, 6),
                verdict=verdict(float(areas[0]), interval, higher_is_better=False, flat=flat),
                flat=flat,
                fill=FILL,
            )
        out.append(fields)
    return out


def maps_for_chunk(
    clf: Classifier, root: str | os.PathLike, rels: list[str], batch: torch.Tensor, settings: MapSettings
) -> tuple[torch.Tensor, list[dict]]:
    """Compute, save and score the maps of a normalised batch ``(B, 3, H, W)`` of the images ``rels`` (relative to
    ``root``); return the class probabilities ``(B, classes)`` float32 and, per image, the fields its results row
    gains (:data:`~model.batch.export.MAP_COLUMNS`; paths as :func:`~model.batch.journal.encode_path` writes them)."""
    block = resolve_block(clf.net, settings.kind, settings.block)
    result = compute_maps(clf, batch, settings.kind, block)
    scores: list[dict] = [{"deletion": None}] * len(rels)
    if settings.steps:
        curves = deletion_curves(
            clf, batch, result.maps, result.classes, settings.steps, probs=result.probs, orders=settings.orders
        )
        scores = score_fields(curves)
    fields = []
    for rel, grid_map, score in zip(rels, result.maps.numpy(), scores, strict=True):
        npy, png = save_map(clf, root, rel, grid_map, settings)
        fields.append({**encode_path(npy, "map"), **encode_path(png, "overlay"), **score})
    return result.probs, fields


@dataclass(frozen=True)
class MapStep:
    """The batch step of ``label --maps`` and the Batch tab's "Save maps" (a
    :class:`model.batch.pipeline.ChunkStep`): each batch is explained, its maps saved and scored per ``settings``;
    the journal records the maps' identity under ``maps``."""

    settings: MapSettings

    def identity(self) -> dict:
        """Return ``{"maps": ...}``, what a journal records about the maps (a resumed run must match it)."""
        return {"maps": self.settings.identity()}

    def empty_fields(self) -> dict:
        """Return the map fields of a row without a map (:func:`empty_fields`)."""
        return empty_fields()

    def __call__(
        self, clf: Classifier, root: str, rels: list[str], batch: torch.Tensor
    ) -> tuple[torch.Tensor, list[dict]]:
        """Return :func:`maps_for_chunk` of the batch: the probabilities ``(B, classes)`` and each image's fields."""
        return maps_for_chunk(clf, root, rels, batch, self.settings)
