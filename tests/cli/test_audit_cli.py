"""``coatnet-gui audit``: end to end in a subprocess on real Fashion-MNIST images (flipped labels come first, a
copy is grouped, the summary ends the run, nothing under SRC is written), then each bad input in-process with
its one clear message."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coatnet_gui.cli.main import main

REPO = Path(__file__).resolve().parents[2]
SLICE = REPO / "tests" / "data" / "fmnist_test_slice"
CLASSES = ("Trouser", "Bag", "Sneaker", "Dress")
PER_CLASS = 8
FLIPPED = {("Trouser", 0): "Bag", ("Bag", 1): "Sneaker", ("Sneaker", 2): "Trouser"}  # (true, n) -> given


def _files(klass: str) -> list[Path]:
    return sorted(SLICE.glob(f"*_{klass}.png"))[:PER_CLASS]


@pytest.fixture()
def cache(tmp_path_factory, monkeypatch) -> Path:
    """One feature cache for the module's runs (the features of the same files are computed once)."""
    folder = tmp_path_factory.getbasetemp() / "audit-cli-cache"
    monkeypatch.setenv("COATNET_LENS_CACHE", str(folder))
    return folder


@pytest.fixture()
def src(tmp_path) -> Path:
    """Four classes of eight images, three of them in the wrong class folder, and one renamed copy."""
    root = tmp_path / "src"
    for klass in CLASSES:
        for n, f in enumerate(_files(klass)):
            given = FLIPPED.get((klass, n), klass)
            (root / given).mkdir(parents=True, exist_ok=True)
            shutil.copy(f, root / given / f.name)
    shutil.copy(_files("Dress")[3], root / "Dress" / "renamed.png")
    return root


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_audit_end_to_end_in_a_subprocess(src, cache, tmp_path):
    before = sorted(p.relative_to(src) for p in src.rglob("*"))
    out = tmp_path / "audit.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "coatnet_gui", "audit", str(src), "--out", str(out), "--folds", "4", "--device", "cpu"],
        cwd=REPO,
        env={**os.environ, "OMP_NUM_THREADS": "1", "COATNET_LENS_CACHE": str(cache)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "33 images, 4 classes" in proc.stderr and "features 33/33" in proc.stderr
    summary = proc.stdout.strip().splitlines()[-1]
    assert summary.startswith("audited 33 images in 4 classes: ") and "likely wrong labels" in summary
    assert summary.endswith(f"wrote {out}") and "1 groups" in summary
    rows = _rows(out)
    assert [r["path"] for r in rows[:3]] and list(rows[0])[:6] == ["path", "given", "suggested", "suspect", "issue",
                                                                   "group"]  # fmt: skip
    suspects = [float(r["suspect"]) for r in rows]
    assert suspects == sorted(suspects, reverse=True)
    flipped_names = {_files(k)[n].name for k, n in FLIPPED}
    top = {Path(r["path"]).name for r in rows[:3]}
    assert len(top & flipped_names) >= 2, rows[:5]
    for r in rows:
        if Path(r["path"]).name in flipped_names & top:
            assert r["issue"] == "label" and r["suggested"] != r["given"]
    grouped = {Path(r["path"]).name for r in rows if r["group"]}
    assert grouped == {"renamed.png", _files("Dress")[3].name}
    assert sorted(p.relative_to(src) for p in src.rglob("*")) == before


def _audit(*argv: str) -> int:
    return main(["audit", *argv, "--device", "cpu", "--folds", "2"])


def test_no_labels_one_class_and_two_images_say_what_was_checked(src, cache, tmp_path, capsys):
    plain = tmp_path / "plain"
    plain.mkdir()
    for f in _files("Bag")[:4]:
        shutil.copy(f, plain / f.name)
    assert _audit(str(plain), "--out", str(tmp_path / "a.csv")) == 0
    err = capsys.readouterr().err
    assert "4 images, no labels" in err and "note: no labels: only duplicates and outliers were checked" in err
    one = tmp_path / "one"
    shutil.copytree(src / "Bag", one / "Bag")
    assert _audit(str(one), "--out", str(tmp_path / "b.csv")) == 0
    assert "note: every labelled image is 'Bag': checking labels needs two classes or more" in capsys.readouterr().err
    two = tmp_path / "two"
    for klass in ("Bag", "Dress"):
        (two / klass).mkdir(parents=True)
        shutil.copy(_files(klass)[0], two / klass)
    assert _audit(str(two), "--out", str(tmp_path / "c.csv")) == 0
    assert "note: only 2 labelled images: checking labels with 2 folds needs at least 4" in capsys.readouterr().err
    assert len(_rows(tmp_path / "c.csv")) == 2


def test_unreadable_files_are_error_rows_counted_and_exit_1(src, cache, tmp_path, capsys):
    (src / "Bag" / "broken.png").write_bytes(b"not an image")
    out = tmp_path / "a.jsonl"
    assert _audit(str(src), "--out", str(out)) == 1
    captured = capsys.readouterr()
    assert "broken.png: error: unreadable image" in captured.err
    assert "1 unreadable or missing" in captured.out
    assert sum('"issue": "error"' in line for line in out.read_text().splitlines()) == 1


def test_a_table_written_elsewhere_and_one_whose_files_are_gone(src, cache, tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    table = elsewhere / "results.csv"
    names = [p.relative_to(src).as_posix() for p in sorted(src.rglob("*.png"))]
    table.write_text("path,label\n" + "".join(f"{n},{n.split('/')[0]}\n" for n in names))
    assert _audit(str(table), "--out", str(tmp_path / "a.csv")) == 2
    err = capsys.readouterr().err
    assert f"None of the 33 images listed in results.csv exists under {elsewhere}" in err
    assert "give the folder it labelled: coatnet-gui audit FOLDER --labels" in err
    assert _audit(str(src), "--labels", str(table), "--out", str(tmp_path / "b.csv")) == 0
    assert len(_rows(tmp_path / "b.csv")) == 33
    capsys.readouterr()
    gone = tmp_path / "gone"
    shutil.copytree(src, gone)
    (gone / "results.csv").write_text(table.read_text())
    for name in names[:2]:
        (gone / name).unlink()
    assert _audit(str(gone / "results.csv"), "--out", str(tmp_path / "c.csv")) == 1
    assert "missing: the file is not there any more" in capsys.readouterr().err
    shutil.rmtree(gone)
    assert _audit(str(tmp_path / "gone" / "results.csv"), "--out", str(tmp_path / "d.csv")) == 2
    assert "does not exist" in capsys.readouterr().err


def test_usage_errors_exit_2(src, tmp_path, capsys):
    assert _audit(str(src), "--out", str(tmp_path / "a.txt")) == 2
    assert "--out: output must end in .csv or .jsonl" in capsys.readouterr().err
    assert main(["audit", str(src), "--folds", "1"]) == 2
    assert "--folds must be at least 2" in capsys.readouterr().err


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_keep_one_moves_the_copies_into_dest_and_undo_sort_puts_them_back(src, cache, tmp_path, capsys):
    from PIL import Image

    original = _files("Dress")[3]
    with Image.open(original) as image:  # a copy cropped by one pixel off the left edge, larger than its original
        image.crop((1, 0, 28, 28)).resize((54, 56)).save(src / "Dress" / "cropped.png")
    before = _tree(src)
    dest = tmp_path / "src-duplicates"
    assert _audit(str(src), "--out", str(tmp_path / "a.csv"), "--keep-one", str(dest)) == 0
    out = capsys.readouterr().out
    assert "keep one: 1 kept, 2 moved, 0 failed; manifest: " in out
    manifest = out.split("manifest: ")[1].split(";")[0]
    assert Path(manifest).parent == dest and "undo with: coatnet-gui undo-sort" in out
    # the largest picture stays; its original and the renamed copy go, at their relative paths
    assert sorted(_tree(dest)) == sorted([f"Dress/{original.name}", "Dress/renamed.png", Path(manifest).name])
    assert _tree(dest)["Dress/renamed.png"] == before["Dress/renamed.png"]
    assert (src / "Dress" / "cropped.png").read_bytes() == before["Dress/cropped.png"]
    assert main(["undo-sort", manifest]) == 0
    assert _tree(src) == before
    assert sorted(_tree(dest)) == [Path(manifest).name]  # the folders it made are gone again


def test_keep_one_refuses_a_dest_inside_src_or_a_link_before_auditing(src, tmp_path, capsys):
    assert _audit(str(src), "--out", str(tmp_path / "a.csv"), "--keep-one", str(src / "dups")) == 2
    err = capsys.readouterr().err
    assert "--keep-one" in err and "lies inside the audited folder" in err and not (tmp_path / "a.csv").exists()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    assert _audit(str(src), "--out", str(tmp_path / "a.csv"), "--keep-one", str(tmp_path / "link")) == 2
    assert "is a link" in capsys.readouterr().err
