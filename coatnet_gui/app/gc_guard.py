"""Python's cyclic garbage collection on the GUI thread only, while the app runs worker threads.

Automatic collection runs in whichever thread happens to allocate. When a worker thread (loading a model,
decoding a folder) frees a reference cycle that holds Qt objects, Qt destroys them off their own thread and the
process crashes (seen as a segmentation fault "Garbage-collecting" inside a model load). So automatic
collection is switched off and a timer on the GUI thread collects instead, generation by generation as
Python's own thresholds say (the recipe pyqtgraph uses for the same problem).
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
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(INTERVAL_MS)

    def check(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds."""
        count0, count1, count2 = gc.get_count()
        if count0 > self.threshold[0]:
            gc.collect(0)
            if count1 > self.threshold[1]:
                gc.collect(1)
                if count2 > self.threshold[2]:
                    gc.collect(2)


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
