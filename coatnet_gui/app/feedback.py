"""What the window tells the user: errors and notes in the banner, progress and results in the status bar. The
window's components get this object instead of the window, so none of them reaches into the window."""

from __future__ import annotations

from PySide6.QtWidgets import QStatusBar

from coatnet_gui.widgets.banner import MessageBanner

ERROR_MS, RESULT_MS = 10_000, 10_000  # how long a status-bar line stays


class Feedback:
    """Messages to the user through ``banner`` (errors stay until closed) and ``status_bar``."""

    def __init__(self, banner: MessageBanner, status_bar: QStatusBar):
        self.banner = banner
        self.status_bar = status_bar

    def error(self, message: str) -> None:
        """Show ``message`` in the banner and the status bar; the window stays usable."""
        self.banner.show_message(message, "error")
        self.status_bar.showMessage(message, ERROR_MS)

    def note(self, message: str) -> None:
        """Show ``message`` as a note (not an error) in the banner."""
        self.banner.show_message(message, "info")

    def status(self, message: str, ms: int = RESULT_MS) -> None:
        """Show ``message`` in the status bar for ``ms`` milliseconds (0: until replaced)."""
        self.status_bar.showMessage(message, ms)

    def clear_error(self) -> None:
        """Hide the banner when it shows an error (a note stays)."""
        if self.banner.kind == "error":
            self.banner.dismiss()
