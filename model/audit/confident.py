"""Confident learning (Northcutt, Jiang and Chuang, JAIR 2021) on out-of-fold class probabilities: which given
labels the data does not support, and how strongly.

Written here, in numpy only: cleanlab (AGPL-3.0) is used by the tests and benchmarks as an oracle on the same
probabilities, never by the app.

- ``t_j`` (:func:`class_thresholds`): the mean predicted probability of class ``j`` over the rows labelled ``j``,
  the per-class confidence a row needs before it counts as "confidently ``j``".
- The confident joint ``C[i, j]`` (:func:`confident_joint`): rows labelled ``i`` whose probability of ``j`` is at
  least ``t_j`` (the most probable such class when several are); a row confident of no class is not counted.
  Calibrated (:func:`calibrated_joint`), its off-diagonal sum estimates how many labels are wrong.
- A row is a label issue (:func:`label_issues`) when it sits off the diagonal: confidently another class.
- The ranking (:func:`suspect_scores`): ``1 - p[given]``, the complement of cleanlab's "self-confidence" label
  quality (the best of self-confidence, normalised margin and confidence-weighted entropy on Fashion-MNIST with
  10 % flipped labels, benchmarks/bench_audit.py).
"""

from __future__ import annotations

import numpy as np

_TOLERANCE = 1e-6  # a probability equal to its class threshold counts as confident (float rounding)


def class_thresholds(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Return ``t`` ``(K,)``: ``t[j]`` is the mean of ``probs[:, j]`` over the rows labelled ``j`` (1.0, never
    reached, for a class without rows). ``labels`` ``(N,)`` ints in ``[0, K)``, ``probs`` ``(N, K)``."""
    k = probs.shape[1]
    sums = np.zeros(k)
    np.add.at(sums, labels, probs[np.arange(len(labels)), labels])
    counts = np.bincount(labels, minlength=k)
    return np.where(counts > 0, sums / np.maximum(counts, 1), 1.0)


def confident_classes(probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Return each row's confidently predicted class ``(N,)``: the one class at or above its threshold, the most
    probable one when several are, ``-1`` when none is."""
    above = probs >= thresholds - _TOLERANCE
    count = above.sum(1)
    guess = np.where(count > 1, probs.argmax(1), above.argmax(1))
    return np.where(count > 0, guess, -1)


def confident_joint(labels: np.ndarray, probs: np.ndarray, thresholds: np.ndarray | None = None) -> np.ndarray:
    """Return the confident joint ``C`` ``(K, K)`` of ints: ``C[i, j]`` counts the rows labelled ``i`` that are
    confidently ``j`` (see :func:`confident_classes`); each diagonal entry is at least 1."""
    k = probs.shape[1]
    guess = confident_classes(probs, class_thresholds(labels, probs) if thresholds is None else thresholds)
    counted = guess >= 0
    joint = np.zeros((k, k), dtype=np.int64)
    np.add.at(joint, (labels[counted], guess[counted]), 1)
    np.fill_diagonal(joint, np.maximum(joint.diagonal(), 1))
    return joint


def calibrated_joint(joint: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Return the joint distribution of (given, true) class ``(K, K)`` floats: each row of ``joint`` scaled to
    the number of rows with that given label, then the whole normalised to sum to 1 (the paper's Eq. 2; cleanlab
    also rounds the scaled counts to whole rows, which moves each entry by less than one row's share)."""
    counts = np.bincount(labels, minlength=joint.shape[0]).astype(float)
    rows = joint / np.maximum(joint.sum(1, keepdims=True), 1) * counts[:, None]
    return rows / max(rows.sum(), 1.0)


def estimated_issue_count(labels: np.ndarray, probs: np.ndarray) -> int:
    """Return how many of the given labels are likely wrong: the off-diagonal mass of the calibrated confident
    joint times the number of rows."""
    joint = calibrated_joint(confident_joint(labels, probs), labels)
    return int(round((1.0 - np.trace(joint)) * len(labels)))


def label_issues(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Return a bool mask ``(N,)`` of the rows off the confident joint's diagonal: confidently a class other
    than their given one (cleanlab's ``filter_by="confident_learning"``)."""
    guess = confident_classes(probs, class_thresholds(labels, probs))
    return (guess >= 0) & (guess != labels)


def suspect_scores(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Return each row's suspect score ``(N,)`` in ``[0, 1]``: ``1 - probs[i, labels[i]]``; higher means the
    given label is less supported by the out-of-fold probabilities."""
    return np.clip(1.0 - probs[np.arange(len(labels)), labels], 0.0, 1.0)
