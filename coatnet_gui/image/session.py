"""The Image tab's state — active classifier, shown image, its explanation, the overlay — and the jobs that
change it, all run by :class:`~coatnet_gui.workers.Workers` off the GUI thread.

Widgets never call the model: they call :class:`Session` methods (intents) and render what its signals carry.
Results of superseded requests (an older image, model or overlay choice) are dropped when they arrive, and a
faithfulness score superseded while it runs (by a newer image, map or model) stops before its next batched pass: a new
image's top-5 never waits behind stale work. An image file is classified first, straight from the file as the CLI and
the Batch tab do (reduced-size JPEG decode, one forward pass); the display decode follows (or runs at once when the
model pool is busy with a pass that cannot stop), then the explanation.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import torch
from PySide6.QtCore import QBuffer, QIODevice, QObject, Signal

from coatnet_gui.image.sources import ImageSource, LoadedImage, read_image
from coatnet_gui.overlay.geometry import Box, crop_box
from coatnet_gui.overlay.paint import ViewState, render_view
from coatnet_gui.workers import Workers
from model.atomic import write_bytes_atomically
from model.explain.faithfulness import Curves
from model.explain.head_stats import HeadStats, head_stats
from model.explain.maps import OverlayResult, OverlaySpec, compute_overlay
from model.explain.scoring import score_all_maps, score_overlay, unscorable_reason
from model.runtime.inference import Classifier, Explanation, Prediction
from model.weights.loading import LoadedModel, load_model

MAP_SIDE_LIMIT = 2048  # longest side of an overlay map in pixels; larger views are scaled when drawn


def model_view_box(classifier: Classifier, image_size: tuple[int, int]) -> Box:
    """Return the box of an image of ``image_size`` (width, height) that ``classifier``'s model sees."""
    cfg = classifier.preprocess_cfg
    return crop_box(image_size, cfg.input_size, cfg.crop_pct, cfg.crop_mode)


def map_size(box: Box) -> tuple[int, int]:
    """Return the (height, width) of overlay maps over ``box``: its size in pixels, at most
    :data:`MAP_SIDE_LIMIT` on the longest side."""
    scale = min(1.0, MAP_SIDE_LIMIT / max(box.width, box.height, 1.0))
    return max(1, round(box.height * scale)), max(1, round(box.width * scale))


class Superseded(Exception):
    """A background job stopped because a newer request made its result useless."""


class _StopBetweenPasses:
    """``classifier``, except that every forward pass (:meth:`probabilities`) first raises :class:`Superseded` when
    ``should_stop()`` says so: a scoring job of dozens of images in batched passes stops after the pass in flight."""

    def __init__(self, classifier: Classifier, should_stop: Callable[[], bool]):
        self._classifier = classifier
        self._should_stop = should_stop

    def probabilities(self, batch: torch.Tensor) -> torch.Tensor:
        """Return ``classifier.probabilities(batch)`` ``(B, classes)``; raise Superseded instead when stopped."""
        if self._should_stop():
            raise Superseded
        return self._classifier.probabilities(batch)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._classifier, name)


def stoppable(classifier: Classifier, should_stop: Callable[[], bool]) -> Classifier:
    """Return ``classifier`` whose forward passes raise :class:`Superseded` once ``should_stop()`` is true."""
    return cast(Classifier, _StopBetweenPasses(classifier, should_stop))


