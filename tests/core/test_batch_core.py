"""Batch labelling without Qt: the scan, bad files, odd names through CSV and JSON Lines, the journal, sorting."""

from __future__ import annotations

import csv
import itertools
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from model.batch.export import CSV_HEADER, write_export
from model.batch.journal import Journal, decode_path, encode_path, printable, read_records
from model.batch.pipeline import BatchSettings, label_folder, open_journal, run_key
from model.batch.scan import iter_images
from model.batch.sort import (
    apply_sort,
    folder_names,
    plan_sort,
    uncertain_folder,
)
from model.batch.undo import undo_question, undo_sort
from model.names import folder_name
from model.runtime.inference import Classifier
from model.weights.loading import load_model


@pytest.fixture(scope="module")
def clf(small_model_dir: Path) -> Classifier:
    return Classifier(load_model(str(small_model_dir)))


def write_png(path: Path, seed: int = 0, size: int = 28) -> Path:
    """Write a small random grey PNG at ``path`` (bytes path allowed through ``os.fsdecode``)."""
    pixels = np.random.default_rng(seed).integers(0, 256, (size, size), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


def label(clf: Classifier, root: Path, journal: Path, **settings) -> list[dict]:
    """Label ``root`` into a fresh journal; return its records."""
    s = BatchSettings(**settings)
    with open_journal(journal, clf, root, s) as j:
        label_folder(clf, root, j, s)
    return list(read_records(journal))


# --- scanning ------------------------------------------------------------------------------------------------


def test_scan_order_suffixes_hidden_files_and_a_symlink_loop(tmp_path: Path):
    root = tmp_path / "photos"
    for name in (
        "b.PNG",
        "a.jpg",
        "c.JpEg",
        "notes.txt",
        "image.jpg.part",
        ".hidden.jpg",
        ".cache/x.png",
        "sub/d.webp",
        "sub/deeper/e.bmp",
        "zz/f.tif",
    ):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"x")
    os.symlink("..", root / "sub" / "loop")  # a cycle back to the root
    os.symlink(root / "sub", root / "same_as_sub")  # a second way into a folder already scanned

    flat = [e.rel for e in iter_images(root)]
    assert flat == ["a.jpg", "b.PNG", "c.JpEg"]
    found = [e.rel for e in itertools.islice(iter_images(root, recursive=True), 50)]
    assert found == ["a.jpg", "b.PNG", "c.JpEg", "sub/d.webp", "sub/deeper/e.bmp", "zz/f.tif"]


def test_unlistable_subfolder_is_an_error_entry(tmp_path: Path):
    if os.geteuid() == 0:
        pytest.skip("root can list any folder")
    write_png(tmp_path / "locked" / "a.png")
    (tmp_path / "locked").chmod(0)
    try:
        entries = list(iter_images(tmp_path, recursive=True))
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert [(e.rel, bool(e.error)) for e in entries] == [("locked/", True)]


# --- bad files -----------------------------------------------------------------------------------------------


def test_bad_and_vanishing_files_become_error_rows_and_the_run_goes_on(clf: Classifier, tmp_path: Path):
    root = tmp_path / "mixed"
    for i in range(6):
        write_png(root / f"good_{i}.png", seed=i)
    (root / "empty.jpg").write_bytes(b"")
    (root / "text.png").write_text("not an image")
    good_jpeg = root / "good_x.jpg"
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(good_jpeg, quality=90)
    (root / "truncated.jpg").write_bytes(good_jpeg.read_bytes()[:200])
    os.symlink(root / "nowhere.png", root / "dangling.png")
    write_png(root / "vanishes.png")

    settings = BatchSettings(batch_size=1)
    journal = tmp_path / "j"

    def delete_later(records: list[dict], progress) -> None:  # after the first image, long before this one
        if progress.done == 1:
            (root / "vanishes.png").unlink()

    with open_journal(journal, clf, root, settings) as j:
        progress = label_folder(clf, root, j, settings, on_chunk=delete_later)
    records = {r["path"]: r for r in read_records(journal)}
    failed = {p for p, r in records.items() if r["error"]}
    assert failed == {"empty.jpg", "text.png", "truncated.jpg", "dangling.png", "vanishes.png"}
    assert progress.done == progress.total == 12 and progress.failed == 5
    for path in failed:
        assert records[path]["labels"] == [] and records[path]["error"].strip()
    ok = records["good_3.png"]
    assert len(ok["labels"]) == 5 and ok["labels"][0] in clf.label_names and ok["error"] is None
    assert ok["probs"] == sorted(ok["probs"], reverse=True)


