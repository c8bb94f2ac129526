"""Running a batch labelling run, and the file operations after it, off the GUI thread.

:class:`BatchRun` is a QThread around :func:`model.batch.label_folder`: each chunk's records and a snapshot
of the progress arrive on the GUI thread as a queued signal; its ``control`` (a :class:`~model.batch.RunControl`)
pauses, resumes or cancels it between batches. :class:`Background` runs one callable (a sort, an undo, an
export) and reports its result or its error.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from coatnet_gui.workers import readable_error
from model.batch.pipeline import BatchProgress, BatchSettings, RunControl, label_folder, open_journal
from model.runtime.inference import Classifier

log = logging.getLogger(__name__)


class BatchRun(QThread):
    """Labels ``root`` with ``clf`` into the journal ``journal_path``.

    Signals: ``chunk(records, progress)`` after the counting scan and after every batch, ``done(progress)``
    at the end (``progress.cancelled`` when cancelled), ``failed(message)`` when the run could not go on.
    """

    chunk = Signal(list, object)
    done = Signal(object)
    failed = Signal(str)

    def __init__(
        self, clf: Classifier, root: str, journal_path: str, settings: BatchSettings, parent: QObject | None = None
    ):
        super().__init__(parent)
        self.clf, self.root, self.journal_path, self.settings = clf, root, journal_path, settings
        self.control = RunControl()

    def _emit(self, records: list[dict], progress: BatchProgress) -> None:
        self.chunk.emit(records, dataclasses.replace(progress))

    def run(self) -> None:
        try:
            with open_journal(self.journal_path, self.clf, self.root, self.settings) as journal:
                progress = label_folder(
                    self.clf, self.root, journal, self.settings, control=self.control, on_chunk=self._emit
                )
        except Exception as exc:  # shown in the view; the app keeps running
            log.warning("batch run failed", exc_info=True)
            self.failed.emit(readable_error(exc))
            return
        self.done.emit(dataclasses.replace(progress))


class Background(QThread):
    """Runs ``fn()`` once; ``done(result)`` or ``failed(message)`` arrive on the GUI thread."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None):
        super().__init__(parent)
        self.fn = fn

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # shown in the view
            log.warning("background file operation failed", exc_info=True)
            self.failed.emit(readable_error(exc))
            return
        self.done.emit(result)
