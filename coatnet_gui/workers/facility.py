"""The one worker facility: heavy work off the GUI thread, its results, progress and failures back on it.

The window creates one :class:`Workers` and hands it to every tab (the Image tab's session, the Batch tab's session,
its table's thumbnails, the teach controller). A job is a function of its :class:`Job` (napari's ``thread_worker``
is the model): it may call ``job.progress(done, total)`` (throttled) and ``job.report(value)`` (every value, in
order, before the result), hand ``job.token`` (a :class:`~model.cancel.CancelToken`) to core calls as their
``cancel=``, or be a generator function, whose every ``yield value`` is a report and a yield point: a cancelled
generator stops there. A job that raises :class:`~model.cancel.Cancelled` ends *cancelled*, not failed.

Latest wins: a job submitted with ``latest="kind"`` supersedes the previous job of that kind (:meth:`supersede`
does so without a new job): a superseded job that has not started never runs, a running one is cancelled (it
stops at its next yield point), and nothing of it (result, error, progress) is delivered. Three quick requests
for the same thing run the last one only.

Pools: ``model`` has one thread, so the Image tab's network work (inference, explanation, Grad-CAM backward passes,
scoring, device moves) runs in submission order and never concurrently; ``load`` runs model loads and downloads,
``io`` reads images and writes files, ``batch`` a folder's labelling, ``teach`` a teaching, ``audit`` an audit,
``thumbs`` the Batch table's thumbnail decodes (two threads: scrolling queues hundreds, which must not wait behind,
or delay, ``io``), ``map`` the embedding map's refinement (a minute of CPU that must hold up no other pool); the
Live tab's ``live`` (one frame at a time through the network: a frame that arrives while it is busy is dropped),
``playback`` (a video file decoded at its pace) and ``timeline`` (a whole file classified in the background).
Failures become one line for the window (:mod:`~coatnet_gui.workers.failures`).
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from coatnet_gui.workers.failures import failure_message
from model.cancel import Cancelled, CancelToken

POOLS = {
    "model": 1,
    "load": 1,
    "io": 2,
    "batch": 1,
    "teach": 1,
    "audit": 1,
    "thumbs": 2,
    "map": 1,
    "live": 1,
    "playback": 1,
    "timeline": 1,
}
PROGRESS_INTERVAL_S = 0.1

Progress = Callable[[int, int], None]
Report = Callable[[Any], None]


class _Relay(QObject):
    """Lives on the GUI thread; worker threads emit on it, so its slots run on the GUI thread, in emission order."""

    progress = Signal(int, int, int)  # job, done, total
    report = Signal(int, object)  # job, value
    ended = Signal(int, str, object)  # job, "done" / "failed" / "cancelled", result / message / message


class Job:
    """One submitted job. Its function uses ``token`` (pass it as ``cancel=``), :meth:`progress` and :meth:`report`;
    its submitter may :meth:`cancel` it. ``superseded`` turns true (on the GUI thread) when a newer job of its kind
    replaced it."""

    def __init__(self, number: int, pool: str, kind: str | None, what: str, relay: _Relay):
        self.number, self.pool, self.kind, self.what = number, pool, kind, what
        self.token = CancelToken()
        self.superseded = False
        self._relay = relay
        self._last_progress = 0.0

    def progress(self, done: int, total: int) -> None:
        """Report ``done`` of ``total`` (at most one report per :data:`PROGRESS_INTERVAL_S`, the last always)."""
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_INTERVAL_S or (total and done >= total):
            self._last_progress = now
            self._relay.progress.emit(self.number, done, total)

    def report(self, value: Any) -> None:
        """Hand ``value`` to the job's ``on_report`` (every value, in order, before the result)."""
        self._relay.report.emit(self.number, value)

    def cancel(self) -> None:
        """Stop the job at its next yield point (one that has not started never runs); it ends *cancelled*."""
        self.token.cancel()

    def _end(self, outcome: str, payload: object) -> None:
        """Say on the GUI thread how the job ended: "done" (the result), "failed" or "cancelled" (a message)."""
        self._relay.ended.emit(self.number, outcome, payload)


def _drain(job: Job, generator: Generator[Any, None, Any]) -> Any:
    """Run a generator job: report every yielded value, stop at a yield once ``job`` is cancelled (the generator is
    closed, so its ``finally`` runs); return its return value."""
    try:
        while True:
            try:
                value = next(generator)
            except StopIteration as stop:
                return stop.value
            job.token.check()  # a value yielded after the cancel is not reported
            job.report(value)
    finally:
        generator.close()


class _Runner(QRunnable):
    """Runs one job on a pool thread and reports how it ended through the relay."""

    def __init__(self, job: Job, fn: Callable[[Job], Any]):
        super().__init__()
        self.job, self.fn = job, fn

    def run(self) -> None:
        job = self.job
        # Let go of the function (and what its closure holds: an explanation with its autograd graph, a decoded photo)
        # as it runs: the thread pool keeps each thread's last task alive.
        fn, self.fn = self.fn, None
        try:
            job.token.check()  # superseded or cancelled before its turn: it never runs (paused: it waits here)
            result = fn(job)
            if isinstance(result, Generator):
                result = _drain(job, result)
        except Cancelled as exc:
            job._end("cancelled", str(exc))
        except Exception as exc:  # every failure is shown in the window; the app keeps running
            job._end("failed", failure_message(exc, job.what))
        else:
            job._end("done", result)


