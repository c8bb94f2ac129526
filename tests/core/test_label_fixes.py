"""Giving audited images another class where their labels live (model/audit/label_fixes.py), with undo: files
moved between class folders through the sort's signed manifest, and a `label` table's corrected column rewritten
with its previous bytes kept. Real files; hostile cases: paths outside the root, class names that look like
paths, files that vanished, tables changed behind our back."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from pathlib import Path

import pytest

from model.audit.label_fixes import (
    FixError,
    move_to_classes,
    set_corrected,
    undo_moves,
    undo_table_edit,
)
from model.batch.manifest import read_manifest
from model.features import file_digest
from model.teach.dataset import labelled_from_table


def tree(root: Path) -> dict[str, bytes]:
    """Return every file under ``root`` (relative path -> bytes)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def folders(root: Path) -> list[str]:
    """Return every folder under ``root`` (relative paths)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_dir())


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    """A folder of class folders: Shirt/a.png, Shirt/sub/b.png, Coat/c.png, Coat/a.png (a name clash for a)."""
    root = tmp_path / "photos"
    for rel, data in {"Shirt/a.png": b"shirt a", "Shirt/sub/b.png": b"shirt b", "Coat/c.png": b"coat c",
                      "Coat/a.png": b"coat a"}.items():  # fmt: skip
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def test_moves_files_into_their_new_class_and_undo_puts_everything_back(photos: Path):
    before, made = tree(photos), folders(photos)
    a, b = str(photos / "Shirt" / "a.png"), str(photos / "Shirt" / "sub" / "b.png")
    move = move_to_classes(photos, {a: ("Shirt", "Coat"), b: ("Shirt", "Dress")})
    assert move.refused == []
    assert move.moved == {a: str(photos / "Coat" / "a (2).png"), b: str(photos / "Dress" / "b.png")}  # no overwrite
    assert (photos / "Coat" / "a.png").read_bytes() == b"coat a"
    assert (photos / "Coat" / "a (2).png").read_bytes() == b"shirt a"
    assert (photos / "Dress" / "b.png").read_bytes() == b"shirt b"
    assert not os.path.exists(a) and not os.path.exists(b)
    manifest = read_manifest(move.manifest)
    assert manifest.trusted and manifest.mode == "move" and manifest.dest == photos and manifest.files == 2

    result = undo_moves(move)
    assert result.problems == [] and result.restored == 2
    assert tree(photos) == before  # the manifest went too: everything as before, byte for byte
    assert folders(photos) == made  # the Dress folder the move made is gone


def test_split_folders_keep_their_split(tmp_path: Path):
    root = tmp_path / "set"
    (root / "train" / "Shirt").mkdir(parents=True)
    (root / "test" / "Coat").mkdir(parents=True)
    (root / "train" / "Shirt" / "x.png").write_bytes(b"x")
    move = move_to_classes(root, {str(root / "train" / "Shirt" / "x.png"): ("Shirt", "Coat")})
    assert move.moved == {str(root / "train" / "Shirt" / "x.png"): str(root / "train" / "Coat" / "x.png")}
    assert not (root / "test" / "Coat" / "x.png").exists()


@pytest.mark.parametrize(
    ("name", "folder"), [("T-shirt/top", "T-shirt-top"), ("../evil", "..-evil"), ("..", "_"), ("a\\b", "a-b")]
)
def test_a_class_name_that_looks_like_a_path_stays_one_folder_inside_the_root(photos: Path, name: str, folder: str):
    outside = set(os.listdir(photos.parent))
    move = move_to_classes(photos, {str(photos / "Coat" / "c.png"): ("Coat", name)})
    assert move.moved == {str(photos / "Coat" / "c.png"): str(photos / folder / "c.png")}
    assert set(os.listdir(photos.parent)) == outside  # nothing made beside the root
    undo_moves(move)
    assert (photos / "Coat" / "c.png").read_bytes() == b"coat c" and not (photos / folder).exists()


def test_files_outside_the_root_or_outside_their_class_folder_are_refused(photos: Path, tmp_path: Path):
    stranger = tmp_path / "elsewhere" / "Shirt" / "z.png"
    stranger.parent.mkdir(parents=True)
    stranger.write_bytes(b"not yours")
    link = photos / "Shirt" / "link"
    link.symlink_to(stranger.parent, target_is_directory=True)
    before = tree(photos)
    move = move_to_classes(
        photos,
        {
            str(stranger): ("Shirt", "Coat"),  # outside the root
            str(link / "z.png"): ("Shirt", "Coat"),  # inside as written, outside on disk
            str(photos / "Shirt" / "a.png"): ("Coat", "Dress"),  # its given class is not its folder
            str(photos / "Coat" / "c.png"): ("Coat", "Coat"),  # already there
            str(photos / "Coat" / "a.png"): ("Coat", "  "),  # no class
        },
    )
    assert move.moved == {} and move.manifest is None
    reasons = dict(move.refused)
    assert "not inside" in reasons[str(stranger)] and "not inside" in reasons[str(link / "z.png")]
    assert "class folder named 'Coat'" in reasons[str(photos / "Shirt" / "a.png")]
    assert "already" in reasons[str(photos / "Coat" / "c.png")]
    assert reasons[str(photos / "Coat" / "a.png")] == "no class given"
    assert stranger.read_bytes() == b"not yours" and tree(photos) == before
    nothing = undo_moves(move)  # nothing to undo: said so, nothing touched
    assert (nothing.restored, nothing.problems, nothing.dest) == (0, [], str(photos)) and tree(photos) == before


def test_a_vanished_file_is_refused_and_the_rest_moves(photos: Path):
    gone = photos / "Shirt" / "a.png"
    gone.unlink()
    move = move_to_classes(photos, {str(gone): ("Shirt", "Coat"), str(photos / "Coat" / "c.png"): ("Coat", "Shirt")})
    assert list(move.moved) == [str(photos / "Coat" / "c.png")]
    assert [p for p, _ in move.refused] == [str(gone)]


def test_undo_leaves_a_file_that_vanished_after_the_move_reported_and_keeps_the_manifest(photos: Path):
    c = str(photos / "Coat" / "c.png")
    move = move_to_classes(photos, {c: ("Coat", "Shirt")})
    Path(move.moved[c]).unlink()  # the user deleted it meanwhile
    result = undo_moves(move)
    assert result.restored == 0 and len(result.problems) == 1
    assert move.manifest.exists()  # kept: it is the only record of what happened


def test_a_root_that_is_a_link_or_missing_is_refused(photos: Path, tmp_path: Path):
    link = tmp_path / "link"
    link.symlink_to(photos, target_is_directory=True)
    with pytest.raises(FixError, match="not a folder"):
        move_to_classes(link, {str(link / "Coat" / "c.png"): ("Coat", "Shirt")})
    with pytest.raises(FixError, match="not a folder"):
        move_to_classes(tmp_path / "none", {})


# --- tables --------------------------------------------------------------------------------------------------


def csv_table(path: Path, rows: list[list[str]], header: list[str], ending: str = "\r\n") -> Path:
    """Write a CSV table as `label` does (``ending`` after each row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=ending)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    return path


