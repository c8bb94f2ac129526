"""The Live tab's state and jobs: frames through the network, latest frame wins, and the file's timeline.

Latest frame wins: the ``live`` pool holds at most one frame job. A frame offered while the network is busy waits
in a single slot, and a newer one replaces it there: the replaced frame is dropped (``FrameStats`` counts it),
never queued. When the network is free again the frame in the slot — the newest one, the one on screen — runs, so a
paused file or the last frame of a clip always gets its own top-5. The frame job is submitted as the latest of its
kind, so a new model or a stop supersedes it and nothing stale shows. The readout times each frame offered, from its
arrival to its top-5; a frame run again for a new map or model is not timed again.

A frame due for an overlay (:class:`~model.live.pacing.RatePlan`: Grad-CAM on every 3rd frame) is explained — one
forward pass capturing only what the map reads (:func:`~model.live.maps.live_explanation`), the map computed by
:func:`~model.explain.maps.compute_overlay` as in the Image tab —, the others are only classified and keep the last
map. The top-5 comes from the class probabilities averaged over the last N frames (:class:`Smoother`); it shows
as soon as the forward pass ends, and a map follows when it is made (``result_ready`` twice for such a frame).

A frame that needs no map runs through the fast pass (:mod:`model.live.fast_pass`: OpenVINO) once the network's
last 5 forward passes (plain, or capturing for a map; not while the timeline shares the cores) all took over 1/30 s
and the fast pass, prepared in the background on the ``io`` pool, is ready; the readout then names it. Frames due
for a map keep the eager network, and while the fast pass runs an attention or activation map comes on every 2nd
frame (:data:`~model.live.pacing.FAST_PASS_PLAN`), so that every other frame is a fast one.

The timeline classifies the whole file on the ``timeline`` pool (:func:`~model.live.timeline.timeline_rows`,
cancellable), its rows arriving in chunks.
"""

from __future__ import annotations

import os
import time
from collections import deque
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Signal

from coatnet_gui.image.session import map_size, model_view_box
from coatnet_gui.live.frames import LiveFrame
from coatnet_gui.overlay.paint import colorize
from coatnet_gui.workers import Job, Workers
from model.data.pixels import pixel_array
from model.explain.maps import OverlayResult, OverlaySpec, compute_overlay
from model.live.fast_pass import (
    FAST_PASS_AFTER,
    FAST_PASS_FRAMES,
    fast_pass_unavailable,
    open_fast_pass,
    wants_fast_pass,
)
from model.live.maps import live_explanation
from model.live.pacing import FAST_PASS_PLAN, FrameStats, RatePlan, Smoother
from model.live.timeline import TimelineRow, timeline_rows, write_rows
from model.runtime.predictor import Prediction, Predictor

FRAME, TIMELINE, EXPORT, FAST = "live.frame", "live.timeline", "live.export", "live.fast"
RUNTIME_NAMES = {"openvino": "OpenVINO"}
LIVE_MAP_SIDE = 512  # the longest side of a live map in pixels: drawn scaled, computed small


@dataclass
class LiveResult:
    """What one frame gave: the ``frame``, its smoothed top-5 ``prediction``, the ``overlay`` computed on it (None
    when this frame kept the previous map), the network's ``seconds``, and the overlay's colour-mapped ``layers``
    (QImages), drawn in the worker with ``colormap``."""

    frame: LiveFrame
    prediction: Prediction
    overlay: OverlayResult | None
    seconds: float
    layers: list | None = None
    colormap: str = ""


def _live_size(box) -> tuple[int, int]:
    """Return the (h, w) of a live map over ``box``: :func:`map_size` capped at :data:`LIVE_MAP_SIDE`."""
    h, w = map_size(box)
    scale = min(1.0, LIVE_MAP_SIDE / max(h, w))
    return max(1, round(h * scale)), max(1, round(w * scale))


