"""What the Image tab shows before any image is open: how to get images in, and the bundled samples."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QGridLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from model.resources import sample_images

SAMPLE_ICON = 88
SAMPLE_COLUMNS = 4


class Welcome(QWidget):
    """Drop hint plus one button per sample image; emits ``sample_chosen(path)``."""

    sample_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        title = QLabel(self.tr("Drop images, a folder or a picture from your browser here"))
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = QLabel(self.tr("or open files with Ctrl+O, paste with Ctrl+V — or start with a sample:"))
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        layout.addWidget(hint)
        grid = QGridLayout()
        grid.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for i, path in enumerate(sample_images()):
            button = QToolButton()
            button.setIcon(QIcon(str(path)))
            button.setIconSize(QSize(SAMPLE_ICON, SAMPLE_ICON))
            button.setText(path.stem.removeprefix("fashion_").replace("-", " "))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setToolTip(self.tr("Open the sample {name}").format(name=path.name))
            button.setAutoRaise(True)
            button.clicked.connect(lambda _checked=False, p=str(path): self.sample_chosen.emit(p))
            grid.addWidget(button, *divmod(i, SAMPLE_COLUMNS))
        layout.addLayout(grid)
        layout.addStretch(2)