def write_view_png(state: ViewState, path: str | os.PathLike) -> None:
    """Render ``state`` (see :func:`~coatnet_gui.overlay.paint.render_view`) and write it to ``path`` as PNG,
    atomically. Runs in a worker thread: it paints on a QImage, never on a widget."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not render_view(state).save(buffer, "PNG"):
        raise OSError(f"Could not encode the view as PNG for {path}.")
    write_bytes_atomically(path, bytes(buffer.data().data()))


@dataclass
class _Opening:
    """One image file being opened: the ``classifier`` classifying it from the file (None when it is not, or that
    failed) and whether the image is ``shown``."""

    classifier: Classifier | None = None
    shown: bool = False


class Session(QObject):
    """State and intents of the Image tab; see the module docstring."""

    model_loading = Signal(str)  # what is being loaded
    download_progress = Signal(int, int)  # bytes done, total (0 = unknown)
    model_ready = Signal(object)  # Classifier
    model_failed = Signal(str)
    image_ready = Signal(object)  # LoadedImage
    image_failed = Signal(object, str)  # the ImageSource that could not be opened, why
    prediction_ready = Signal(object)  # Prediction
    explanation_ready = Signal(object)  # Explanation
    overlay_ready = Signal(object)  # OverlayResult
    score_ready = Signal(object)  # MapScore of the map on screen
    score_unavailable = Signal(str)  # why the map on screen cannot be scored
    scores_ready = Signal(object)  # ScoreTable: every kind of map, ranked
    scores_failed = Signal(str)
    head_stats_ready = Signal(object)  # list[HeadStats] of the explained image
    failed = Signal(str)  # a readable message for the window
    working = Signal(str)  # what runs in the background; "" when idle

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.workers = Workers(self)
        self.classifier: Classifier | None = None
        self.model_source = ""
        self.image: LoadedImage | None = None
        self.explanation: Explanation | None = None
        self.spec = OverlaySpec()
        self._cancel: threading.Event | None = None
        self._generation = {
            "model": 0,
            "image": 0,
            "prediction": 0,
            "analysis": 0,
            "overlay": 0,
            "score": 0,
            "scores": 0,
            "heads": 0,
        }
        self._baselines: dict[int, Curves] = {}  # class -> random-order curves of this explanation (model pool)
        self._pending: dict[int, str] = {}  # what each unfinished job is doing, in submission order
        self._job_ids = itertools.count()
        self._model_jobs = 0  # jobs submitted to the model pool and not finished
        self._opening: _Opening | None = None  # the image being opened last

    # --- intents ------------------------------------------------------------------------------------------

    def load_model(self, source: str, device: str = "auto") -> None:
        """Load ``source`` ("bundled", a public tag, a checkpoint path) on ``device``; a download in progress
        is cancelled. The current model stays active until the new one is ready."""
        self.cancel_download()
        cancel = threading.Event()
        self._cancel = cancel
        self.workers.cancel_events.add(cancel)

        def job(progress: Callable[[int, int], None]) -> Classifier:
            return Classifier(load_model(source, progress=progress, cancel=cancel), device=device)

        def done(classifier: Classifier) -> None:
            self.workers.cancel_events.discard(cancel)
            self.model_source = source
            self._set_classifier(classifier)

        def error(message: str) -> None:
            self.workers.cancel_events.discard(cancel)
            self.failed.emit(message)
            self.model_failed.emit(message)  # after ``failed``: its handler may replace the error message

        self.model_loading.emit(source)
        self._submit("load", "Loading model…", "model", job, done, error, self.download_progress.emit)

    def cancel_download(self) -> None:
        """Stop the model download in progress, if any (what arrived is kept for the next attempt)."""
        if self._cancel is not None:
            self._cancel.set()
            self._cancel = None

    def set_device(self, device: str) -> None:
        """Move the active model to ``device`` (auto/cuda/mps/cpu) and analyse the image again."""
        current = self.classifier
        if current is None:
            return

        def job() -> Classifier:
            return Classifier(LoadedModel(current.net, current.info), device=device)

        self._submit("model", "Moving the model…", "model", job, self._set_classifier, self.failed.emit)

    def open_image(self, source: ImageSource) -> None:
        """Read ``source`` and, once a model is ready, classify and explain it. When it cannot be read, the
        previous image and everything derived from it are dropped and ``image_failed`` says why.

        Scoring of the previous image stops at once (after the pass in flight). An image file is classified from
        the file (:meth:`_classify_file`); when the model pool is idle this comes first and the display decode
        after it, so ``prediction_ready`` comes before ``image_ready`` (whose handlers keep a top-5 of the same file).
        When the model pool is busy (a pass that cannot stop), the display decode does
        not wait for it."""
        self._supersede_checks()
        self._generation["prediction"] += 1  # a late top-5 of the previous image must not show
        classifier = self.classifier
        opening = self._opening = _Opening()

        def done(loaded: LoadedImage) -> None:
            self.image = loaded
            self.image_ready.emit(loaded)
            opening.shown = True
            self._analyse(classify=opening.classifier is None or opening.classifier is not self.classifier)

        def error(message: str) -> None:
            self.image, self.explanation = None, None
            self._generation["analysis"] += 1  # a late prediction of the previous image must not show
            self._generation["overlay"] += 1
            self.image_failed.emit(source, message)

        def read() -> None:
            self._submit("io", f"Reading {source.name}…", "image", lambda: read_image(source), done, error)

        if source.path is None or classifier is None:
            read()
        elif self._model_jobs:
            self._classify_file(classifier, source.path, opening, lambda: None)
            read()
        else:
            self._classify_file(classifier, source.path, opening, read)

    def read_thumbnail(
        self, source: ImageSource, on_done: Callable[[LoadedImage], None], on_error: Callable[[str], None]
    ) -> None:
        """Decode ``source`` in the background for its thumbnail only: ``on_done(loaded)`` or ``on_error(why)``
        runs on the GUI thread; the shown image does not change."""
        self.run("io", "", lambda: read_image(source), on_done, on_error)

    def set_overlay(self, spec: OverlaySpec) -> None:
        """Show overlay ``spec``: computed from the stored explanation, without running the network again."""
        self.spec = spec
        self._request_overlay()

    def score_map(self, result: OverlayResult) -> None:
        """Score the map of ``result`` (on screen) for faithfulness against a random order: ``score_ready`` carries
        the :class:`~model.explain.scoring.MapScore`, or ``score_unavailable`` says why it cannot be scored. A
        request superseded before its turn on the model pool runs no passes."""
        classifier, explanation, baselines = self.classifier, self.explanation, self._baselines
        reason = unscorable_reason(result)
        if classifier is None or explanation is None or reason:
            self._generation["score"] += 1
            self.score_unavailable.emit(reason or "Open an image first.")
            return
        self._submit_latest(
            "score",
            "Scoring the map…",
            lambda stop: score_overlay(stoppable(classifier, stop), explanation, result, baselines=baselines),
            self.score_ready.emit,
            lambda message: self.score_unavailable.emit(f"Could not score the map: {message}"),
        )

    def score_all_maps(self) -> None:
        """Score one map of every kind that ranks pixels (``scores_ready`` carries the
        :class:`~model.explain.scoring.ScoreTable`); the query point and blocks follow the overlay's."""
        classifier, explanation, spec, baselines = self.classifier, self.explanation, self.spec, self._baselines
        if classifier is None or explanation is None:
            message = "Open an image first: there are no maps to score."
            self.failed.emit(message)
            self.scores_failed.emit(message)
            return
        self._submit_latest(
            "scores",
            "Scoring every map…",
            lambda stop: score_all_maps(stoppable(classifier, stop), explanation, spec, baselines=baselines),
            self.scores_ready.emit,
            self.scores_failed.emit,
        )

    def view_box(self) -> Box | None:
        """Return the box of the shown image that the active model sees, or None."""
        if self.image is None or self.classifier is None:
            return None
        return model_view_box(self.classifier, self.image.image.size)

    def shutdown(self) -> None:
        """Cancel downloads and wait for background jobs (called when the window closes)."""
        self.workers.shutdown()

    # --- jobs ----------------------------------------------------------------------------------------------

    def _submit(
        self,
        pool: str,
        what: str,
        generation: str,
        job: Callable[..., Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None],
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Run ``job`` on ``pool``; its result is delivered only if no newer job of ``generation`` started. On the
        model pool, a job superseded before its turn does not run: the pool's one thread goes to the newest work."""
        self._generation[generation] += 1
        ticket = self._generation[generation]

        def current(callback: Callable[[Any], None]) -> Callable[[Any], None]:
            def deliver(value: Any) -> None:
                if self._generation[generation] == ticket:
                    callback(value)

            return deliver

        def unless_stale(*args: Any) -> Any:
            return job(*args) if self._generation[generation] == ticket else None

        self.run(pool, what, unless_stale if pool == "model" else job, current(on_done), current(on_error), on_progress)

    def _submit_latest(
        self,
        generation: str,
        what: str,
        job: Callable[[Callable[[], bool]], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None],
    ) -> None:
        """Like :meth:`_submit` on the model pool, but a job superseded while it runs stops when it next asks (no
        result): ``job(should_stop)`` is given a callable that turns true once a newer job of ``generation`` was
        submitted, and may raise :class:`Superseded` then. Scoring runs dozens of images through the network, and
        only the newest request matters. A failure goes to ``failed`` and ``on_error``."""
        ticket = self._generation[generation] + 1  # the ticket _submit is about to hand out

        def superseded() -> bool:
            return self._generation[generation] != ticket

        def latest() -> Any:
            try:
                return job(superseded)
            except Superseded:
                return None

        def done(value: Any) -> None:
            if value is not None:
                on_done(value)

        def error(message: str) -> None:
            self.failed.emit(message)
            on_error(message)

        self._submit("model", what, generation, latest, done, error)

    def run(
        self,
        pool: str,
        what: str,
        job: Callable[..., Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None],
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Run ``job`` on ``pool`` ("model", "load" or "io"); ``on_done(result)`` or ``on_error(message)`` runs on
        the GUI thread. ``working`` says what the newest unfinished job does (``what``; "" for none: a job with
        no ``what`` is not announced), whichever order the jobs finish in."""
        key = next(self._job_ids)
        if what:
            self._pending[key] = what
            self.working.emit(what)
        model = pool == "model"
        self._model_jobs += model

        def finish(callback: Callable[[Any], None]) -> Callable[[Any], None]:
            def deliver(value: Any) -> None:
                self._model_jobs -= model
                if self._pending.pop(key, None) is not None:
                    self.working.emit(next(reversed(self._pending.values()), ""))
                callback(value)

            return deliver

        self.workers.submit(pool, job, finish(on_done), finish(on_error), on_progress)

    def _set_classifier(self, classifier: Classifier) -> None:
        self.classifier = classifier
        self.model_ready.emit(classifier)
        self._analyse()

    def _supersede_checks(self) -> None:
        """Make the scores and head statistics of the shown image stale: a scoring job stops before its next pass."""
        for stale in ("score", "scores", "heads"):
            self._generation[stale] += 1

    def _classify_file(self, classifier: Classifier, path: str, opening: _Opening, then: Callable[[], None]) -> None:
        """Classify the image file at ``path`` on the model pool as the CLI does (:meth:`Classifier.classify_files`:
        a reduced-size JPEG decode, one forward pass), emit its top-5, then call ``then``,
        also when it fails, unless another image was opened meanwhile. When it fails (or the model changed) after
        the image is shown, the decoded image is classified instead."""
        opening.classifier = classifier
        ticket = self._generation["prediction"]

        def fall_back() -> None:
            opening.classifier = None
            if opening.shown and self.image is not None and self.classifier is not None:
                self._classify_image(self.classifier, self.image)

        def classified(prediction: Prediction | None) -> None:
            if self._opening is not opening:
                return
            current = self._generation["prediction"] == ticket and classifier is self.classifier
            if prediction is not None and prediction.error is None and current:
                self.prediction_ready.emit(prediction)
            else:
                fall_back()
            then()

        def failed(message: str) -> None:
            if self._opening is opening:
                self.failed.emit(message)
                fall_back()
                then()

        def job() -> Prediction | None:
            return classifier.classify_files([path])[0] if self._opening is opening else None

        self.run("model", "Classifying…", job, classified, failed)

    def _classify_image(self, classifier: Classifier, loaded: LoadedImage) -> None:
        """Classify the decoded image ``loaded`` on the model pool (``prediction_ready``)."""
        path = loaded.source.path or loaded.source.url or loaded.source.name
        self._submit(
            "model",
            "Classifying…",
            "prediction",
            lambda: classifier.classify_image(loaded.image, 5, path),
            self.prediction_ready.emit,
            self.failed.emit,
        )

    def _analyse(self, classify: bool = True) -> None:
        """Explain the shown image with the active model (one captured forward pass), classifying it first unless
        ``classify`` is False (its top-5 comes from the file)."""
        classifier, loaded = self.classifier, self.image
        self.explanation = None
        self._supersede_checks()  # scores of the previous image or model must not show
        if classifier is None or loaded is None:
            return
        if classify:
            self._classify_image(classifier, loaded)

        def explained(explanation: Explanation) -> None:
            self.explanation = explanation
            self._baselines = {}
            self.explanation_ready.emit(explanation)
            self._request_overlay()
            self._request_head_stats(classifier, explanation)

        self._submit(
            "model", "Explaining…", "analysis", lambda: classifier.explain(loaded.image), explained, self.failed.emit
        )

    def _request_head_stats(self, classifier: Classifier, explanation: Explanation) -> None:
        """Compute every head's statistics from the explanation's attention (``head_stats_ready``)."""
        side = classifier.net.cfg.img_size

        def job() -> list[HeadStats]:
            return head_stats(explanation.captured.attention, explanation.blocks, (side, side))

        self._submit("model", "", "heads", job, self.head_stats_ready.emit, self.failed.emit)

    def _request_overlay(self) -> None:
        explanation, spec, box = self.explanation, self.spec, self.view_box()
        if explanation is None or box is None or self.classifier is None:
            return
        labels, size = self.classifier.label_names, map_size(box)
        self._submit(
            "model",
            "Computing the overlay…",
            "overlay",
            lambda: compute_overlay(explanation, spec, size, labels),
            self.overlay_ready.emit,
            self.failed.emit,
        )