# --- odd names -----------------------------------------------------------------------------------------------

ODD_NAMES = [
    "comma, here.png",
    'quote " inside.png',
    "new\nline.png",
    "semi;colon.png",
    "ünïcødé 🐈.png",
    "  spaces  .png",
    "back\\slash.png",
]
NOT_UTF8 = b"latin1 caf\xe9.png"


def test_odd_names_round_trip_through_csv_and_jsonl(clf: Classifier, tmp_path: Path):
    root = tmp_path / "odd"
    for i, name in enumerate(ODD_NAMES):
        write_png(root / name, seed=i)
    write_png(Path(os.fsdecode(os.path.join(os.fsencode(root), NOT_UTF8))), seed=99)
    bad_name = os.fsdecode(NOT_UTF8)
    records = label(clf, root, tmp_path / "j")
    assert len(records) == len(ODD_NAMES) + 1 and not any(r["error"] for r in records)

    write_export(read_records(tmp_path / "j"), tmp_path / "out.csv")
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == CSV_HEADER
    assert sorted(r[0] for r in rows[1:]) == sorted([*ODD_NAMES, printable(bad_name)])
    assert printable(bad_name) == "latin1 caf\\xe9.png"
    row = next(r for r in rows[1:] if r[0] == "comma, here.png")
    assert row[1] == row[4].split(";")[0] and len(row[4].split(";")) == 5 and row[10] == ""

    write_export(read_records(tmp_path / "j"), tmp_path / "out.jsonl")
    text = (tmp_path / "out.jsonl").read_bytes().decode("utf-8")  # strict: valid UTF-8 throughout
    objs = [json.loads(line) for line in text.splitlines()]
    assert len(objs) == len(records)
    assert sorted(decode_path(o) for o in objs) == sorted([*ODD_NAMES, bad_name])
    assert all((root / decode_path(o)).is_file() for o in objs)
    weird = next(o for o in objs if "path_b64" in o)
    assert weird["path"] == "latin1 caf\\xe9.png" and set(weird) == {"path_b64", *json.loads(text.splitlines()[0])}


def test_encode_path_round_trip():
    for name in [*ODD_NAMES, os.fsdecode(NOT_UTF8), os.fsdecode(b"\xff\xfe/\x80.png")]:
        assert decode_path(json.loads(json.dumps(encode_path(name), ensure_ascii=False))) == name


# --- journal -------------------------------------------------------------------------------------------------


def test_journal_drops_an_uncommitted_tail_on_resume(tmp_path: Path):
    path = tmp_path / "j"
    result = {"labels": ["cat"], "indices": [0], "probs": [0.9], "model": "m", "device": "cpu", "precision": "fp32"}
    rows = [{**encode_path(f"{i}.png"), **result, "error": None} for i in range(4)]
    with Journal(path, {"topk": 5}) as j:
        j.commit(rows[:2])
    with path.open("ab") as f:  # a chunk killed mid-write: one full record, one torn, no commit line
        f.write(json.dumps(rows[2]).encode() + b"\n" + b'{"path": "3.p')
    with Journal(path, {"topk": 5}, resume=True) as j:
        assert j.done == {"0.png", "1.png"}
        j.commit(rows[2:])
    assert [r["path"] for r in read_records(path)] == ["0.png", "1.png", "2.png", "3.png"]
    with pytest.raises(Exception, match="topk=5, not topk=3"):
        Journal(path, {"topk": 3}, resume=True)


