"""Bad input to teaching gets a clear message and loses nothing: one class, an empty class folder, a class with
one image, unreadable images (skipped and counted), the same file in two classes, clashing names, an existing
output; nothing under the source changes; tables and pairs; the split; cancelling."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
import torch

from model.cancel import Cancelled, CancelToken
from model.teach import (
    TeachError,
    TeachSettings,
    labelled_from_folder,
    labelled_from_pairs,
    labelled_from_table,
    teach,
)
from model.teach.dataset import stratified_split, with_class_order
from model.teach.resume import resume_path, save_state

DIGITS = Path(__file__).resolve().parents[1] / "data" / "digits"


def _copy_class(src: str, dst: Path, count: int) -> list[Path]:
    dst.mkdir(parents=True, exist_ok=True)
    files = sorted((DIGITS / src).iterdir())[:count]
    return [Path(shutil.copy(f, dst / f.name)) for f in files]


def _snapshot(root: Path) -> dict[str, tuple[str, float]]:
    return {
        str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("feature-cache")


def test_one_class_only(tmp_path):
    _copy_class("one", tmp_path / "src" / "one", 3)
    with pytest.raises(TeachError, match=r"at least two classes \(only 'one'\)"):
        teach("bundled", labelled_from_folder(tmp_path / "src"), tmp_path / "m.safetensors")


def test_an_empty_class_folder_is_named(tmp_path):
    _copy_class("one", tmp_path / "src" / "one", 3)
    (tmp_path / "src" / "two").mkdir()
    (tmp_path / "src" / "two" / "notes.txt").write_text("not an image")
    with pytest.raises(TeachError, match=r"class folder 'two' .* holds no images"):
        labelled_from_folder(tmp_path / "src")


def test_a_class_with_a_single_image_is_named(tmp_path):
    _copy_class("one", tmp_path / "src" / "one", 3)
    _copy_class("two", tmp_path / "src" / "two", 1)
    with pytest.raises(TeachError, match=r"too few in: 'two' \(1\)"):
        teach("bundled", labelled_from_folder(tmp_path / "src"), tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()


def test_clashing_and_empty_class_names(tmp_path):
    with pytest.raises(TeachError, match="'Cat' and 'cat' differ only in letter case"):
        labelled_from_pairs([("/a.png", "cat"), ("/b.png", "Cat")])
    with pytest.raises(TeachError, match="differ only"):
        labelled_from_pairs([("/a.png", "big  cat"), ("/b.png", "big cat")])
    with pytest.raises(TeachError, match="empty or holds a control character"):
        labelled_from_pairs([("/a.png", "cat"), ("/b.png", "dog\n")])
    for name in ("Cat", "cat"):
        _copy_class("one", tmp_path / "src" / name, 2)
    with pytest.raises(TeachError, match="differ only in letter case"):
        labelled_from_folder(tmp_path / "src")


def test_unreadable_and_duplicate_images_are_skipped_and_nothing_under_src_changes(tmp_path, cache_dir):
    src = tmp_path / "src"
    ones = _copy_class("one", src / "one", 5)
    twos = _copy_class("two", src / "two", 5)
    (src / "one" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    shutil.copy(ones[0], src / "two" / "also-one.png")  # the same image in two classes: left out of both
    shutil.copy(twos[1], src / "two" / "again.png")  # the same image twice in one class: kept once
    before = _snapshot(src)
    out = tmp_path / "out" / "m.safetensors"
    out.parent.mkdir()
    out.write_bytes(b"an older model")
    with pytest.raises(TeachError, match="already exists"):
        teach("bundled", labelled_from_folder(src), out, TeachSettings(cache_dir=cache_dir))
    result = teach("bundled", labelled_from_folder(src), out, TeachSettings(cache_dir=cache_dir, force=True, epochs=5))
    reasons = {Path(p).name: r for p, r in result.skipped}
    assert reasons["broken.png"].startswith("unreadable image")
    assert "classes 'one' and 'two'" in reasons["also-one.png"]
    assert "classes 'one' and 'two'" in reasons[ones[0].name]
    assert reasons["again.png"].startswith("same file as") or reasons[twos[1].name].startswith("same file as")
    assert len(result.skipped) == 4
    assert out.read_bytes()[:8] != b"an older"
    assert _snapshot(src) == before
    assert sorted(os.listdir(out.parent)) == ["m.confusion.png", "m.md", "m.safetensors"]


def test_cancelling_leaves_nothing_at_the_output(tmp_path, cache_dir):
    _copy_class("one", tmp_path / "src" / "one", 3)
    _copy_class("two", tmp_path / "src" / "two", 3)
    out = tmp_path / "m.safetensors"
    token, epochs = CancelToken(), []

    def on_progress(p):
        if p.phase == "train":
            epochs.append(p.done)
            if p.done == 2:
                token.cancel()  # from the reporting thread, as the window's Cancel button does from its own

    with pytest.raises(Cancelled):
        teach("bundled", labelled_from_folder(tmp_path / "src"), out, TeachSettings(cache_dir=cache_dir),
              on_progress, cancel=token)  # fmt: skip
    assert epochs == [0, 1, 2]  # stopped at the next epoch
    assert not out.exists() and not out.with_suffix(".md").exists()
    for mode in ("head", "finetune"):  # a token cancelled before the start stops both modes before any work
        with pytest.raises(Cancelled):
            teach("bundled", labelled_from_folder(tmp_path / "src"), out,
                  TeachSettings(cache_dir=tmp_path / mode, mode=mode), cancel=token)  # fmt: skip
        assert not out.exists() and not (tmp_path / mode).exists()


def test_resume_starts_afresh_without_a_saved_run_and_refuses_another_runs_state(tmp_path, cache_dir):
    _copy_class("one", tmp_path / "src" / "one", 3)
    _copy_class("two", tmp_path / "src" / "two", 3)
    data, out = labelled_from_folder(tmp_path / "src"), tmp_path / "m.safetensors"
    settings = TeachSettings(cache_dir=cache_dir, resume=True, epochs=3, features="stage2")
    assert teach("bundled", data, out, settings).checkpoint == out
    linear = torch.nn.Linear(2, 2)
    save_state(resume_path(out), 1, "another run", {"w.weight": linear.weight}, torch.optim.AdamW(linear.parameters()))
    settings.force = True
    with pytest.raises(TeachError, match="was for other images, classes, base or settings"):
        teach("bundled", data, out, settings)


def test_tables_written_by_label_and_corrected(tmp_path):
    src = tmp_path / "imgs"
    files = _copy_class("one", src, 2) + _copy_class("two", src, 2)
    table = tmp_path / "labels.csv"
    table.write_text(
        "path,label,index,prob,labels,indices,probs,model,device,precision,error\r\n"
        f"imgs/{files[0].name},one,0,0.9,one,0,0.9,m,cpu,fp32,\r\n"
        f"imgs/{files[1].name},one,0,0.9,one,0,0.9,m,cpu,fp32,\r\n"
        f"{files[2]},two,1,0.9,two,1,0.9,m,cpu,fp32,\r\n"
        f"imgs/{files[3].name},,,,,,,m,cpu,fp32,cannot decode\r\n",
        encoding="utf-8",
    )
    data = labelled_from_table(table)
    assert data.classes == ["one", "two"] and data.labels == [0, 0, 1]
    assert (
        data.paths[0] == str(files[0])
        and len(data.skipped) == 1
        and "could not be labelled: cannot decode" in data.skipped[0][1]
    )
    jsonl = tmp_path / "labels.jsonl"
    rows = [{"path": f"imgs/{files[0].name}", "labels": ["one", "two"]}, {"path": str(files[2]), "label": "two"}]
    jsonl.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    data = labelled_from_table(jsonl)
    assert data.classes == ["one", "two"] and data.paths == [str(files[0]), str(files[2])]
    (tmp_path / "bad.csv").write_text("file,class\nx.png,one\n")
    with pytest.raises(TeachError, match="'path' and 'label' columns"):
        labelled_from_table(tmp_path / "bad.csv")


def test_a_corrected_class_wins_over_the_models_label(tmp_path):
    src = tmp_path / "imgs"
    files = _copy_class("one", src, 2) + _copy_class("two", src, 1)
    table = tmp_path / "corrected.csv"
    table.write_text(
        "path,label,corrected,error\r\n"
        f"imgs/{files[0].name},one,,\r\n"
        f"imgs/{files[1].name},one,three,\r\n"
        f"imgs/{files[2].name},two,,\r\n",
        encoding="utf-8",
    )
    data = labelled_from_table(table)
    assert data.classes == ["one", "three", "two"] and data.labels == [0, 1, 2]
    jsonl = tmp_path / "corrected.jsonl"
    rows = [
        {"path": f"imgs/{files[0].name}", "label": "one", "corrected": None},
        {"path": f"imgs/{files[1].name}", "label": "one", "corrected": "three"},
    ]
    jsonl.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    data = labelled_from_table(jsonl)
    assert data.classes == ["one", "three"] and data.labels == [0, 1]


def test_the_split_is_stratified_and_seeded():
    labels = [0] * 10 + [1] * 5 + [2] * 2
    train, held = stratified_split(labels, 0.2, seed=0)
    assert sorted(train + held) == list(range(len(labels)))
    assert [sum(labels[i] == c for i in held) for c in range(3)] == [2, 1, 1]
    assert stratified_split(labels, 0.2, seed=0) == (train, held)
    assert any(stratified_split(labels, 0.2, seed=s)[1] != held for s in range(1, 5))


def test_a_path_given_with_two_classes_is_left_out():
    data = labelled_from_pairs([("/a.png", "cat"), ("/b.png", "dog"), ("/a.png", "dog"), ("/b.png", "dog")])
    assert data.paths == ["/b.png"] and data.classes == ["dog"]
    assert data.skipped == [("/a.png", "listed as 'cat' and 'dog'; left out")]


def test_a_class_list_orders_the_classes():
    data = labelled_from_pairs([("/a.png", "cat"), ("/b.png", "dog")])
    ordered = with_class_order(data, ["dog", "cat"])
    assert ordered.classes == ["dog", "cat"] and ordered.labels == [1, 0]
    with pytest.raises(TeachError, match="not in the list: 'cat'"):
        with_class_order(data, ["dog", "bird"])
