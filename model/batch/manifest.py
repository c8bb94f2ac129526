"""Sort manifests: the JSON Lines record, in DEST, of every file a sort copied or moved, which is what undo reads.

A manifest names absolute paths, so undo must not trust one blindly: a crafted manifest dropped into some folder
could otherwise make undo delete or move any file it names. Three rules hold for every manifest:

- it lies in the DEST its header names, and DEST is a real folder (not a symbolic link);
- undo acts only on paths inside DEST (:func:`model.fileguard.is_inside`, so no link leads out), never on a
  ``dst`` equal to its ``src``, and a move back never overwrites an existing file;
- the app signs what it writes with the user's key (:mod:`model.signing`): the header carries a random
  ``nonce`` and every line an HMAC over the nonce, its line number and its content. A manifest whose lines do
  not all verify is *foreign*: :func:`model.batch.undo.undo_sort` refuses it unless the caller confirmed it
  after showing :meth:`Manifest.describe`, and even then it only deletes identical copies inside DEST, never
  moves a file out of DEST.

The header is ``{"coatnet_sort_manifest": 1, "mode": "copy"|"move", "dest": ..., "nonce": ..., "mac": ...}``;
then ``{"mkdir": folder}`` for each class folder the sort created and ``{"src": ..., "dst": ...}`` per file,
each flushed as written so that an interrupted sort can be undone. A torn last line (a kill mid-write) is
ignored.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from model.batch.journal import decode_path, encode_path
from model.fileguard import claim
from model.signing import signed, user_key, verify

MANIFEST_KEY = "coatnet_sort_manifest"
MODES = ("copy", "move")


def _context(nonce: str, line: int) -> str:
    return f"{MANIFEST_KEY}:{nonce}:{line}"


class ManifestWriter:
    """Writes a signed manifest ``DEST/coatnet-sort-<time>.jsonl`` line by line; use as a context manager."""

    def __init__(self, dest: Path, mode: str):
        self.dest, self.mode = dest, mode
        self.key = user_key()
        self.nonce = secrets.token_hex(16)
        self.path = claim(dest / f"coatnet-sort-{time.strftime('%Y%m%d-%H%M%S')}.jsonl")
        self._file: IO[str] | None = None
        self._line = 0

    def __enter__(self) -> ManifestWriter:
        self._file = self.path.open("w", encoding="utf-8")
        self._write({MANIFEST_KEY: 1, "mode": self.mode, **encode_path(str(self.dest), "dest"), "nonce": self.nonce})
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._file is not None
        self._file.close()

    def _write(self, record: dict) -> None:
        assert self._file is not None and self.key is not None
        line = signed(self.key, record, _context(self.nonce, self._line))
        self._file.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._file.flush()  # on disk per file: a killed sort can still be undone up to its last file
        self._line += 1

    def made_folder(self, folder: Path) -> None:
        """Record that the sort created ``folder`` (undo removes it when it is empty again)."""
        self._write(encode_path(str(folder), "mkdir"))

    def placed(self, src: Path, dst: Path) -> None:
        """Record that ``src`` was copied or moved to ``dst``."""
        self._write({**encode_path(str(src), "src"), **encode_path(str(dst), "dst")})


@dataclass
class Manifest:
    """A manifest as read: ``mode``, ``dest``, its ``entries`` (``("mkdir", folder, None)`` or ``("file", src,
    dst)``) and whether this user's app wrote it unchanged (``trusted``)."""

    path: Path
    mode: str
    dest: Path
    entries: list[tuple[str, Path, Path | None]] = field(default_factory=list)
    trusted: bool = False

    @property
    def files(self) -> int:
        """Return how many files the sort placed."""
        return sum(1 for kind, _, _ in self.entries if kind == "file")

    def describe(self, limit: int | None = None) -> str:
        """Return every entry in words, one per line (the first ``limit`` when given), for a user to confirm."""
        verb = "copied" if self.mode == "copy" else "moved"
        lines = [f"{self.mode}-sort into {self.dest} ({self.files:,} files)"]
        for kind, first, second in self.entries[:limit]:
            lines.append(f"created folder {first}" if kind == "mkdir" else f"{verb} {first} -> {second}")
        if limit is not None and len(self.entries) > limit:
            lines.append(f"... and {len(self.entries) - limit:,} more")
        return "\n".join(lines)


def _not_a_manifest(path: Path, why: str) -> ValueError:
    return ValueError(f"{path} is not a sort manifest this app can undo: {why}")


def read_manifest(path: str | os.PathLike) -> Manifest:
    """Return the manifest at ``path``, checked against the rules above. Raises ``OSError`` when it cannot be
    read and ``ValueError`` when it is not a manifest, does not lie in its DEST, or DEST is a link."""
    path = Path(os.path.abspath(path))
    with path.open(encoding="utf-8") as f:
        try:
            lines = [json.loads(line) for line in f if line.endswith("\n")]
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise _not_a_manifest(path, f"unreadable line ({exc})") from None
    if not lines or not isinstance(lines[0], dict) or lines[0].get(MANIFEST_KEY) != 1:
        raise _not_a_manifest(path, "no manifest header")
    header = lines[0]
    try:
        mode, dest = header["mode"], Path(decode_path(header, "dest"))
    except (KeyError, TypeError, ValueError):
        raise _not_a_manifest(path, "its header names no mode or destination") from None
    if mode not in MODES or not isinstance(dest, Path) or not dest.is_absolute():
        raise _not_a_manifest(path, "its header names no valid mode or absolute destination")
    if os.path.islink(dest) or Path(os.path.abspath(dest)) != path.parent:
        raise _not_a_manifest(path, f"it must lie in the folder it sorted into ({dest}), which must not be a link")
    manifest = Manifest(path, mode, Path(os.path.abspath(dest)))
    key, nonce = user_key(create=False), header.get("nonce")
    trusted = isinstance(nonce, str) and verify(key, header, _context(nonce, 0))
    for number, line in enumerate(lines[1:], start=1):
        try:
            if not isinstance(line, dict):
                raise TypeError
            if "mkdir" in line:
                manifest.entries.append(("mkdir", Path(decode_path(line, "mkdir")), None))
            else:
                manifest.entries.append(("file", Path(decode_path(line, "src")), Path(decode_path(line, "dst"))))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _not_a_manifest(path, f"line {number + 1} names no files") from None
        trusted = trusted and verify(key, line, _context(nonce, number))
    manifest.trusted = trusted
    return manifest
