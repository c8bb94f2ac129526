"""The Batch tab's state — the labelled folder, its run in the :class:`~coatnet_gui.batch.runs.RunStore`, the
run's progress — and the jobs that change it, all run by the app's one :class:`~coatnet_gui.workers.Workers` off the
GUI thread (the same shape as the Image tab's :class:`~coatnet_gui.image.session.Session`). Pause, resume and cancel
act on the run job's token, which :func:`~model.batch.pipeline.label_folder` takes as its ``cancel``.

The view calls intents (start, resume, discard, pause, cancel, correct, export, sort, undo) and renders the
signals. The user's corrections are written beside the run's journal as they are made (off the GUI thread, one
write at a time, the newest last); an export is written off the GUI thread too (``export_progress``, then
``exported`` or ``export_failed``), so the table stays usable while 50,000 rows go to a file.
A run's results are committed to its journal as they come, so a killed app loses at most the chunk in flight;
the next start offers the run back (:meth:`BatchSession.refresh_offers`) and a resumed run continues with
the CLI's machinery (:func:`~model.batch.pipeline.open_journal` with ``resume``), ending with the journal an
uninterrupted run writes.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from PySide6.QtCore import QObject, Signal

from coatnet_gui.batch.corrections import Corrections, write_corrected_export
from coatnet_gui.batch.runs import RunState, RunStore
from coatnet_gui.batch.status_text import resume_problem_text, sorted_text
from coatnet_gui.workers import Job, Workers
from model.batch.export import ExportCounts
from model.batch.journal import JournalError, read_records
from model.batch.pipeline import BatchSettings, label_folder, open_journal, run_key
from model.batch.progress import BatchProgress
from model.batch.sort import SortResult, SortStep, apply_sort
from model.batch.undo import UndoResult, undo_sort
from model.explain.folder_maps import MapSettings, MapStep
from model.runtime.inference import Classifier
from model.video.files import Sampling

log = logging.getLogger(__name__)

REFILL_CHUNK = 2000  # records per table update when a resumed run refills the table from its journal
EXPORT_PROGRESS_EVERY = 1000  # records between two progress reports of an export
MAPS_FOLDER = "batch-maps"  # beside the runs: maps outlive an exported (and then removed) run, the export names them


class BatchSession(QObject):
    """State and intents of the Batch tab, its jobs run on ``workers``; see the module docstring. ``defaults``
    gives top-k, batch size and decode threads of new runs."""

    started = Signal(str, list)  # root, label names: a new table
    records = Signal(list)  # journal records to append to the table
    progress = Signal(object)  # BatchProgress
    finished = Signal(object)  # BatchProgress (``cancelled`` when cancelled)
    failed = Signal(str)  # the run stopped
    running_changed = Signal(bool)
    busy_changed = Signal(bool)  # a sort or undo is under way
    offers = Signal(list)  # [RunState] to offer back
    operation_finished = Signal(str)
    model_requested = Signal(str)  # the model source a run to resume needs
    message = Signal(str)
    export_progress = Signal(int, int)  # rows written, rows in the run
    exported = Signal(str, object)  # path, ExportCounts: the export is on disk
    export_failed = Signal(str, str)  # path, the reason in one line

    def __init__(self, workers: Workers, store: RunStore | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.workers = workers
        self.store = store or RunStore()
        self.defaults = BatchSettings(video=Sampling())  # video files: a row per frame, at the default rate
        self.state: RunState | None = None
        self.run_job: Job | None = None  # the labelling run going
        self._last_progress: BatchProgress | None = None
        self.manifest: str | None = None
        self.busy = False
        self._pending_resume: str | None = None
        self._unwritten: tuple[str, Corrections] | None = None  # the newest corrections (run key) not on disk yet
        self._writing = False
        self._edits = 0  # corrections made so far: an export marks its run exported only if none came meanwhile

    # --- state ---------------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while a run is going."""
        return self.run_job is not None

    @property
    def journal_path(self) -> str | None:
        """The journal of the shown run, or None before the first."""
        return str(self.store.journal_path(self.state.key)) if self.state is not None else None

    @property
    def root(self) -> str:
        """The labelled folder ("" before the first run)."""
        return self.state.root if self.state is not None else ""

    def has_unexported(self) -> bool:
        """True when the shown run holds results that were not exported."""
        return self.state is not None and self.state.done > 0 and not self.state.exported

    # --- runs ----------------------------------------------------------------------------------------------

    def start(
        self,
        root: str,
        recursive: bool,
        clf: Classifier,
        model_source: str,
        carry: Corrections | None = None,
        maps: bool = False,
        previous: str = "",
    ) -> None:
        """Label the folder ``root`` (absolute) with ``clf``; the run of the same folder, model and settings
        continues where it stopped (ignored while a run is going). ``carry``: corrections (of another run of the
        folder) that the run takes over, over its own. ``maps``: also save a Grad-CAM map and overlay per image
        (:meth:`with_maps`). ``previous``: the key of the run this one relabels (a new run records it as its
        previous version, :mod:`coatnet_gui.batch.versions`)."""
        if self.running:
            return
        settings = dataclasses.replace(self.defaults, recursive=recursive)
        if maps:
            settings = self.with_maps(clf, root, settings)
        key = run_key(clf, root, settings)
        if carry is not None and carry.labels and (self.state is None or key != self.state.key):
            self.store.save_corrections(key, self.store.load_corrections(key).merged(carry))
        state = self.store.load(key)
        if state is None or state.model_source != model_source:
            state = RunState(
                key=key,
                root=root,
                model=clf.info.name,
                model_source=model_source,
                recursive=settings.recursive,
                topk=settings.topk,
                batch_size=settings.batch_size,
                device=clf.placement.device,
                precision=clf.placement.precision,
                maps=maps,
                video=settings.video is not None,
                previous=previous if previous != key else "",
                label_names=list(clf.label_names),
            )
        self._run(state, clf, settings)

    def with_maps(self, clf: Classifier, root: str, settings: BatchSettings) -> BatchSettings:
        """Return ``settings`` saving a Grad-CAM map, its overlay and deletion score per image into
        ``<data dir>/batch-maps/<key of the run without maps>/`` (the records name the files)."""
        folder = self.store.folder.parent / MAPS_FOLDER / run_key(clf, root, settings)
        return dataclasses.replace(settings, step=MapStep(MapSettings(str(folder))))

    def resume(self, key: str, clf: Classifier | None, model_source: str) -> bool:
        """Continue the stored run ``key``; when it needs another model than ``clf``, ask for that model
        (``model_requested``) and resume once :meth:`model_ready` brings it. Return False (with a ``message``)
        when it cannot go on: its folder or run is gone, or it needs another device."""
        state = self.store.load(key)
        if state is None:
            self.message.emit(self.tr("That run is gone from the data folder."))
            return False
        video = (self.defaults.video or Sampling()) if state.video else None  # a run stored before videos: None
        stored = {"recursive": state.recursive, "topk": state.topk, "batch_size": state.batch_size}
        settings = dataclasses.replace(self.defaults, **stored, video=video)
        if not os.path.isdir(state.root):
            self.message.emit(resume_problem_text(state, "gone"))
            return False
        if clf is not None and state.maps:
            settings = self.with_maps(clf, state.root, settings)
        if clf is not None and run_key(clf, state.root, settings) == key:
            self._pending_resume = None
            self._run(state, clf, settings)
            return True
        if clf is None or state.model_source != model_source:
            self._pending_resume = key
            self.message.emit(resume_problem_text(state, "loading"))
            self.model_requested.emit(state.model_source)
            return True
        self.message.emit(resume_problem_text(state, "device"))
        return False

    def model_ready(self, clf: Classifier, model_source: str) -> None:
        """Resume the run that waited for this model, if any."""
        key, self._pending_resume = self._pending_resume, None
        if key is not None and not self.running:
            self.resume(key, clf, model_source)

    def discard(self, key: str) -> None:
        """Move the stored run ``key`` aside (not the shown one while it runs); :meth:`restore` brings it back."""
        if self.running and self.state is not None and self.state.key == key:
            return
        try:
            self.store.discard(key)
        except (OSError, ValueError) as exc:
            self.message.emit(self.tr("Could not discard that run: {error}").format(error=exc))
        self.refresh_offers()

    def restore(self, key: str) -> None:
        """Bring the discarded run ``key`` back among the offered runs."""
        try:
            if not self.store.restore(key):
                self.message.emit(
                    self.tr("That run cannot be brought back: it is gone, or it was labelled again meanwhile.")
                )
        except (OSError, ValueError) as exc:
            self.message.emit(self.tr("Could not bring that run back: {error}").format(error=exc))
        self.refresh_offers()

    def refresh_offers(self) -> None:
        """List the stored runs with unexported results (off the GUI thread), deleting the stale ones and the
        runs discarded long ago; ``offers`` carries them."""

        def listed(result: tuple[list[RunState], list[str]]) -> None:
            offered, stale = result
            current = self.state.key if self.state is not None else None
            for key in stale:
                if key != current:
                    self.store.delete(key)
            self.offers.emit([s for s in offered if s.key != current])

        def job(_job) -> tuple[list[RunState], list[str]]:
            self.store.purge_discarded()
            return self.store.pending()

        self.workers.submit("io", job, listed, self.message.emit)

    def pause(self, paused: bool) -> None:
        """Hold the run before its next batch, or let it go on."""
        if self.run_job is not None:
            (self.run_job.token.pause if paused else self.run_job.token.resume)()

    def cancel(self) -> None:
        """Stop the run before its next batch (what is done stays in the journal)."""
        if self.run_job is not None:
            self.run_job.cancel()

    def _run(self, state: RunState, clf: Classifier, settings: BatchSettings) -> None:
        if self.running:
            return
        state.finished = state.exported = False
        self.store.save(state)
        self.state = state
        self._last_progress = None
        path = self.store.journal_path(state.key)
        root = state.root

        def job(job: Job) -> BatchProgress:
            report = job.report
            try:
                journal = open_journal(path, clf, root, settings, resume=True)
            except JournalError:  # unreadable or from another version: start again
                journal = open_journal(path, clf, root, settings)
            with journal:
                if journal.resumed:
                    chunk: list[dict] = []
                    for record in read_records(path):
                        chunk.append(record)
                        if len(chunk) == REFILL_CHUNK:
                            report((chunk, None))
                            chunk = []
                    report((chunk, None))
                return label_folder(
                    clf,
                    root,
                    journal,
                    settings,
                    cancel=job.token,
                    on_chunk=lambda records, p: report((records, dataclasses.replace(p))),
                )

        self.started.emit(root, list(clf.label_names))
        self.running_changed.emit(True)
        self.run_job = self.workers.submit(
            "batch",
            job,
            self._on_done,
            self._on_failed,
            on_report=self._on_report,
            on_cancelled=lambda _message: self._on_cancelled(),
        )

    def _on_report(self, value: tuple[list[dict], BatchProgress | None]) -> None:
        records, progress = value
        if records:
            self.records.emit(records)
        if progress is not None:
            self._last_progress = progress
        if progress is not None and self.state is not None:
            first = self.state.total == 0
            self.state.total, self.state.done = progress.total, progress.done
            if first:
                self.store.save(self.state)  # the total, for the offer after a kill
            self.progress.emit(progress)

    def _end_run(self) -> None:
        self.run_job = None
        if self.state is not None:
            self.store.save(self.state)
        self.running_changed.emit(False)

    def _on_done(self, progress: BatchProgress) -> None:
        if self.state is not None:
            self.state.total, self.state.done = progress.total, progress.done
            self.state.finished = not progress.cancelled
        self._end_run()
        self.finished.emit(progress)

    def _on_cancelled(self) -> None:
        """The run stopped at a cancel (label_folder raised Cancelled): it ends as one that returned cancelled."""
        progress = dataclasses.replace(self._last_progress or BatchProgress(), cancelled=True)
        self._on_done(progress)

    def _on_failed(self, message: str) -> None:
        self._end_run()
        self.failed.emit(message)

    # --- corrections ---------------------------------------------------------------------------------------

    def corrections(self) -> Corrections:
        """Return the corrections of the shown run, the newest also before they are written (none before the
        first run)."""
        if self.state is None:
            return Corrections()
        if self._unwritten is not None and self._unwritten[0] == self.state.key:
            return self._unwritten[1]
        return self.store.load_corrections(self.state.key)

    def save_corrections(self, corrections: Corrections) -> None:
        """Store ``corrections`` as those of the shown run (atomically, off the GUI thread: a write of thousands
        takes a while); the run counts as not exported again. A write that fails is reported with ``message``."""
        if self.state is None:
            return
        self._unwritten = (self.state.key, corrections)
        self._edits += 1
        if not self._writing:
            self._write_corrections()
        if self.state.exported:
            self.state.exported = False
            self.store.save(self.state)

    def _write_corrections(self) -> None:
        key, corrections = self._unwritten

        def written(_result: None) -> None:
            self._writing = False
            if self._unwritten is not None and self._unwritten[1] is corrections:
                self._unwritten = None
            elif self._unwritten is not None:  # newer ones came meanwhile
                self._write_corrections()

        def failed(message: str) -> None:
            self._writing = False
            self.message.emit(self.tr("Could not save the corrections: {error}").format(error=message))

        self._writing = True
        self.workers.submit("io", lambda _job: self.store.save_corrections(key, corrections), written, failed)

    # --- export, sort, undo --------------------------------------------------------------------------------

    def export_to(self, path: str, only: set[str] | None = None) -> None:
        """Start writing the run's results with the user's corrections (as they are now) to ``path`` (.csv or
        .jsonl), atomically, ``only`` the named files when given, on the ``io`` pool, and return at once.
        ``export_progress`` follows the rows; ``exported(path, counts)`` says it is written, and a whole export of
        a finished run marks the run exported (it is not offered back then); ``export_failed(path, message)`` says
        why not."""
        state = self.state
        if state is None:
            self.export_failed.emit(path, self.tr("Nothing has been labelled yet."))
            return
        journal, store, total = self.store.journal_path(state.key), self.store, state.done
        unwritten = self._unwritten[1] if self._unwritten is not None and self._unwritten[0] == state.key else None
        whole, edits = only is None and not self.running, self._edits

        def job(running: Job) -> ExportCounts:
            corrections = unwritten if unwritten is not None else store.load_corrections(state.key)
            frames = state.video and any("time" in record for record in read_records(journal))
            records = _counted(read_records(journal), running, total)
            return write_corrected_export(records, path, corrections.labels, only, frames)

        def written(counts: ExportCounts) -> None:
            if whole and self.state is state and not self.running and self._edits == edits:
                state.exported = True
                self.store.save(state)
            self.exported.emit(path, counts)

        def failed(message: str) -> None:  # or cancelled (the app closing): no file is left
            self.export_failed.emit(path, message)

        exporting = self.tr("Exporting…")
        self.workers.submit(
            "io", job, written, failed, on_progress=self.export_progress.emit, on_cancelled=failed, what=exporting
        )

    def sort_files(self, steps: list[SortStep], dest: str, move: bool) -> None:
        """Copy (or ``move``) the planned files in the background; ``operation_finished`` reports the end."""
        self._operation(lambda: apply_sort(steps, dest, move=move), self._sorted)

    def _sorted(self, result: SortResult) -> None:
        self.manifest = str(result.manifest)
        self.operation_finished.emit(sorted_text(result.done, result.failed, self.manifest))

    def undo_sort(self, manifest: str, allow_foreign: bool = False) -> None:
        """Undo the sort recorded in ``manifest`` in the background (see :func:`model.batch.undo.undo_sort` for
        ``allow_foreign``); ``operation_finished`` reports the end."""
        self._operation(lambda: undo_sort(manifest, allow_foreign), self._undone)

    def _undone(self, result: UndoResult) -> None:
        self.manifest = None
        self.operation_finished.emit(result.report())

    def _operation(self, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        if self.busy:
            return

        def finish(handler: Callable[[Any], None]) -> Callable[[Any], None]:
            def deliver(value: Any) -> None:
                self.busy = False  # before reporting: a follow-up operation may start right away
                self.busy_changed.emit(False)
                handler(value)

            return deliver

        self.busy = True
        self.busy_changed.emit(True)
        failed = finish(lambda message: self.operation_finished.emit(self.tr("Failed: {error}").format(error=message)))
        self.workers.submit("io", lambda _job: fn(), finish(on_done), failed)

    def shutdown(self) -> None:
        """Cancel the run (it stays on disk), wait for the app's background jobs (the window is closing) and write the
        corrections not written yet."""
        self.cancel()
        self.workers.shutdown()
        if self._unwritten is not None:
            key, corrections = self._unwritten
            self._unwritten, self._writing = None, False
            try:
                self.store.save_corrections(key, corrections)
            except OSError:
                log.warning("could not save the corrections of batch run %s", key, exc_info=True)


def _counted(records: Iterable[dict], job: Job, total: int) -> Iterator[dict]:
    """Yield ``records``, reporting ``job.progress(done, total)`` every :data:`EXPORT_PROGRESS_EVERY` of them (a
    yield point: a cancelled job stops there, the atomic writer leaves no file) and at the end (``total``: how many
    there are, as far as known)."""
    done = 0
    for done, record in enumerate(records, 1):
        if done % EXPORT_PROGRESS_EVERY == 0:
            job.token.check()
            job.progress(done, max(total, done))
        yield record
    job.progress(done, done)
