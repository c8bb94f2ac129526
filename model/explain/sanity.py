"""Does a map depend on the model? The model randomisation test of Adebayo et al. (2018, "Sanity checks for saliency
maps"), for every kind of map, on a copy of the network.

    report = sanity_check(classifier, image)               # the predicted class; every kind the model has
    report.kinds["gradcam"].steps[-1]                       # ("stem", Similarity(spearman=.., ssim=.., ssim_abs=..))
    report.kinds["rollout"].insensitive                     # True: the map barely changed with random weights

Cascade: the copy's parameters are randomised from the head downward, one part after another (head, S4, S3, S2,
S1, stem: :func:`cascade_parts`), each parameter tensor redrawn from a seeded normal distribution with the tensor's
own mean and spread (the layers keep their scale, their learned structure goes). After each step the map of the
same image and class is computed again and compared with the original one, both brought to the input's size:
Spearman's rank correlation, and SSIM (Wang et al. 2004) of the maps normalised to [0, 1] and of their absolute
values. A kind whose Spearman correlation after full randomisation stays above :data:`THRESHOLD` is flagged
"insensitive to the model": it would look the same for any network (an edge detector, not an explanation).

The random-logit check compares the map for a random other class with the map for the predicted class (maps that
do not depend on the class are identical: similarity 1).

The app's network is never touched: the copy is made holding the network alone, and everything runs on the copy
(one capturing pass and one backward pass per step). ``cancel`` is checked between steps; ``progress(done,
total)`` follows them.

Cost: the parts under the one just randomised are unchanged, so each step's pass starts where the randomised part
does, from the original pass's input to it (kept with its graph: the gradients flow back through it); only the
activations a map reads are captured, so Grad-CAM's backward pass stops at its block; the SSIMs of all kinds of a
step come from one blur, done as products with banded matrices. The numbers are those of full passes
(tests/core/test_sanity_reference.py holds those of the first implementation).
"""

from __future__ import annotations

import contextlib
import copy
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch
from PIL import Image
from torch import nn

from model.cancel import CancelToken, check
from model.choices import EXPLAIN_KINDS
from model.data.transform import preprocess
from model.explain.blocks import blocks_for
from model.explain.capture import capture, list_blocks
from model.explain.introspect import normalise, upsample_map
from model.explain.maps import compute_overlay, map_kind_spec, resolve
from model.net.coatnet import CoAtNet
from model.runtime.inference import Classifier, Explanation
from model.runtime.predictor import Prediction

THRESHOLD = 0.5  # Spearman correlation after full randomisation above which a kind is flagged insensitive
INSENSITIVE = "insensitive to the model"
SSIM_SIGMA = 1.5  # Wang et al.'s Gaussian window (11 x 11)
ATTENTION_KINDS = ("rollout", "received", "query", "content", "position")
_COPIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # network -> a copy a finished check left
_COPIES_LOCK = threading.Lock()

MapFn = Callable[[Explanation, int], np.ndarray]  # (explanation, class) -> the map on a block's grid (h, w)


@dataclass(frozen=True)
class Similarity:
    """How alike two maps are: ``spearman`` rank correlation (−1..1), ``ssim`` of the maps normalised to [0, 1],
    ``ssim_abs`` of their normalised absolute values (SSIM: −1..1, 1 for identical maps)."""

    spearman: float
    ssim: float
    ssim_abs: float

    def as_json(self) -> dict:
        """Return the three numbers rounded to 4 digits."""
        return {"spearman": round(self.spearman, 4), "ssim": round(self.ssim, 4), "ssim_abs": round(self.ssim_abs, 4)}


