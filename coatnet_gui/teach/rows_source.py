"""A Batch-tab run as what to teach from: every row of the table, not only the corrected ones
(:func:`model.teach.dataset.labelled_from_rows`: a corrected row is ground truth, an uncorrected row carries the
model's top-1 as the user accepted it, at or above a chosen probability). Qt-free, so the dialog and its tests
share it."""

from __future__ import annotations

from coatnet_gui.batch.rows import RowStore
from model.teach.dataset import TableRow


def table_rows(store: RowStore) -> list[TableRow]:
    """Return one :class:`TableRow` per row of ``store``, in the order of arrival: its absolute path, the model's
    top-1 name and probability, the user's class ("" when none) and its error ("" when none)."""
    rows = []
    for i, row in enumerate(store.rows):
        label = store.label(row.top1) if row.error is None else ""
        prob = row.confidence if row.error is None else None
        corrected = store.corrected_name(i) or ""
        rows.append(TableRow(store.absolute_path(row), label, prob, corrected, row.error or ""))
    return rows


def plural(count: int, word: str) -> str:
    """Return ``count`` and ``word``, with an s unless the count is one ("1 class", "3 classes")."""
    ending = "es" if word.endswith("s") else "s"
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}{ending}"


def describe_rows(rows: list[TableRow], min_prob: float) -> tuple[int, int, int]:
    """Return ``(images, corrected, classes)`` that teaching from ``rows`` uses with the floor ``min_prob``: the
    rows it learns from (error rows and uncorrected rows below the floor left out), the corrected ones among them,
    and their classes (the same choice :func:`~model.teach.dataset.labelled_from_rows` makes)."""
    images = corrected = 0
    classes: set[str] = set()
    for row in rows:
        if row.error:
            continue
        if row.corrected.strip():
            corrected += 1
            name = row.corrected.strip()
        elif row.label.strip() and (row.prob is None or row.prob >= min_prob):
            name = row.label.strip()
        else:
            continue
        images += 1
        classes.add(name)
    return images, corrected, len(classes)
