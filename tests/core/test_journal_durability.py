"""The journal's promises, each tested against the mutant that broke it unnoticed (issue 27): a fresh run replaces
an old journal, records are on disk as soon as commit returns (read by another process mid-run), a chunk whose
commit count disagrees is not trusted, a foreign file is refused on resume, and a torn tail is cut off exactly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from model.batch.journal import Journal, JournalError, decode_path, encode_path, printable, read_records

REPO = Path(__file__).resolve().parents[2]
SETTINGS = {"root": "/photos", "model": "m"}


def _record(name: str) -> dict:
    return {**encode_path(name), "labels": ["k"], "indices": [0], "probs": [0.9], "error": None}


def _paths(path: Path) -> list[str]:
    return [r["path"] for r in read_records(path)]


def test_a_run_without_resume_replaces_the_old_journal(tmp_path: Path):
    path = tmp_path / "run.journal"
    with Journal(path, SETTINGS) as journal:
        journal.commit([_record("old.png")])
    with Journal(path, SETTINGS, resume=False) as journal:
        assert not journal.resumed and not journal.done
        journal.commit([_record("new.png")])
    assert _paths(path) == ["new.png"]


def test_committed_records_are_readable_by_another_process_before_the_journal_closes(tmp_path: Path):
    path = tmp_path / "run.journal"
    journal = Journal(path, SETTINGS)
    try:
        journal.commit([_record("a.png"), _record("b.png")])
        reader = "import sys; from model.batch.journal import read_records; print(len(list(read_records(sys.argv[1]))))"
        done = subprocess.run([sys.executable, "-c", reader, str(path)], cwd=REPO, capture_output=True, text=True)
        assert done.stdout.strip() == "2", done.stderr
    finally:
        journal.close()


def test_a_chunk_whose_commit_count_disagrees_is_not_trusted(tmp_path: Path):
    path = tmp_path / "run.journal"
    with Journal(path, SETTINGS) as journal:
        journal.commit([_record("a.png")])
    with path.open("ab") as f:
        f.write((json.dumps(_record("b.png")) + "\n" + json.dumps(_record("c.png")) + "\n").encode())
        f.write(b'{"commit":3}\n')  # two records, a commit of three: a corrupt chunk
    assert _paths(path) == ["a.png"]
    with Journal(path, SETTINGS, resume=True) as journal:
        assert journal.done == {"a.png"}


@pytest.mark.parametrize("content", [b"not a journal\n", b'{"coatnet_journal": 999}\n', b""])
def test_resuming_a_file_that_is_not_a_journal_of_this_version_is_refused(tmp_path: Path, content: bytes):
    path = tmp_path / "run.journal"
    path.write_bytes(content)
    with pytest.raises(JournalError):
        Journal(path, SETTINGS, resume=True)
    assert path.read_bytes() == content  # nothing written over the user's file


def test_resuming_another_runs_journal_is_refused(tmp_path: Path):
    path = tmp_path / "run.journal"
    with Journal(path, SETTINGS) as journal:
        journal.commit([_record("a.png")])
    with pytest.raises(JournalError, match="was written with model='m', not model='other'"):
        Journal(path, {**SETTINGS, "model": "other"}, resume=True)


@pytest.mark.parametrize("tail", [b'{"path": "torn', b'{"path": "x.png", "labels": ["a very long torn tail' * 40])
def test_a_torn_tail_is_cut_off_exactly_on_resume(tmp_path: Path, tail: bytes):
    path = tmp_path / "run.journal"
    with Journal(path, SETTINGS) as journal:
        journal.commit([_record("a.png")])
    clean = path.read_bytes()
    with path.open("ab") as f:
        f.write(tail)
    with Journal(path, SETTINGS, resume=True) as journal:
        assert journal.done == {"a.png"}
        journal.commit([_record("b.png")])
    with Journal(tmp_path / "expected.journal", SETTINGS) as journal:
        journal.commit([_record("a.png")])
        journal.commit([_record("b.png")])
    assert path.read_bytes() == (tmp_path / "expected.journal").read_bytes()
    assert path.read_bytes().startswith(clean) and _paths(path) == ["a.png", "b.png"]


def test_a_journal_opened_without_resume_by_default_replaces_and_makes_its_folder(tmp_path: Path):
    path = tmp_path / "runs" / "new" / "run.journal"
    with Journal(path, SETTINGS) as journal:
        journal.commit([_record("old.png")])
    with Journal(path, SETTINGS) as journal:
        assert not journal.resumed
    assert _paths(path) == []


def test_resuming_a_journal_killed_before_its_first_commit_and_counting_failures(tmp_path: Path):
    path = tmp_path / "run.journal"
    Journal(path, SETTINGS).close()  # only the header
    with Journal(path, SETTINGS, resume=True) as journal:
        assert journal.resumed and not journal.done
        journal.commit([_record("a.png"), {**_record("b.png"), "error": "cannot decode"}, _record("c.png")])
    with Journal(path, SETTINGS, resume=True) as journal:
        assert journal.done == {"a.png", "b.png", "c.png"} and journal.failed == 1


def test_a_journal_header_that_is_json_but_not_an_object_is_refused(tmp_path: Path):
    path = tmp_path / "run.journal"
    path.write_bytes(b"[1, 2]\n")
    with pytest.raises(JournalError, match="not a batch journal of this version"):
        Journal(path, SETTINGS, resume=True)


def test_names_that_are_not_utf8_round_trip_and_print(tmp_path: Path):
    name = os.fsdecode(b"caf\xe9 \xff.png")
    fields = encode_path(name)
    assert fields["path"] == "caf\\xe9 \\xff.png" and decode_path(fields) == name
    assert printable(name) == "caf\\xe9 \\xff.png" and printable("猫.png") == "猫.png"
    assert encode_path("猫.png", "src") == {"src": "猫.png"}
    path = tmp_path / "run.journal"
    with Journal(path, SETTINGS) as journal:
        journal.commit([{**encode_path(name), "labels": ["k"]}])
    with Journal(path, SETTINGS, resume=True) as journal:
        assert journal.done == {name}


@pytest.mark.parametrize(
    "bad",
    [
        {"labels": "k"},  # not a list
        {"labels": [1]},  # not text
        {"indices": [True]},  # a bool is not a class index
        {"probs": ["0.9"]},
        {"model": 1},
        {"error": 5},
        {"path": None},
    ],
    ids=["labels-text", "labels-int", "indices-bool", "probs-text", "model-int", "error-int", "no-path"],
)
def test_a_line_that_is_not_a_record_ends_the_committed_part(tmp_path: Path, bad: dict):
    """Mutants: any of :func:`is_record`'s checks loosened (``and`` -> ``or``, ``is`` flipped)."""
    path = tmp_path / "run.journal"
    with Journal(path, SETTINGS) as journal:
        journal.commit([_record("a.png")])
        journal.commit([{**_record("b.png"), "error": "cannot decode", **bad}])
        journal.commit([{**_record("c.png"), "error": "cannot decode"}])
    assert _paths(path) == ["a.png"]


def test_closing_a_journal_releases_its_file(tmp_path: Path):
    """Mutant: :meth:`Journal.close` closes nothing (one descriptor leaked per run)."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc/self/fd")
    before = len(os.listdir("/proc/self/fd"))
    with Journal(tmp_path / "run.journal", SETTINGS) as journal:
        journal.commit([_record("a.png")])
    assert len(os.listdir("/proc/self/fd")) == before
