"""Where Batch-tab runs live between sessions: one folder per run under the app's data folder.

A run is keyed by :func:`~model.batch.pipeline.run_key` (folder, model, result-changing settings), so labelling
the same folder with the same model and settings finds its run again. Its folder holds the journal (every
result, committed as it comes: see :mod:`model.batch.journal`), ``state.json`` — the folder, the model's
source, the settings, the totals, whether it finished and whether it was exported — and, once the user corrects a
label, ``corrections.json`` (:mod:`coatnet_gui.batch.corrections`). A run that is unfinished or
unexported is offered back at the next start; an exported one is removed then. A run the user discards moves
into ``discarded/`` ("Undo discard" brings it back) and is deleted after :data:`DISCARD_KEEP_DAYS`.

Versions: relabelling a run with another model makes a new run whose state names the run it replaces as
``previous``. A run that a later version names is kept (never removed as stale, never offered on its own) so that
"Undo relabel" can show its labels again.

The data folder is :func:`model.paths.data_dir`: ``$COATNET_LENS_DATA`` when set (tests, portable use), else the
platform's per-user application data folder (the one Qt's AppDataLocation names).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from coatnet_gui.batch.corrections import Corrections, read_corrections, write_corrections
from model.atomic import atomic_writer
from model.batch.journal import decode_path, encode_path, read_records
from model.fileguard import is_inside
from model.paths import data_dir

log = logging.getLogger(__name__)

RUNS_FOLDER = "batch-runs"
JOURNAL_NAME = "results.journal"
STATE_NAME = "state.json"
CORRECTIONS_NAME = "corrections.json"
DISCARDED_FOLDER = "discarded"  # discarded runs, kept DISCARD_KEEP_DAYS for "Undo discard"
DISCARD_KEEP_DAYS = 30


@dataclass
class RunState:
    """What ``state.json`` says about a run. ``root`` is the labelled folder (``os.fsdecode`` form),
    ``model_source`` what the window loads to get the model back ("bundled", a tag or a path); ``done`` counts
    the journal's committed records and ``corrected`` the user's corrections when read by
    :meth:`RunStore.pending`."""

    key: str
    root: str
    model: str
    model_source: str
    recursive: bool
    topk: int
    batch_size: int
    device: str
    precision: str
    total: int = 0
    done: int = 0
    finished: bool = False
    exported: bool = False
    updated: float = 0.0
    corrected: int = 0
    maps: bool = False  # the run saves a Grad-CAM map per image (see BatchSession.start)
    video: bool = False  # the run labels a row per sampled frame of each video file (runs stored before: False)
    previous: str = ""  # the key of the run this one relabelled ("" for a first labelling)
    label_names: list[str] = field(default_factory=list)  # the model's classes, to show the run without it

    def to_json(self) -> dict:
        """Return the JSON object of ``state.json`` (the folder name as :func:`encode_path` writes it)."""
        fields_ = asdict(self)
        del fields_["root"]
        return {**encode_path(self.root, "root"), **fields_}

    @classmethod
    def from_json(cls, obj: dict) -> RunState:
        """Return the state stored as ``obj``; raises ``KeyError``/``TypeError`` when it is not one (a field
        missing or of another type than declared)."""
        names = {f.name for f in fields(cls)} - {"root"}
        state = cls(root=decode_path(obj, "root"), **{k: v for k, v in obj.items() if k in names})
        for f in fields(cls):
            value = getattr(state, f.name)
            if not isinstance(value, _TYPES[str(f.type)]) or (f.type == "int" and isinstance(value, bool)):
                raise TypeError(f"{f.name} is {value!r}, not {f.type}")
        if not all(isinstance(name, str) for name in state.label_names):
            raise TypeError("label_names holds a name that is not text")
        return state


# RunState's field types, as annotated
_TYPES = {"str": str, "int": int, "bool": bool, "float": (int, float), "list[str]": list}


class RunStore:
    """The runs under ``folder`` (``<data dir>/batch-runs`` by default)."""

    def __init__(self, folder: str | os.PathLike | None = None):
        self.folder = Path(folder) if folder is not None else data_dir() / RUNS_FOLDER

    def journal_path(self, key: str) -> Path:
        """Return where the journal of run ``key`` lives."""
        return self.folder / key / JOURNAL_NAME

    def corrections_path(self, key: str) -> Path:
        """Return where the corrections of run ``key`` live."""
        return self.folder / key / CORRECTIONS_NAME

    def load_corrections(self, key: str) -> Corrections:
        """Return the corrections of run ``key`` (none when it has none, or they cannot be read: logged)."""
        try:
            return read_corrections(self.corrections_path(key))
        except (OSError, ValueError):
            log.warning("unreadable corrections of batch run %s", key, exc_info=True)
            return Corrections()

    def save_corrections(self, key: str, corrections: Corrections) -> None:
        """Write the corrections of run ``key`` (atomically)."""
        write_corrections(self.corrections_path(key), corrections)

    def save(self, state: RunState) -> None:
        """Write ``state`` (atomically), stamping the time."""
        state.updated = time.time()
        with atomic_writer(self.folder / state.key / STATE_NAME) as f:
            json.dump(state.to_json(), f, ensure_ascii=False)

    def load(self, key: str) -> RunState | None:
        """Return the state of run ``key``, or None when there is none (or it cannot be read)."""
        try:
            state = RunState.from_json(json.loads((self.folder / key / STATE_NAME).read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            log.warning("unreadable batch run state %s", key, exc_info=True)
            return None
        if state.key != key:  # a state naming another run would have that run's folder read or discarded
            log.warning("batch run state %s names another run, %r", key, state.key)
            return None
        return state

    def _run_folder(self, key: str) -> Path:
        """Return the folder of run ``key``: only a real folder directly inside the runs folder (not a link, not a
        key that names another place, not the discarded runs' folder); raises ``ValueError`` otherwise."""
        folder = self.folder / key
        if (
            key in ("", ".", "..", DISCARDED_FOLDER)
            or Path(key).name != key
            or os.path.islink(folder)
            or not is_inside(folder, self.folder)
        ):
            raise ValueError(f"refused to touch {folder}: not a run folder")
        return folder

    def discard(self, key: str) -> None:
        """Move run ``key`` (journal, state, corrections) into the runs folder's ``discarded/`` folder, where
        :meth:`restore` finds it again and :meth:`purge_discarded` deletes it after :data:`DISCARD_KEEP_DAYS`;
        an earlier discarded copy of the same run is replaced. Raises ``ValueError`` for what is not a run folder."""
        folder = self._run_folder(key)
        if not folder.is_dir():
            return
        bin_ = self.folder / DISCARDED_FOLDER
        if os.path.islink(bin_):
            raise ValueError(f"refused to discard into {bin_}: it is a link")
        bin_.mkdir(exist_ok=True)
        target = bin_ / key
        if os.path.lexists(target):
            _delete_inside(target, bin_)
        os.replace(folder, target)
        os.utime(target)  # the discard time, for purge_discarded

    def restore(self, key: str) -> bool:
        """Move the discarded run ``key`` back among the runs; return False when it is not there any more or a
        run of that key exists again (nothing is overwritten)."""
        folder = self._run_folder(key)
        source = self.folder / DISCARDED_FOLDER / key
        if os.path.lexists(folder) or not source.is_dir() or source.is_symlink() or not is_inside(source, self.folder):
            return False
        os.replace(source, folder)
        return True

    def delete(self, key: str) -> None:
        """Delete run ``key`` for good (a stale run: exported, or without results); raises ``ValueError`` for what
        is not a run folder."""
        _delete_inside(self._run_folder(key), self.folder)

    def purge_discarded(self, days: float = DISCARD_KEEP_DAYS) -> None:
        """Delete the discarded runs discarded more than ``days`` ago."""
        bin_ = self.folder / DISCARDED_FOLDER
        if not bin_.is_dir() or bin_.is_symlink():
            return
        oldest = time.time() - days * 86400
        for entry in bin_.iterdir():
            try:
                if entry.is_dir() and not entry.is_symlink() and entry.stat().st_mtime < oldest:
                    _delete_inside(entry, bin_)
            except OSError:
                log.warning("could not purge the discarded run %s", entry, exc_info=True)

    def pending(self) -> tuple[list[RunState], list[str]]:
        """Return the runs to offer back — results not exported, newest first, ``done`` counted from their
        journals, ``corrected`` from their corrections — and the keys of the stale ones (exported, or without
        results) for :meth:`delete`. A run that a later version names as ``previous`` is in neither list (it is
        kept for "Undo relabel"). Reads every journal: call it off the GUI thread."""
        if not self.folder.is_dir():
            return [], []
        offered, stale, kept = [], [], set()
        for entry in sorted(self.folder.iterdir()):
            state = self.load(entry.name) if entry.is_dir() and not entry.is_symlink() else None
            if state is None:
                continue
            try:
                state.done = sum(1 for _ in read_records(self.journal_path(state.key)))
            except OSError:
                state.done = 0
            state.corrected = len(self.load_corrections(state.key).labels)
            (offered if state.done and not state.exported else stale).append(state)
            if state.previous and state.previous != state.key:
                kept.add(state.previous)
        offered = [s for s in offered if s.key not in kept]
        return sorted(offered, key=lambda s: s.updated, reverse=True), [s.key for s in stale if s.key not in kept]


def _delete_inside(path: Path, root: Path) -> None:
    """Delete the folder ``path`` when it really lies inside ``root`` (no link leads out); else raise
    ``ValueError``."""
    if not is_inside(path, root) or os.path.islink(path):
        raise ValueError(f"refused to delete {path}: not inside {root}")
    shutil.rmtree(path, ignore_errors=True)
