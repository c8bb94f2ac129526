"""The app's log: warnings and errors go, with their tracebacks, to ``<data folder>/logs/coatnet-lens.log``, and one
line each to stderr.

:func:`setup_logging` is called once when the window starts, and again by the worker facility before it logs a
failure (it is cheap when nothing changed), so the file a failure message names is the file that holds its
traceback, also when the data folder moved (``$COATNET_LENS_DATA`` in tests). When the file cannot be written, the
log goes to stderr only and :func:`setup_logging` returns None.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

from model.paths import data_dir

LOG_NAME = "coatnet-lens.log"
LOG_BYTES, LOG_BACKUPS = 1 << 20, 2  # a rotating log: at most about 3 MB on disk
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_lock = threading.Lock()
_file_handler: logging.FileHandler | None = None
_stderr_handler: logging.Handler | None = None


class OneLine(logging.Formatter):
    """The first line of a record's message, without its traceback (that is in the log file)."""

    def format(self, record: logging.LogRecord) -> str:
        """Return ``"<level>: <first line of the message>"``."""
        return f"{record.levelname.lower()}: {(record.getMessage().splitlines() or [''])[0]}"


def log_path() -> Path:
    """Return where the log file is for the current data folder: ``data_dir()/logs/coatnet-lens.log``."""
    return data_dir() / "logs" / LOG_NAME


def setup_logging() -> Path | None:
    """Send warnings and errors of every logger to :func:`log_path` (with tracebacks) and one line each to stderr;
    return the log file's path, or None when it cannot be written. Idempotent; follows a moved data folder."""
    from logging.handlers import RotatingFileHandler

    global _file_handler, _stderr_handler
    root = logging.getLogger()
    with _lock:
        if _stderr_handler is None:
            _stderr_handler = logging.StreamHandler(sys.stderr)
            _stderr_handler.setFormatter(OneLine())
            _stderr_handler.setLevel(logging.WARNING)
            root.addHandler(_stderr_handler)
            if root.level > logging.WARNING or root.level == logging.NOTSET:
                root.setLevel(logging.WARNING)
        path = log_path()
        if _file_handler is not None and Path(_file_handler.baseFilename) == path.absolute():
            return path
        if _file_handler is not None:
            root.removeHandler(_file_handler)
            _file_handler.close()
            _file_handler = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")
        except OSError:
            return None
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler.setLevel(logging.WARNING)
        root.addHandler(handler)
        _file_handler = handler
        return path
