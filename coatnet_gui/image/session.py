"""The Image tab's state — active classifier, shown image, its explanation, the overlay — and the jobs that
change it, all run by the app's one :class:`~coatnet_gui.workers.Workers` off the GUI thread.

Widgets never call the model: they call :class:`Session` methods (intents) and render what its signals carry.
Every kind of request is "latest wins" in the facility: a superseded request (an older image, model or overlay
choice) does not run when it has not started and shows nothing, and a faithfulness score superseded while it runs
(by a newer image, map or model) stops before its next batched pass (its token is the ``cancel`` of
:func:`~model.explain.faithfulness.faithfulness`): a new image's top-5 never waits behind stale work. An image file
is classified first, straight from the file as the CLI and the Batch tab do (reduced-size JPEG decode, one forward
pass); the display decode follows (or runs at once when the model pool is busy with a pass that cannot stop), then
the explanation.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QBuffer, QIODevice, QObject, Signal

from coatnet_gui.image.sources import ImageSource, LoadedImage, read_image
from coatnet_gui.overlay.geometry import Box, crop_box
from coatnet_gui.overlay.paint import ViewState, render_view
from coatnet_gui.qimage import screen_ratio
from coatnet_gui.workers import Job, Workers
from model.atomic import write_bytes_atomically
from model.explain.faithfulness import DEFAULT_FILL
from model.explain.head_stats import HeadStats, head_stats
from model.explain.maps import OverlayResult, OverlaySpec, compute_overlay
from model.explain.sanity import sanity_check
from model.explain.scoring import Baselines, score_all_maps, score_overlay, unscorable_reason
from model.runtime.inference import Classifier, Explanation
from model.runtime.predictor import Prediction, Predictor
from model.runtime.runtimes import open_predictor
from model.weights.loading import LoadedModel

MAP_SIDE_LIMIT = 2048  # longest side of an overlay map in pixels; larger views are scaled when drawn
# the kinds of request of which only the latest counts (see Workers.submit's ``latest``)
MODEL, READ, PREDICTION, ANALYSIS = "image.model", "image.read", "image.prediction", "image.analysis"
OVERLAY, SCORE, SCORES, HEADS = "image.overlay", "image.score", "image.scores", "image.heads"
SANITY = "image.sanity"


def model_view_box(classifier: Predictor, image_size: tuple[int, int]) -> Box:
    """Return the box of an image of ``image_size`` (width, height) that ``classifier``'s model sees."""
    cfg = classifier.preprocess_cfg
    return crop_box(image_size, cfg.input_size, cfg.crop_pct, cfg.crop_mode)


