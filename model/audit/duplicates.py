"""Exact and near-duplicate images, grouped, and the groups that leak.

- Exact duplicates: the same file content (SHA-256).
- Near-duplicates: a re-encoded, resized or slightly cropped copy. A pair must be close twice over: perceptual
  hashes at most :data:`MAX_BITS` bits apart (:mod:`model.audit.phash`) *and* the base network's features at
  least :data:`MIN_COSINE` alike. Either test alone joins distinct images of a plain dataset such as
  Fashion-MNIST (two plain grey T-shirts); both together keep the reported groups true (measured on planted
  copies in benchmarks/bench_audit.py).
- Groups: the pairs joined transitively, numbered 1, 2, ... in the order of their first row.
- Leaks: a group whose images carry two given classes (one label is wrong, or the class is ambiguous), or that
  spans a training and a held-out split (the held-out score is inflated).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.audit.phash import close_pairs

MAX_BITS = 10
MIN_COSINE = 0.95


@dataclass
class Groups:
    """Duplicate groups: ``group[i]`` is row ``i``'s group number (0: none); ``exact[i]`` is True when another
    row of its group has the same content; ``leaks`` maps group number -> what leaks, in words."""

    group: np.ndarray
    exact: np.ndarray
    leaks: dict[int, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """The number of groups."""
        return int(self.group.max(initial=0))


class _UnionFind:
    def __init__(self, n: int):
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:  # path compression
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def near_pairs(hashes: np.ndarray, vectors: np.ndarray | None) -> list[tuple[int, int]]:
    """Return the near-duplicate pairs ``(i, j)``, ``i < j``: hashes ``(N,)`` uint64 within :data:`MAX_BITS` and,
    when ``vectors`` (``(N, D)``, unit rows) are given, cosine similarity at least :data:`MIN_COSINE`."""
    pairs = []
    for i, j in close_pairs(hashes, MAX_BITS):
        if vectors is not None and len(i):
            keep = np.einsum("ij,ij->i", vectors[i], vectors[j]) >= MIN_COSINE
            i, j = i[keep], j[keep]
        pairs += zip(i.tolist(), j.tolist(), strict=True)
    return pairs


def find_groups(
    digests: list[str],
    hashes: np.ndarray,
    vectors: np.ndarray | None,
    given: list[str],
    splits: list[str] | None = None,
) -> Groups:
    """Return the duplicate :class:`Groups` of ``N`` images: content ``digests``, perceptual ``hashes`` ``(N,)``
    uint64, unit feature ``vectors`` ``(N, D)`` (or None: hashes alone), ``given`` class names and ``splits``
    (e.g. "train" / "test"; None when there is one split)."""
    n = len(digests)
    uf = _UnionFind(n)
    first: dict[str, int] = {}
    exact = np.zeros(n, dtype=bool)
    for i, digest in enumerate(digests):
        if digest in first:
            uf.union(first[digest], i)
            exact[i] = exact[first[digest]] = True
        else:
            first[digest] = i
    for i, j in near_pairs(hashes, vectors):
        uf.union(i, j)
    roots = np.array([uf.find(i) for i in range(n)], dtype=np.int64)
    sizes = np.bincount(roots, minlength=n)
    group = np.zeros(n, dtype=np.int64)
    numbers: dict[int, int] = {}
    for i in range(n):  # numbered in the order of each group's first row
        if sizes[roots[i]] > 1:
            group[i] = numbers.setdefault(int(roots[i]), len(numbers) + 1)
    return Groups(group, exact, _leaks(group, given, splits))


def _leaks(group: np.ndarray, given: list[str], splits: list[str] | None) -> dict[int, str]:
    """Return, per leaking group number, what leaks: two classes, or a training and a held-out split."""
    members: dict[int, list[int]] = {}
    for i in np.flatnonzero(group):
        members.setdefault(int(group[i]), []).append(int(i))
    leaks = {}
    for number, rows in members.items():
        why = []
        classes = sorted({given[i] for i in rows if given[i]})
        if len(classes) > 1:
            why.append(f"the same image is labelled {' and '.join(classes)}")
        if splits is not None:
            parts = sorted({splits[i] for i in rows})
            if len(parts) > 1:
                why.append(f"the same image is in {' and '.join(parts)}")
        if why:
            leaks[number] = "; ".join(why)
    return leaks
