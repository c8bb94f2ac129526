"""What :mod:`model.atomic` promises beyond permissions (tests/core/test_file_modes.py): the whole new file is on
disk (flushed and synced) before it replaces the old one, missing folders are made, a failure leaves the old file
and no temp file, and a clash of temp names is retried a bounded number of times. Each test fails on a mutant
that mutation testing found surviving (issue 27)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from model import atomic
from model.atomic import atomic_binary_writer, atomic_writer, write_bytes_atomically


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, bytes]]:
    """Record, at each ``os.fsync``, the size of the synced file and what the target held then."""
    seen: list[tuple[int, bytes]] = []
    real = os.fsync

    def spy(fd: int) -> None:
        target = Path(os.readlink(f"/proc/self/fd/{fd}")).parent / "out"
        seen.append((os.fstat(fd).st_size, target.read_bytes() if target.exists() else b""))
        real(fd)

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc/self/fd")
    monkeypatch.setattr(atomic.os, "fsync", spy)
    return seen


@pytest.mark.parametrize("writer", ["text", "binary", "bytes"])
def test_the_whole_new_file_is_synced_before_it_replaces_the_old_one(tmp_path: Path, synced: list, writer: str):
    """Mutants: the flush or the fsync deleted; ``sync`` off by default."""
    path = tmp_path / "out"
    path.write_bytes(b"old")
    data = "new content " * 10
    if writer == "text":
        with atomic_writer(path) as f:
            f.write(data)
    elif writer == "binary":
        with atomic_binary_writer(path) as f:
            f.write(data.encode())
    else:
        write_bytes_atomically(path, data.encode())
    assert synced == [(len(data), b"old")] and path.read_text() == data


def test_a_cache_write_may_skip_the_sync(tmp_path: Path, synced: list):
    write_bytes_atomically(tmp_path / "out", b"cache", sync=False)
    assert synced == [] and (tmp_path / "out").read_bytes() == b"cache"


def test_a_text_write_makes_missing_folders_and_writes_into_existing_ones(tmp_path: Path):
    """Mutants: ``parents`` or ``exist_ok`` turned off."""
    for path in (tmp_path / "a" / "b" / "out.csv", tmp_path / "a" / "b" / "again.csv"):
        with atomic_writer(path) as f:
            f.write("x")
        assert path.read_text() == "x"


def test_a_failed_write_raises_and_leaves_the_old_file_and_no_temp_file(tmp_path: Path):
    """Mutants: the temp file not removed; the error swallowed."""
    path = tmp_path / "out"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="disk full"), atomic_binary_writer(path) as f:
        f.write(b"half")
        raise RuntimeError("disk full")
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["out"]


def test_when_the_old_mode_cannot_be_kept_the_write_fails_and_leaks_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Mutants: the descriptor left open, the temp file left, the error swallowed."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc/self/fd")
    path = tmp_path / "out"
    path.write_bytes(b"old")
    path.chmod(0o640)

    def refuse(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(atomic.os, "chmod", refuse)
    before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(PermissionError):
        write_bytes_atomically(path, b"new")
    assert len(os.listdir("/proc/self/fd")) == before
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["out"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_taken_temp_name_is_retried_a_bounded_number_of_times(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Mutants: the number of tries changed; giving up without an error."""
    names = iter(["taken", "free"])
    monkeypatch.setattr(atomic.secrets, "token_hex", lambda n: next(names))
    (tmp_path / ".out.taken.tmp").write_bytes(b"someone else's")
    write_bytes_atomically(tmp_path / "out", b"new")
    assert (tmp_path / "out").read_bytes() == b"new"
    assert (tmp_path / ".out.taken.tmp").read_bytes() == b"someone else's"

    calls: list[int] = []
    monkeypatch.setattr(atomic.secrets, "token_hex", lambda n: calls.append(n) or "taken")
    with pytest.raises(FileExistsError, match="after 100 tries"):
        write_bytes_atomically(tmp_path / "out", b"newer")
    assert len(calls) == 100 and (tmp_path / "out").read_bytes() == b"new"
