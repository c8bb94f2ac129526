"""One way to stop long work: a :class:`CancelToken` checked at yield points, and one exception, :class:`Cancelled`.

Every long core call (labelling a folder, teaching, computing features, scoring a map's faithfulness, a
download) takes an optional ``cancel: CancelToken`` and calls ``cancel.check()`` between its steps (batches,
epochs, perturbation passes, chunks). ``check`` raises :class:`Cancelled` once :meth:`CancelToken.cancel` was
called, from any thread; a paused token blocks in ``check`` until resumed or cancelled. A script cancels the
same way the window does::

    token = CancelToken()
    threading.Timer(5.0, token.cancel).start()
    try:
        label_folder(clf, "photos", "run.journal", cancel=token)
    except Cancelled:
        print("stopped; the journal keeps what was done")
"""

from __future__ import annotations

import threading
import time


class Cancelled(Exception):
    """Raised at a yield point of work whose :class:`CancelToken` was cancelled (the work keeps what it
    committed: a journal's records, a resumable teach state)."""

    def __init__(self, message: str = "cancelled"):
        super().__init__(message)


class CancelToken:
    """Cancel (and pause) work running on another thread; see the module docstring. Thread-safe."""

    def __init__(self) -> None:
        self._cancelled = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def cancel(self) -> None:
        """Ask the work to stop at its next yield point (also ends a pause)."""
        self._cancelled.set()
        self._running.set()

    def pause(self) -> None:
        """Hold the work at its next yield point until :meth:`resume` or :meth:`cancel`."""
        self._running.clear()

    def resume(self) -> None:
        """Let paused work go on."""
        self._running.set()

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._cancelled.is_set()

    @property
    def paused(self) -> bool:
        """True while paused (and not cancelled)."""
        return not self._running.is_set()

    def check(self) -> float:
        """The yield point: raise :class:`Cancelled` when cancelled; block while paused. Returns the seconds
        spent paused (0.0 when not)."""
        start = time.perf_counter() if not self._running.is_set() else None
        self._running.wait()
        if self._cancelled.is_set():
            raise Cancelled()
        return time.perf_counter() - start if start is not None else 0.0


def check(token: CancelToken | None) -> float:
    """Call ``token.check()`` when a token is given; return the seconds spent paused."""
    return token.check() if token is not None else 0.0