class LiveSession(QObject):
    """See the module docstring. ``classifier_getter()`` returns the active model (shared with the other tabs).
    Signals: ``result_ready(LiveResult)``, ``stats_changed(text)``, ``failed(message)``,
    ``timeline_rows(list[TimelineRow])``, ``timeline_progress(done, total)``, ``timeline_finished(text)``,
    ``exported(path, count)``, ``plan_changed()`` (the rate plan changed: with the fast pass, maps every 2nd frame)."""

    result_ready = Signal(object)
    stats_changed = Signal(str)
    failed = Signal(str)
    timeline_rows = Signal(object)
    timeline_progress = Signal(int, int)
    timeline_finished = Signal(str)
    exported = Signal(str, int)
    plan_changed = Signal()

    def __init__(self, workers: Workers, classifier_getter, parent: QObject | None = None):
        super().__init__(parent)
        self.workers, self.classifier_getter = workers, classifier_getter
        self.stats, self.smoother, self.plan = FrameStats(), Smoother(1), RatePlan()
        self.spec = OverlaySpec()
        self.overlay_on = True
        self.colormap = ""  # the colour map the tab draws maps with: the worker colours them (the tab sets it)
        self.current: LiveFrame | None = None  # the frame shown last
        self.result: LiveResult | None = None
        self.overlay: OverlayResult | None = None  # the map shown (perhaps of an earlier frame)
        self.rows: list[TimelineRow] = []
        self._busy: Job | None = None  # the frame job in flight
        self._sent = 0  # frames sent to the network since the map last changed
        self._redo = False  # run the frame shown again once the network is free (a new map was asked for)
        self.waiting: LiveFrame | None = None  # the newest frame offered while the network was busy
        self._timeline: Job | None = None
        self.fast_after: float | None = FAST_PASS_AFTER  # forward passes slower than this ask for the fast pass
        self.fast: Predictor | None = None  # the fast pass of the model ``_fast_for``, once ready
        self._fast_for: Predictor | None = None  # the model the fast pass was asked for (a new model asks again)
        self._eager: deque[float] = deque(maxlen=FAST_PASS_FRAMES)  # the eager network's last forward passes' seconds
        self.runtime = ""  # what ran the last plain frame's pass: "" (the eager network) or the fast pass's name

    # --- frames --------------------------------------------------------------------------------------------

    def offer(self, frame: LiveFrame) -> bool:
        """Send ``frame`` to the network when it is idle; otherwise put it in the slot of the next frame, where it
        replaces (drops, counted) the one waiting there. Return whether it was sent now."""
        self.current = frame
        if self._busy is not None:
            if self.waiting is not None:
                self.stats.dropped_one()
                self.stats_changed.emit(self.stats_text())
            self.waiting = frame
            return False
        return self._send(frame)

    def busy(self) -> bool:
        """True while a frame is in the network."""
        return self._busy is not None

    def set_spec(self, spec: OverlaySpec) -> None:
        """Draw ``spec``'s map from now on; the frame shown gets it at once (once the network is free)."""
        self.spec, self._sent, self.overlay = spec, 0, None
        self.refresh()

    def set_overlay_on(self, on: bool) -> None:
        """Compute maps (True) or classify only (False)."""
        self.overlay_on = on
        if on:
            self._sent, self.overlay = 0, None
            self.refresh()

    def set_smoothing(self, frames: int) -> None:
        """Average the probabilities over the last ``frames`` frames (1: none)."""
        self.smoother.set_frames(frames)

    def refresh(self) -> None:
        """Run the frame shown through the network again (a paused file after a new map or model); it is not timed
        again: it arrived long before, and the readout is about frames as they come."""
        if self.current is None:
            return
        if self._busy is not None:
            self._redo = True
        else:
            self._send(self.current, timed=False)

    def reset(self) -> None:
        """Forget the statistics, the smoothing and the map (a new source or model); drop the frame in flight."""
        self.workers.supersede(FRAME)
        self._busy, self._redo, self._sent, self.waiting = None, False, 0, None
        self.stats.reset()
        self.smoother.reset()
        self._eager.clear()
        self.overlay = self.result = None
        self.stats_changed.emit(self.stats_text())

    def _send(self, frame: LiveFrame, timed: bool = True) -> bool:
        """Run ``frame`` through the network; ``timed``: its top-5 counts in the statistics, from its arrival (a frame
        offered; not one run again for a new map or model, which arrived long before)."""
        clf: Predictor | None = self.classifier_getter()
        if clf is None:
            return False
        spec, kind = self.spec, self.spec.kind
        due = self.overlay is None or self.plan.due(kind, self._sent)
        explain = self.overlay_on and not clf.maps_unavailable and due
        self._sent += 1
        size, labels = _live_size(model_view_box(clf, frame.size)), clf.label_names
        cmap = self.colormap
        if self._fast_for is not None and self._fast_for is not clf:  # another model: its fast pass goes
            self.workers.supersede(FAST)
            self.fast = self._fast_for = None
            self._eager.clear()
            self._set_plan(RatePlan())
        fast = self.fast
        plain = fast or clf

        def job(running: Job) -> tuple:
            if explain:
                explanation = live_explanation(clf, frame.image, spec)  # only what the map reads
                used = explanation.prediction.precision
                running.report((explanation.probs.numpy(), explanation.seconds, used))  # top-5 shows as the map is made
                overlay = compute_overlay(explanation, spec, size, labels)
                layers = colorize(overlay, cmap) if cmap else None  # here, not on the busy GUI thread
                return None, overlay, explanation.seconds, layers
            start = time.perf_counter()
            probs = plain.pixel_probabilities(pixel_array(frame.image, clf.preprocess_cfg)[None])[0]
            return probs, None, time.perf_counter() - start, None

        def top5(reported: tuple) -> None:
            probs, seconds, precision = reported
            mean = self.smoother.add(probs)
            prediction = clf.top_k(mean, 5, frame.name, seconds)
            if precision:  # the explanation's pass: fast, in the placement's precision
                prediction = replace(prediction, precision=precision)
            self.result = LiveResult(frame, prediction, None, seconds)
            self.result_ready.emit(self.result)
            if timed:
                self.stats.shown(frame.arrival, time.perf_counter())
                self.stats_changed.emit(self.stats_text())

        def done(result: tuple) -> None:
            self._busy = None
            probs, overlay, seconds, layers = result
            if probs is not None:
                self.runtime = fast.runtime if fast is not None else ""
                top5((probs, seconds, fast.placement.precision if fast is not None else ""))
            if fast is None and self._timeline is None:  # an eager pass, plain or for a map, not slowed by the
                self._eager.append(seconds)  # timeline classifying the file on the other core: is the model slow?
                self._maybe_prepare_fast(clf)
            if overlay is not None and self.result is not None and self.result.frame is frame:
                self.overlay = overlay
                self.result = replace(self.result, overlay=overlay, layers=layers, colormap=cmap)
                self.result_ready.emit(self.result)
            self._after()

        def error(message: str) -> None:
            self._busy, self.waiting = None, None
            self.failed.emit(message)

        self._busy = self.workers.submit("live", job, done, error, on_report=top5, latest=FRAME)
        return True

    def _maybe_prepare_fast(self, clf: Predictor) -> None:
        """Prepare the fast pass of ``clf`` in the background once its forward passes proved slow (and it can have
        one); it is asked for once per model."""
        if self.fast_after is None or self._fast_for is clf or not wants_fast_pass(self._eager, self.fast_after):
            return
        self._fast_for, self.fast = clf, None
        if fast_pass_unavailable(clf):
            return

        def ready(fast: Predictor) -> None:
            if self._fast_for is clf:
                self.fast = fast
                self._set_plan(FAST_PASS_PLAN)  # maps on every 2nd frame, the fast pass between
                self.stats_changed.emit(self.stats_text())

        def failed(message: str) -> None:  # the eager network goes on: the frames lose nothing but speed
            self.failed.emit(
                self.tr("The fast pass could not be prepared; frames stay on PyTorch: {message}").format(
                    message=message
                )
            )

        self.workers.submit(
            "io",
            lambda _job: open_fast_pass(clf),
            ready,
            failed,
            latest=FAST,
            what=self.tr("Preparing the fast pass (OpenVINO) for the Live tab…"),
        )

    def _set_plan(self, plan: RatePlan) -> None:
        if plan != self.plan:
            self.plan = plan
            self.plan_changed.emit()

    def _after(self) -> None:
        """Run the frame waiting in the slot, else the frame shown again when a new map was asked for meanwhile."""
        waiting, self.waiting = self.waiting, None
        redo, self._redo = self._redo, False
        if waiting is not None:
            self._send(waiting)
        elif redo and self.current is not None:
            self._send(self.current, timed=False)

    # --- the timeline ----------------------------------------------------------------------------------------

    def start_timeline(self, path: str | os.PathLike) -> None:
        """Classify every (sampled) frame of ``path`` in the background; a running timeline stops first."""
        self.cancel_timeline()
        self.rows = []
        clf = self.classifier_getter()
        if clf is None:
            return

        def rows(chunk: list[TimelineRow]) -> None:
            self.rows.extend(chunk)
            self.timeline_rows.emit(chunk)

        def done(_result: object) -> None:
            self._timeline = None
            self.timeline_finished.emit(self.tr("Timeline: {n:,} frames classified.").format(n=len(self.rows)))

        def error(message: str) -> None:
            self._timeline = None
            self.timeline_finished.emit(self.tr("Timeline stopped: {message}").format(message=message))
            self.failed.emit(message)

        def cancelled(_message: str) -> None:
            self._timeline = None
            self.timeline_finished.emit(self.tr("Timeline cancelled after {n:,} frames.").format(n=len(self.rows)))

        self._timeline = self.workers.submit(
            "timeline",
            lambda job: timeline_rows(path, clf, progress=job.progress, cancel=job.token),
            done,
            error,
            on_report=rows,
            on_progress=self.timeline_progress.emit,
            on_cancelled=cancelled,
            latest=TIMELINE,
            what=self.tr("Classifying the video's frames…"),
        )

    def cancel_timeline(self) -> None:
        """Stop the timeline being computed (the rows so far stay)."""
        if self._timeline is not None:
            self._timeline.cancel()

    def timeline_running(self) -> bool:
        """True while the timeline is computed."""
        return self._timeline is not None

    def export_rows(self, path: str | os.PathLike, overwrite: bool = False) -> None:
        """Write the timeline's rows to ``path`` (.csv or .jsonl) on the ``io`` pool: ``exported(path, count)``
        or ``failed``. An existing file is replaced only with ``overwrite`` (the user was asked)."""
        rows, target = list(self.rows), os.fspath(path)
        if not rows:
            self.failed.emit(self.tr("There are no frame rows to export yet."))
            return
        self.workers.submit(
            "io",
            lambda _job: write_rows(target, rows, overwrite=overwrite),
            lambda count: self.exported.emit(target, count),
            self.failed.emit,
            latest=EXPORT,
            what=self.tr("Exporting the frame rows…"),
        )

    def stats_text(self) -> str:
        """Return the readout the tab shows, translated: "24.8 fps · latency 38 ms · 12 dropped"."""
        s = self.stats
        text = self.tr("{fps} fps · latency {ms} ms · {n:,} dropped")
        text = text.format(fps=f"{s.fps:.1f}", ms=f"{s.latency * 1000:.0f}", n=s.dropped)
        if self.fast is not None and self.runtime:
            text += "\n" + self.tr("Frames without a map: {runtime}").format(runtime=self.runtime_name())
        return text

    def runtime_name(self) -> str:
        """Return the fast pass's runtime as users know it ("OpenVINO"), or "" without one."""
        runtime = self.fast.runtime if self.fast is not None else ""
        return RUNTIME_NAMES.get(runtime, runtime)

    def shutdown(self) -> None:
        """Stop the frame in flight and the timeline (the tab is closing)."""
        self.workers.supersede(FRAME)
        self.workers.supersede(FAST)
        self.cancel_timeline()
