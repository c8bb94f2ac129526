"""A linear classifier trained on cached features: standardised inputs, class-balanced cross-entropy, AdamW with
weight decay, a fixed number of epochs; the standardisation is folded into the weights at the end so the head
reads the raw features. Also the choice between feature candidates by cross-validation on the training part."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from model.cancel import CancelToken, check
from model.runtime.threads import thread_limit
from model.teach.resume import load_state, save_state

HEAD_EPOCHS = 100
BATCH = 256
LR = 3e-3
WEIGHT_DECAY = 1e-2
CV_FOLDS = 3
CV_MAX_IMAGES = 600  # ranking the candidates on more training images than this adds time, not a better choice
CV_EPOCHS = 60
CV_BATCH = 1024  # one step per epoch when ranking: half the time, the same ranking on the digits (measured)
SAVE_EVERY = 2.0  # seconds between saves of the resume state


@dataclass
class HeadFit:
    """A trained head on raw features: ``weight`` ``(classes, width)``, ``bias`` ``(classes,)``; per epoch the
    training ``losses`` and held-out ``accuracies`` (empty without a held-out part)."""

    weight: torch.Tensor
    bias: torch.Tensor
    losses: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Return the predicted class ``(N,)`` of features ``x`` ``(N, width)``."""
        return (x @ self.weight.T + self.bias).argmax(1)


@dataclass
class Resume:
    """Where a run keeps its state (``path``), the fingerprint of its data and settings, and whether to continue
    from the state found there."""

    path: Path
    fingerprint: str
    resume: bool


def class_weights(y: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Return per-class loss weights ``(classes,)`` that give every class the same total weight."""
    counts = torch.bincount(y, minlength=num_classes).float().clamp(min=1)
    return counts.sum() / (num_classes * counts)


def train_head(
    x: torch.Tensor,
    y: torch.Tensor,
    num_classes: int,
    epochs: int = HEAD_EPOCHS,
    seed: int = 0,
    val: tuple[torch.Tensor, torch.Tensor] | None = None,
    on_epoch: Callable[[int, float, float | None], None] | None = None,
    cancel: CancelToken | None = None,
    resume: Resume | None = None,
    batch: int = BATCH,
) -> HeadFit:
    """Return a linear head trained on features ``x`` ``(N, width)`` with labels ``y`` ``(N,)``.

    ``val`` (features, labels) is scored after each epoch; ``on_epoch(epoch, loss, val accuracy)`` reports it.
    With ``resume``, the state is saved (at most every :data:`SAVE_EVERY` seconds, and after the last epoch)
    and, when ``resume.resume``, training continues from the saved epoch.
    ``cancel`` is checked between epochs (raises :class:`~model.cancel.Cancelled`).
    """
    with thread_limit(1):  # tiny matrices: more threads' synchronisation costs 5-50x the work on a busy CPU
        return _train_head(x, y, num_classes, epochs, seed, val, on_epoch, cancel, resume, batch)


def _train_head(
    x: torch.Tensor,
    y: torch.Tensor,
    num_classes: int,
    epochs: int,
    seed: int,
    val: tuple[torch.Tensor, torch.Tensor] | None,
    on_epoch: Callable[[int, float, float | None], None] | None,
    cancel: CancelToken | None,
    resume: Resume | None,
    batch: int,
) -> HeadFit:
    mean = x.mean(0)
    std = x.std(0, unbiased=False).clamp(min=1e-4)
    xs = (x - mean) / std
    linear = torch.nn.Linear(x.shape[1], num_classes)
    torch.nn.init.zeros_(linear.weight)
    torch.nn.init.zeros_(linear.bias)
    opt = torch.optim.AdamW(linear.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    weights = class_weights(y, num_classes)
    fit = HeadFit(linear.weight, linear.bias)
    start, saved, saved_at = 0, {}, time.monotonic()
    if resume is not None and resume.resume:
        start, saved = load_state(resume.path, resume.fingerprint, opt)
    if start:
        with torch.no_grad():
            linear.weight.copy_(saved["w.weight"])
            linear.bias.copy_(saved["w.bias"])
        fit.losses, fit.accuracies = saved["losses"].tolist(), saved["accuracies"].tolist()
    for epoch in range(start, epochs):
        check(cancel)
        order = torch.randperm(len(xs), generator=torch.Generator().manual_seed(seed * 100_003 + epoch))
        total = 0.0
        for i in range(0, len(xs), batch):
            idx = order[i : i + batch]
            loss = F.cross_entropy(linear(xs[idx]), y[idx], weight=weights)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        fit.losses.append(total / len(xs))
        folded = _folded(linear, mean, std)
        accuracy = None
        if val is not None and len(val[1]):
            accuracy = (folded.predict(val[0]) == val[1]).float().mean().item()
            fit.accuracies.append(accuracy)
        if resume is not None and (epoch + 1 == epochs or time.monotonic() - saved_at >= SAVE_EVERY):
            saved_at = time.monotonic()
            tensors = {
                "w.weight": linear.weight,
                "w.bias": linear.bias,
                "losses": torch.tensor(fit.losses),
                "accuracies": torch.tensor(fit.accuracies),
            }
            save_state(resume.path, epoch + 1, resume.fingerprint, tensors, opt)
        if on_epoch:
            on_epoch(epoch + 1, fit.losses[-1], accuracy)
    folded = _folded(linear, mean, std)
    folded.losses, folded.accuracies = fit.losses, fit.accuracies
    return folded


def _folded(linear: torch.nn.Linear, mean: torch.Tensor, std: torch.Tensor) -> HeadFit:
    """Return the head of ``linear`` on standardised features as a head on raw features."""
    with torch.no_grad():
        weight = linear.weight / std
        bias = linear.bias - weight @ mean
    return HeadFit(weight.clone(), bias.clone())


def cross_validated_accuracy(x: torch.Tensor, y: torch.Tensor, num_classes: int, seed: int = 0) -> float:
    """Return the mean class-balanced held-out accuracy of a head on ``x`` ``(N, width)`` over
    :data:`CV_FOLDS` stratified folds of ``y`` (a class with one image is always learnt from). Used to choose
    features; at most :data:`CV_MAX_IMAGES` images take part."""
    gen = torch.Generator().manual_seed(seed)
    fold_of = torch.full((len(y),), -2, dtype=torch.long)  # -2: left out, -1: always learnt from
    per_class = max(2, CV_MAX_IMAGES // num_classes)
    for c in range(num_classes):
        idx = (y == c).nonzero().flatten()
        idx = idx[torch.randperm(len(idx), generator=gen)][:per_class]
        fold_of[idx] = torch.arange(len(idx)) % CV_FOLDS if len(idx) > 1 else -1
    scores = []
    for f in range(CV_FOLDS):
        test = fold_of == f
        train = (fold_of >= -1) & ~test
        if not test.any():
            continue
        fit = train_head(x[train], y[train], num_classes, CV_EPOCHS, seed, batch=CV_BATCH)
        right = fit.predict(x[test]) == y[test]
        present = [c for c in range(num_classes) if (y[test] == c).any()]
        scores.append(sum(right[y[test] == c].float().mean().item() for c in present) / len(present))
    return sum(scores) / len(scores)