@dataclass(frozen=True)
class KindSanity:
    """The cascade of one map ``kind``: ``steps`` pairs (part randomised last, similarity to the original map
    after it) in cascade order, and ``random_logit``: the map for a random other class against the predicted one."""

    kind: str
    steps: tuple[tuple[str, Similarity], ...]
    random_logit: Similarity

    @property
    def final(self) -> Similarity:
        """The similarity after full randomisation (the last step)."""
        return self.steps[-1][1]

    @property
    def insensitive(self) -> bool:
        """True when the map still correlates (Spearman > :data:`THRESHOLD`) with the original after full
        randomisation: it does not depend on the model."""
        return self.final.spearman > THRESHOLD

    def as_json(self) -> dict:
        """Return the steps, the random-logit similarity and the flag as plain JSON values."""
        return {
            "steps": [{"randomised": part, **s.as_json()} for part, s in self.steps],
            "random_logit": self.random_logit.as_json(),
            "insensitive": self.insensitive,
            "threshold": THRESHOLD,
        }


@dataclass(frozen=True)
class SanityReport:
    """The cascade of every kind checked (``kinds``, by name) for ``class_index`` of one image; ``other_class`` is
    the random class of the random-logit check; ``parts`` the cascade's steps."""

    class_index: int
    other_class: int
    parts: tuple[str, ...]
    kinds: dict[str, KindSanity]


def _ranks(values: np.ndarray) -> np.ndarray:
    """Return the ranks of ``values`` (1-d), ties sharing their mean rank."""
    _unique, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return ((ends - (counts - 1) / 2.0)[inverse]).astype(np.float64)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Return Spearman's rank correlation of two equally sized arrays (0 when either is constant)."""
    return _correlation(_ranks(np.ravel(a)), _ranks(np.ravel(b)))


def _correlation(ra: np.ndarray, rb: np.ndarray) -> float:
    """Return Pearson's correlation of two rank vectors (0 when either is constant)."""
    ra, rb = ra - ra.mean(), rb - rb.mean()
    scale = float(np.sqrt((ra * ra).sum() * (rb * rb).sum()))
    return float((ra * rb).sum() / scale) if scale > 0 else 0.0


def ssim(a: np.ndarray, b: np.ndarray) -> np.ndarray | float:
    """Return the mean SSIM of two images ``(H, W)`` in [0, 1], or of each pair of two stacks ``(n, H, W)``
    (``(n,)``): Gaussian window σ = 1.5 (11 × 11), the constants of Wang et al. 2004, the window's border cropped
    as scikit-image does. Raises ValueError for images of 11 pixels a side or less."""
    x = torch.as_tensor(np.asarray(a, dtype=np.float32))
    y = torch.as_tensor(np.asarray(b, dtype=np.float32))
    single = x.dim() == 2
    x, y = (x[None], y[None]) if single else (x, y)
    radius = int(3.5 * SSIM_SIGMA + 0.5)
    if min(x.shape[-2:]) <= 2 * radius:
        raise ValueError(f"SSIM needs images larger than {2 * radius + 1} pixels a side")
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (offsets / SSIM_SIGMA) ** 2)
    kernel = kernel / kernel.sum()
    n = x.shape[0]
    stack = torch.cat([x, y, x * x, y * y, x * y])  # the five local means in one separable blur
    # the blur as two products with banded matrices (rows: the valid windows): several times faster on a CPU
    # than a one-channel convolution, the same sums
    blurred = _band(kernel, stack.shape[-2]) @ stack @ _band(kernel, stack.shape[-1]).T
    mx, my, xx, yy, xy = blurred.split(n)
    vx, vy, cxy = xx - mx * mx, yy - my * my, xy - mx * my
    c1, c2 = 0.01**2, 0.03**2
    index = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    means = index.double().mean((1, 2)).numpy()
    return float(means[0]) if single else means


def _band(kernel: torch.Tensor, size: int) -> torch.Tensor:
    """Return the ``(size - len(kernel) + 1, size)`` matrix whose rows are ``kernel`` at each valid offset."""
    width = kernel.numel()
    band = torch.zeros(size - width + 1, size, dtype=kernel.dtype)
    for i in range(size - width + 1):
        band[i, i : i + width] = kernel
    return band


