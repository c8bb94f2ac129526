"""The teach dataset reader (model/teach/dataset.py), where the mutation run found its gaps: images at any depth in
a class folder, a folder that cannot be listed, a folder without class folders, a split that always keeps an image
to learn from and one to check, and `label` tables: rows left out with their reason, the confidence floor, and
JSON Lines corrections, empty top-k lists and broken lines named by their number."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from model.teach import TeachError, labelled_from_folder, labelled_from_table
from model.teach.dataset import check_set, stratified_split

DIGITS = Path(__file__).resolve().parents[1] / "data" / "digits"


def _digit(name: str, k: int = 0) -> Path:
    return sorted((DIGITS / name).iterdir())[k]


def test_images_at_any_depth_of_a_class_folder_take_its_name(tmp_path):
    for depth, k in (("", 0), ("scans", 1), ("scans/2024/march", 2)):
        folder = tmp_path / "zero" / depth
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(_digit("zero", k), folder / f"zero{k}.png")
    (tmp_path / "one").mkdir()
    shutil.copy(_digit("one"), tmp_path / "one" / "one.png")
    data = labelled_from_folder(tmp_path)
    found = {os.path.relpath(p, tmp_path): data.classes[c] for p, c in zip(data.paths, data.labels, strict=True)}
    assert found == {
        "zero/zero0.png": "zero",
        "zero/scans/zero1.png": "zero",
        "zero/scans/2024/march/zero2.png": "zero",
        "one/one.png": "one",
    }
    assert data.classes == ["one", "zero"]  # a nested folder is never a class of its own


def test_a_folder_that_cannot_be_listed_is_one_clear_error(tmp_path, monkeypatch):
    (tmp_path / "zero").mkdir()
    real = os.scandir

    def refuse(path="."):
        if Path(path) == tmp_path:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", refuse)
    with pytest.raises(TeachError, match=rf"^Cannot list {tmp_path}: Permission denied\.$"):
        labelled_from_folder(tmp_path)


def test_loose_images_without_class_folders_say_what_layout_is_needed(tmp_path):
    shutil.copy(_digit("zero"), tmp_path / "a.png")
    (tmp_path / ".hidden").mkdir()  # a hidden folder is no class
    with pytest.raises(TeachError, match="has no class folders: put each class's images in a sub-folder"):
        labelled_from_folder(tmp_path)
    with pytest.raises(TeachError, match="is not a folder"):
        labelled_from_folder(tmp_path / "a.png")


@pytest.mark.parametrize(("count", "val_split"), [(2, 0.9), (2, 0.1), (3, 0.99), (10, 0.5)])
def test_the_split_keeps_one_image_to_learn_from_and_one_to_check_per_class(count, val_split):
    labels = [0] * count + [1] * 20
    train, held = stratified_split(labels, val_split, seed=3)
    small_train = [i for i in train if labels[i] == 0]
    small_held = [i for i in held if labels[i] == 0]
    assert len(small_train) >= 1 and len(small_held) >= 1
    assert len(small_held) == min(max(1, round(count * val_split)), count - 1)
    assert sorted(train + held) == list(range(len(labels)))  # every image once
    assert len([i for i in held if labels[i] == 1]) == min(max(1, round(20 * val_split)), 19)


def test_a_held_out_fraction_outside_zero_to_one_is_refused():
    for bad in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(TeachError, match="between 0 and 1"):
            stratified_split([0, 0, 1, 1], bad, seed=0)


def _names(data) -> dict[str, str]:
    return {os.path.basename(p): data.classes[c] for p, c in zip(data.paths, data.labels, strict=True)}


def test_a_csv_tables_rows_are_kept_or_left_out_with_their_reason(tmp_path):
    table = tmp_path / "results.csv"
    table.write_text(
        "path,label,prob,corrected,error\n"
        "a.png,Coat,0.9,,\n"
        "b.png,Coat,0.3,,\n"  # below the floor: left out
        "c.png,Coat,0.3,Shirt,\n"  # corrected: the floor does not apply
        "d.png,,,,\n"  # no label at all
        "e.png,Shirt,7,,\n"  # not a probability: no floor applies
        "f.png,Shirt,0.5,,\n",  # at the floor: kept
        encoding="utf-8",
    )
    data = labelled_from_table(table, min_prob=0.5)
    assert _names(data) == {"a.png": "Coat", "c.png": "Shirt", "e.png": "Shirt", "f.png": "Shirt"}
    skipped = {os.path.basename(p): why for p, why in data.skipped}
    assert skipped == {"b.png": "the model's label 'Coat' is below 50%; not corrected", "d.png": "has no label"}


def test_json_lines_corrections_empty_top_k_and_broken_lines(tmp_path):
    table = tmp_path / "results.jsonl"
    lines = [
        {"path": "a.png", "labels": ["Coat", "Shirt"], "probs": [0.8, 0.2], "corrected": "Shirt"},
        {"path": "b.png", "labels": ["Bag"], "probs": [0.9]},
        {"path": "c.png", "labels": [], "probs": [], "error": "c.png: not an image"},
        {"path": "d.png", "labels": []},
    ]
    table.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    data = labelled_from_table(table)
    assert _names(data) == {"a.png": "Shirt", "b.png": "Bag"}  # the correction wins over the top-1
    skipped = {os.path.basename(p): why for p, why in data.skipped}
    assert skipped["d.png"] == "has no label" and skipped["c.png"].startswith("could not be labelled")
    for bad, line in (({"labels": ["Coat"]}, 2), ("not json", 2), ({"path": "x.png", "label": ["Coat"]}, 2)):
        text = json.dumps(lines[1]) + "\n" + (bad if isinstance(bad, str) else json.dumps(bad)) + "\n"
        table.write_text(text, encoding="utf-8")
        with pytest.raises(TeachError, match=rf"^Line {line} of results.jsonl "):
            labelled_from_table(table)


def test_an_unreadable_file_before_a_repeated_one_leaves_the_repeat_found(tmp_path):
    for name in ("zero", "one"):
        (tmp_path / name).mkdir()
    shutil.copy(_digit("zero"), tmp_path / "zero" / "b.png")
    shutil.copy(_digit("zero"), tmp_path / "zero" / "c.png")  # the same file again
    shutil.copy(_digit("one"), tmp_path / "one" / "d.png")
    data = labelled_from_folder(tmp_path)
    data.paths.insert(0, str(tmp_path / "zero" / "a.png"))  # listed, then gone before it is read
    data.labels.insert(0, data.classes.index("zero"))
    checked = check_set(data)
    assert sorted(os.path.basename(p) for p in checked.paths) == ["b.png", "d.png"]
    reasons = {os.path.basename(p): why for p, why in checked.skipped}
    assert reasons["a.png"].startswith("cannot read")
    assert reasons["c.png"] == f"same file as {tmp_path / 'zero' / 'b.png'}"
