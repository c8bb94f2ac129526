"""Pixels to QImage: numpy arrays and PIL images become QImages that own their pixels (safe off the GUI thread)."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtGui import QImage


def to_qimage(rgb: np.ndarray) -> QImage:
    """Return an ``(h, w, 3)`` uint8 array as a QImage that owns a copy of the pixels."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def pil_to_qimage(image: Image.Image) -> QImage:
    """Return a PIL image (any mode, converted to RGB) as a QImage."""
    return to_qimage(np.asarray(image.convert("RGB")))
