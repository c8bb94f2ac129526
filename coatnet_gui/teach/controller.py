"""Teaching off the GUI thread: :class:`TeachController` runs :func:`model.teach.teach` on the app's worker
facility (:class:`~coatnet_gui.workers.Workers`, ``teach`` pool) and reports its progress, result, failure or
cancellation as signals on the GUI thread. Cancelling cancels the job's token, which ``teach`` takes as its
``cancel`` and checks between its steps."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from coatnet_gui.workers import Job, Workers
from model.teach import (
    LabelledSet,
    TeachProgress,
    TeachResult,
    TeachSettings,
    labelled_from_folder,
    labelled_from_pairs,
    teach,
)
from model.teach.dataset import TableRow, labelled_from_rows

_FEATURE_REPORT_S = 0.1  # the features phase reports per image: pass on at most one report per interval


class TeachController(QObject):
    """Runs one teaching at a time on ``workers``. Signals (on the GUI thread): ``progress(TeachProgress)``,
    ``finished(TeachResult)``, ``failed(message)``, ``cancelled()``, ``running_changed(bool)``."""

    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    running_changed = Signal(bool)

    def __init__(self, workers: Workers, parent: QObject | None = None):
        super().__init__(parent)
        self.workers = workers
        self._job: Job | None = None

    @property
    def running(self) -> bool:
        """True while a teaching runs."""
        return self._job is not None

    def start(
        self,
        base: str,
        source: list[TableRow] | list[tuple[str, str]] | str,
        out: str | Path,
        settings: TeachSettings,
        min_prob: float = 0.0,
    ) -> bool:
        """Teach a new model on the base model ``base`` (anything ``load_model`` opens) from ``source`` — a run's
        rows (:func:`~model.teach.dataset.labelled_from_rows`: every row, an uncorrected one when its top-1
        probability is at least ``min_prob``), ``(absolute path, class name)`` pairs, or a labelled folder (one
        sub-folder per class) — written to ``out``. Return False (nothing started) while another teaching runs."""
        if self.running:
            return False

        def job(job: Job) -> TeachResult:
            last = [0.0]

            def on_progress(p: TeachProgress) -> None:
                now = time.monotonic()
                if p.phase != "features" or p.done >= p.total or now - last[0] >= _FEATURE_REPORT_S:
                    last[0] = now
                    job.report(p)

            data: LabelledSet
            if isinstance(source, str):
                data = labelled_from_folder(source)
            elif source and isinstance(source[0], TableRow):
                data = labelled_from_rows(source, min_prob)
            else:
                data = labelled_from_pairs(source)
            return teach(base, data, out, settings, on_progress=on_progress, cancel=job.token)

        self.running_changed.emit(True)
        self._job = self.workers.submit(
            "teach",
            job,
            self._done,
            self._failed,
            on_report=self.progress.emit,
            on_cancelled=lambda _message: self._cancelled(),
        )
        return True

    def cancel(self) -> None:
        """Ask the teaching to stop (it ends with ``cancelled`` and leaves nothing half-written)."""
        if self._job is not None:
            self._job.cancel()

    def shutdown(self) -> None:
        """Stop any teaching and wait for the app's background work (the window is closing)."""
        self.cancel()
        self.workers.shutdown()

    def _end(self) -> None:
        self._job = None
        self.running_changed.emit(False)

    def _done(self, result: TeachResult) -> None:
        self._end()
        self.finished.emit(result)

    def _cancelled(self) -> None:
        self._end()
        self.cancelled.emit()

    def _failed(self, message: str) -> None:  # a TeachError's message names the file or class: shown as it is
        self._end()
        self.failed.emit(message)
