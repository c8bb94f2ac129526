"""Where a labelling run stands, and how long it has left: plain Python, so the command line's parsers and the
window's status lines use it without loading the network."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class BatchProgress:
    """Where a run stands. ``done`` and ``failed`` include what an earlier run did (``resumed``);
    ``seconds`` is the time this run has worked (pauses excluded)."""

    total: int = 0
    done: int = 0
    failed: int = 0
    resumed: int = 0
    seconds: float = 0.0
    cancelled: bool = False

    @property
    def rate(self) -> float:
        """Images per second of this run (0 before the first chunk)."""
        return (self.done - self.resumed) / self.seconds if self.seconds > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate, or None while there is no rate yet."""
        return max(0, self.total - self.done) / self.rate if self.rate > 0 else None


def format_seconds(seconds: float) -> str:
    """Return ``seconds`` as ``m:ss`` or ``h:mm:ss``."""
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