class Reference:
    """An original map (grid ``(h, w)``) brought to ``size`` once, with what every comparison needs of it."""

    def __init__(self, grid_map: np.ndarray, size: tuple[int, int]):
        self.size = size
        self.values = _resized(grid_map, size)
        self.ranks = _ranks(self.values.numpy().ravel())
        self.normalised = (normalise(self.values), normalise(self.values.abs()))

    def compare(self, other: np.ndarray) -> Similarity:
        """Return the :class:`Similarity` of the map ``other`` (a grid ``(h, w)``) to this one."""
        return compare_many([(self, other)])[0]


def compare_many(pairs: Sequence[tuple[Reference, np.ndarray]]) -> list[Similarity]:
    """Return the :class:`Similarity` of each ``(reference, map)`` pair (a grid ``(h, w)``), the SSIMs of all the
    pairs of one size in one batched blur."""
    resized = [_resized(m, ref.size) for ref, m in pairs]
    out: list[Similarity | None] = [None] * len(pairs)
    for size in {ref.size for ref, _m in pairs}:
        chosen = [i for i, (ref, _m) in enumerate(pairs) if ref.size == size]
        mine = torch.stack([pairs[i][0].normalised[k] for i in chosen for k in (0, 1)])
        theirs = torch.stack([t for i in chosen for t in (normalise(resized[i]), normalise(resized[i].abs()))])
        index = np.asarray(ssim(mine.numpy(), theirs.numpy())).reshape(-1, 2)
        for i, (plain, absolute) in zip(chosen, index, strict=True):
            rho = _correlation(pairs[i][0].ranks, _ranks(resized[i].numpy().ravel()))
            out[i] = Similarity(rho, float(plain), float(absolute))
    return out


def _resized(grid_map: np.ndarray, size: tuple[int, int]) -> torch.Tensor:
    return upsample_map(torch.as_tensor(np.asarray(grid_map, dtype=np.float32)), size)


def similarity(original: np.ndarray, other: np.ndarray, size: tuple[int, int]) -> Similarity:
    """Return the :class:`Similarity` of two maps on a grid ``(h, w)``, both resized bilinearly to ``size``."""
    return Reference(original, size).compare(other)


def cascade_parts(net: CoAtNet) -> list[tuple[str, list[nn.Module]]]:
    """Return the parts of ``net`` the cascade randomises, in order: ("head", head and final norm), one per stage
    from the last ("S4" … "S1"), then ("stem", the stem)."""
    parts = [("head", [net.head, net.norm])]
    parts += [(f"S{i + 1}", [net.stages[i]]) for i in reversed(range(len(net.stages)))]
    return parts + [("stem", [net.stem])]


def randomise(modules: Sequence[nn.Module], seed: int) -> None:
    """Redraw every parameter of ``modules`` in place from a normal distribution with the tensor's own mean and
    standard deviation (seeded by ``seed``; a one-value tensor keeps its value)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in modules:
            for p in module.parameters():
                if p.numel() < 2:
                    continue
                noise = torch.randn(p.shape, generator=generator, dtype=torch.float32)
                p.copy_((noise * p.float().std() + p.float().mean()).to(p.dtype))


def kind_maps(kinds: Sequence[str], explanation: Explanation) -> dict[str, MapFn]:
    """Return a map function per kind of ``kinds`` (keys of :data:`~model.choices.EXPLAIN_KINDS`) the model of
    ``explanation`` has (attention kinds need Transformer blocks), each the window's map of that kind."""
    has_attention = bool(blocks_for("attention", explanation.blocks))
    out: dict[str, MapFn] = {}
    for kind in kinds:
        if kind in ATTENTION_KINDS and not has_attention:
            continue
        spec = map_kind_spec(kind)

        def fn(e: Explanation, class_index: int, spec=spec) -> np.ndarray:
            return compute_overlay(e, replace(spec, class_index=class_index), (1, 1), []).panels[0].grid

        out[kind] = fn
    return out


