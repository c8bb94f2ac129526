"""Relabelling a Batch-tab run as versions: "Relabel" labels the shown run's folder with the active model as a NEW
run that names the shown one as its ``previous`` version (the user's corrections go with it; the previous run
stays on disk, see :mod:`coatnet_gui.batch.runs`). When the new run ends, :class:`RunVersions` works out what it
changed (:func:`~model.batch.relabel.preview_relabel`: the labels that move, from which class to which, the
corrections kept) and emits ``preview_ready``; the user then keeps the new labels or goes back to the old ones.
"Undo relabel" goes back later: the previous run is shown again, the corrections made meanwhile go with it, and
the relabelled run is discarded (kept a while: :meth:`~coatnet_gui.batch.runs.RunStore.discard`). Exports follow
the shown run, so their ``model`` column names the model that labelled each row of that version."""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from coatnet_gui.batch.relabel_dialog import RelabelDialog
from coatnet_gui.batch.runs import RunState
from coatnet_gui.batch.session import REFILL_CHUNK, BatchSession
from model.batch.journal import read_records
from model.batch.progress import BatchProgress
from model.batch.relabel import RelabelPreview, preview_relabel
from model.runtime.inference import Classifier


def label_names_of(state: RunState, records: list[dict]) -> list[str]:
    """Return the class names of the model that labelled ``state``'s run: those it stored, else the names its
    ``records`` give their top-k indices (a run stored before versions kept them)."""
    if state.label_names:
        return list(state.label_names)
    names: dict[int, str] = {}
    for record in records:
        names.update(zip(record.get("indices") or [], record.get("labels") or [], strict=False))
    return [names.get(i, f"class {i}") for i in range(max(names, default=-1) + 1)]


def show_stored(session: BatchSession, state: RunState, records: list[dict]) -> None:
    """Show the stored run ``state`` in ``session`` (not running) with its journal's ``records``, as a finished run
    is shown: the session's ``started``, ``records`` and ``running_changed`` signals fill the table."""
    session.state = state
    session.started.emit(state.root, label_names_of(state, records))
    for first in range(0, len(records), REFILL_CHUNK):
        session.records.emit(records[first : first + REFILL_CHUNK])
    session.running_changed.emit(False)


class RunVersions(QObject):
    """The versions of ``session``'s runs; the preview of a relabel is shown as a :class:`RelabelDialog`
    (``dialog``) over ``parent``. Signals: ``preview_ready(RelabelPreview)`` when a relabel run ended, ``shown(key)``
    when a stored version is shown again, ``message(text)``."""

    preview_ready = Signal(object)
    shown = Signal(str)
    message = Signal(str)

    def __init__(self, session: BatchSession, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.dialog: RelabelDialog | None = None
        self.preview_ready.connect(self._show_preview)
        self._relabelling: tuple[str, str] | None = None  # (previous key, new key) of the relabel going
        session.finished.connect(self._run_ended)

    def previous(self) -> RunState | None:
        """Return the stored previous version of the shown run (None when it has none, or it is gone)."""
        state = self.session.state
        return self.session.store.load(state.previous) if state is not None and state.previous else None

    def relabel(self, clf: Classifier, model_source: str) -> bool:
        """Label the shown run's folder again with ``clf`` as a new run (the shown run its previous version, its
        corrections carried); return False (with a ``message``) when nothing starts: no run shown, one going, or
        the shown run is this model's already."""
        s = self.session
        state = s.state
        if state is None:
            return False
        if s.running:
            self.message.emit(self.tr("A run is going: relabel once it ends (or cancel it)."))
            return False
        if not os.path.isdir(state.root):
            self.message.emit(self.tr("{path} is not there any more.").format(path=state.root))
            return False
        if state.model_source == model_source:
            self.message.emit(
                self.tr("{model} labelled this run already: teach or choose another model to relabel.").format(
                    model=state.model
                )
            )
            return False
        carry = s.corrections()
        s.start(state.root, state.recursive, clf, model_source, carry=carry, maps=state.maps, previous=state.key)
        if s.state is not None and s.state.key != state.key:
            self._relabelling = (state.key, s.state.key)
        return True

    def _run_ended(self, progress: BatchProgress) -> None:
        relabelling, self._relabelling = self._relabelling, None
        s = self.session
        if relabelling is None or progress.cancelled or s.state is None or s.state.key != relabelling[1]:
            return
        old, new = (s.store.journal_path(key) for key in relabelling)
        corrections = dict(s.corrections().labels)

        def job(_job) -> RelabelPreview:
            return preview_relabel(read_records(old), read_records(new), corrections)

        s.workers.submit("io", job, self.preview_ready.emit, self.message.emit)

    def _show_preview(self, preview: RelabelPreview) -> None:
        model = self.session.state.model if self.session.state is not None else "the active model"
        self.dialog = RelabelDialog(preview, model, self.parent())
        self.dialog.decided.connect(lambda use_new: None if use_new else self.go_back())
        self.dialog.show()

    def go_back(self) -> bool:
        """Show the previous version of the shown run again (its records read off the GUI thread) with the
        corrections of both (the newer win), and discard the newer run; return False when there is none to go
        back to or a run is going."""
        s = self.session
        newer, older = s.state, self.previous()
        if newer is None or older is None or s.running:
            return False
        store = s.store
        corrections = store.load_corrections(older.key).merged(s.corrections())

        def job(_job) -> list[dict]:
            store.save_corrections(older.key, corrections)
            return list(read_records(store.journal_path(older.key)))

        def loaded(records: list[dict]) -> None:
            if s.running or s.state is not newer:  # the user moved on meanwhile
                return
            show_stored(s, older, records)
            store.discard(newer.key)  # here, not on a worker: a relabel started next may reuse its folder
            self.shown.emit(older.key)
            self.message.emit(self.tr("The labels before the relabel are back."))

        s.workers.submit("io", job, loaded, self.message.emit)
        return True