def classes_in(table: Path) -> dict[str, str]:
    """Return what teaching and auditing read from ``table``: absolute path -> class."""
    data = labelled_from_table(table)
    return {p: data.classes[k] for p, k in zip(data.paths, data.labels, strict=True)}


@pytest.fixture
def table(tmp_path: Path) -> Path:
    """A CSV from `label`, one row already corrected, one with a quoted multi-line error cell."""
    header = ["path", "label", "prob", "error", "corrected"]
    rows = [
        ["a.png", "Shirt", "0.9", "", ""],
        ["sub/b.png", "Coat", "0.8", "", "Dress"],
        ["c.png", "", "", "cannot read,\nreally", ""],
        ["d.png", "Bag", "0.7", "", ""],
    ]
    return csv_table(tmp_path / "labels.csv", rows, header)


def test_corrected_cells_change_and_every_other_byte_stays(table: Path, tmp_path: Path):
    before = table.read_bytes()
    root = table.parent
    changes = {str(root / "a.png"): "Coat", str(root / "sub/b.png"): "=cmd"}
    edit = set_corrected(table, root, changes, file_digest(table), tmp_path / "undo")
    assert edit.changed == 2 and edit.refused == []
    assert classes_in(table) == {
        str(root / "a.png"): "Coat",
        str(root / "sub/b.png"): "=cmd",
        str(root / "d.png"): "Bag",
    }
    lines, old = table.read_bytes().split(b"\r\n"), before.split(b"\r\n")
    assert lines[0] == old[0] and lines[3:] == old[3:]  # header, the multi-line row and the last row as they were
    assert lines[1] == b"a.png,Shirt,0.9,,Coat" and lines[2] == b"sub/b.png,Coat,0.8,,'=cmd"  # spreadsheet-safe
    assert edit.backup.parent == tmp_path / "undo" and edit.backup.read_bytes() == before

    undo_table_edit(edit)
    assert table.read_bytes() == before and not edit.backup.exists()


