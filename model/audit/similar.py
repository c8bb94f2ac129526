"""Nearest neighbours by cosine similarity, in numpy: one normalised float32 matrix; a query is one
matrix-vector product and ``argpartition`` for the top k.

A query that reads the whole matrix takes as long as reading the vectors from memory: at 100,000 vectors, on the
shared 2-core AMD EPYC (Zen 3) at load 5, p95 58 ms for 192 features (the bundled base, 77 MB) and 121 ms for 768
(CoAtNet-0, 307 MB), over the 50 ms goal. Large indexes (more than :data:`SKETCH_FROM` values) therefore search in
two passes: a first pass over a *sketch* (each vector's coordinates on the top ``width // 6`` principal axes of
the set, float32: 0.17x the vectors' bytes) picks :data:`RERANK` candidates, then the exact cosine of those
candidates ranks them (the similarities returned are always exact). Measured in the same run
(benchmarks/bench_similar.py): p95 28 ms at 192 wide and 43 ms at 768 wide, 0.48x and 0.35x the plain exact
search; index 1.17x the vectors. Recall@10 against the exact search: 1.000 for queries of the kinds the set holds
(its own rows, new vectors of its clusters, and the bundled base's real features of Fashion-MNIST images) but
only 0.15-0.2 for queries unlike any vector of the set (whose "nearest" are all about as far: the sketch cannot
order them, and they are not similar images anyway). ``search(..., exact=True)`` is the single exact pass (the
tests' oracle); ``sketch=False`` makes an index that always uses it.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-12
RERANK = 512  # candidates of the sketch re-ranked exactly
SKETCH_FROM = 10_000_000  # vectors x width above which a sketch pays (50,000 x 192): smaller ones stay exact
SKETCH_MIN_WIDTH = 128  # narrower vectors are cheap enough to read in full (and a sketch would save little)
SKETCH_SHARE = 6  # the sketch keeps width // SKETCH_SHARE axes
_FIT_SAMPLE = 8192  # vectors the principal axes are fitted on


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
    part = np.argpartition(scores, len(scores) - k)[-k:] if k < len(scores) else np.arange(len(scores))
    return part[np.argsort(-scores[part], kind="stable")]


class Sketch:
    """The first pass of a two-pass search: ``basis`` ``(D, r)``, the top ``r`` principal axes of the vectors
    (fitted on an even sample), ``mean`` ``(D,)`` and ``coords`` ``(N, r)`` float32, each vector's centred
    coordinates on the axes. ``coords @ (basis.T @ q)`` ranks the vectors by cosine to a unit ``q`` within the
    axes' span (the mean's share is the same for every vector)."""

    def __init__(self, matrix: np.ndarray, width: int):
        step = max(1, len(matrix) // _FIT_SAMPLE)
        sample = matrix[::step]
        self.mean = sample.mean(0)
        centred = sample - self.mean
        _, axes = np.linalg.eigh(centred.T @ centred)  # ascending eigenvalues: the last columns are the top axes
        self.basis = np.ascontiguousarray(axes[:, ::-1][:, :width], dtype=np.float32)
        self.coords = np.empty((len(matrix), width), dtype=np.float32)
        for start in range(0, len(matrix), 8192):  # in blocks: no centred copy of the whole matrix
            block = matrix[start : start + 8192]
            np.matmul(block - self.mean, self.basis, out=self.coords[start : start + len(block)])

    @property
    def nbytes(self) -> int:
        """The bytes the sketch holds (coordinates, basis, mean)."""
        return self.coords.nbytes + self.basis.nbytes + self.mean.nbytes

    def candidates(self, query: np.ndarray, count: int, exclude: int | None) -> np.ndarray:
        """Return the indices of the ``count`` vectors whose sketch is nearest the unit ``query`` ``(D,)``
        (``exclude`` left out), in no order."""
        scores = self.coords @ (query @ self.basis)
        if exclude is not None:
            scores[exclude] = -np.inf
        count = min(count, len(scores))
        return np.argpartition(scores, len(scores) - count)[-count:]


class SimilarIndex:
    """Cosine search over ``vectors`` ``(N, D)``. Pass a float32 array you no longer need with ``copy=False`` and
    it is normalised in place: the exact index then costs no memory beyond the vectors. ``sketch``: True, False or
    "auto" (a two-pass search for indexes of more than :data:`SKETCH_FROM` values at least
    :data:`SKETCH_MIN_WIDTH` wide; see the module docstring). The sketch is built at the first search, or by
    :meth:`prepare` (1-7 s at 100,000 x 768 on 2 busy cores: call it off the GUI thread)."""

    def __init__(self, vectors: np.ndarray, copy: bool = True, sketch: bool | str = "auto"):
        if vectors.ndim != 2:
            raise ValueError(f"the index needs an (N, D) matrix, not shape {vectors.shape}")
        self.matrix = normalised(np.array(vectors, dtype=np.float32) if copy else vectors)
        n, width = self.matrix.shape
        wide = n * width > SKETCH_FROM and width >= SKETCH_MIN_WIDTH
        self.uses_sketch = bool(wide if sketch == "auto" else sketch) and n > RERANK and width >= 4
        self._sketch: Sketch | None = None

    def __len__(self) -> int:
        return len(self.matrix)

    @property
    def width(self) -> int:
        """The number of features per vector."""
        return self.matrix.shape[1]

    @property
    def nbytes(self) -> int:
        """The bytes the index holds: the normalised float32 matrix, plus the sketch once built."""
        return self.matrix.nbytes + (self._sketch.nbytes if self._sketch is not None else 0)

    def prepare(self) -> None:
        """Build the sketch now when this index uses one (else nothing)."""
        if self.uses_sketch and self._sketch is None:
            self._sketch = Sketch(self.matrix, max(1, self.width // SKETCH_SHARE))

    def search(
        self, query: np.ndarray, k: int = 10, exclude: int | None = None, exact: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(indices (k,), similarities (k,))`` of the ``k`` vectors most similar to ``query`` ``(D,)``,
        most similar first, with exact cosine similarities; ``exclude`` leaves one row out (the query's own
        row); ``exact`` reads every vector even where the index has a sketch (the oracle). Raises ValueError
        when ``query`` is not ``width`` long."""
        q = np.asarray(query, dtype=np.float32).ravel()
        if q.shape[0] != self.width:
            raise ValueError(f"the query has {q.shape[0]} features, the index {self.width}")
        q = q / max(float(np.linalg.norm(q)), _EPS)
        if self.uses_sketch and not exact:
            self.prepare()
            assert self._sketch is not None
            rows = self._sketch.candidates(q, max(RERANK, 4 * k), exclude)
            scores = self.matrix[rows] @ q
            best = top_k(scores, k)
            return rows[best], scores[best]
        scores = self.matrix @ q
        if exclude is not None:
            scores[exclude] = -np.inf
        found = top_k(scores, k)
        if exclude is not None:
            found = found[found != exclude]
        return found, scores[found]