def map_size(box: Box) -> tuple[int, int]:
    """Return the (height, width) of overlay maps over ``box``: its size in pixels, at most
    :data:`MAP_SIDE_LIMIT` on the longest side."""
    scale = min(1.0, MAP_SIDE_LIMIT / max(box.width, box.height, 1.0))
    return max(1, round(box.height * scale)), max(1, round(box.width * scale))


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

    classifier: Predictor | None = None
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
    sanity_progress = Signal(int, int)  # passes done, passes in all
    sanity_ready = Signal(object)  # SanityReport of the shown image
    sanity_failed = Signal(str)
    head_stats_ready = Signal(object)  # list[HeadStats] of the explained image
    failed = Signal(str)  # a readable message for the window
    working = Signal(str)  # what runs in the background; "" when idle

    def __init__(self, workers: Workers, parent: QObject | None = None):
        super().__init__(parent)
        self.workers = workers
        self.classifier: Predictor | None = None
        self.model_source = ""
        self.image: LoadedImage | None = None
        self.explanation: Explanation | None = None
        self.spec = OverlaySpec()
        self._load: Job | None = None  # the model load last asked for
        self._baselines: Baselines = {}  # (class, fill) -> random orders' curves of this explanation (model pool)
        self.fill = DEFAULT_FILL  # what replaces removed pixels in the scores (the Checks panel's choice)
        self._opening: _Opening | None = None  # the image being opened last
        workers.working.connect(self.working)

    # --- intents ------------------------------------------------------------------------------------------

    def load_model(self, source: str, device: str = "auto") -> None:
        """Load ``source`` ("bundled", a public tag, a checkpoint path, or an exported .onnx file: predictions only)
        on ``device``; a download in progress is cancelled. The current model stays active until the new one is
        ready."""

        def job(job: Job) -> Predictor:
            return open_predictor(source, device, progress=job.progress, cancel=job.token)

        def done(classifier: Predictor) -> None:
            self.model_source = source
            self._set_classifier(classifier)

        def error(message: str) -> None:  # also a cancelled download: its message says that it resumes next time
            self.failed.emit(message)
            self.model_failed.emit(message)  # after ``failed``: its handler may replace the error message

        self.model_loading.emit(source)
        self._load = self.workers.submit(
            "load",
            job,
            done,
            error,
            on_progress=self.download_progress.emit,
            on_cancelled=error,
            latest=MODEL,
            what=self.tr("Loading model…"),
        )

    def cancel_download(self) -> None:
        """Stop the model download in progress, if any (what arrived is kept for the next attempt)."""
        if self._load is not None:
            self._load.cancel()
            self._load = None

    def set_device(self, device: str) -> None:
        """Move the active model to ``device`` (auto/cuda/mps/cpu) and analyse the image again."""
        current = self.classifier
        if current is None:
            return

        def job(_job: Job) -> Predictor:
            if current.net is None:  # an ONNX file: a new onnxruntime session on the other device
                return open_predictor(current.info.location, device)
            return Classifier(LoadedModel(current.net, current.info), device=device)

        self.workers.submit(
            "model", job, self._set_classifier, self.failed.emit, latest=MODEL, what=self.tr("Moving the model…")
        )

    def open_image(self, source: ImageSource) -> None:
        """Read ``source`` and, once a model is ready, classify and explain it. When it cannot be read, the
        previous image and everything derived from it are dropped and ``image_failed`` says why.

        Scoring of the previous image stops at once (after the pass in flight). An image file is classified from
        the file (:meth:`_classify_file`); when the model pool is idle this comes first and the display decode
        after it, so ``prediction_ready`` comes before ``image_ready`` (whose handlers keep a top-5 of the same file).
        When the model pool is busy (a pass that cannot stop), the display decode does
        not wait for it."""
        self._supersede_checks()
        self.workers.supersede(PREDICTION)  # a late top-5 of the previous image must not show
        classifier = self.classifier
        opening = self._opening = _Opening()

        def done(loaded: LoadedImage) -> None:
            self.image = loaded
            self.image_ready.emit(loaded)
            opening.shown = True
            self._analyse(classify=opening.classifier is None or opening.classifier is not self.classifier)

        def error(message: str) -> None:
            self.image, self.explanation = None, None
            for stale in (ANALYSIS, OVERLAY):  # a late explanation or overlay of the previous image must not show
                self.workers.supersede(stale)
            self.image_failed.emit(source, message)

        def read() -> None:
            what = self.tr("Reading {name}…").format(name=source.name)
            ratio = screen_ratio()  # thumbnails as sharp as the screen
            self.workers.submit("io", lambda _job: read_image(source, ratio), done, error, latest=READ, what=what)

        if source.path is None or classifier is None:
            read()
        elif self.workers.pending("model"):
            self._classify_file(classifier, source.path, opening, lambda: None)
            read()
        else:
            self._classify_file(classifier, source.path, opening, read)

    def read_thumbnail(
        self, source: ImageSource, on_done: Callable[[LoadedImage], None], on_error: Callable[[str], None]
    ) -> None:
        """Decode ``source`` in the background for its thumbnail only: ``on_done(loaded)`` or ``on_error(why)``
        runs on the GUI thread; the shown image does not change."""
        ratio = screen_ratio()
        self.run("io", "", lambda: read_image(source, ratio), on_done, on_error)

    def set_overlay(self, spec: OverlaySpec) -> None:
        """Show overlay ``spec``: computed from the stored explanation, without running the network again."""
        self.spec = spec
        self._request_overlay()

    def score_map(self, result: OverlayResult) -> None:
        """Score the map of ``result`` (on screen) for faithfulness against a random order: ``score_ready`` carries
        the :class:`~model.explain.scoring.MapScore`, or ``score_unavailable`` says why it cannot be scored. A
        request superseded before its turn on the model pool runs no passes, one superseded while it runs stops
        before its next pass."""
        classifier, explanation, baselines, fill = self.classifier, self.explanation, self._baselines, self.fill
        reason = unscorable_reason(result)
        if classifier is None or explanation is None or reason:
            self.workers.supersede(SCORE)
            self.score_unavailable.emit(reason or self.tr("Open an image first."))
            return
        self._score(
            SCORE,
            self.tr("Scoring the map…"),
            lambda job: score_overlay(
                classifier, explanation, result, baselines=baselines, cancel=job.token, fill=fill
            ),
            self.score_ready.emit,
            lambda message: self.score_unavailable.emit(
                self.tr("Could not score the map: {error}").format(error=message)
            ),
        )

    def score_all_maps(self) -> None:
        """Score one map of every kind that ranks pixels (``scores_ready`` carries the
        :class:`~model.explain.scoring.ScoreTable`); the query point and blocks follow the overlay's."""
        classifier, explanation, spec, baselines = self.classifier, self.explanation, self.spec, self._baselines
        fill = self.fill
        if classifier is None or explanation is None:
            message = self.tr("Open an image first: there are no maps to score.")
            self.failed.emit(message)
            self.scores_failed.emit(message)
            return
        self._score(
            SCORES,
            self.tr("Scoring every map…"),
            lambda job: score_all_maps(classifier, explanation, spec, baselines=baselines, cancel=job.token, fill=fill),
            self.scores_ready.emit,
            self.scores_failed.emit,
        )

    def run_sanity(self) -> None:
        """Run the model randomisation test of the shown image on a copy of the network, on the model pool:
        ``sanity_progress`` follows its passes, ``sanity_ready`` carries the
        :class:`~model.explain.sanity.SanityReport`, ``sanity_failed`` says why not. :meth:`cancel_sanity`, a new
        image or a new model stop it before its next pass."""
        classifier, explanation = self.classifier, self.explanation
        if classifier is None or explanation is None:
            self.sanity_failed.emit(
                (classifier.maps_unavailable if classifier else "") or self.tr("Open an image first.")
            )
            return
        image = explanation.image

        def error(message: str) -> None:
            self.failed.emit(message)
            self.sanity_failed.emit(message)

        self.workers.submit(
            "model",
            lambda job: sanity_check(classifier, image, cancel=job.token, progress=job.progress),
            self.sanity_ready.emit,
            error,
            on_progress=self.sanity_progress.emit,
            latest=SANITY,
            what=self.tr("Randomising a copy of the network…"),
        )

    def cancel_sanity(self) -> None:
        """Stop the running sanity check before its next pass; nothing of it is shown."""
        self.workers.supersede(SANITY)

    def view_box(self) -> Box | None:
        """Return the box of the shown image that the active model sees, or None."""
        if self.image is None or self.classifier is None:
            return None
        return model_view_box(self.classifier, self.image.image.size)

    def shutdown(self) -> None:
        """Cancel downloads and scoring and wait for background jobs (called when the window closes)."""
        self.workers.shutdown()

    def run(
        self,
        pool: str,
        what: str,
        job: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None],
    ) -> None:
        """Run ``job()`` on ``pool`` ("model", "load" or "io"); ``on_done(result)`` or ``on_error(message)`` runs on
        the GUI thread. ``working`` says what the newest unfinished job does (``what``; "" for none: a job with
        no ``what`` is not announced), whichever order the jobs finish in."""
        self.workers.submit(pool, lambda _job: job(), on_done, on_error, what=what)

    # --- jobs ----------------------------------------------------------------------------------------------

    def _score(
        self,
        kind: str,
        what: str,
        job: Callable[[Job], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None],
    ) -> None:
        """Run the scoring ``job`` on the model pool as the latest of ``kind``: it is given its :class:`Job`, whose
        token stops it before its next batched pass once a newer request (or image, or model) supersedes it. A
        failure goes to ``failed`` and ``on_error``."""

        def error(message: str) -> None:
            self.failed.emit(message)
            on_error(message)

        self.workers.submit("model", job, on_done, error, latest=kind, what=what)

    def _set_classifier(self, classifier: Predictor) -> None:
        self.classifier = classifier
        self.model_ready.emit(classifier)
        self._analyse()

    def _supersede_checks(self) -> None:
        """Make the scores and head statistics of the shown image stale: a scoring job stops before its next pass."""
        for stale in (SCORE, SCORES, HEADS, SANITY):
            self.workers.supersede(stale)

    def _classify_file(self, classifier: Predictor, path: str, opening: _Opening, then: Callable[[], None]) -> None:
        """Classify the image file at ``path`` on the model pool as the CLI does (:meth:`Classifier.classify_files`:
        a reduced-size JPEG decode, one forward pass), emit its top-5, then call ``then``,
        also when it fails, unless another image was opened meanwhile. When it fails (or the model changed) after
        the image is shown, the decoded image is classified instead."""
        opening.classifier = classifier

        def fall_back() -> None:
            opening.classifier = None
            if opening.shown and self.image is not None and self.classifier is not None:
                self._classify_image(self.classifier, self.image)

        def classified(prediction: Prediction | None) -> None:
            if self._opening is not opening:
                return
            if prediction is not None and prediction.error is None and classifier is self.classifier:
                self.prediction_ready.emit(prediction)
            else:
                fall_back()
            then()

        def failed(message: str) -> None:
            if self._opening is opening:
                self.failed.emit(message)
                fall_back()
                then()

        def job(_job: Job) -> Prediction | None:
            return classifier.classify_files([path])[0] if self._opening is opening else None

        self.workers.submit("model", job, classified, failed, what=self.tr("Classifying…"))

    def _classify_image(self, classifier: Predictor, loaded: LoadedImage) -> None:
        """Classify the decoded image ``loaded`` on the model pool (``prediction_ready``)."""
        path = loaded.source.path or loaded.source.url or loaded.source.name
        self.workers.submit(
            "model",
            lambda _job: classifier.classify_image(loaded.image, 5, path),
            self.prediction_ready.emit,
            self.failed.emit,
            latest=PREDICTION,
            what=self.tr("Classifying…"),
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
        if classifier.maps_unavailable:  # an ONNX file: predictions only; the window says why there are no maps
            self.workers.supersede(OVERLAY)  # a late overlay of the previous model's explanation must not show
            return

        def explained(explanation: Explanation) -> None:
            self.explanation = explanation
            self._baselines = {}
            self.explanation_ready.emit(explanation)
            self._request_overlay()
            self._request_head_stats(classifier, explanation)

        self.workers.submit(
            "model",
            lambda _job: classifier.explain(loaded.image),
            explained,
            self.failed.emit,
            latest=ANALYSIS,
            what=self.tr("Explaining…"),
        )

    def _request_head_stats(self, classifier: Classifier, explanation: Explanation) -> None:
        """Compute every head's statistics from the explanation's attention (``head_stats_ready``)."""
        side = classifier.net.cfg.img_size

        def job(_job: Job) -> list[HeadStats]:
            return head_stats(explanation.captured.attention, explanation.blocks, (side, side))

        self.workers.submit("model", job, self.head_stats_ready.emit, self.failed.emit, latest=HEADS)

    def _request_overlay(self) -> None:
        explanation, spec, box = self.explanation, self.spec, self.view_box()
        if explanation is None or box is None or self.classifier is None:
            return
        labels, size = self.classifier.label_names, map_size(box)
        self.workers.submit(
            "model",
            lambda _job: compute_overlay(explanation, spec, size, labels),
            self.overlay_ready.emit,
            self.failed.emit,
            latest=OVERLAY,
            what=self.tr("Computing the overlay…"),
        )
