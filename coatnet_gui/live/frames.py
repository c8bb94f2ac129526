"""One frame of a live source (a video file or a camera) as the Live tab passes it around, and QImage -> PIL."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image
from PySide6.QtGui import QImage

from model.video.files import frame_key


@dataclass(frozen=True, eq=False)
class LiveFrame:
    """A frame: the ``qimage`` shown, its ``index`` in the source, its ``time`` in the file (seconds; None for a
    camera), the ``source`` (a file path, or the camera's name), its ``arrival`` on the GUI thread
    (``time.perf_counter()``) and ``pixels``, the RGB image, when the source made one (a file's frames are decoded to
    it in a worker)."""

    qimage: QImage
    index: int
    time: float | None
    source: str
    arrival: float
    pixels: Image.Image | None = None

    @property
    def image(self) -> Image.Image:
        """The RGB image: ``pixels``, or made from ``qimage`` on first use — by the thread that runs the frame, not
        the GUI thread a camera's frames arrive on (1 to 2.4 ms per 640 x 480 to 1280 x 720 frame)."""
        if self.pixels is None:
            object.__setattr__(self, "pixels", qimage_to_pil(self.qimage))  # made once, kept with the frame
        return self.pixels

    @property
    def size(self) -> tuple[int, int]:
        """The frame's (width, height), read without making its RGB image."""
        return self.qimage.width(), self.qimage.height()

    @property
    def name(self) -> str:
        """Return the frame's name: ``path#t=SECONDS`` for a file's frame, ``camera frame N`` else."""
        return frame_key(self.source, self.time) if self.time is not None else f"{self.source} frame {self.index}"


def qimage_to_pil(image: QImage) -> Image.Image:
    """Return an RGB PIL copy of ``image`` (any format)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = rgb.width(), rgb.height(), rgb.bytesPerLine()
    data = np.frombuffer(rgb.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return Image.fromarray(np.ascontiguousarray(data[:, : 3 * w]).reshape(h, w, 3), "RGB")
