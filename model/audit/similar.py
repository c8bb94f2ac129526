"""Exact nearest neighbours by cosine similarity, in numpy: one normalised float32 matrix, one matrix-vector
product per query, ``argpartition`` for the top k.

The index holds nothing beside the one float32 copy of the vectors (1.0x their bytes; a query allocates 1.6 MB at
100,000 rows). A query reads the whole matrix, so its time is that of one matrix-vector product: at 100,000
vectors of 192 features (the bundled base) p95 40 ms on 2 busy cores (AMD EPYC, load 5), within the 50 ms goal;
at 768 features (CoAtNet-0) p95 90 ms, bound by memory bandwidth (the bare product alone takes 51 ms there), so
wide features at that size would need an approximate index (benchmarks/bench_similar.py).
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-12


def normalised(vectors: np.ndarray) -> np.ndarray:
    """Return ``vectors`` ``(N, D)`` as float32 rows of unit length (zero rows stay zero): a new array, unless
    ``vectors`` is already a float32 array, which is then normalised in place to save a copy."""
    out = np.asarray(vectors, dtype=np.float32)  # the same array when it is float32 already
    norms = np.sqrt(np.einsum("ij,ij->i", out, out))
    out /= np.maximum(norms, _EPS)[:, None]
    return out


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Return the indices of the ``k`` largest ``scores`` ``(N,)``, largest first."""
    k = min(k, len(scores))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return part[np.argsort(-scores[part], kind="stable")]


class SimilarIndex:
    """Exact cosine search over ``vectors`` ``(N, D)``. Pass a float32 array you no longer need with
    ``copy=False`` and it is normalised in place: the index then costs no memory beyond the vectors."""

    def __init__(self, vectors: np.ndarray, copy: bool = True):
        if vectors.ndim != 2:
            raise ValueError(f"the index needs an (N, D) matrix, not shape {vectors.shape}")
        self.matrix = normalised(np.array(vectors, dtype=np.float32) if copy else vectors)

    def __len__(self) -> int:
        return len(self.matrix)

    @property
    def nbytes(self) -> int:
        """The bytes the index holds (the one normalised float32 matrix)."""
        return self.matrix.nbytes

    def search(self, query: np.ndarray, k: int = 10, exclude: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(indices (k,), similarities (k,))`` of the ``k`` vectors most similar to ``query`` ``(D,)``,
        most similar first; ``exclude`` leaves one row out (the query's own row)."""
        q = np.asarray(query, dtype=np.float32).ravel()
        q = q / max(float(np.linalg.norm(q)), _EPS)
        scores = self.matrix @ q
        if exclude is not None:
            scores[exclude] = -np.inf
        found = top_k(scores, k)
        if exclude is not None:
            found = found[found != exclude]
        return found, scores[found]
