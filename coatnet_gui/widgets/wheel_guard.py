"""A wheel turn over a control in a scrolling panel scrolls the panel, unless the control has the focus.

Combo boxes, spin boxes, sliders and tab bars take wheel events by default, so scrolling down a sidebar changes
whatever control passes under the cursor (one notch over the Block combo changed S3.1 to S4.0). The guard makes such
controls take the focus by click or Tab only (``Qt.StrongFocus``, not ``WheelFocus``) and hands their wheel events
to the scroll area until they have the focus; then the wheel changes them, as the user asked by clicking.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QFrame,
    QScrollArea,
    QScrollBar,
    QSplitter,
    QTabBar,
    QWidget,
)

GUARDED = (QComboBox, QAbstractSpinBox, QAbstractSlider, QTabBar)


class WheelGuard(QObject):
    """Event filter on the controls in ``scroll``'s panel when it is created (see the module's docstring);
    ``guarded`` lists them."""

    def __init__(self, scroll: QScrollArea):
        super().__init__(scroll)
        self.scroll = scroll
        self.guarded = [
            w for w in scroll.widget().findChildren(QWidget) if isinstance(w, GUARDED) and not isinstance(w, QScrollBar)
        ]
        for widget in self.guarded:
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Send an unfocused control's wheel events to the scroll area (the control does not see them)."""
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) and not watched.hasFocus():
            QCoreApplication.sendEvent(self.scroll.viewport(), event)
            return True
        return False


def guard_wheel(scroll: QScrollArea) -> WheelGuard:
    """Guard the controls in ``scroll``'s panel against stray wheel turns; return the guard (owned by ``scroll``)."""
    return WheelGuard(scroll)


def add_sidebar(splitter: QSplitter, main: QWidget, sidebar: QWidget, width: int) -> tuple[QScrollArea, WheelGuard]:
    """Put ``main`` (stretching) and ``sidebar`` (``width`` pixels wide, in a vertical scroll area whose controls are
    wheel-guarded) side by side in ``splitter``; return the scroll area and its guard."""
    scroll = QScrollArea()
    scroll.setWidget(sidebar)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from control to control; the area follows the focus
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setMinimumWidth(width - 40)
    guard = guard_wheel(scroll)  # a wheel turn over a combo or tab bar scrolls the sidebar
    splitter.addWidget(main)
    splitter.addWidget(scroll)
    splitter.setStretchFactor(0, 1)
    splitter.setStretchFactor(1, 0)
    splitter.setSizes([1000, width])
    splitter.setChildrenCollapsible(False)
    return scroll, guard
