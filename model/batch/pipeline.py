"""Labelling a whole folder: streaming scan -> parallel decode + preprocess -> batched inference -> journal.

    clf = Classifier(load_model("bundled"))
    settings = BatchSettings(recursive=True)
    with open_journal("out.csv.journal", clf, "photos", settings) as journal:
        progress = label_folder(clf, "photos", journal, settings)
    write_export(read_records(journal.path), "out.csv")

The calling thread scans lazily and forms batches; a pool of decode threads (``settings.workers``) opens,
decodes (reduced-size JPEG decoding) and crops the next images meanwhile — Pillow and PyTorch release the GIL
there, and threads hand uint8 pixels over without pickling (benchmarks/bench_batch.py measures threads against
processes). The model runs in :func:`model_lanes` threads (on a CPU, two batches at once, each lane thread on half
the cores; torch's process-wide thread count is left alone). A bounded number of images is in flight, and each
chunk of results goes to the journal in scan order from the calling thread: memory stays flat however large the
folder, and a resumed run forms the same batches as an uninterrupted one and ends with identical output.
A :class:`~model.cancel.CancelToken` pauses or stops the run between batches; what is computed by then is
committed, so the journal resumes. A :class:`ChunkStep` in the settings replaces the plain classification of
each batch (``label --maps`` passes the folder maps' step); this package imports nothing from
:mod:`model.explain`. With ``settings.video`` (a :class:`~model.video.files.Sampling`) the folder's video files
count too: each sampled frame is one item, named ``path#t=SECONDS``, whose record gains ``frame`` and ``time``
(:mod:`model.batch.videos`; the video is decoded in the calling thread, its frames' pixels in the decode pool).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from model.batch.journal import Journal, decode_path, encode_path, printable
from model.batch.progress import BatchProgress
from model.batch.scan import ScanEntry, iter_images
from model.batch.videos import estimated_frames, video_items
from model.cancel import Cancelled, CancelToken, check
from model.choices import TOP_K
from model.data.decode import ImageLoadError
from model.data.pixels import PreprocessCfg, load_array, stack_pixels
from model.runtime.predictor import Prediction, Predictor
from model.video.files import Sampling, is_video

if TYPE_CHECKING:
    from model.runtime.inference import Classifier

Loaded = tuple[str, np.ndarray | None, str | None]  # (relative path, uint8 pixels (C, H, W), error)


class ChunkStep(Protocol):
    """What runs the model on each batch instead of plain classification and adds fields to its records, e.g.
    :class:`model.explain.folder_maps.MapStep` (a map per image). Called from the model lanes, two at once."""

    def identity(self) -> dict:
        """Return the JSON fields a journal records about the step (a resumed run must match them)."""
        ...

    def empty_fields(self) -> dict:
        """Return the fields the record of an image that could not be read gains."""
        ...

    def __call__(self, clf: Classifier, root: str, rels: list[str], batch: Any) -> tuple[Any, list[dict]]:
        """Return the class probabilities ``(B, classes)`` float32 of a normalised batch ``(B, 3, H, W)`` (what
        ``clf.model_input`` makes) of the images ``rels`` (relative to ``root``) and, per image, the fields its
        record gains."""
        ...


@dataclass(frozen=True)
class BatchSettings:
    """How to label a folder. ``batch_size`` 0 picks one from the input size, ``workers`` 0 one decode
    thread per CPU core; ``step`` replaces the plain classification of each batch (:class:`ChunkStep`);
    ``video``: which frames of the folder's video files to label (None: video files are left out)."""

    recursive: bool = False
    topk: int = TOP_K
    batch_size: int = 0
    workers: int = 0
    step: ChunkStep | None = None
    video: Sampling | None = None


def default_batch_size(input_size: int) -> int:
    """Return the batch size for square inputs of ``input_size`` px: 64 up to 128 px, fewer for larger
    inputs (about one megapixel of input per batch), at least 4."""
    return max(4, min(64, int(64 * (128 / input_size) ** 2)))


def effective_batch_size(clf: Predictor, settings: BatchSettings) -> int:
    """Return ``settings.batch_size``, or the default for ``clf``'s input size when it is 0."""
    return settings.batch_size or default_batch_size(clf.preprocess_cfg.input_size[-1])


