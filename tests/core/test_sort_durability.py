"""The gaps mutation testing found in sort/undo (issue 27): a move across file systems, the manifest on disk per
file (a killed move-sort can be undone), failed transfers never recorded as done, undo's edge cases, and copies
that keep their times and permissions. Each test fails on the mutant named in its docstring."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from model import fileguard
from model.batch.journal import encode_path
from model.batch.manifest import read_manifest
from model.batch.sort import SortStep, apply_sort, plan_sort, uncertain_folder
from model.batch.undo import undo_sort

REPO = Path(__file__).resolve().parents[2]


def _records(names: list[str]) -> list[dict]:
    return [{**encode_path(n), "labels": ["k"], "indices": [0], "probs": [0.9], "error": None} for n in names]


def _files(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"content of {name}")


def test_a_move_across_file_systems_copies_then_deletes_and_undoes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Mutants: the source deleted without being copied; the copy kept but the source not deleted."""
    root, dest = tmp_path / "in", tmp_path / "out"
    _files(root, "a.png", "sub/b.png")
    real_replace = os.replace

    def cross_device(src, dst):
        if Path(src).parent != Path(dst).parent:  # the atomic temp-file renames of other writers still work
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_replace(src, dst)

    monkeypatch.setattr(fileguard.os, "replace", cross_device)
    result = apply_sort(plan_sort(_records(["a.png", "sub/b.png"]), root, dest, ["k"]), dest, move=True)
    assert result.done == 2 and not result.failed
    assert (dest / "k" / "b.png").read_text() == "content of sub/b.png"
    assert not (root / "a.png").exists() and not (root / "sub" / "b.png").exists()
    (root / "sub").rmdir()  # the user tidies the emptied folder: undo makes it again
    undone = undo_sort(result.manifest)
    assert undone.restored == 2 and not undone.problems
    assert (root / "sub" / "b.png").read_text() == "content of sub/b.png" and not (dest / "k").exists()


@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="no tmpfs at /dev/shm")
def test_a_real_move_onto_another_file_system_and_back(tmp_path: Path):
    root = tmp_path / "in"
    _files(root, "a.png")
    dest = Path(os.environ.get("COATNET_TEST_SHM", "/dev/shm")) / f"coatnet-sort-{os.getpid()}"
    if os.stat("/dev/shm").st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("/dev/shm is on the same file system here")
    try:
        result = apply_sort(plan_sort(_records(["a.png"]), root, dest, ["k"]), dest, move=True)
        assert result.done == 1 and (dest / "k" / "a.png").read_text() == "content of a.png"
        assert not (root / "a.png").exists()
        assert undo_sort(result.manifest).restored == 1 and (root / "a.png").read_text() == "content of a.png"
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def test_a_killed_move_sort_can_be_undone_up_to_its_last_file(tmp_path: Path):
    """Mutant: the manifest not flushed per file (its lines die with the process)."""
    root, dest = tmp_path / "in", tmp_path / "out"
    names = [f"{i}.png" for i in range(6)]
    _files(root, *names)
    script = textwrap.dedent(
        f"""
        import os, signal
        from model.batch.journal import encode_path
        from model.batch.sort import SortStep, apply_sort, plan_sort, uncertain_folder
        records = [{{**encode_path(n), "labels": ["k"], "indices": [0], "probs": [0.9], "error": None}}
                   for n in {names!r}]
        done = []
        def step(s, d):
            done.append(d)
            if len(done) == 3:
                os.kill(os.getpid(), signal.SIGKILL)
        apply_sort(plan_sort(records, {str(root)!r}, {str(dest)!r}, ["k"]), {str(dest)!r}, move=True, on_step=step)
        """
    )
    env = {**os.environ, "COATNET_LENS_DATA": os.environ["COATNET_LENS_DATA"]}
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert len(list((dest / "k").iterdir())) == 3 and len(list(root.iterdir())) == 3
    manifest = next(dest.glob("coatnet-sort-*.jsonl"))
    assert read_manifest(manifest).files == 3
    undone = undo_sort(manifest)
    assert undone.restored == 3 and sorted(p.name for p in root.iterdir()) == sorted(names)


def test_a_failed_copy_is_reported_not_recorded_and_leaves_no_placeholder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Mutant: the failed transfer's ``raise`` turned into ``pass`` (counted as done, written to the manifest)."""
    root, dest = tmp_path / "in", tmp_path / "out"
    _files(root, "a.png", "b.png")
    real = shutil.copyfileobj

    def failing(fin, fout, length=0):
        if fin.name.endswith("b.png"):
            raise OSError(errno.EIO, "Input/output error")
        return real(fin, fout, length)

    monkeypatch.setattr(fileguard.shutil, "copyfileobj", failing)
    result = apply_sort(plan_sort(_records(["a.png", "b.png"]), root, dest, ["k"]), dest)
    assert result.done == 1 and [(p.name, why) for p, why in result.failed] == [("b.png", "Input/output error")]
    assert sorted(p.name for p in (dest / "k").iterdir()) == ["a.png"]
    assert read_manifest(result.manifest).files == 1


