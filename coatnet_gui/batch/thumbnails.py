"""The Batch table's thumbnails: decoded off the GUI thread when a row becomes visible, kept in a small LRU
cache, so a 100,000-row table does not hold 100,000 images.

Its own two-thread pool rather than the shared :class:`~coatnet_gui.workers.Workers`: scrolling queues
hundreds of decodes at once, which must not wait behind (or delay) the Image tab's file reads on the ``io``
pool, and the table model is built before any session hands it a ``Workers``.
"""

from __future__ import annotations

from collections import OrderedDict

from PIL import ImageOps
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage, QPixmap

from coatnet_gui.qimage import pil_to_qimage
from model.data.decode import load_image

THUMB_PX = 48
THUMB_CACHE = 600


class _ThumbSignals(QObject):
    ready = Signal(str, QImage)


class _ThumbTask(QRunnable):
    """Decodes one image and emits a thumbnail of at most THUMB_PX a side (an empty QImage when it cannot be read)."""

    def __init__(self, path: str, signals: _ThumbSignals):
        super().__init__()
        self.path, self.signals = path, signals

    def run(self) -> None:
        try:
            image = ImageOps.contain(load_image(self.path), (THUMB_PX, THUMB_PX))  # small images grow to fit
            thumb = pil_to_qimage(image)
        except Exception:  # a thumbnail is decoration: an unreadable file shows none (its row says why)
            thumb = QImage()
        self.signals.ready.emit(self.path, thumb)


class Thumbnails(QObject):
    """Thumbnails of image files by absolute path. ``ready(path)`` says that a requested one is now cached."""

    ready = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._cache: OrderedDict[str, QPixmap] = OrderedDict()
        self._pending: set[str] = set()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._signals = _ThumbSignals(self)
        self._signals.ready.connect(self._decoded)

    def get(self, path: str) -> QPixmap | None:
        """Return the cached thumbnail of ``path``, or None after queueing its decoding."""
        if path in self._cache:
            self._cache.move_to_end(path)
            return self._cache[path]
        if path not in self._pending:
            self._pending.add(path)
            self._pool.start(_ThumbTask(path, self._signals))
        return None

    def clear(self) -> None:
        """Forget every thumbnail; decodes still queued are dropped when they arrive."""
        self._cache.clear()
        self._pending.clear()

    def wait(self, msecs: int = -1) -> bool:
        """Wait until queued thumbnails are decoded (tests, shutdown); return True when none is left."""
        return self._pool.waitForDone(msecs)

    def _decoded(self, path: str, image: QImage) -> None:
        if path not in self._pending:
            return  # asked for before clear(): from an earlier run
        self._pending.discard(path)
        self._cache[path] = QPixmap.fromImage(image)
        while len(self._cache) > THUMB_CACHE:
            self._cache.popitem(last=False)
        self.ready.emit(path)
