"""The Batch tab's rows without Qt: storage as numpy key arrays, the sort order, the filter mask, per-class counts,
and the user's corrections.

Rows keep only what the table shows (path, top-k indices and probabilities, error); the full records stay in
the run's journal. The top-1 class, the confidence, the margin (top-1 minus top-2 probability), the corrected
class and the error flag of every row live in numpy arrays, so sorting and filtering never touch a row object
per comparison: the order is one ``argsort`` (one Python
``sorted`` for the text columns), the filter one mask, and an appended chunk is merged with ``searchsorted``.
:mod:`coatnet_gui.batch.table` wraps these in the Qt model and proxy.
"""

from __future__ import annotations

import bisect
import os
from typing import NamedTuple

import numpy as np

from model.batch.journal import decode_path
from model.explain.verdicts import BETTER, WORSE
from model.runtime.predictor import top_k_lines

COLUMNS = ("", "Path", "Top-1", "Corrected", "Confidence", "Margin", "Error", "Map")
COL_THUMB, COL_PATH, COL_LABEL, COL_CORRECTED, COL_PROB, COL_MARGIN, COL_ERROR, COL_MAP = range(8)
VERDICT_WORDS = {BETTER: "✓ better", WORSE: "✗ worse"}  # the Map column's words; inconclusive: the word alone
NOT_CORRECTED = -1  # the corrected class of a row the user left as the model said
FAILED = -2  # class filter value: only error rows
ALL = -1  # class filter value: every row


class Row(NamedTuple):
    """One image of the table: ``rel`` (``os.fsdecode`` form, relative to the folder), its top-k ``indices``
    and ``probs``, ``shown`` (the path as displayed) and ``error`` (None when labelled); for a run that saved
    maps, the ``overlay`` PNG's path, the map's ``deletion`` score, the random orders' interval ``random_lo`` ..
    ``random_hi``, the ``verdict`` against them and the ``fill`` (:mod:`model.explain.folder_maps`). A tuple of
    strings and numbers, so the garbage collector stops tracking it: 50,000 rows add nothing to a collection's
    time."""

    rel: str
    shown: str
    indices: tuple[int, ...]
    probs: tuple[float, ...]
    error: str | None
    overlay: str = ""
    deletion: float | None = None
    random_lo: float | None = None
    random_hi: float | None = None
    verdict: str = ""
    fill: str = ""

    @classmethod
    def from_record(cls, record: dict) -> Row:
        """Return the row of a journal record."""
        return cls(
            decode_path(record),
            record["path"],
            tuple(record["indices"]),
            tuple(record["probs"]),
            record["error"],
            decode_path(record, "overlay") if record.get("overlay") else "",
            record.get("deletion"),
            record.get("random_lo"),
            record.get("random_hi"),
            record.get("verdict") or "",
            record.get("fill") or "",
        )

    @property
    def map_text(self) -> str:
        """The Map column's text: the deletion area and the verdict against random orders ("0.412 ✓ better"), the
        area alone for a run without random orders, "" without a score."""
        if self.deletion is None:
            return ""
        return f"{self.deletion:.3f} {VERDICT_WORDS.get(self.verdict, self.verdict)}".rstrip()

    @property
    def map_tip(self) -> str:
        """The Map column's tooltip: the area, the random orders' interval, the fill and the verdict."""
        if self.deletion is None:
            return ""
        if not self.verdict or self.random_lo is None or self.random_hi is None:
            return f"Deletion area {self.deletion:.3f} (lower: the map finds what the model uses)"
        return (
            f"Deletion area {self.deletion:.3f} against random orders {self.random_lo:.3f}–{self.random_hi:.3f} "
            f"(95 %), pixels removed with the {self.fill or 'blur'} fill: {self.verdict}"
        )

    @property
    def top1(self) -> int:
        """The top-1 class index, or -1 for an error row."""
        return self.indices[0] if self.indices else -1

    @property
    def confidence(self) -> float:
        """The top-1 probability (0 for an error row)."""
        return self.probs[0] if self.probs else 0.0

    @property
    def margin(self) -> float:
        """The top-1 minus the top-2 probability (the top-1 alone when only one was kept; +inf for an error row,
        so that the least certain rows come first in an ascending sort)."""
        if not self.probs:
            return float("inf")
        return self.probs[0] - (self.probs[1] if len(self.probs) > 1 else 0.0)


class _Growing:
    """A 1-D numpy array that values are appended to (its storage doubles when full)."""

    def __init__(self, dtype: type):
        self._data = np.empty(1024, dtype)
        self.size = 0

    def extend(self, values: list) -> None:
        """Append ``values``."""
        end = self.size + len(values)
        if end > len(self._data):
            grown = np.empty(max(end, 2 * len(self._data)), self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size : end] = values
        self.size = end

    def clear(self) -> None:
        """Drop every value."""
        self.size = 0

    @property
    def values(self) -> np.ndarray:
        """The values so far (a view, shape ``(size,)``)."""
        return self._data[: self.size]


