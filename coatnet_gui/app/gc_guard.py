"""Python's cyclic garbage collection on the GUI thread only, while the app runs worker threads.

Automatic collection runs in whichever thread happens to allocate. When a worker thread (loading a model,
decoding a folder) frees a reference cycle that holds Qt objects, Qt destroys them off their own thread and the
process crashes (seen as a segmentation fault "Garbage-collecting" inside a model load). So automatic
collection is switched off and a timer on the GUI thread collects instead, generation by generation as
Python's own thresholds say (the recipe pyqtgraph uses for the same problem).

A full (generation 2) collection also waits, as CPython's own does, until the objects that moved into the oldest
generation since the last full collection are more than a quarter of those that survived it: with a window's
~250,000 long-lived objects a full collection takes about 250 ms of the GUI thread, and running it every tenth
generation-1 collection stalled the event loop during a 50,000-row export or table fill.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 250


class GuiThreadCollector(QObject):
    """Runs ``gc.collect`` from a timer on the thread it lives on (the GUI thread)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self.long_lived = len(gc.get_objects(generation=2))  # survivors of the last full collection
        self.pending = 0  # objects moved into generation 2 since then
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(INTERVAL_MS)

    def check(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds."""
        count0, count1, count2 = gc.get_count()
        if count0 > self.threshold[0]:
            gc.collect(0)
            if count1 > self.threshold[1]:
                before = len(gc.get_objects(generation=1))
                self.pending += max(0, before - gc.collect(1))
                if count2 > self.threshold[2] and self.pending > self.long_lived // 4:
                    gc.collect(2)
                    self.long_lived, self.pending = len(gc.get_objects(generation=2)), 0


def collect_on_gui_thread() -> GuiThreadCollector:
    """Switch off automatic garbage collection and collect from the running QApplication's thread instead;
    return the collector (one per application: later calls return the same). Call it on the GUI thread."""
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("collect_on_gui_thread needs a QApplication")
    collector = app.findChild(GuiThreadCollector)
    if collector is None:
        collector = GuiThreadCollector(app)
    gc.disable()
    return collector
