"""What an audit reads (model/audit/sources.py): class folders, split folders, a `label` table (its corrected
column winning), a table written outside the folder it labelled, missing files as rows, and the messages for
input it cannot use. No network needed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from model.audit.run import label_check_problem
from model.audit.sources import HELD_OUT, TRAIN, AuditError, read_audit_set

SLICE = Path(__file__).resolve().parents[1] / "data" / "fmnist_test_slice"


def _copy(names: list[str], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(SLICE / n, folder / n)) for n in names]


NAMES = sorted(p.name for p in SLICE.glob("*.png"))[:6]


def test_class_folders_give_the_folder_names_as_classes(tmp_path):
    _copy(NAMES[:3], tmp_path / "Coat")
    _copy(NAMES[3:], tmp_path / "Shirt")
    data = read_audit_set(tmp_path)
    assert data.classes == ["Coat", "Shirt"]
    assert sorted(zip(data.given, (Path(p).name for p in data.paths), strict=True)) == sorted(
        [("Coat", n) for n in NAMES[:3]] + [("Shirt", n) for n in NAMES[3:]]
    )
    assert set(data.splits) == {TRAIN} and data.root == tmp_path and not data.has_held_out


def test_split_folders_and_a_held_out_folder_mark_the_held_out_images(tmp_path):
    _copy(NAMES[:2], tmp_path / "data" / "train" / "Coat")
    _copy(NAMES[2:4], tmp_path / "data" / "test" / "Coat")
    data = read_audit_set(tmp_path / "data")
    assert data.classes == ["Coat"]
    split_of = {Path(p).name: s for p, s in zip(data.paths, data.splits, strict=True)}
    assert split_of == {NAMES[0]: TRAIN, NAMES[1]: TRAIN, NAMES[2]: HELD_OUT, NAMES[3]: HELD_OUT}
    _copy(NAMES[4:], tmp_path / "other" / "Shirt")
    data = read_audit_set(tmp_path / "data" / "train", held_out=tmp_path / "other")
    assert sorted(data.splits) == [HELD_OUT, HELD_OUT, TRAIN, TRAIN] and data.has_held_out


def test_a_table_outside_the_folder_it_labelled(tmp_path):
    _copy(NAMES, tmp_path / "photos")
    table = tmp_path / "elsewhere" / "results.csv"
    table.parent.mkdir()
    rows = [f"{n},{'Coat' if i % 2 else 'Shirt'},{'Bag' if i == 0 else ''}" for i, n in enumerate(NAMES)]
    table.write_text("path,label,corrected\n" + "\n".join(rows) + "\n")
    with pytest.raises(AuditError, match=r"None of the 6 images listed in results.csv exists under .*elsewhere.*"
                       r"give the folder it labelled: coatnet-gui audit FOLDER --labels"):  # fmt: skip
        read_audit_set(table)
    data = read_audit_set(tmp_path / "photos", labels=table)
    given = dict(zip((Path(p).name for p in data.paths), data.given, strict=True))
    assert given[NAMES[0]] == "Bag" and given[NAMES[1]] == "Coat" and given[NAMES[2]] == "Shirt"
    assert data.root == tmp_path / "photos"


def test_listed_files_that_are_gone_become_rows_with_the_reason(tmp_path):
    paths = _copy(NAMES, tmp_path)
    (tmp_path / "results.csv").write_text("path,label\n" + "".join(f"{p.name},Coat\n" for p in paths))
    paths[0].unlink()
    data = read_audit_set(tmp_path / "results.csv")
    assert len(data.paths) == 5
    assert data.skipped == [(str(paths[0]), "missing: the file is not there any more")]


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ("nothing", "does not exist"),
        ("empty", "has no class folders"),
        ("text", "neither a folder nor a .csv/.jsonl table"),
        ("no label column", "needs a header with 'path' and 'label' columns"),
        ("all rows errors", "no labelled rows"),
    ],
)
def test_input_it_cannot_use_gets_one_sentence(tmp_path, layout, message):
    target = tmp_path / "src"
    if layout == "empty":
        target.mkdir()
    elif layout == "text":
        target = tmp_path / "notes.txt"
        target.write_text("hello")
    elif layout == "no label column":
        target = tmp_path / "t.csv"
        target.write_text("path,prob\na.png,0.5\n")
    elif layout == "all rows errors":
        target = tmp_path / "t.csv"
        target.write_text("path,label,error\na.png,,cannot read\n")
    with pytest.raises(AuditError, match=message):
        read_audit_set(target)


def test_a_plain_folder_is_audited_without_labels(tmp_path):
    _copy(NAMES, tmp_path)
    data = read_audit_set(tmp_path)
    assert len(data.paths) == 6 and data.given == [""] * 6 and data.classes == []


def test_why_labels_cannot_be_checked():
    assert "no labels" in label_check_problem(["", ""], 5)
    assert "every labelled image is 'Coat'" in label_check_problem(["Coat"] * 20, 5)
    assert "only 2 labelled images" in label_check_problem(["Coat", "Shirt"], 5)
    assert label_check_problem(["Coat", "Shirt"] * 5, 5) is None