class _Reversed:
    """Orders strings backwards, for a binary search in a descending list."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __lt__(self, other: _Reversed) -> bool:
        return other.text < self.text


class RowStore:
    """The rows of one batch run, in the order they arrived, with their sort and filter keys as numpy arrays.
    ``root`` is the folder (for absolute paths) and ``label_names`` the classifier's class names; ``classes``
    are those followed by the classes the user added. ``corrections`` maps a file (``rel``) to the class the user
    gave it, also for rows that have not arrived yet (a resumed run refills the table after its corrections are
    read); the ``corrected`` array holds the same as an index into ``classes`` per row."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.root = ""
        self.label_names: list[str] = []
        self.classes: list[str] = []
        self.corrections: dict[str, str] = {}
        self._class_index: dict[str, int] = {}
        self._shown: list[str] = []
        self._errors: list[str] = []
        self._top1 = _Growing(np.int64)
        self._conf = _Growing(np.float64)
        self._margin = _Growing(np.float64)
        self._corrected = _Growing(np.int64)
        self._failed = _Growing(np.bool_)

    def reset(self, root: str, label_names: list[str]) -> None:
        """Drop every row and correction, for a new run on ``root``."""
        self.rows, self.root, self.label_names = [], root, list(label_names)
        self.classes, self.corrections, self._class_index = [], {}, {}
        for name in label_names:
            self.add_class(name)
        self._shown, self._errors = [], []
        for column in (self._top1, self._conf, self._margin, self._corrected, self._failed):
            column.clear()

    def extend(self, records: list[dict]) -> list[Row]:
        """Append the rows of the journal ``records`` (with their corrections, if any); return them."""
        new = [Row.from_record(record) for record in records]
        self.rows.extend(new)
        self._shown.extend(row.shown for row in new)
        self._errors.extend(row.error or "" for row in new)
        self._top1.extend([row.top1 for row in new])
        self._conf.extend([row.confidence for row in new])
        self._margin.extend([row.margin for row in new])
        self._corrected.extend([self._corrected_index(row) for row in new])
        self._failed.extend([row.error is not None for row in new])
        return new

    def _corrected_index(self, row: Row) -> int:
        name = self.corrections.get(row.rel) if row.error is None else None
        return NOT_CORRECTED if name is None else self.add_class(name)

    # --- corrections -------------------------------------------------------------------------------------

    def add_class(self, name: str) -> int:
        """Return the index of class ``name`` in ``classes``, appending it when it is new."""
        index = self._class_index.get(name)
        if index is None:
            index = self._class_index[name] = len(self.classes)
            self.classes.append(name)
        return index

    def set_corrections(self, corrections: dict[str, str], added: list[str]) -> None:
        """Take the stored ``corrections`` (file -> class name) and the user's ``added`` classes, replacing any
        held; the rows already there are marked, the rows still to come are as they arrive."""
        for name in added:
            self.add_class(name)
        self.corrections = {rel: name for rel, name in corrections.items() if name}
        corrected = self._corrected.values
        for i, row in enumerate(self.rows):
            corrected[i] = self._corrected_index(row)

    def correct(self, rows: np.ndarray | list[int], name: str | None) -> np.ndarray:
        """Give the rows ``rows`` (indices) the class ``name`` (added when new), or drop their correction when
        ``name`` is None or blank; error rows are left alone. Return the rows changed, shape ``(changed,)``."""
        rows = np.asarray(rows, np.int64).reshape(-1)
        rows = rows[~self.failed[rows]]
        name = name.strip() if name else ""
        index = self.add_class(name) if name else NOT_CORRECTED
        rows = rows[self.corrected[rows] != index]
        self._corrected.values[rows] = index
        for i in rows.tolist():
            rel = self.rows[i].rel
            if name:
                self.corrections[rel] = name
            else:
                self.corrections.pop(rel, None)
        return rows

    def added_classes(self) -> list[str]:
        """Return the classes the user added (those of ``classes`` beyond ``label_names``)."""
        model = set(self.label_names)
        return [name for name in self.classes if name not in model]

    def corrected_name(self, row_index: int) -> str | None:
        """Return the class the user gave row ``row_index``, or None when it has no correction."""
        index = int(self.corrected[row_index])
        return None if index == NOT_CORRECTED else self.classes[index]

    def corrected_pairs(self) -> list[tuple[str, str]]:
        """Return ``(absolute path, class name)`` of every corrected row, in the order of arrival."""
        rows = np.flatnonzero(self.corrected != NOT_CORRECTED)
        return [(self.absolute_path(self.rows[i]), self.classes[self.corrected[i]]) for i in rows.tolist()]

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def top1(self) -> np.ndarray:
        """The top-1 class of every row (-1 for an error row), shape ``(rows,)``."""
        return self._top1.values

    @property
    def confidence(self) -> np.ndarray:
        """The top-1 probability of every row (0 for an error row), shape ``(rows,)``."""
        return self._conf.values

    @property
    def margin(self) -> np.ndarray:
        """The top-1 minus top-2 probability of every row (+inf for an error row), shape ``(rows,)``."""
        return self._margin.values

    @property
    def corrected(self) -> np.ndarray:
        """The corrected class of every row (an index into ``classes``; :data:`NOT_CORRECTED` when it has
        none), shape ``(rows,)``."""
        return self._corrected.values

    @property
    def failed(self) -> np.ndarray:
        """True for the error rows, shape ``(rows,)``."""
        return self._failed.values

    def class_counts(self) -> np.ndarray:
        """Return how many labelled rows have each class as top-1, shape ``(len(label_names),)``."""
        labelled = self.top1[~self.failed]
        return np.bincount(labelled, minlength=len(self.label_names))[: len(self.label_names)]

    def sort_keys(self, column: int) -> np.ndarray | list[str]:
        """Return the sort key of every row for ``column``: a numpy array of shape ``(rows,)``, or for the
        text columns (path, error) the list of texts. Error rows sort after every class, probability and margin
        (last in an ascending sort: the least certain rows first); rows without a correction sort after the
        corrected ones in the Corrected column."""
        if column == COL_PATH:
            return self._shown
        if column == COL_ERROR:
            return self._errors
        if column == COL_PROB:
            return np.where(self.failed, np.inf, self.confidence)
        if column == COL_MARGIN:
            return self.margin
        if column == COL_CORRECTED:
            _, rank = np.unique(np.array(self.classes or [""]), return_inverse=True)
            rank = np.append(rank.reshape(-1), rank.max() + 1)  # index -1 (NOT_CORRECTED): last
            return rank[self.corrected]
        if column == COL_LABEL:
            top1 = self.top1
            classes = max(len(self.label_names), int(top1.max()) + 1 if len(top1) else 0)
            _, rank = np.unique(np.array([self.label(i) for i in range(classes)] or [""]), return_inverse=True)
            rank = np.append(rank.reshape(-1), rank.max() + 1)  # index -1: the error rows, last
            return rank[top1]
        return np.arange(len(self.rows))

    def absolute_path(self, row: Row) -> str:
        """Return the file's absolute path."""
        return os.path.join(self.root, row.rel)

    def label(self, index: int) -> str:
        """Return the name of class ``index``."""
        return self.label_names[index] if 0 <= index < len(self.label_names) else f"class {index}"

    def top_k_text(self, row: Row) -> str:
        """Return the tooltip of a row: its top-k classes, one ``97.1%  label`` line each, or its error."""
        if row.error:
            return f"{row.shown}\nerror: {row.error}"
        lines = top_k_lines([self.label(i) for i in row.indices], list(row.probs))
        name = self.corrections.get(row.rel)
        corrected = [f"corrected to: {name}"] if name is not None else []
        return "\n".join([row.shown, *lines, *corrected])


