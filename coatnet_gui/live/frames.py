"""One frame of a live source (a video file or a camera) as the Live tab passes it around, and QImage -> PIL."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image
from PySide6.QtGui import QImage

from model.video.files import frame_key


@dataclass(frozen=True, eq=False)
class LiveFrame:
    """A frame: the RGB ``image`` and the same as a ``qimage``, its ``index`` in the source, its ``time`` in the file
    (seconds; None for a camera), the ``source`` (a file path, or the camera's name) and its ``arrival`` on the GUI
    thread (``time.perf_counter()``)."""

    image: Image.Image
    qimage: QImage
    index: int
    time: float | None
    source: str
    arrival: float

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