def _chain(net: CoAtNet) -> list[nn.Module]:
    """Return the modules ``net``'s forward pass runs one after another: the stem, each stage, the norm, the head."""
    return [net.stem, *net.stages, net.norm, net.head]


def _chain_index(block_name: str) -> int:
    """Return the position in :func:`_chain` of the module that holds block ``block_name`` (``stem``: 0,
    ``stages.i.…``: i + 1)."""
    return 0 if block_name == "stem" else int(block_name.split(".")[1]) + 1


@dataclass
class _Pass:
    """One capturing pass of the copy: its :class:`Explanation` and the input of each :func:`_chain` module from
    ``start`` on (with their graph), so that a later pass whose changed modules all lie above a module can start
    from the same input."""

    explanation: Explanation
    inputs: dict[int, torch.Tensor]


def _explain_copy(
    net: CoAtNet,
    pixels: torch.Tensor,
    image: Image.Image,
    activations: str | Sequence[str] = "all",
    below: _Pass | None = None,
    start: int = 0,
) -> _Pass:
    """Return the pass of ``pixels`` ``(1, 3, H, W)`` through the network copy ``net`` (fp32, every attention and
    ``activations`` captured, the graph kept for Grad-CAM); its explanation has no owner: nobody else runs the copy.

    With ``below`` (an earlier pass) the modules under :func:`_chain` position ``start`` are not run again: the
    pass starts from ``below``'s input to that module and takes ``below``'s records of the blocks under it, whose
    weights must be unchanged since (the cascade randomises from the head downward). The maps and gradients are
    those of a full pass: the gradients flow back through ``below``'s graph."""
    chain = _chain(net)
    x = pixels if below is None else below.inputs[start]
    inputs: dict[int, torch.Tensor] = {}
    with (
        capture(net, attention="all", activations=activations, gradients=True) as captured,
        # a pass from ``below``'s input continues ``below``'s graph (the capture would start a new one at its
        # first activation, which such a pass may never reach)
        torch.enable_grad() if start else contextlib.nullcontext(),
    ):
        for i in range(start, len(chain)):
            inputs[i] = x
            x = chain[i](x)
    captured.logits = x  # the chain is net.forward; its logits hook is not called
    if below is not None:
        old = below.explanation.captured
        captured.attention = {
            **{n: r for n, r in old.attention.items() if _chain_index(n) < start},
            **captured.attention,
        }
        captured.activations = {
            **{n: a for n, a in old.activations.items() if _chain_index(n) < start},
            **captured.activations,
        }
        inputs = {**{i: t for i, t in below.inputs.items() if i < start}, **inputs}
    probs = x.detach().float().softmax(-1)[0].cpu()
    nobody = Prediction(None, [], [], [], "", "", "fp32", 0.0)
    return _Pass(Explanation(image, captured, probs, list_blocks(net), 0.0, nobody), inputs)


def _activation_blocks(net: CoAtNet, kinds: Sequence[str], extra: Mapping[str, MapFn] | None) -> str | list[str]:
    """Return the blocks whose activations the maps of ``kinds`` read (Grad-CAM's and the activation map's), or
    "all" when ``extra`` map functions may read any: Grad-CAM's backward pass then stops at its own block."""
    if extra:
        return "all"
    blocks = list_blocks(net)
    classes = net.cfg.num_classes
    wanted = {resolve(map_kind_spec(k), blocks, classes).block for k in kinds if k in ("gradcam", "activation")}
    return sorted(wanted)


