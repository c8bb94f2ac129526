"""The Batch table's rows without Qt: the sort order of every column (stable, both directions, also merged as
chunks arrive), the filter mask and the per-class counts, each against plain Python."""

from __future__ import annotations

import pytest

from coatnet_gui.batch.rows import (
    ALL,
    COL_CORRECTED,
    COL_ERROR,
    COL_LABEL,
    COL_MARGIN,
    COL_PATH,
    COL_PROB,
    COLUMNS,
    FAILED,
    RowStore,
    filter_mask,
    merge_order,
    sort_order,
)

NAMES = ["Coat", "Bag", "Shirt", "Ankle boot"]


def records(start: int, n: int) -> list[dict]:
    """Return records ``start..start + n - 1``: repeated paths and confidences (ties) in a scrambled order, 1 in 7
    an error, and a class beyond NAMES (shown as "class 4")."""
    out = []
    for i in range(start, start + n):
        error = f"bad file {i % 4}" if i % 7 == 3 else None
        top, prob = i % (len(NAMES) + 1), (i * 13 % 11) / 10
        indices, probs = ([], []) if error else ([top, 0], [prob, 0.0])
        out.append({"path": f"d{i % 9}/img_{i * 37 % 300:03d}.png", "indices": indices, "probs": probs, "error": error})
    return out


def corrections() -> dict[str, str]:
    """Return corrections of some files (of the rows ``records`` numbers 0..59), one to a class the model lacks."""
    return {records(i, 1)[0]["path"]: ("Hat", "Bag", "Coat")[i % 3] for i in range(0, 60, 4)}


def python_order(store: RowStore, rows: list[int], column: int, descending: bool) -> list[int]:
    """Return ``rows`` sorted by ``column`` (stable), by Python's own sort; no column: the order of arrival."""
    if column < 0:
        return list(rows)
    key = {
        COL_PATH: lambda i: store.rows[i].shown,
        COL_LABEL: lambda i: (store.rows[i].error is not None, store.label(store.rows[i].top1)),
        COL_CORRECTED: lambda i: (store.corrected_name(i) is None, store.corrected_name(i) or ""),
        COL_PROB: lambda i: float("inf") if store.rows[i].error else store.rows[i].confidence,
        COL_MARGIN: lambda i: store.rows[i].margin,
        COL_ERROR: lambda i: store.rows[i].error or "",
    }.get(column, lambda i: i)
    return sorted(rows, key=key, reverse=descending)


@pytest.fixture
def store() -> RowStore:
    store = RowStore()
    store.reset("/photos", NAMES)
    store.set_corrections(corrections(), ["Hat"])
    store.extend(records(0, 2000))
    return store


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("column", [-1, *range(len(COLUMNS))])
def test_sort_order_is_pythons_stable_sort(store: RowStore, column: int, descending: bool):
    every = list(range(len(store)))
    assert sort_order(store, column, descending).tolist() == python_order(store, every, column, descending)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("column", [-1, COL_PATH, COL_LABEL, COL_CORRECTED, COL_PROB, COL_MARGIN, COL_ERROR])
def test_rows_arriving_in_chunks_are_merged_where_a_full_sort_puts_them(column: int, descending: bool):
    store = RowStore()
    store.reset("/photos", NAMES)
    store.set_corrections(corrections(), [])
    order = sort_order(store, column, descending)
    for start in range(0, 1500, 250):
        store.extend(records(start, 250))
        order = merge_order(store, order, start, start + 249, column, descending)
    assert order.tolist() == sort_order(store, column, descending).tolist()


@pytest.mark.parametrize("class_index", [ALL, FAILED, 0, 2, 4])
def test_filter_mask_keeps_what_the_filter_says(store: RowStore, class_index: int):
    low, high = 0.3, 0.7

    def kept(row) -> bool:
        if row.error is not None:
            return class_index in (ALL, FAILED)
        return class_index != FAILED and class_index in (ALL, row.top1) and low <= row.confidence <= high

    assert filter_mask(store, class_index, low, high).tolist() == [kept(r) for r in store.rows]


def test_class_counts_count_the_labelled_rows_of_the_named_classes(store: RowStore):
    expected = [sum(1 for r in store.rows if r.error is None and r.top1 == c) for c in range(len(NAMES))]
    assert store.class_counts().tolist() == expected and sum(expected) < len(store) - int(store.failed.sum())
    assert store.failed.tolist() == [r.error is not None for r in store.rows]


def test_reset_forgets_every_row_and_texts_name_unknown_classes(store: RowStore):
    row = next(r for r in store.rows if r.error is None and r.top1 == 4)
    assert store.top_k_text(row).splitlines()[1].endswith("class 4")
    assert store.absolute_path(row) == f"/photos/{row.rel}"
    store.reset("/other", ["A"])
    assert len(store) == 0 and store.top1.shape == (0,) and store.class_counts().tolist() == [0]
    assert sort_order(store, COL_LABEL, False).shape == (0,)


@pytest.mark.parametrize("corrected", [True, False])
def test_filter_mask_keeps_the_corrected_rows_or_the_others(store: RowStore, corrected: bool):
    assert 0 < int((store.corrected >= 0).sum()) < len(store)

    def kept(i: int) -> bool:
        return (store.rows[i].rel in store.corrections and store.rows[i].error is None) == corrected

    assert filter_mask(store, ALL, 0.0, 1.0, corrected).tolist() == [kept(i) for i in range(len(store))]


def test_corrections_mark_rows_as_they_arrive_and_as_they_change(store: RowStore):
    hats = [i for i, r in enumerate(store.rows) if store.corrections.get(r.rel) == "Hat" and r.error is None]
    assert hats and all(store.corrected_name(i) == "Hat" for i in hats) and store.added_classes() == ["Hat"]
    error = next(i for i, r in enumerate(store.rows) if r.error)
    plain = next(i for i, r in enumerate(store.rows) if r.error is None and r.rel not in store.corrections)
    changed = store.correct([error, plain, hats[0]], "Scarf")
    assert sorted(changed.tolist()) == sorted([plain, hats[0]]) and store.corrected_name(error) is None
    assert store.classes[len(NAMES) :] == ["Hat", "Scarf"] and store.corrections[store.rows[plain].rel] == "Scarf"
    assert store.correct([plain], "Scarf").tolist() == []  # nothing changes
    store.correct([plain], None)
    assert store.corrected_name(plain) is None and store.rows[plain].rel not in store.corrections
    pairs = store.corrected_pairs()
    assert all(path.startswith("/photos/") for path, _ in pairs)
    assert (f"/photos/{store.rows[hats[0]].rel}", "Scarf") in pairs