def run_settings(clf: Predictor, root: str | os.PathLike, settings: BatchSettings) -> dict:
    """Return what a journal records about a run (a resumed run must match it): folder, scan mode, model,
    top-k, batch size, device and precision, the step's identity when it has one (the maps it saves) and the
    video sampling when videos are labelled."""
    return {
        "root": printable(os.path.abspath(root)),
        "recursive": settings.recursive,
        "model": clf.info.name,
        "topk": settings.topk,
        "batch_size": effective_batch_size(clf, settings),
        "device": clf.placement.device,
        "precision": clf.placement.precision,
        **(settings.step.identity() if settings.step else {}),
        **(settings.video.identity() if settings.video else {}),
    }


def run_key(clf: Predictor, root: str | os.PathLike, settings: BatchSettings) -> str:
    """Return a stable 16-hex-digit key of a run: the hash of :func:`run_settings` plus where the weights came
    from, so the same folder, model and result-changing settings find their earlier run again."""
    identity = {**run_settings(clf, root, settings), "weights": printable(str(clf.info.location))}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def open_journal(
    path: str | os.PathLike, clf: Predictor, root: str | os.PathLike, settings: BatchSettings, resume: bool = False
) -> Journal:
    """Return the :class:`Journal` at ``path`` for labelling ``root`` (continued when ``resume``)."""
    return Journal(path, run_settings(clf, root, settings), resume=resume)


def load_entry(root: str, rel: str, cfg: PreprocessCfg) -> Loaded:
    """Return ``(rel, pixels, None)`` for the image ``root/rel`` (:func:`~model.data.pixels.load_array`; batches
    are normalised as a whole), or ``(rel, None, reason)`` when it cannot be read (vanished, unreadable, not an
    image). Runs in the decode pool."""
    try:
        pixels, _ = load_array(os.path.join(root, rel), cfg)
    except (ImageLoadError, OSError) as exc:
        return rel, None, printable(str(exc))
    return rel, pixels, None


def _work(
    root: str, entries: Iterable[ScanEntry], done: set[str], settings: BatchSettings, cfg: PreprocessCfg, fields: dict
) -> Iterator[Loaded | Callable[[], Loaded]]:
    """Yield what is left to do of ``entries``, in order: a :data:`Loaded` already known (an unlistable folder) or
    a function for the decode pool that returns it; a video file yields its frames' work
    (:func:`~model.batch.videos.video_items`, which puts their ``frame``/``time`` fields in ``fields``)."""
    for entry in entries:
        if entry.rel in done:
            continue
        if entry.error:
            yield entry.rel, None, entry.error
        elif settings.video and is_video(entry.rel):
            yield from video_items(root, entry.rel, settings.video, cfg, done, fields)
        else:
            yield partial(load_entry, root, entry.rel, cfg)


def count_items(root: str | os.PathLike, settings: BatchSettings) -> int:
    """Return how many items labelling ``root`` makes: its images, plus with ``settings.video`` about how many
    frames are sampled from each video (from the headers)."""
    total = 0
    for entry in iter_images(root, settings.recursive, settings.video is not None):
        video = settings.video is not None and entry.error is None and is_video(entry.rel)
        total += estimated_frames(os.path.join(root, entry.rel), settings.video) if video else 1
    return total


def _ordered(pool: Executor, work: Iterable[Loaded | Callable[[], Loaded]], window: int) -> Iterator[Loaded]:
    """Yield the :data:`Loaded` of each item of ``work`` in order (a function runs in ``pool``), keeping at most
    ``window`` submitted ahead."""
    pending: deque[Future] = deque()
    try:
        for item in work:
            if callable(item):
                pending.append(pool.submit(item))
            else:
                pending.append(Future())
                pending[-1].set_result(item)
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


def _chunks(items: Iterator[Loaded], size: int) -> Iterator[list[Loaded]]:
    """Yield lists of ``size`` consecutive items (the last may be shorter)."""
    chunk: list[Loaded] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def to_record(pred: Prediction, rel: str) -> dict:
    """Return the journal/JSON Lines record of ``pred`` for the file ``rel`` (see :func:`encode_path`)."""
    fields = pred.as_json()
    del fields["path"]
    return {**encode_path(rel), **fields}


