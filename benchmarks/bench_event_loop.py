"""How long the Batch tab stalls the Qt event loop: the largest gap between ticks of a 10 ms timer.

    python benchmarks/bench_event_loop.py [--rows 50000] [--chunk 64] [--classes 10]

The real :class:`~coatnet_gui.batch.view.BatchView` is shown (offscreen unless a display is set) and driven
as a user and a run would, each action started from inside the running event loop:

* ``fill``: N synthetic records (no model: random top-5 classes and probabilities, 1 in 50 an error row)
  arrive in chunks of ``--chunk`` through the handler a run's chunk signal calls, one chunk per timer turn;
* ``sort <column>``: a click on each column header (the first click on the sorted column reverses it);
* ``narrow`` / ``widen``: the minimum confidence set to 90 %, then back to 0 %;
* ``class`` / ``all``: the class filter switched to one class, then back to all classes;
* ``export csv``: "Export…" of the whole run (its N records in a real journal in a temporary run store) to a CSV
  file, from the click until the file is written (the code before wrote it on the GUI thread).

For each action it prints the largest gap between timer ticks (ms), the number of gaps over 100 ms, the same
two figures for the GUI thread's CPU time between ticks (unaffected by other processes on a busy machine), and
how long the action took. Goal: no gap over 100 ms. To compare with another version of the code, run this script
with ``PYTHONPATH`` pointing at that version's checkout.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import numpy as np
from PySide6.QtCore import QEventLoop, QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from coatnet_gui.app.gc_guard import collect_on_gui_thread
from coatnet_gui.batch.runs import RunState
from coatnet_gui.batch.view import BatchView
from model.batch.journal import Journal
from model.batch.progress import BatchProgress
from model.paths import DATA_ENV

TICK_MS = 10
STALL_MS = 100
SETTLE_MS = 400  # the loop keeps turning this long after an action, so that its repaint is measured too


class GapMeter:
    """Ticks every 10 ms and keeps the gaps between ticks since the last :meth:`reset`: wall-clock seconds, and
    the GUI thread's CPU seconds (what it worked, without the time other processes had the CPU)."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.cpu_gaps: list[float] = []
        self.last = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.timer.start(TICK_MS)

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.gaps.append(now - self.last)
        self.cpu_gaps.append(cpu - self.last_cpu)
        self.last, self.last_cpu = now, cpu

    def reset(self) -> None:
        """Forget the gaps so far."""
        self.gaps, self.cpu_gaps = [], []
        self.last, self.last_cpu = time.perf_counter(), time.thread_time()


