"""The Batch table's thumbnails: decoded off the GUI thread when a row becomes visible, kept in a small LRU
cache, so a 100,000-row table does not hold 100,000 images.

Decodes run on the ``thumbs`` pool of the app's worker facility (:class:`~coatnet_gui.workers.Workers`): two
threads of their own, because scrolling queues hundreds of decodes at once, which must not wait behind (or delay)
the Image tab's file reads on the ``io`` pool.
"""

from __future__ import annotations

from collections import OrderedDict

from PIL import ImageOps
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QPixmap

from coatnet_gui.qimage import device_pixmap, pil_to_qimage, screen_ratio
from coatnet_gui.workers import Job, Workers
from model.data.decode import load_image

THUMB_PX = 48
THUMB_CACHE = 600
POOL = "thumbs"


def decode_thumbnail(path: str, side: int = THUMB_PX) -> QImage:
    """Return the image at ``path`` shrunk (or grown) to fit ``side`` pixels a side; an empty QImage when it cannot
    be read (a thumbnail is decoration: the row says why)."""
    try:
        return pil_to_qimage(ImageOps.contain(load_image(path), (side, side)))
    except Exception:  # any failure to decode leaves the cell empty, never a message per row
        return QImage()


class Thumbnails(QObject):
    """Thumbnails of image files by absolute path, ``side`` pixels a side, decoded on ``workers``. ``ready(path)``
    says that a requested one is now cached."""

    ready = Signal(str)

    def __init__(self, workers: Workers, parent: QObject | None = None, side: int = THUMB_PX):
        super().__init__(parent)
        self.workers = workers
        self.side = side
        self.ratio = screen_ratio()  # decoded at side x ratio device pixels: sharp on a HiDPI screen
        self._cache: OrderedDict[str, QPixmap] = OrderedDict()
        self._pending: set[str] = set()

    def get(self, path: str) -> QPixmap | None:
        """Return the cached thumbnail of ``path``, or None after queueing its decoding."""
        if path in self._cache:
            self._cache.move_to_end(path)
            return self._cache[path]
        if path not in self._pending:
            self._pending.add(path)

            def decode(_job: Job) -> QImage:
                return decode_thumbnail(path, round(self.side * self.ratio))

            self.workers.submit(POOL, decode, lambda image: self._decoded(path, image), lambda _message: None)
        return None

    def clear(self) -> None:
        """Forget every thumbnail; decodes still queued are dropped when they arrive."""
        self._cache.clear()
        self._pending.clear()

    def wait(self, msecs: int = -1) -> bool:
        """Wait until queued thumbnails are decoded (tests, shutdown); return True when none is left."""
        return self.workers.wait(POOL, msecs)

    def _decoded(self, path: str, image: QImage) -> None:
        if path not in self._pending:
            return  # asked for before clear(): from an earlier run
        self._pending.discard(path)
        self._cache[path] = device_pixmap(image, self.side, self.ratio)
        while len(self._cache) > THUMB_CACHE:
            self._cache.popitem(last=False)
        self.ready.emit(path)
