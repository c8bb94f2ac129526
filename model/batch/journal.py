"""The journal of a batch run: every result is on disk as soon as it exists, so a killed run can resume.

The journal is a JSON Lines file (UTF-8):

* line 1, the header: ``{"coatnet_journal": 1, ...settings}`` (root, model, top-k, ... of the run);
* then per chunk of images, one record per image — the object ``label --out x.jsonl`` writes — followed by a
  commit line ``{"commit": n}`` (n records). A chunk goes to the file in one ``write`` and is complete once
  its commit line is there; on resume an uncommitted tail (a run killed mid-write) is cut off and redone.

Paths in records are relative to the run's root. A name that is not valid UTF-8 is written as ``path`` with
each undecodable byte as ``\\xNN`` (readable, valid UTF-8) plus ``path_b64``, the exact bytes in base64;
:func:`decode_path` turns such a record back into the ``os.fsdecode`` name that opens the file.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path

JOURNAL_KEY = "coatnet_journal"
JOURNAL_VERSION = 1
COMMIT_KEY = "commit"


class JournalError(Exception):
    """A journal cannot be resumed (unreadable, or written with other settings); ``str()`` says why."""


def printable(text: str) -> str:
    """Return ``text`` as valid Unicode: bytes that ``os.fsdecode`` kept as lone surrogates become ``\\xNN``."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")


def encode_path(name: str, key: str = "path") -> dict[str, str]:
    """Return the JSON fields naming the file ``name``: ``{key: text}``, plus ``{key}_b64`` (the exact bytes)
    when the name is not valid UTF-8."""
    raw = os.fsencode(name)
    try:
        return {key: raw.decode("utf-8")}
    except UnicodeDecodeError:
        return {key: printable(name), f"{key}_b64": base64.b64encode(raw).decode("ascii")}


def decode_path(record: dict, key: str = "path") -> str:
    """Return the file-system name (``os.fsdecode`` form) stored under ``key`` by :func:`encode_path`."""
    if f"{key}_b64" in record:
        return os.fsdecode(base64.b64decode(record[f"{key}_b64"]))
    return record[key]


def _dumps(obj: dict) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def is_record(obj: object) -> bool:
    """Return whether ``obj`` can be a result record: a ``path`` (or ``path_b64``) naming a file and, where
    present, ``labels`` / ``indices`` / ``probs`` lists (of text, whole numbers, numbers), ``model``, ``device``
    and ``precision`` text and ``error`` text or null."""
    if not isinstance(obj, dict):
        return False
    try:
        name = decode_path(obj)
    except (KeyError, TypeError, ValueError):
        return False
    kinds = {"labels": (str,), "indices": (int,), "probs": (int, float)}
    return (
        isinstance(name, str)
        and all(
            isinstance(obj.get(key, []), list)
            and all(isinstance(x, kind) and not isinstance(x, bool) for x in obj.get(key, []))
            for key, kind in kinds.items()
        )
        and all(isinstance(obj.get(key, ""), str) for key in ("model", "device", "precision"))
        and (obj.get("error") is None or isinstance(obj["error"], str))
    )


def _committed(path: Path) -> Iterator[tuple[list[dict], int]]:
    """Yield ``(records, end offset)`` per committed chunk of the journal at ``path`` (after the header). The
    committed part ends at the first line that is torn, not JSON, not a record or a commit that does not match
    (what follows is redone on resume)."""
    with path.open("rb") as f:
        f.readline()
        pending: list[dict] = []
        for line in f:
            if not line.endswith(b"\n"):
                return  # torn last line
            try:
                obj = json.loads(line)
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
                return
            if isinstance(obj, dict) and COMMIT_KEY in obj:
                if obj[COMMIT_KEY] != len(pending) or isinstance(obj[COMMIT_KEY], bool):
                    return
                yield pending, f.tell()
                pending = []
            elif is_record(obj):
                pending.append(obj)
            else:
                return


def read_header(path: str | os.PathLike) -> dict:
    """Return the header of the journal at ``path``; raises :class:`JournalError` when it has none."""
    try:
        with Path(path).open("rb") as f:
            header = json.loads(f.readline())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise JournalError(f"{path} is not a readable batch journal ({exc})") from None
    if not isinstance(header, dict) or header.get(JOURNAL_KEY) != JOURNAL_VERSION:
        raise JournalError(f"{path} is not a batch journal of this version")
    return header


def read_records(path: str | os.PathLike) -> Iterator[dict]:
    """Yield the committed records of the journal at ``path`` in the order they were written (streaming)."""
    for records, _ in _committed(Path(path)):
        yield from records


class Journal:
    """An open journal. ``done`` holds the paths (``os.fsdecode`` form) already labelled by an earlier run
    and ``failed`` how many of those are error rows; :meth:`commit` appends a chunk."""

    def __init__(self, path: str | os.PathLike, settings: dict, resume: bool = False):
        """Open ``path`` for a run with ``settings`` (JSON values). With ``resume`` an existing journal is
        continued after checking it was written with the same settings (else :class:`JournalError`);
        without, or when there is none, a new journal replaces any old one."""
        self.path = Path(path)
        self.settings = dict(settings)
        self.done: set[str] = set()
        self.failed = 0
        self.resumed = resume and self.path.exists()
        if self.resumed:
            end = self._load()
            self._file = self.path.open("r+b", buffering=0)
            self._file.truncate(end)
            self._file.seek(end)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("wb", buffering=0)
            self._write(_dumps({JOURNAL_KEY: JOURNAL_VERSION, **self.settings}))

    def _load(self) -> int:
        """Read what an earlier run committed; return the offset where its committed part ends."""
        header = read_header(self.path)
        differ = [k for k, v in self.settings.items() if header.get(k) != v]
        if differ:
            was = ", ".join(f"{k}={header.get(k)!r}" for k in differ)
            now = ", ".join(f"{k}={self.settings[k]!r}" for k in differ)
            raise JournalError(f"{self.path} was written with {was}, not {now}; run without --resume to start over")
        with self.path.open("rb") as f:
            end = len(f.readline())
        for records, chunk_end in _committed(self.path):
            self.done.update(decode_path(r) for r in records)
            self.failed += sum(1 for r in records if r.get("error"))
            end = chunk_end
        return end

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[self._file.write(view) :]

    def commit(self, records: list[dict]) -> None:
        """Append ``records`` (one chunk) and its commit line with one write; they are in the OS's hands
        (safe from a killed process, not from a power cut) when this returns."""
        self._write(b"".join(map(_dumps, records)) + _dumps({COMMIT_KEY: len(records)}))

    def close(self) -> None:
        """Close the file (it stays on disk)."""
        self._file.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