def spin(ms: int) -> None:
    """Turn the event loop for ``ms`` milliseconds."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


class SyntheticRun:
    """``n`` journal-like records, made a chunk at a time as a run delivers them (a run keeps none): paths in
    50 folders, random top-5 classes with decreasing probabilities, one record in 50 an error row."""

    def __init__(self, n: int, classes: int, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.n = n
        self.probs = np.sort(rng.dirichlet(np.full(classes, 0.3), n), axis=1)[:, ::-1][:, :5]
        self.top = np.argsort(rng.random((n, classes)), axis=1)[:, :5]

    def chunk(self, start: int, count: int) -> list[dict]:
        """Return the records ``start .. start + count - 1``."""
        out = []
        for i in range(start, min(start + count, self.n)):
            path = f"folder {i % 50:02d}/IMG_{(i * 7919) % self.n:06d}.jpg"
            if i % 50 == 49:
                out.append({"path": path, "labels": [], "indices": [], "probs": [], "error": "cannot identify image"})
                continue
            indices = [int(c) for c in self.top[i]]
            probs = [round(float(p), 4) for p in self.probs[i]]
            labels = [f"class {c}" for c in indices]
            out.append({"path": path, "labels": labels, "indices": indices, "probs": probs, "error": None})
        return out


Figures = tuple[float, int, float, int, float]


def measure(meter: GapMeter, action: Callable[[Callable[[], None]], None]) -> Figures:
    """Run ``action(done)`` from inside the event loop, wait until it calls ``done`` and SETTLE_MS more;
    return (largest gap ms, gaps over STALL_MS, largest GUI-thread CPU ms between two ticks, such CPU stretches
    over STALL_MS, seconds until done)."""
    loop = QEventLoop()
    finished: list[float] = []

    def done() -> None:
        finished.append(time.perf_counter())
        QTimer.singleShot(SETTLE_MS, loop.quit)

    spin(100)
    meter.reset()
    start = time.perf_counter()
    QTimer.singleShot(0, lambda: action(done))
    loop.exec()
    gaps, cpu = meter.gaps, meter.cpu_gaps
    stalls = sum(g * 1000 > STALL_MS for g in gaps)
    return max(gaps) * 1000, stalls, max(cpu) * 1000, sum(c * 1000 > STALL_MS for c in cpu), finished[0] - start


def export_action(view: BatchView, run: SyntheticRun, out: str) -> Callable[[Callable[[], None]], None]:
    """Store ``run``'s records as a finished run in the view's run store (a real journal, committed in chunks as a
    run does) and make it the shown run; return the action that exports it to ``out`` and calls ``done`` once
    the file is written."""
    session = view.session
    state = RunState("bench-export", "/nonexistent", "bench", "bundled", False, 5, 64, "cpu", "fp32")
    state.total = state.done = run.n
    state.finished = True
    meta = {"model": "bench", "device": "cpu", "precision": "fp32"}
    with Journal(session.store.journal_path(state.key), {"root": state.root}) as journal:
        for start in range(0, run.n, 1000):
            journal.commit([{**record, **meta} for record in run.chunk(start, 1000)])
    session.store.save(state)
    session.state = state
    finish: list[Callable[[], None]] = []
    if hasattr(session, "exported"):  # written off the GUI thread: done when it says so
        session.exported.connect(lambda *_: finish.pop()())

    def action(done: Callable[[], None]) -> None:
        finish.append(done)
        if view.export_to(out) is not None:  # the code before: written on the GUI thread, counts returned
            finish.pop()()

    return action


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--chunk", type=int, default=64)
    parser.add_argument("--classes", type=int, default=10)
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([])
    collect_on_gui_thread()  # as the app does: garbage is collected from a timer on the GUI thread
    names = [f"class {i}" for i in range(args.classes)]
    scratch = tempfile.mkdtemp(prefix="bench-event-loop-")
    os.environ[DATA_ENV] = scratch  # the run store: not the user's
    view = BatchView(lambda: None)
    view.resize(1100, 700)
    view.show()
    view.table_model.reset("/nonexistent", names)  # thumbnails of missing files decode to nothing, off-thread
    view._fill_classes(names)
    session = getattr(view, "session", None)  # None in the code before the BatchSession

    def deliver(chunk: list[dict], progress: BatchProgress) -> None:
        if session is None:
            view._on_chunk(chunk, progress)
        else:
            session.records.emit(chunk)
            session.progress.emit(progress)

    run = SyntheticRun(args.rows, args.classes)
    meter = GapMeter()
    results: list[tuple[str, Figures]] = []

    def fill(done: Callable[[], None]) -> None:
        progress = BatchProgress(total=args.rows)
        start = time.perf_counter()
        position = [0]

        def next_chunk() -> None:
            i = position[0]
            if i >= run.n:
                timer.stop()
                done()
                return
            chunk = run.chunk(i, args.chunk)
            position[0] = i + len(chunk)
            progress.done = position[0]
            progress.failed += sum(1 for r in chunk if r["error"])
            progress.seconds = time.perf_counter() - start
            deliver(chunk, progress)

        timer = QTimer()
        timer.timeout.connect(next_chunk)
        timer.start(0)
        fill.timer = timer  # kept alive while it runs

    results.append(("fill", measure(meter, fill)))
    assert view.table_model.rowCount() == args.rows

    header = view.table.horizontalHeader()
    for column in range(header.count()):
        name = view.table_model.headerData(column, Qt.Orientation.Horizontal) or "thumbnail"

        def click(done: Callable[[], None], column: int = column) -> None:
            x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
            QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
            done()

        results.append((f"sort {name}", measure(meter, click)))

    def setter(widget_set: Callable[[], None]) -> Callable[[Callable[[], None]], None]:
        def action(done: Callable[[], None]) -> None:
            widget_set()
            done()

        return action

    results.append(("narrow confidence", measure(meter, setter(lambda: view.min_spin.setValue(90.0)))))
    results.append(("widen confidence", measure(meter, setter(lambda: view.min_spin.setValue(0.0)))))
    one = view.class_box.findData(3)
    results.append(("class filter", measure(meter, setter(lambda: view.class_box.setCurrentIndex(one)))))
    results.append(("all classes", measure(meter, setter(lambda: view.class_box.setCurrentIndex(0)))))
    results.append(("export csv", measure(meter, export_action(view, run, os.path.join(scratch, "export.csv")))))

    print(f"{args.rows} rows, chunks of {args.chunk}, {args.classes} classes")
    print(f"{'action':<22}{'max gap ms':>12}{'gaps >100 ms':>14}{'max CPU ms':>12}{'CPU >100 ms':>13}{'took s':>9}")
    for name, (gap, stalls, cpu, cpu_stalls, took) in results:
        print(f"{name:<22}{gap:>12.0f}{stalls:>14d}{cpu:>12.0f}{cpu_stalls:>13d}{took:>9.2f}")
    worst = max(figures[0] for _, figures in results)
    worst_cpu = max(figures[2] for _, figures in results)
    print(
        f"worst gap {worst:.0f} ms, worst GUI-thread CPU between ticks {worst_cpu:.0f} ms (goal: {STALL_MS} ms; the "
        "wall-clock gap also counts time other processes held the CPU)"
    )
    view.stop()
    app.processEvents()


if __name__ == "__main__":
    main()