def sanity_check(
    clf: Classifier,
    image: Image.Image,
    kinds: Sequence[str] | None = None,
    class_index: int | None = None,
    *,
    extra: Mapping[str, MapFn] | None = None,
    seed: int = 0,
    cancel: CancelToken | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SanityReport:
    """Return the randomisation cascade of ``image`` for each map kind of ``kinds`` (keys of
    :data:`~model.choices.EXPLAIN_KINDS`; None: all the model has) and each map function of ``extra`` (name ->
    ``fn(explanation, class)``), for ``class_index`` (None: the predicted class).

    Runs on a copy of ``clf``'s network (made holding the network alone; the original is never changed): one
    capturing forward and backward pass for the original maps and one per cascade step (from the randomised part
    up), on the network's device, in fp32. ``cancel``: checked between steps (raises
    :class:`~model.cancel.Cancelled`); ``progress(done, total)`` after each pass."""
    net, device = _take_copy(clf)
    try:
        return _cascade(clf, net, device, image, kinds, class_index, extra, seed, cancel, progress)
    finally:
        with _COPIES_LOCK:
            _COPIES[clf.net] = net


def _take_copy(clf: Classifier) -> tuple[CoAtNet, str]:
    """Return a copy of ``clf``'s network with its current weights, fp32, and the device it is on: the copy a previous
    check left (its weights loaded again: far faster than a deep copy), else a new one. Holds the network alone
    meanwhile, so that no pass or device move is in flight; a check running at the same time gets its own copy."""
    with _COPIES_LOCK:
        net = _COPIES.pop(clf.net, None)
    with clf.owner.exclusive() as placement:
        if net is None:
            net = copy.deepcopy(clf.net)
            for module in net.modules():  # a recorder copied from an open capture must not get the copy's records
                if hasattr(module, "recorder"):
                    module.recorder = None
        else:
            net.load_state_dict(clf.net.state_dict())
        net = net.to(placement.device).float().eval()
        return net, placement.device


def _cascade(
    clf: Classifier,
    net: CoAtNet,
    device: str,
    image: Image.Image,
    kinds: Sequence[str] | None,
    class_index: int | None,
    extra: Mapping[str, MapFn] | None,
    seed: int,
    cancel: CancelToken | None,
    progress: Callable[[int, int], None] | None,
) -> SanityReport:
    """Run the cascade of :func:`sanity_check` on the copy ``net`` (on ``device``)."""
    pixels = preprocess(image, clf.preprocess_cfg)[None].to(device)
    size = (pixels.shape[-2], pixels.shape[-1])
    parts = cascade_parts(net)
    chain = _chain(net)
    total = len(parts) + 1
    wanted = list(EXPLAIN_KINDS) if kinds is None else list(kinds)
    activations = _activation_blocks(net, wanted, extra)
    check(cancel)
    first = _explain_copy(net, pixels, image, activations)
    original = first.explanation
    target = int(original.probs.argmax()) if class_index is None else class_index
    classes = original.probs.numel()
    other = (
        target + 1 + int(torch.randint(classes - 1, (1,), generator=torch.Generator().manual_seed(seed)))
    ) % classes
    functions = {**kind_maps(wanted, original), **(extra or {})}
    base = {name: Reference(fn(original, target), size) for name, fn in functions.items()}
    names = list(functions)
    logit = dict(zip(names, compare_many([(base[n], functions[n](original, other)) for n in names]), strict=True))
    if progress is not None:
        progress(1, total)
    steps: dict[str, list[tuple[str, Similarity]]] = {name: [] for name in functions}
    for i, (part, modules) in enumerate(parts):
        check(cancel)
        randomise(modules, seed + i)
        # everything under the part just randomised is unchanged: start the pass at the part's lowest module
        start = min(n for n, m in enumerate(chain) if any(m is p for p in modules))
        explanation = _explain_copy(net, pixels, image, activations, first, start).explanation
        now = compare_many([(base[n], functions[n](explanation, target)) for n in names])
        for name, found in zip(names, now, strict=True):
            steps[name].append((part, found))
        del explanation
        if progress is not None:
            progress(i + 2, total)
    kinds_out = {name: KindSanity(name, tuple(steps[name]), logit[name]) for name in functions}
    return SanityReport(target, other, tuple(p for p, _m in parts), kinds_out)
