"""Running heavy work off the GUI thread: thread pools, results delivered back on the GUI thread.

:class:`Workers` runs plain callables on named :class:`QThreadPool` s and calls ``on_done(result)`` or
``on_error(message)`` on the GUI thread (a queued signal to a QObject living there). The ``model`` pool has
one thread, so everything that touches the network (inference, explanation, Grad-CAM backward passes, device
moves) runs in submission order and never concurrently; ``load`` runs model loads and downloads, ``io`` reads
images and does file operations, ``batch`` runs a folder's labelling. A job may report ``(done, total)``
progress (throttled) or hand objects back as it goes (``on_report``, every one delivered, in order, before
its result). Failures become one readable line; the traceback goes to the log.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from model.weights.checkpoint import WeightsError

log = logging.getLogger(__name__)

POOLS = {"model": 1, "load": 1, "io": 2, "batch": 1}
_PROGRESS_INTERVAL_S = 0.1

Progress = Callable[[int, int], None]
Report = Callable[[Any], None]


def readable_error(exc: BaseException) -> str:
    """Return ``exc`` as one line a user can act on (the exception's own message for the app's errors)."""
    if isinstance(exc, torch.OutOfMemoryError):
        return "The GPU ran out of memory. Choose Model ▸ Device ▸ CPU, or a smaller model."
    if isinstance(exc, WeightsError | OSError | ValueError) and str(exc):
        return str(exc).splitlines()[0]
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


class _Relay(QObject):
    """Lives on the GUI thread; worker threads emit on it, so its slots run on the GUI thread."""

    done = Signal(int, object)
    failed = Signal(int, str)
    progress = Signal(int, int, int)
    report = Signal(int, object)


@dataclass
class _Callbacks:
    on_done: Callable[[Any], None]
    on_error: Callable[[str], None]
    on_progress: Progress | None
    on_report: Report | None = None


class _Task(QRunnable):
    """Runs ``fn`` (given a progress reporter and/or an object reporter when it wants them) and reports
    through the relay."""

    def __init__(self, job: int, fn: Callable[..., Any], relay: _Relay, wants_progress: bool, wants_report: bool):
        super().__init__()
        self.job, self.fn, self.relay = job, fn, relay
        self.wants_progress, self.wants_report = wants_progress, wants_report
        self._last = 0.0

    def _progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last >= _PROGRESS_INTERVAL_S or (total and done >= total):
            self._last = now
            self.relay.progress.emit(self.job, done, total)

    def _report(self, value: Any) -> None:
        self.relay.report.emit(self.job, value)

    def run(self) -> None:
        args = [f for f, wanted in ((self._progress, self.wants_progress), (self._report, self.wants_report)) if wanted]
        # Let go of the job (and what its closure holds: an explanation with its autograd graph, a decoded photo)
        # as it runs: the thread pool keeps each thread's last task alive.
        fn, self.fn = self.fn, None
        try:
            result = fn(*args)
        except Exception as exc:  # every failure is shown in the window; the app keeps running
            log.warning("background job failed", exc_info=True)
            self.relay.failed.emit(self.job, readable_error(exc))
            return
        self.relay.done.emit(self.job, result)


class Workers(QObject):
    """Thread pools whose results come back on the GUI thread; see the module docstring."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pools = {name: QThreadPool(self) for name in POOLS}
        for name, threads in POOLS.items():
            self._pools[name].setMaxThreadCount(threads)
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        self._relay.failed.connect(self._on_failed)
        self._relay.progress.connect(self._on_progress)
        self._relay.report.connect(self._on_report)
        self._callbacks: dict[int, _Callbacks] = {}
        self._ids = itertools.count(1)
        self.cancel_events: set[threading.Event] = set()

    def submit(
        self,
        pool: str,
        fn: Callable[..., Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None],
        on_progress: Progress | None = None,
        on_report: Report | None = None,
    ) -> int:
        """Run ``fn()`` on ``pool`` — ``fn(progress)`` when ``on_progress`` is given, ``fn(report)`` when
        ``on_report`` is, ``fn(progress, report)`` with both; return the job id.

        ``on_done(result)`` / ``on_error(message)`` / ``on_progress(done, total)`` / ``on_report(value)`` run on
        the GUI thread; every ``report(value)`` arrives, in order, before ``on_done``.
        """
        job = next(self._ids)
        self._callbacks[job] = _Callbacks(on_done, on_error, on_progress, on_report)
        self._pools[pool].start(_Task(job, fn, self._relay, on_progress is not None, on_report is not None))
        return job

    def busy(self) -> bool:
        """Return True while any job is queued or running."""
        return bool(self._callbacks)

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Cancel downloads, wait for running jobs (at most ``timeout_ms`` each pool) and drop their callbacks."""
        for event in self.cancel_events:
            event.set()
        for pool in self._pools.values():
            pool.clear()
            pool.waitForDone(timeout_ms)
        self._callbacks.clear()

    @Slot(int, object)
    def _on_done(self, job: int, result: object) -> None:
        callbacks = self._callbacks.pop(job, None)
        if callbacks is not None:
            callbacks.on_done(result)

    @Slot(int, str)
    def _on_failed(self, job: int, message: str) -> None:
        callbacks = self._callbacks.pop(job, None)
        if callbacks is not None:
            callbacks.on_error(message)

    @Slot(int, int, int)
    def _on_progress(self, job: int, done: int, total: int) -> None:
        callbacks = self._callbacks.get(job)
        if callbacks is not None and callbacks.on_progress is not None:
            callbacks.on_progress(done, total)

    @Slot(int, object)
    def _on_report(self, job: int, value: object) -> None:
        callbacks = self._callbacks.get(job)
        if callbacks is not None and callbacks.on_report is not None:
            callbacks.on_report(value)
