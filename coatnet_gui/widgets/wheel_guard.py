"""A wheel turn over a control in a scrolling panel scrolls the panel, unless the control has the focus.

Combo boxes, spin boxes, sliders and tab bars take wheel events by default, so scrolling down a sidebar changes
whatever control passes under the cursor (one notch over the Block combo changed S3.1 to S4.0). The guard makes such
controls take the focus by click or Tab only (``Qt.StrongFocus``, not ``WheelFocus``) and hands their wheel events
to the scroll area until they have the focus; then the wheel changes them, as the user asked by clicking.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QComboBox, QScrollArea, QScrollBar, QTabBar, QWidget

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
