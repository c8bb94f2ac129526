"""The relabel preview counts what would change, from which class to which, and the corrections kept."""

from __future__ import annotations

from model.batch.journal import encode_path
from model.batch.relabel import preview_relabel


def _records(labels: dict[str, str | None]) -> list[dict]:
    return [
        {**encode_path(p), "labels": [c] if c else [], "error": None if c else "cannot decode"}
        for p, c in labels.items()
    ]


def test_preview_counts_moves_keeps_corrections_and_missing_rows():
    old = _records({"a.png": "Shirt", "b.png": "Shirt", "c.png": "Bag", "d.png": "Coat", "e.png": "Coat"})
    new = _records({"a.png": "Coat", "b.png": "Coat", "c.png": "Bag", "d.png": "Shirt", "e.png": None})
    preview = preview_relabel(old, new, {"d.png": "Dress"})
    assert preview.changed == 2 and preview.table() == [("Shirt", "Coat", 2)]
    assert (preview.kept, preview.unchanged, preview.missing) == (1, 1, 1)
    assert preview.summary() == (
        "Relabel will change 2 labels; your 1 correction is kept. 1 image the new model could not read keeps its label."
    )
    assert preview_relabel(old, old, {}).summary() == "Relabel will change 0 labels; your 0 corrections are kept."


def test_the_largest_moves_come_first_and_the_words_follow_the_counts():
    """Mutants of the order of the table and of the singular/plural words (issue 27)."""
    old = _records({"a": "Shirt", "b": "Shirt", "c": "Coat", "d": "Bag", "e": "Coat", "f": "Coat", "g": None})
    new = _records({"a": "Coat", "b": "Coat", "c": "Bag", "d": "Coat", "g": "Bag"})  # ties met out of name order
    new.append({**encode_path("e"), "labels": [], "error": None})  # a row without labels: not a label
    preview = preview_relabel(old, new, {"x": "Dress", "y": "Dress"})
    assert preview.table() == [("Shirt", "Coat", 2), ("Bag", "Coat", 1), ("Coat", "Bag", 1)]
    assert (preview.changed, preview.kept, preview.unchanged, preview.missing) == (4, 0, 0, 2)
    assert preview.summary() == (
        "Relabel will change 4 labels; your 0 corrections are kept. "
        "2 images the new model could not read keep their label."
    )
    one = preview_relabel(_records({"a": "Shirt"}), _records({"a": "Coat"}), {})
    assert one.summary() == "Relabel will change 1 label; your 0 corrections are kept."
