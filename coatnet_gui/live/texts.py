"""The Live tab's words that come from the Qt-free core (:mod:`model.live.pacing`), in the UI's language: the
overlay rate line ("Grad-CAM every 3rd frame"), the file filter and the player's time."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from model.live.pacing import KIND_NAMES, ordinal

VIDEO_FILTER = QT_TRANSLATE_NOOP(
    "LiveTab", "Videos (*.mp4 *.m4v *.mov *.mkv *.webm *.avi *.mpg *.mpeg *.ogv *.gif);;All files (*)"
)
KIND_TEXTS = {  # model.live.pacing.KIND_NAMES as the rate line shows them, translated there
    "gradcam": QT_TRANSLATE_NOOP("LiveTab", "Grad-CAM"),
    "attention": QT_TRANSLATE_NOOP("LiveTab", "Attention"),
    "activation": QT_TRANSLATE_NOOP("LiveTab", "Activations"),
}
ORDINALS = {  # the suffixes of model.live.pacing.ordinal, translated where shown
    "st": QT_TRANSLATE_NOOP("LiveTab", "{n}st"),
    "nd": QT_TRANSLATE_NOOP("LiveTab", "{n}nd"),
    "rd": QT_TRANSLATE_NOOP("LiveTab", "{n}rd"),
    "th": QT_TRANSLATE_NOOP("LiveTab", "{n}th"),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("LiveTab", text)


def time_text(seconds: float) -> str:
    """Return ``seconds`` as the player shows it, ``M:SS.ss``."""
    minutes, rest = divmod(max(0.0, seconds), 60)
    return f"{int(minutes)}:{rest:05.2f}"


def rate_text(kind: str, period: int) -> str:
    """Return the overlay rate the tab states for map ``kind`` computed every ``period``-th frame, translated:
    "Grad-CAM every 3rd frame", "Attention on every frame" (:meth:`model.live.pacing.RatePlan.describe` in the UI's
    language)."""
    name = _tr(KIND_TEXTS[kind]) if kind in KIND_TEXTS else KIND_NAMES.get(kind, kind)
    if period == 1:
        return QCoreApplication.translate("LiveTab", "{kind} on every frame").format(kind=name)
    nth = _tr(ORDINALS[ordinal(period)[len(str(period)) :]]).format(n=period)
    every = QCoreApplication.translate("LiveTab", "{kind} every {ordinal} frame")
    return every.format(kind=name, ordinal=nth)
