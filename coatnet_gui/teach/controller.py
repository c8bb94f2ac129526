"""Teaching off the GUI thread: :class:`TeachController` runs :func:`model.teach.teach` on a
:class:`~coatnet_gui.workers.Workers` pool and reports its progress, result, failure or cancellation as signals
on the GUI thread."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from coatnet_gui.workers import Workers
from model.cancel import Cancelled, CancelToken
from model.teach import (
    LabelledSet,
    TeachError,
    TeachProgress,
    TeachResult,
    TeachSettings,
    labelled_from_folder,
    labelled_from_pairs,
    teach,
)

_FEATURE_REPORT_S = 0.1  # the features phase reports per image: pass on at most one report per interval


class TeachController(QObject):
    """Runs one teaching at a time. Signals (on the GUI thread): ``progress(TeachProgress)``,
    ``finished(TeachResult)``, ``failed(message)``, ``cancelled()``, ``running_changed(bool)``."""

    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    running_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.workers = Workers(self)
        self._stop: CancelToken | None = None

    @property
    def running(self) -> bool:
        """True while a teaching runs."""
        return self._stop is not None

    def start(self, base: str, source: list[tuple[str, str]] | str, out: str | Path, settings: TeachSettings) -> bool:
        """Teach a new model on the base model ``base`` (anything ``load_model`` opens) from ``source`` — the
        ``(absolute path, class name)`` pairs of corrected rows, or a labelled folder (one sub-folder per class)
        — written to ``out``. Return False (nothing started) while another teaching runs."""
        if self.running:
            return False
        stop = self._stop = CancelToken()  # cancel() and shutdown() cancel it

        def job(report: Callable[[TeachProgress], None]) -> TeachResult | None:
            last = [0.0]

            def on_progress(p: TeachProgress) -> None:
                now = time.monotonic()
                if p.phase != "features" or p.done >= p.total or now - last[0] >= _FEATURE_REPORT_S:
                    last[0] = now
                    report(p)

            try:
                data: LabelledSet = (
                    labelled_from_folder(source) if isinstance(source, str) else labelled_from_pairs(source)
                )
                return teach(base, data, out, settings, on_progress=on_progress, cancel=stop)
            except Cancelled:
                return None
            except TeachError as exc:  # the message names the file or class: shown as it is
                raise ValueError(str(exc)) from exc

        self.running_changed.emit(True)
        self.workers.submit("batch", job, self._done, self._failed, on_report=self.progress.emit)
        return True

    def cancel(self) -> None:
        """Ask the teaching to stop (it ends with ``cancelled`` and leaves nothing half-written)."""
        if self._stop is not None:
            self._stop.cancel()

    def shutdown(self) -> None:
        """Stop any teaching and wait for it."""
        self.cancel()
        self.workers.shutdown()

    def _end(self) -> None:
        self._stop = None
        self.running_changed.emit(False)

    def _done(self, result: TeachResult | None) -> None:
        self._end()
        if result is None:
            self.cancelled.emit()
        else:
            self.finished.emit(result)

    def _failed(self, message: str) -> None:
        self._end()
        self.failed.emit(message)