def test_undo_of_a_copy_twice_or_after_the_user_deleted_a_copy_reports_no_problem(tmp_path: Path):
    root, dest = tmp_path / "in", tmp_path / "out"
    _files(root, "a.png", "b.png")
    result = apply_sort(plan_sort(_records(["a.png", "b.png"]), root, dest, ["k"]), dest)
    (dest / "k" / "b.png").unlink()
    first = undo_sort(result.manifest)
    assert (first.restored, first.problems) == (2, [])
    second = undo_sort(result.manifest)
    assert (second.restored, second.problems) == (2, []) and (root / "a.png").exists() and (root / "b.png").exists()


def test_an_error_during_undo_is_a_problem_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root, dest = tmp_path / "in", tmp_path / "out"
    _files(root, "a.png")
    result = apply_sort(plan_sort(_records(["a.png"]), root, dest, ["k"]), dest)

    def refuse(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "unlink", refuse)
    undone = undo_sort(result.manifest)
    assert undone.restored == 0 and undone.problems == [f"{dest / 'k' / 'a.png'}: Permission denied"]


def test_copies_keep_their_times_and_permission_bits(tmp_path: Path):
    """Mutant: ``copystat`` removed."""
    root, dest = tmp_path / "in", tmp_path / "out"
    _files(root, "a.png")
    os.chmod(root / "a.png", 0o640)
    os.utime(root / "a.png", (1_000_000_000, 1_000_000_000))
    apply_sort(plan_sort(_records(["a.png"]), root, dest, ["k"]), dest)
    copy = (dest / "k" / "a.png").stat()
    assert copy.st_mtime == 1_000_000_000 and (copy.st_mode & 0o777) == 0o640


def test_a_step_outside_dest_or_from_a_vanished_file_fails_with_its_reason_and_writes_nothing(tmp_path: Path):
    """Mutants: either refusal's ``raise`` turned into ``pass``."""
    root, dest = tmp_path / "in", tmp_path / "out"
    _files(root, "a.png", "gone.png")
    steps = list(plan_sort(_records(["a.png", "gone.png"]), root, dest, ["k"]))
    (root / "gone.png").unlink()  # deleted between the preview and the sort
    outside = SortStep(root / "a.png", tmp_path / "elsewhere" / "a.png", "k")
    result = apply_sort([outside, *steps], dest)
    assert [(p.name, why) for p, why in result.failed] == [
        ("a.png", f"{tmp_path / 'elsewhere' / 'a.png'} is not inside {dest}"),
        ("gone.png", "no such file"),
    ]
    assert result.done == 1 and sorted(p.name for p in (dest / "k").iterdir()) == ["a.png"]
    assert not (tmp_path / "elsewhere").exists() and read_manifest(result.manifest).files == 1


def test_records_without_a_class_are_left_out_and_uncertain_folders_are_numbered_from_two(tmp_path: Path):
    records = _records(["a.png"]) + [{**encode_path("b.png"), "labels": [], "indices": [], "probs": [], "error": None}]
    assert [s.src.name for s in plan_sort(records, tmp_path / "in", tmp_path / "out", ["k"])] == ["a.png"]
    assert uncertain_folder(["Uncertain"]) == "uncertain (2)" and uncertain_folder(["k"]) == "uncertain"


def test_a_sort_makes_a_new_nested_destination(tmp_path: Path):
    """Mutant: DEST's missing parents not made."""
    root, dest = tmp_path / "in", tmp_path / "new" / "nested" / "out"
    _files(root, "a.png")
    assert apply_sort(plan_sort(_records(["a.png"]), root, dest, ["k"]), dest).done == 1
    assert (dest / "k" / "a.png").read_text() == "content of a.png"


def test_undo_of_a_move_remakes_removed_source_folders_and_names_a_file_gone_from_both_places(tmp_path: Path):
    """Mutants: the source's missing parents not made; a file gone from DEST and its source reported as restored."""
    root, dest = tmp_path / "in", tmp_path / "out"
    _files(root, "deep/er/a.png", "b.png")
    result = apply_sort(plan_sort(_records(["deep/er/a.png", "b.png"]), root, dest, ["k"]), dest, move=True)
    shutil.rmtree(root / "deep")  # the user tidies the emptied folders
    (dest / "k" / "b.png").unlink()  # and deletes one sorted file
    undone = undo_sort(result.manifest)
    assert undone.restored == 1 and undone.problems == [
        f"{dest / 'k' / 'b.png'} is gone; cannot put back {root / 'b.png'}"
    ]
    assert (root / "deep" / "er" / "a.png").read_text() == "content of deep/er/a.png"


def test_undo_of_a_copy_keeps_a_link_or_folder_found_where_the_copy_was(tmp_path: Path):
    """Mutants: a link to an identical file deleted as if it were the copy; a kept link or folder counted as undone."""
    root, dest = tmp_path / "in", tmp_path / "out"
    _files(root, "a.png", "b.png")
    result = apply_sort(plan_sort(_records(["a.png", "b.png"]), root, dest, ["k"]), dest)
    (dest / "k" / "a.png").unlink()
    shutil.copy(root / "a.png", tmp_path / "kept.png")
    (dest / "k" / "a.png").symlink_to(tmp_path / "kept.png")  # the user's link to an identical file
    (dest / "k" / "b.png").unlink()
    (dest / "k" / "b.png").mkdir()
    undone = undo_sort(result.manifest)
    why = "the sort never writes a link or folder there"
    assert undone.restored == 0 and undone.problems == [f"kept {dest / 'k' / n}: {why}" for n in ("b.png", "a.png")]
    assert (dest / "k" / "a.png").is_symlink() and (dest / "k" / "b.png").is_dir()