def filter_mask(
    store: RowStore, class_index: int, min_conf: float, max_conf: float, corrected: bool | None = None
) -> np.ndarray:
    """Return which rows of ``store`` pass the filter, shape ``(rows,)``: class ``class_index`` (or :data:`ALL`,
    or :data:`FAILED`) with top-1 confidence in ``[min_conf, max_conf]``; :data:`ALL` keeps every error row.
    ``corrected`` True keeps only the corrected rows, False only the others (error rows included), None both."""
    failed = store.failed
    if class_index == FAILED:
        keep = failed.copy()
    else:
        conf = store.confidence
        keep = ~failed & (conf >= min_conf) & (conf <= max_conf)
        if class_index == ALL:
            keep |= failed
        else:
            keep &= store.top1 == class_index
    if corrected is not None:
        keep &= (store.corrected != NOT_CORRECTED) == corrected
    return keep


def sort_order(store: RowStore, column: int, descending: bool) -> np.ndarray:
    """Return every row of ``store`` sorted by ``column`` (stable: equal keys keep the order of arrival; a
    negative column: the order of arrival), shape ``(rows,)``."""
    n = len(store)
    if column < 0:
        return np.arange(n)
    keys = store.sort_keys(column)
    if isinstance(keys, np.ndarray):
        return np.argsort(-keys if descending else keys, kind="stable")
    return np.array(sorted(range(n), key=keys.__getitem__, reverse=descending), np.int64).reshape(n)


def merge_order(store: RowStore, order: np.ndarray, first: int, last: int, column: int, descending: bool) -> np.ndarray:
    """Return ``order`` (the rows before ``first`` in :func:`sort_order`'s order) with the new rows
    ``first..last`` put where they belong, after equal keys, shape ``(len(order) + last - first + 1,)``."""
    new = np.arange(first, last + 1)
    if column < 0:
        return np.concatenate([order, new])
    keys = store.sort_keys(column)
    if isinstance(keys, np.ndarray):
        signed = -keys if descending else keys
        new = new[np.argsort(signed[new], kind="stable")]
        at = np.searchsorted(signed[order], signed[new], side="right")
    else:
        new = np.array(sorted(new.tolist(), key=keys.__getitem__, reverse=descending), np.int64)
        wrap = _Reversed if descending else str
        at = [bisect.bisect_right(order, wrap(keys[i]), key=lambda j: wrap(keys[j])) for i in new]
    return np.insert(order, at, new)