def test_run_key_finds_the_same_run_and_only_it(clf: Classifier, tmp_path: Path, monkeypatch, second_model_dir: Path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "photos").mkdir()
    key = run_key(clf, tmp_path / "photos", BatchSettings())
    assert len(key) == 16 and int(key, 16) >= 0
    assert run_key(clf, "photos", BatchSettings(workers=3)) == key  # relative path, decode threads: same run
    assert run_key(clf, tmp_path / "photos", BatchSettings(batch_size=64)) == key  # the default made explicit
    other_model = Classifier(load_model(str(second_model_dir)))
    others = [
        run_key(clf, tmp_path / "other", BatchSettings()),
        run_key(clf, tmp_path / "photos", BatchSettings(recursive=True)),
        run_key(clf, tmp_path / "photos", BatchSettings(topk=3)),
        run_key(clf, tmp_path / "photos", BatchSettings(batch_size=8)),
        run_key(other_model, tmp_path / "photos", BatchSettings()),  # same architecture, other weights
    ]
    assert len({key, *others}) == 6


# --- sorting -------------------------------------------------------------------------------------------------


def test_folder_names_are_safe_and_distinct():
    assert folder_name("T-shirt/top") == "T-shirt-top"
    assert folder_name("a\\b:c*?") == "a-b-c--"
    assert folder_name("..") == "_" and folder_name("con") == "_con"
    assert folder_names(["crane", "Crane", "x/y", "x-y"]) == ["crane", "Crane (1)", "x-y", "x-y (3)"]


def _records(names: list[str], classes: list[int]) -> list[dict]:
    return [
        {**encode_path(n), "labels": ["?"], "indices": [c], "probs": [0.9], "error": None}
        for n, c in zip(names, classes, strict=True)
    ]


def test_sort_never_overwrites_and_a_move_is_undone(tmp_path: Path):
    root, dest = tmp_path / "in", tmp_path / "out"
    names = ["a.png", "sub/a.png", "b.png", "c.png", "broken.png"]
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"content of {name}")
    (dest / "T-shirt-top").mkdir(parents=True)
    (dest / "T-shirt-top" / "a.png").write_text("already there")
    records = _records(names[:4], [0, 0, 0, 1])
    records.append({**encode_path("broken.png"), "labels": [], "indices": [], "probs": [], "error": "bad"})
    folders = folder_names(["T-shirt/top", "Trouser"])

    plan = list(plan_sort(records, root, dest, folders))
    assert [(s.folder, s.dst.name) for s in plan] == [
        ("T-shirt-top", "a (2).png"),
        ("T-shirt-top", "a (3).png"),
        ("T-shirt-top", "b.png"),
        ("Trouser", "c.png"),
    ]
    result = apply_sort(plan, dest, move=True)
    assert result.done == 4 and not result.failed
    assert (dest / "T-shirt-top" / "a.png").read_text() == "already there"
    assert (dest / "T-shirt-top" / "a (3).png").read_text() == "content of sub/a.png"
    assert not (root / "a.png").exists() and (root / "broken.png").exists()

    undone = undo_sort(result.manifest)
    assert undone.restored == 4 and not undone.problems
    for name in names:
        assert (root / name).read_text() == f"content of {name}"
    assert (dest / "T-shirt-top" / "a.png").read_text() == "already there"
    assert not (dest / "Trouser").exists()  # created by the sort, removed by the undo
    assert undo_sort(result.manifest).restored == 4  # a second undo finds everything in place


