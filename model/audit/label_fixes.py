"""Giving audited images another class where their labels live, with undo: in a folder of class folders the
file moves into the new class's folder, and in a table from ``label`` the row's ``corrected`` cell is rewritten.

- **Class folders** (:func:`move_to_classes`): each file goes into the folder of its new class beside its current
  class folder (``root/Shirt/a.png`` -> ``root/Coat/a.png``; split folders kept: ``root/train/Shirt`` ->
  ``root/train/Coat``), through the sort's machinery (:func:`model.batch.sort.apply_sort`, ``move=True``): names
  are claimed (nothing is overwritten), a missing class folder is created inside ``root`` only, and every move is
  journalled to a signed manifest in ``root`` that :func:`undo_moves` reverses
  (:func:`model.batch.undo.undo_sort`). Only files inside ``root`` (links resolved) are moved; a class name
  becomes a folder name with :func:`model.names.folder_name` (``T-shirt/top`` -> ``T-shirt-top``, ``..`` ->
  ``_``).
- **Tables** (:func:`set_corrected`): the table is rewritten atomically with the new ``corrected`` cells; every
  other row keeps its bytes and every other cell its value (a table without the column gets one). The previous
  bytes are kept first (in the app's data folder by default) so that :func:`undo_table_edit` puts them back
  exactly. A table that changed on disk since it was read is refused.

Nothing here imports Qt; the window's Audit tab calls it off the GUI thread.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from model.atomic import write_bytes_atomically
from model.batch.export import csv_cell, csv_value
from model.batch.journal import decode_path
from model.batch.sort import SortStep, apply_sort
from model.batch.undo import UndoResult, undo_sort
from model.features import file_digest
from model.fileguard import claim, is_inside
from model.names import folder_name
from model.paths import data_dir

UNDO_FOLDER = "audit-undo"  # inside the data folder: the tables' previous bytes
_BOM = b"\xef\xbb\xbf"


class FixError(Exception):
    """A change that cannot be made; ``str()`` says what and why in one sentence. Nothing was changed."""


# --- class folders -------------------------------------------------------------------------------------------


@dataclass
class FolderMove:
    """What :func:`move_to_classes` did: the sort ``manifest`` in ``root`` (None when nothing moved), ``moved``
    old absolute path -> new absolute path, and ``refused`` ``(path, reason)`` for files left where they are."""

    root: Path
    manifest: Path | None
    moved: dict[str, str] = field(default_factory=dict)
    refused: list[tuple[str, str]] = field(default_factory=list)


def class_folder_of(path: str, given: str, root: Path) -> Path | None:
    """Return the class folder ``given`` that holds ``path`` (the folder named ``given`` nearest ``root`` among
    its parents inside ``root``), or None when there is none."""
    try:
        parts = Path(path).relative_to(root).parts
    except ValueError:
        return None
    for depth, name in enumerate(parts[:-1]):
        if name == given:
            return root.joinpath(*parts[: depth + 1])
    return None


def target_folder(class_folder: Path, new_class: str) -> Path:
    """Return the folder of class ``new_class`` beside ``class_folder``: an existing folder with exactly that
    name, else the class as a valid folder name (:func:`~model.names.folder_name`)."""
    parent = class_folder.parent
    if new_class and (parent / new_class).is_dir() and os.sep not in new_class and new_class not in (".", ".."):
        return parent / new_class
    return parent / folder_name(new_class)


def plan_moves(root: str | os.PathLike, changes: dict[str, tuple[str, str]]) -> tuple[list[SortStep], list]:
    """Return ``(steps, refused)``: where each file of ``changes`` (absolute path -> ``(given class, new
    class)``) goes, and ``(path, reason)`` for those that cannot move (outside ``root``, not in a folder of its
    given class, a blank class, already there)."""
    root = Path(os.path.abspath(root))
    steps, refused = [], []
    for path, (given, new) in changes.items():
        if not new.strip():
            refused.append((path, "no class given"))
            continue
        if not is_inside(path, root):
            refused.append((path, f"not inside {root}: only files inside the audited folder are moved"))
            continue
        holder = class_folder_of(os.path.abspath(path), given, root)
        if holder is None:
            refused.append((path, f"not inside a class folder named {given!r}"))
            continue
        folder = target_folder(holder, new.strip())
        if folder == holder:
            refused.append((path, f"already in the folder of {new!r}"))
            continue
        steps.append(SortStep(Path(path), folder / Path(path).name, folder.name))
    return steps, refused


def move_to_classes(root: str | os.PathLike, changes: dict[str, tuple[str, str]]) -> FolderMove:
    """Move each file of ``changes`` (absolute path -> ``(given class, new class)``) into the folder of its new
    class (see the module docstring); return the :class:`FolderMove`. A file that cannot move is refused with the
    reason, not fatal. Raises :class:`FixError` when ``root`` is not a real folder."""
    root = Path(os.path.abspath(root))
    if not root.is_dir() or root.is_symlink():
        raise FixError(f"{root} is not a folder (or is a link): nothing was moved.")
    steps, refused = plan_moves(root, changes)
    result = FolderMove(root, None, refused=refused)
    if not steps:
        return result
    sorted_ = apply_sort(
        steps, root, move=True, on_step=lambda step, dst: result.moved.update({str(step.src): str(dst)})
    )
    result.manifest = sorted_.manifest
    result.refused += [(str(src), reason) for src, reason in sorted_.failed]
    return result


def undo_moves(move: FolderMove) -> UndoResult:
    """Put the files of ``move`` back where they were (:func:`~model.batch.undo.undo_sort`: only inside its
    root, never onto an existing file) and remove the class folders it made when empty; the manifest goes too
    once everything is back. Return the :class:`~model.batch.undo.UndoResult`."""
    if move.manifest is None:
        return UndoResult(dest=str(move.root))
    result = undo_sort(move.manifest)
    if not result.problems and is_inside(move.manifest, move.root):
        move.manifest.unlink(missing_ok=True)  # our own journal of a move that is fully undone
    return result


# --- tables --------------------------------------------------------------------------------------------------


@dataclass
class TableEdit:
    """What :func:`set_corrected` did: ``table`` rewritten with ``changed`` rows, its previous bytes in
    ``backup``, the SHA-256 ``written`` of what it wrote and ``previous`` of what was there; ``refused`` lists
    ``(path, reason)`` for changes whose image the table does not list."""

    table: Path
    backup: Path
    written: str
    previous: str
    changed: int
    refused: list[tuple[str, str]] = field(default_factory=list)


def set_corrected(
    table: str | os.PathLike,
    root: str | os.PathLike,
    changes: dict[str, str],
    expected: str,
    backup_dir: str | os.PathLike | None = None,
) -> TableEdit:
    """Rewrite the ``corrected`` cell of each row of the CSV/JSONL ``table`` whose image (its path, relative ones
    from ``root``) is a key of ``changes`` (absolute path -> class), atomically, after keeping the previous bytes
    in ``backup_dir`` (default: ``<data folder>/audit-undo``). ``expected``: the SHA-256 of the table as it was
    read; raises :class:`FixError` when it changed since, when it cannot be read or parsed, or when it lists none
    of the images."""
    table = Path(os.path.abspath(table))
    try:
        before = table.read_bytes()
    except OSError as exc:
        raise FixError(f"Cannot read {table}: {exc.strerror or exc}; nothing was changed.") from None
    previous = hashlib.sha256(before).hexdigest()
    if previous != expected:
        raise FixError(f"{table.name} changed on disk since it was audited; audit it again before changing it.")
    bom = before.startswith(_BOM)
    try:
        text = before[len(_BOM) if bom else 0 :].decode("utf-8")
    except UnicodeDecodeError:
        raise FixError(f"{table.name} is not UTF-8 text; nothing was changed.") from None
    wanted = {os.path.abspath(p): c for p, c in changes.items()}
    rewrite = _jsonl_rewritten if table.suffix.lower() == ".jsonl" else _csv_rewritten
    new_text, found = rewrite(text, Path(os.path.abspath(root)), wanted, table.name)
    if not found:
        raise FixError(f"{table.name} lists none of the {len(wanted)} images; nothing was changed.")
    backup = _keep(before, table, Path(backup_dir) if backup_dir is not None else data_dir() / UNDO_FOLDER)
    data = (_BOM if bom else b"") + new_text.encode("utf-8")
    write_bytes_atomically(table, data)
    refused = [(p, f"not listed in {table.name}") for p in wanted if p not in found]
    return TableEdit(table, backup, hashlib.sha256(data).hexdigest(), previous, len(found), refused)


def undo_table_edit(edit: TableEdit) -> None:
    """Put back the bytes ``edit`` replaced, atomically, and drop its backup. Raises :class:`FixError` (nothing
    changed) when the table changed since the edit or its backup is gone."""
    try:
        now = file_digest(edit.table)
    except OSError as exc:
        raise FixError(f"Cannot read {edit.table}: {exc.strerror or exc}; undo refused.") from None
    if now != edit.written:
        raise FixError(
            f"{edit.table.name} changed since the change was made; undo refused (its previous version is kept "
            f"in {edit.backup})."
        )
    try:
        before = edit.backup.read_bytes()
    except OSError as exc:
        raise FixError(f"The previous version of {edit.table.name} is gone ({exc.strerror or exc}).") from None
    write_bytes_atomically(edit.table, before)
    edit.backup.unlink(missing_ok=True)


def _keep(data: bytes, table: Path, folder: Path) -> Path:
    """Write ``data`` (the table's bytes before an edit) to a new file in ``folder``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = claim(folder / f"{folder_name(table.stem)}-{stamp}-{secrets.token_hex(4)}{table.suffix}.bak")
    write_bytes_atomically(path, data)
    return path


class _Lines:
    """The lines of a text, each with its line ending, remembering those taken since :meth:`take` was called
    (the raw text of one CSV record, which may span lines)."""

    def __init__(self, text: str):
        self._lines = iter(io.StringIO(text, newline=""))  # splits after \n, \r\n or \r, keeping them
        self._taken: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self._taken.append(line)
        return line

    def take(self) -> str:
        """Return the raw text read since the last call."""
        raw, self._taken = "".join(self._taken), []
        return raw


def _ending(raw: str) -> str:
    """Return the line ending of a raw record ("" for a last line without one)."""
    return "\r\n" if raw.endswith("\r\n") else raw[-1] if raw.endswith(("\n", "\r")) else ""


def _csv_line(cells: list[str], ending: str) -> str:
    """Return ``cells`` as one CSV record ending with ``ending``."""
    out = io.StringIO()
    csv.writer(out, lineterminator=ending).writerow(cells)
    return out.getvalue()


def _csv_rewritten(text: str, root: Path, changes: dict[str, str], name: str) -> tuple[str, set[str]]:
    """Return the CSV ``text`` with new ``corrected`` cells and the changed paths; see :func:`set_corrected`."""
    lines = _Lines(text)
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
        raw_header = lines.take()
        fields = [csv_value(f) for f in header or []]
        if "path" not in fields:
            raise FixError(f"{name} has no 'path' column; nothing was changed.")
        out, found = [], set()
        add_column = "corrected" not in fields
        at, col = fields.index("path"), len(fields) if add_column else fields.index("corrected")
        ending = _ending(raw_header) or "\r\n"
        kept = raw_header[: len(raw_header) - len(_ending(raw_header))]
        out.append(kept + ",corrected" + ending if add_column else raw_header)
        for cells in reader:
            raw = lines.take()
            path = os.path.abspath(os.path.join(root, csv_value(cells[at]))) if len(cells) > at else ""
            if path not in changes:
                if add_column and len(cells) == len(fields):  # an empty cell in the new column, the rest as it was
                    raw = raw[: len(raw) - len(_ending(raw))] + "," + _ending(raw)
                out.append(raw)
                continue
            found.add(path)
            cells = cells + [""] * (max(len(fields), col + 1) - len(cells))
            cells[col] = csv_cell(changes[path])
            out.append(_csv_line(cells, _ending(raw)))
    except csv.Error as exc:
        raise FixError(f"{name} is not a readable CSV table ({exc}); nothing was changed.") from None
    return "".join(out), found


def _jsonl_rewritten(text: str, root: Path, changes: dict[str, str], name: str) -> tuple[str, set[str]]:
    """Return the JSON Lines ``text`` with new ``corrected`` fields and the changed paths."""
    out, found = [], set()
    for number, line in enumerate(text.split("\n"), start=1):
        try:
            record = json.loads(line) if line.strip() else None
            path = os.path.abspath(os.path.join(root, decode_path(record))) if isinstance(record, dict) else ""
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, RecursionError):
            raise FixError(
                f"Line {number} of {name} is not a JSON object with a 'path'; nothing was changed."
            ) from None
        if path in changes:
            found.add(path)
            record["corrected"] = changes[path]
            line = json.dumps(record, ensure_ascii=False) + ("\r" if line.endswith("\r") else "")
        out.append(line)
    return "\n".join(out), found
