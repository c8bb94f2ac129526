"""Out-of-fold class probabilities: each row's probabilities come from a linear head that never saw it.

The rows are split into ``k`` stratified folds; for each fold a class-balanced linear head is trained on the
others (:func:`model.audit.features.fit_linear_head`) and predicts the fold. A class with fewer rows than folds
is learnt from in every fold its rows are not in; a row whose class has a single row is predicted by heads that
never saw that class, which is the honest answer for it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np

from model.audit.features import fit_linear_head
from model.cancel import CancelToken, check

FOLDS = 5
STEPS = 60  # optimiser steps per head: on Fashion-MNIST the ranking is as good as with 100 epochs of 256 (bench_audit)
BATCH = 4096  # rows per step: full-batch steps on a few thousand rows cost little more than small ones
PARALLEL = min(2, os.cpu_count() or 1)  # folds trained at once


def stratified_folds(labels: np.ndarray, folds: int, seed: int = 0) -> np.ndarray:
    """Return each row's fold ``(N,)`` in ``[0, folds)``: per class, the rows shuffled (seeded) and dealt out in
    turn, so every fold holds about the same share of each class."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(labels), dtype=np.int64)
    start = 0
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        fold[idx] = (start + np.arange(len(idx))) % folds
        start += len(idx)  # the next class starts where this one stopped: small classes spread over folds
    return fold


def softmax(logits: np.ndarray) -> np.ndarray:
    """Return the row-wise softmax of ``logits`` ``(N, K)`` as float64."""
    z = logits.astype(np.float64) - logits.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def out_of_fold_probs(
    x: np.ndarray,
    labels: np.ndarray,
    num_classes: int,
    folds: int = FOLDS,
    seed: int = 0,
    steps: int = STEPS,
    on_fold: Callable[[int, int], None] | None = None,
    cancel: CancelToken | None = None,
) -> np.ndarray:
    """Return out-of-fold probabilities ``(N, num_classes)`` float64 for features ``x`` ``(N, width)`` with
    given ``labels`` ``(N,)``; each head takes about ``steps`` optimiser steps of :data:`BATCH` rows (whole
    epochs, at least one); :data:`PARALLEL` folds train at once. ``on_fold(done, folds)`` follows the folds,
    called on the calling thread; ``cancel`` is checked between folds and epochs. Raises ValueError for fewer
    than 2 folds or fewer rows than folds."""
    if folds < 2:
        raise ValueError(f"out-of-fold probabilities need at least 2 folds, not {folds}")
    if len(labels) < folds:
        raise ValueError(f"{len(labels)} images cannot be split into {folds} folds")
    fold = stratified_folds(labels, folds, seed)
    probs = np.zeros((len(labels), num_classes))

    def one_fold(f: int) -> tuple[np.ndarray, np.ndarray]:
        check(cancel)
        train = fold != f
        epochs = max(1, math.ceil(steps / math.ceil(train.sum() / BATCH)))
        weight, bias = fit_linear_head(x[train], labels[train], num_classes, epochs, BATCH, seed + f, cancel)
        return fold == f, softmax(x[fold == f] @ weight.T + bias)

    # each head trains on one thread of its own (model.runtime.threads): two folds at once use two cores
    with ThreadPoolExecutor(max_workers=min(PARALLEL, folds)) as pool:
        running = [pool.submit(one_fold, f) for f in range(folds)]
        try:
            for done, future in enumerate(as_completed(running), start=1):
                test, p = future.result()
                probs[test] = p
                if on_fold:
                    on_fold(done, folds)
        finally:
            for future in running:
                future.cancel()  # after a failure or a cancel, the folds not started never start
    return probs
