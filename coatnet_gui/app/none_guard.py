"""Survive a Qt binding that drops a reference to ``None`` on every call that returns nothing.

PySide6-Essentials 6.12.0 on Python 3.11 does exactly that (``QComboBox.setCurrentIndex``, ``QSpinBox.setRange``,
``QFormLayout.setRowVisible``, …): a repaint costs about 18 references, an overlay switch about 57, and when the
count of ``None`` (about 128,000 at start) reaches zero the interpreter aborts with ``Fatal Python error:
none_dealloc``, within minutes of ordinary use. ``pyproject.toml`` excludes that release; this module is for an
environment that installs it anyway. Python 3.12 and newer are immune: ``None`` is immortal there.

:func:`none_leak_per_call` measures the binding; :func:`guard_none_refcount` (called once when the app starts)
says so in one line and, where the interpreter's ``None`` is mortal, gives it so many references that the leak
cannot reach zero in any session.
"""

from __future__ import annotations

import ctypes
import sys

PROBE_CALLS = 100  # few: a small process holds only ~5,000 references to None
RESERVE = 1 << 48  # references added to None: at 15,000 a batch run, ~10^10 runs before they are used up
MESSAGE = (
    "coatnet-gui: this Qt binding (PySide6 {version}) loses a reference to None on Qt calls that return nothing "
    "({leak:.2f} per call), which aborts Python 3.11 within minutes; the app compensates, but please install "
    "another release: pip install 'PySide6-Essentials!=6.12.0'"
)


def none_leak_per_call(calls: int = PROBE_CALLS) -> float:
    """Return how many references to ``None`` the installed Qt binding drops per void Qt call (0.0 when sound, or
    when fewer than one per three calls went: that is other threads' noise, not the binding).

    Exercises setters of a QObject, a QTimer and a QSize, which return nothing; needs no QApplication.
    """
    from PySide6.QtCore import QObject, QSize, QTimer

    obj, timer, size = QObject(), QTimer(), QSize()
    before = sys.getrefcount(None)
    for i in range(calls):
        obj.setObjectName("probe")
        timer.setInterval(i % 7)
        size.setWidth(i % 5)
    lost = before - sys.getrefcount(None)
    # other threads take and drop references to None meanwhile, a few at a time; the leak loses one per call
    return lost / (3 * calls) if lost >= calls else 0.0


def none_is_immortal() -> bool:
    """Return True where the interpreter never frees ``None`` (Python 3.12+, PEP 683)."""
    return sys.version_info >= (3, 12)


def reserve_none_references(count: int = RESERVE) -> None:
    """Add ``count`` references to ``None`` (CPython < 3.12: ``ob_refcnt`` is the object's first field)."""
    refcount = ctypes.c_ssize_t.from_address(id(None))
    refcount.value += count


def guard_none_refcount() -> str | None:
    """Check the Qt binding once; when it leaks ``None``, print a one-line warning to stderr, make the leak
    harmless for this process and return the warning (None when the binding is sound)."""
    leak = none_leak_per_call()
    if leak <= 0:
        return None
    import PySide6

    message = MESSAGE.format(version=PySide6.__version__, leak=leak)
    print(message, file=sys.stderr, flush=True)
    if not none_is_immortal():
        reserve_none_references()
    return message
