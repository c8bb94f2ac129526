"""What a failed background job tells the user and what it leaves in the log.

Expected failures come from the user's files, input or machine, and the message says what to do: an unreadable or
missing image or file (OSError, :class:`~model.data.decode.ImageLoadError`), a model that cannot be loaded
(:class:`~model.weights.checkpoint.WeightsError`), a teach validation error (:class:`~model.teach.types.TeachError`),
an audit's unusable input or refused label change (:class:`~model.audit.AuditError`,
:class:`~model.audit.label_fixes.FixError`),
an unreadable video file, an unreadable run journal, a manifest that is not ours,
a GPU out of memory. They are shown and logged as one line.
Anything else is a defect: its traceback goes to the log file (:mod:`coatnet_gui.logs`), whose path the message
names, so a bug report can carry it.
"""

from __future__ import annotations

import logging
import sys
import traceback

import torch

from coatnet_gui.logs import setup_logging
from model.audit.label_fixes import FixError
from model.audit.sources import AuditError
from model.batch.journal import JournalError
from model.batch.undo import ForeignManifest
from model.data.decode import ImageLoadError
from model.teach.types import TeachError
from model.weights.layout import WeightsError

log = logging.getLogger("coatnet_gui.workers")

EXPECTED: tuple[type[BaseException], ...] = (
    OSError,
    ImageLoadError,
    WeightsError,
    TeachError,
    JournalError,
    ForeignManifest,
    AuditError,
    FixError,
    torch.OutOfMemoryError,
)
OUT_OF_MEMORY = "The GPU ran out of memory. Choose Model ▸ Device ▸ CPU, or a smaller model."


def is_expected(exc: BaseException) -> bool:
    """Return True when ``exc`` is a failure the user can act on (see the module docstring), not a defect; a
    :class:`~model.video.VideoError` (an unreadable video file) is one too, checked without importing PyAV."""
    reader = sys.modules.get("model.video.reader")
    return isinstance(exc, EXPECTED) or (reader is not None and isinstance(exc, reader.VideoError))


def first_line(exc: BaseException) -> str:
    """Return the first line of ``exc``'s message (its type's name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def failure_message(exc: BaseException, what: str = "") -> str:
    """Log ``exc`` and return the line the window shows. Expected failures: their own message, logged as that one
    line. Others: ``"<Type>: <message> (details in <log file>)"``, the traceback written to that file; ``what``
    (the job's description, when it has one) says in the log what was running."""
    doing = f"{what.rstrip('…. ')} failed: " if what else ""
    if not is_expected(exc):
        path = setup_logging()
        message = f"{type(exc).__name__}: {first_line(exc)} (details in {path or 'the terminal'})"
        log.error("%s%s", doing, message, exc_info=exc)
        if path is None:  # no log file: the traceback must not be lost
            traceback.print_exception(exc, file=sys.stderr)
        return message
    message = OUT_OF_MEMORY if isinstance(exc, torch.OutOfMemoryError) else first_line(exc)
    setup_logging()
    log.warning("%s%s", doing, message)
    return message