def classify_chunk(
    clf: Predictor, chunk: list[Loaded], k: int, step: ChunkStep | None = None, root: str = ""
) -> list[dict]:
    """Run the model once on the readable images of ``chunk``; return one record per item, in order. With
    ``step``, it runs the model on the images (under ``root``) instead and each record gains its fields."""
    pixels = [t for _, t, _ in chunk if t is not None]
    predictions: Iterator[Prediction] = iter(())
    extra: Iterator[dict] = iter(())
    if pixels:
        start = time.perf_counter()
        batch = stack_pixels(pixels)
        rels = [rel for rel, t, _ in chunk if t is not None]
        if step is None:
            probs = clf.pixel_probabilities(batch)
        else:
            probs, fields = step(clf, root, rels, clf.model_input(batch))
            extra = iter(fields)
        per_image = (time.perf_counter() - start) / len(pixels)
        predictions = iter(clf.top_k_batch(probs, k, rels, per_image))

    def record(rel: str, loaded: np.ndarray | None, error: str | None) -> dict:
        if loaded is None:
            return {**to_record(clf.failed(rel, error or ""), rel), **(step.empty_fields() if step else {})}
        return {**to_record(next(predictions), rel), **next(extra, {})}

    return [record(*item) for item in chunk]


def model_lanes(clf: Predictor) -> int:
    """Return how many batches run the model at once: on a multi-core CPU two, each lane thread on half the
    cores (``clf.limit_lane_thread``: torch's process-wide count is left alone), which
    beats one batch on all cores once decoding shares them (no thread waits at a barrier for a core that is
    decoding; benchmarks/bench_batch.py); on a GPU one. Plain forward passes share the network
    (:class:`~model.runtime.owner.NetworkOwner`); a step that captures holds it alone, one batch at a time."""
    return 2 if clf.placement.device == "cpu" and clf.cpu_threads >= 2 else 1


def label_folder(
    clf: Predictor,
    root: str | os.PathLike,
    journal: Journal,
    settings: BatchSettings,
    *,
    cancel: CancelToken | None = None,
    on_chunk: Callable[[list[dict], BatchProgress], None] | None = None,
    executor: Executor | None = None,
) -> BatchProgress:
    """Label every image under ``root`` not yet in ``journal``, committing each chunk of records to it; return
    the final :class:`BatchProgress`.

    ``cancel`` is checked before each batch: a paused token holds the run there (pauses are not counted in
    ``progress.seconds``); a cancelled one ends it with :class:`~model.cancel.Cancelled` once the batches already
    running are committed (the journal resumes from there). ``on_chunk(records, progress)`` is called once after
    the counting scan (no records) and after every chunk. ``executor`` replaces the decode thread pool (e.g. a
    process pool; it is not shut down here).
    """
    root = Path(root)
    previous = len(journal.done)
    total = count_items(root, settings)
    progress = BatchProgress(total=total, done=previous, failed=journal.failed, resumed=previous)
    if on_chunk:
        on_chunk([], progress)
    batch_size = effective_batch_size(clf, settings)
    pool = executor or ThreadPoolExecutor(settings.workers or os.cpu_count() or 1, thread_name_prefix="decode")
    lanes = model_lanes(clf)
    share = max(1, clf.cpu_threads // lanes)
    lane_pool = ThreadPoolExecutor(
        lanes, thread_name_prefix="model", initializer=clf.limit_lane_thread, initargs=(share,)
    )
    fields: dict[str, dict] = {}  # a video frame's frame/time, from its decoding until its record is committed
    entries = iter_images(root, settings.recursive, settings.video is not None)
    work = _work(str(root), entries, journal.done, settings, clf.preprocess_cfg, fields)
    loaded = _ordered(pool, work, 2 * batch_size)
    running: deque[Future[list[dict]]] = deque()
    start, paused = time.perf_counter(), 0.0

    def commit_oldest() -> None:
        records = running.popleft().result()
        if fields:
            for record in records:
                record.update(fields.pop(decode_path(record), {}))
        journal.commit(records)
        progress.done += len(records)
        progress.failed += sum(1 for r in records if r["error"])
        progress.total = max(progress.total, progress.done)
        progress.seconds = time.perf_counter() - start - paused
        if on_chunk:
            on_chunk(records, progress)

    try:
        for chunk in _chunks(loaded, batch_size):
            try:
                paused += check(cancel)
            except Cancelled:
                progress.cancelled = True
                while running:  # what is already computed is kept
                    commit_oldest()
                raise
            running.append(lane_pool.submit(classify_chunk, clf, chunk, settings.topk, settings.step, str(root)))
            if len(running) >= lanes:
                commit_oldest()
        while running:
            commit_oldest()
    finally:
        for future in running:
            future.cancel()
        lane_pool.shutdown(wait=True)
        loaded.close()
        if executor is None:
            pool.shutdown(wait=True, cancel_futures=True)
    return progress