def test_a_table_without_a_corrected_column_gets_one(tmp_path: Path):
    table = csv_table(tmp_path / "t.csv", [["a.png", "Shirt"], ["b.png", "Coat"]], ["path", "label"], ending="\n")
    before = table.read_bytes()
    edit = set_corrected(table, tmp_path, {str(tmp_path / "b.png"): "Bag"}, file_digest(table), tmp_path / "u")
    # bytes, not read_text(): the header keeps the table's own line end (a CRLF header in an LF table passed before)
    assert table.read_bytes() == b"path,label,corrected\na.png,Shirt,\nb.png,Coat,Bag\n"
    assert classes_in(table) == {str(tmp_path / "a.png"): "Shirt", str(tmp_path / "b.png"): "Bag"}
    undo_table_edit(edit)
    assert table.read_bytes() == before


def test_jsonl_tables_keep_their_other_lines_and_fields(tmp_path: Path):
    records = [{"path": "a.png", "labels": ["Shirt", "Coat"], "probs": [0.6, 0.3]}, {"path": "b.png", "label": "Bag"}]
    table = tmp_path / "t.jsonl"
    table.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    before = table.read_bytes()
    edit = set_corrected(table, tmp_path, {str(tmp_path / "a.png"): "Coat"}, file_digest(table), tmp_path / "u")
    lines = table.read_text().split("\n")
    assert json.loads(lines[0]) == {**records[0], "corrected": "Coat"} and lines[1] == json.dumps(records[1])
    assert classes_in(table)[str(tmp_path / "a.png")] == "Coat"
    undo_table_edit(edit)
    assert table.read_bytes() == before


def test_jsonl_corrections_keep_names_readable(tmp_path: Path):
    """Mutant: ``ensure_ascii`` on (the corrected line's names turned into ``\\u`` escapes in the user's file)."""
    table = tmp_path / "t.jsonl"
    table.write_text(json.dumps({"path": "猫.png", "label": "Bag"}, ensure_ascii=False) + "\n", encoding="utf-8")
    set_corrected(table, tmp_path, {str(tmp_path / "猫.png"): "Tシャツ"}, file_digest(table), tmp_path / "u")
    assert table.read_bytes() == '{"path": "猫.png", "label": "Bag", "corrected": "Tシャツ"}\n'.encode()


