"""What the Live tab measures and plans per frame, without Qt: :class:`FrameStats` (frames per second, latency from
a frame's arrival to its top-5 on screen, dropped frames), :class:`Smoother` (class probabilities averaged over the
last N frames) and :class:`RatePlan` (a slow overlay kind runs on every k-th frame only, and says so)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

FPS_WINDOW = 30  # frames the rate and the latency are averaged over
# overlay kinds too slow for every frame: the k of "every k-th frame" (Grad-CAM needs a backward pass)
SLOW_KINDS: dict[str, int] = {"gradcam": 3}
KIND_NAMES = {"gradcam": "Grad-CAM", "attention": "Attention", "activation": "Activations"}


@dataclass
class FrameStats:
    """Frames shown, dropped and their timing. :meth:`shown` records a frame whose top-5 reached the screen at
    ``now`` (seconds, any monotonic clock) after arriving at ``arrival``; :meth:`dropped_one` a frame that arrived
    while the network was busy."""

    shown_count: int = 0
    dropped: int = 0
    _times: deque = field(default_factory=lambda: deque(maxlen=FPS_WINDOW))
    _latencies: deque = field(default_factory=lambda: deque(maxlen=FPS_WINDOW))

    def shown(self, arrival: float, now: float) -> None:
        """Record one frame shown at ``now`` that arrived at ``arrival``."""
        self.shown_count += 1
        self._times.append(now)
        self._latencies.append(max(0.0, now - arrival))

    def dropped_one(self) -> None:
        """Record one frame dropped (not sent to the busy network, never queued)."""
        self.dropped += 1

    def reset(self) -> None:
        """Forget everything (a new source)."""
        self.shown_count, self.dropped = 0, 0
        self._times.clear()
        self._latencies.clear()

    @property
    def fps(self) -> float:
        """Frames shown per second over the last :data:`FPS_WINDOW` frames (0.0 before two frames)."""
        if len(self._times) < 2 or self._times[-1] <= self._times[0]:
            return 0.0
        return (len(self._times) - 1) / (self._times[-1] - self._times[0])

    @property
    def latency(self) -> float:
        """Mean seconds from a frame's arrival to its top-5 on screen, over the last frames (0.0 before one)."""
        return float(np.mean(self._latencies)) if self._latencies else 0.0

    def text(self) -> str:
        """Return the readout: ``"24.8 fps · latency 38 ms · 12 dropped"``."""
        return f"{self.fps:.1f} fps · latency {self.latency * 1000:.0f} ms · {self.dropped:,} dropped"


class Smoother:
    """Class probabilities averaged over the last ``frames`` frames (1: no smoothing)."""

    def __init__(self, frames: int = 1):
        self.frames = max(1, frames)
        self._probs: deque[np.ndarray] = deque(maxlen=self.frames)

    def set_frames(self, frames: int) -> None:
        """Average over ``frames`` frames from now on, keeping the most recent ones."""
        self.frames = max(1, frames)
        self._probs = deque(list(self._probs)[-self.frames :], maxlen=self.frames)

    def reset(self) -> None:
        """Forget the frames seen (a new source or model)."""
        self._probs.clear()

    def add(self, probs: np.ndarray) -> np.ndarray:
        """Add one frame's probabilities ``(classes,)``; return the mean over the kept frames ``(classes,)``
        float32 (a vector of another length, from another model, starts afresh)."""
        probs = np.asarray(probs, np.float32).reshape(-1)
        if self._probs and self._probs[-1].shape != probs.shape:
            self._probs.clear()
        self._probs.append(probs)
        return np.mean(np.stack(self._probs), axis=0).astype(np.float32)


def ordinal(n: int) -> str:
    """Return ``n`` as an English ordinal: 1st, 2nd, 3rd, 4th, 11th, 22nd."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class RatePlan:
    """Which frames get an overlay: ``every[kind]`` = k runs the kind on every k-th frame sent to the network
    (kinds not named: every frame); the other frames are classified only and keep the last map."""

    every: dict[str, int] = field(default_factory=lambda: dict(SLOW_KINDS))

    def period(self, kind: str) -> int:
        """Return k for ``kind``: its map is computed on every k-th frame (1: every frame)."""
        return max(1, int(self.every.get(kind, 1)))

    def due(self, kind: str, frame_number: int) -> bool:
        """Return whether the ``frame_number``-th frame sent to the network (0-based) computes a ``kind`` map."""
        return frame_number % self.period(kind) == 0

    def describe(self, kind: str) -> str:
        """Return the rate the tab states: "Grad-CAM every 3rd frame" or "Attention on every frame"."""
        name, k = KIND_NAMES.get(kind, kind), self.period(kind)
        return f"{name} on every frame" if k == 1 else f"{name} every {ordinal(k)} frame"


# While a slow model's frames without a map run on the fast pass (model.live.fast_pass), a map that needs a whole
# eager pass runs on every 2nd frame, so that every other frame is a fast one (coatnet_0_rw_224 with the attention
# overlay: 11.7 fps with a map on every frame, the fast pass alone 25.6 fps, on a 2-core Xeon with AMX).
FAST_PASS_PLAN = RatePlan({**SLOW_KINDS, "attention": 2, "activation": 2})