@dataclass
class _Callbacks:
    on_done: Callable[[Any], None]
    on_error: Callable[[str], None]
    on_progress: Progress | None
    on_report: Report | None
    on_cancelled: Callable[[str], None] | None


class Workers(QObject):
    """The app's thread pools, latest-wins superseding and job bookkeeping; see the module docstring. ``working``
    says what the newest unfinished job that has a description does ("" when none)."""

    working = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pools = {name: QThreadPool(self) for name in POOLS}
        for name, threads in POOLS.items():
            self._pools[name].setMaxThreadCount(threads)
        self._relay = _Relay(self)
        self._relay.progress.connect(self._on_progress)
        self._relay.report.connect(self._on_report)
        self._relay.ended.connect(self._on_ended)
        self._jobs: dict[int, tuple[Job, _Callbacks]] = {}
        self._latest: dict[str, Job] = {}
        self._described: dict[int, str] = {}  # what each unfinished described job does, in submission order
        self._per_pool: Counter[str] = Counter()
        self._numbers = itertools.count(1)

    def submit(
        self,
        pool: str,
        fn: Callable[[Job], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None],
        *,
        on_progress: Progress | None = None,
        on_report: Report | None = None,
        on_cancelled: Callable[[str], None] | None = None,
        latest: str | None = None,
        what: str = "",
    ) -> Job:
        """Run ``fn(job)`` on ``pool`` (a generator function is run to its end, see the module docstring); return
        the :class:`Job`.

        On the GUI thread: ``on_done(result)``, ``on_error(message)`` or ``on_cancelled(message)`` once it ends;
        ``on_progress(done, total)`` and ``on_report(value)`` as it goes. ``latest``: supersede the previous job
        of this kind (nothing of a superseded job is delivered). ``what``: a description for ``working``."""
        if latest is not None:
            self.supersede(latest)
        job = Job(next(self._numbers), pool, latest, what, self._relay)
        if latest is not None:
            self._latest[latest] = job
        self._jobs[job.number] = (job, _Callbacks(on_done, on_error, on_progress, on_report, on_cancelled))
        self._per_pool[pool] += 1
        if what:
            self._described[job.number] = what
            self.working.emit(what)
        self._pools[pool].start(_Runner(job, fn))
        return job

    def supersede(self, kind: str) -> None:
        """Supersede the latest job of ``kind``, if any: it is cancelled, and nothing of it is delivered."""
        job = self._latest.pop(kind, None)
        if job is not None:
            job.superseded = True
            job.cancel()

    def pending(self, pool: str | None = None) -> int:
        """Return how many jobs (on ``pool``, or on any) were submitted and have not ended on the GUI thread."""
        return len(self._jobs) if pool is None else self._per_pool[pool]

    def busy(self) -> bool:
        """Return True while any job is queued or running."""
        return bool(self._jobs)

    def wait(self, pool: str, msecs: int = -1) -> bool:
        """Wait until the jobs of ``pool`` ran (their results still come through the event loop); return True when
        none is left."""
        return self._pools[pool].waitForDone(msecs)

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Cancel every job (those not started never run), wait for the running ones (at most ``timeout_ms`` each
        pool) and drop their callbacks. The facility stays usable."""
        for job, _callbacks in self._jobs.values():
            job.cancel()
        for pool in self._pools.values():
            pool.clear()
            pool.waitForDone(timeout_ms)
        self._jobs.clear()
        self._latest.clear()
        self._per_pool.clear()
        if self._described:
            self._described.clear()
            self.working.emit("")

    @Slot(int, int, int)
    def _on_progress(self, number: int, done: int, total: int) -> None:
        job, callbacks = self._jobs.get(number, (None, None))
        if job is not None and not job.superseded and callbacks.on_progress is not None:
            callbacks.on_progress(done, total)

    @Slot(int, object)
    def _on_report(self, number: int, value: object) -> None:
        job, callbacks = self._jobs.get(number, (None, None))
        if job is not None and not job.superseded and callbacks.on_report is not None:
            callbacks.on_report(value)

    @Slot(int, str, object)
    def _on_ended(self, number: int, outcome: str, payload: object) -> None:
        entry = self._jobs.pop(number, None)
        if entry is None:
            return  # dropped by shutdown()
        job, callbacks = entry
        self._per_pool[job.pool] -= 1
        if job.kind is not None and self._latest.get(job.kind) is job:
            del self._latest[job.kind]
        if self._described.pop(number, None) is not None:
            self.working.emit(next(reversed(self._described.values()), ""))
        if job.superseded:
            return
        if outcome == "done":
            callbacks.on_done(payload)
        elif outcome == "failed":
            callbacks.on_error(payload)
        elif callbacks.on_cancelled is not None:
            callbacks.on_cancelled(payload)