def test_undo_of_a_copy_keeps_copies_that_were_changed(tmp_path: Path):
    root, dest = tmp_path / "in", tmp_path / "out"
    for name in ("a.png", "b.png"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    result = apply_sort(plan_sort(_records(["a.png", "b.png"], [0, 0]), root, dest, ["k"]), dest)
    assert (root / "a.png").exists() and (dest / "k" / "a.png").read_text() == "a.png"
    (dest / "k" / "b.png").write_text("edited by the user")
    undone = undo_sort(result.manifest)
    assert undone.restored == 1 and len(undone.problems) == 1
    assert not (dest / "k" / "a.png").exists() and (dest / "k" / "b.png").exists()


def test_two_model_lanes_give_the_one_lane_result_in_scan_order(clf: Classifier, tmp_path: Path, monkeypatch):
    """Two batches in flight on the CPU (each on half the threads) commit in scan order with the same labels as one
    batch at a time, and the process's thread count is restored afterwards."""
    import torch

    from model.batch import pipeline as batch

    root = tmp_path / "imgs"
    for i in range(23):
        write_png(root / f"{i:02d}.png", seed=i)
    threads = torch.get_num_threads()
    two = label(clf, root, tmp_path / "two.journal", batch_size=4)
    assert torch.get_num_threads() == threads
    monkeypatch.setattr(batch, "model_lanes", lambda _clf: 1)
    one = label(clf, root, tmp_path / "one.journal", batch_size=4)
    assert [r["path"] for r in two] == [f"{i:02d}.png" for i in range(23)]
    assert [(r["path"], r["indices"][0]) for r in two] == [(r["path"], r["indices"][0]) for r in one]


def test_a_threshold_sends_unsure_images_to_an_uncertain_folder(tmp_path: Path):
    root, dest = tmp_path / "in", tmp_path / "out"
    names = ["sure.png", "unsure.png", "edge.png"]
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    records = _records(names, [0, 1, 1])
    for record, p in zip(records, (0.9, 0.49, 0.5), strict=True):
        record["probs"] = [p]
    plan = list(plan_sort(records, root, dest, ["Coat", "Bag"], uncertain_below=0.5))
    assert [(s.src.name, s.folder) for s in plan] == [
        ("sure.png", "Coat"),
        ("unsure.png", "uncertain"),
        ("edge.png", "Bag"),  # not below 0.5
    ]
    assert [s.folder for s in plan_sort(records, root, dest, ["Coat", "Bag"])] == ["Coat", "Bag", "Bag"]
    assert uncertain_folder(["Uncertain", "uncertain (2)"]) == "uncertain (3)"
    apply_sort(plan, dest)
    assert (dest / "uncertain" / "unsure.png").read_text() == "unsure.png"


def test_undo_says_what_it_will_do_and_what_it_did(tmp_path: Path):
    root, dest = tmp_path / "in", tmp_path / "out"
    for name in ("a.png", "b.png", "c.png"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    copied = apply_sort(plan_sort(_records(["a.png", "b.png"], [0, 0]), root, dest / "copies", ["k"]), dest / "copies")
    assert undo_question(copied.manifest) == f"Remove 2 copies from {dest / 'copies'}? The originals are untouched."
    report = undo_sort(copied.manifest).report()
    assert report == f"Removed 2 copies from {dest / 'copies'}; the originals were untouched."
    assert (root / "a.png").exists() and not (dest / "copies" / "k" / "a.png").exists()

    moved = apply_sort(plan_sort(_records(["c.png"], [0]), root, dest / "moved", ["k"]), dest / "moved", move=True)
    assert undo_question(moved.manifest) == f"Move 1 file back from {dest / 'moved'} to where they were?"
    (root / "c.png").write_text("a new file in the way")
    undone = undo_sort(moved.manifest)
    assert undone.report().startswith(f"Moved 0 files back from {dest / 'moved'}. 1 left as they are: kept ")
    with pytest.raises(ValueError, match="not a sort manifest"):
        undo_question(root / "a.png")


def test_export_only_the_given_files(tmp_path: Path):
    records = [
        {
            **encode_path(name),
            "labels": ["x"],
            "indices": [0],
            "probs": [0.5],
            "model": "m",
            "device": "cpu",
            "precision": "fp32",
            "error": None,
        }
        for name in ("a.png", "b.png", os.fsdecode(b"c\xff.png"))
    ]
    counts = write_export(records, tmp_path / "some.jsonl", only={"b.png", os.fsdecode(b"c\xff.png")})
    lines = [json.loads(line) for line in (tmp_path / "some.jsonl").read_text(encoding="utf-8").splitlines()]
    assert counts.labelled == 2 and [decode_path(r) for r in lines] == ["b.png", os.fsdecode(b"c\xff.png")]