def test_a_relative_root_given_as_text_moves_like_an_absolute_one(photos: Path, monkeypatch):
    """Mutant: the root not made absolute (a ``str`` root then fails)."""
    monkeypatch.chdir(photos.parent)
    a = str(photos / "Shirt" / "a.png")
    move = move_to_classes("photos", {a: ("Shirt", "Coat")})
    assert move.refused == [] and move.moved == {a: str(photos / "Coat" / "a (2).png")}
    assert move.root == photos and undo_moves(move).restored == 1


def test_a_table_that_changed_since_it_was_read_is_refused(table: Path, tmp_path: Path):
    read = file_digest(table)
    table.write_bytes(table.read_bytes() + b"e.png,Bag,0.5,,\r\n")  # edited by hand meanwhile
    after = table.read_bytes()
    with pytest.raises(FixError, match="changed on disk"):
        set_corrected(table, table.parent, {str(table.parent / "a.png"): "Coat"}, read, tmp_path / "undo")
    assert table.read_bytes() == after and not (tmp_path / "undo").exists()


def test_undo_is_refused_when_the_table_changed_after_the_edit(table: Path, tmp_path: Path):
    edit = set_corrected(table, table.parent, {str(table.parent / "a.png"): "Coat"}, file_digest(table), tmp_path)
    table.write_bytes(table.read_bytes() + b"e.png,Bag,0.5,,\r\n")
    changed = table.read_bytes()
    with pytest.raises(FixError, match="changed since"):
        undo_table_edit(edit)
    assert table.read_bytes() == changed and edit.backup.exists()  # the previous version stays where it was


def test_rows_outside_the_table_s_folder_only_get_their_cell(tmp_path: Path):
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"precious")
    folder = tmp_path / "run"
    folder.mkdir()
    table = csv_table(folder / "t.csv", [["../outside.png", "Shirt", ""], ["a.png", "Coat", ""]],
                      ["path", "label", "corrected"])  # fmt: skip
    sha = file_digest(table)
    edit = set_corrected(table, folder, {str(outside): "Bag", str(folder / "zz.png"): "Bag"}, sha, tmp_path / "u")
    assert edit.changed == 1 and edit.refused == [(str(folder / "zz.png"), "not listed in t.csv")]
    assert outside.read_bytes() == b"precious" and sorted(os.listdir(folder)) == ["t.csv"]
    with pytest.raises(FixError, match="lists none"):
        set_corrected(table, folder, {str(folder / "zz.png"): "Bag"}, file_digest(table), tmp_path / "u")


def test_unreadable_tables_are_refused_whole(tmp_path: Path):
    bad_json = tmp_path / "t.jsonl"
    bad_json.write_text('{"path": "a.png"}\nnot json\n')
    with pytest.raises(FixError, match="Line 2"):
        set_corrected(bad_json, tmp_path, {str(tmp_path / "a.png"): "Coat"}, file_digest(bad_json), tmp_path / "u")
    no_path = csv_table(tmp_path / "t.csv", [["a.png"]], ["file"])
    with pytest.raises(FixError, match="no 'path' column"):
        set_corrected(no_path, tmp_path, {str(tmp_path / "a.png"): "Coat"}, file_digest(no_path), tmp_path / "u")
    assert not (tmp_path / "u").exists()
    assert hashlib.sha256(bad_json.read_bytes()).hexdigest() == file_digest(bad_json)


def test_undo_of_a_table_that_vanished_or_whose_backup_vanished_is_refused(table: Path, tmp_path: Path):
    edit = set_corrected(table, table.parent, {str(table.parent / "a.png"): "Coat"}, file_digest(table), tmp_path)
    written = table.read_bytes()
    table.unlink()
    with pytest.raises(FixError, match="Cannot read .*undo refused"):
        undo_table_edit(edit)
    assert not table.exists() and edit.backup.exists()  # nothing made up, the previous version kept
    table.write_bytes(written)
    edit.backup.unlink()
    with pytest.raises(FixError, match="is gone"):
        undo_table_edit(edit)
    assert table.read_bytes() == written
