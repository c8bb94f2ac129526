"""Labelling a whole folder: streaming scan -> parallel decode + preprocess -> batched inference -> journal.

    clf = Classifier(load_model("bundled"))
    settings = BatchSettings(recursive=True)
    with open_journal("out.csv.journal", clf, "photos", settings) as journal:
        progress = label_folder(clf, "photos", journal, settings)
    write_export(read_records(journal.path), "out.csv")

The calling thread scans lazily and forms batches; a pool of decode threads (``settings.workers``) opens,
decodes (reduced-size JPEG decoding) and crops the next images meanwhile — Pillow and PyTorch release the GIL
there, and threads hand uint8 pixels over without pickling (benchmarks/bench_batch.py measures threads against
processes). The model runs in :func:`model_lanes` threads (on a CPU, two batches at once on half the threads
each). A bounded number of images is in flight, and each chunk of results goes to the journal in scan order
from the calling thread: memory stays flat however large the folder, and a resumed run forms the same batches
as an uninterrupted one and ends with identical output.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import torch

from model.batch.journal import Journal, encode_path, printable
from model.batch.progress import BatchProgress
from model.batch.scan import ScanEntry, count_images, iter_images
from model.data.decode import ImageLoadError
from model.data.transform import PreprocessCfg, load_pixels, normalize
from model.explain.folder_maps import MapSettings, empty_fields, maps_for_chunk
from model.runtime.inference import TOP_K, Classifier, Prediction

Loaded = tuple[str, torch.Tensor | None, str | None]  # (relative path, uint8 pixels (C, H, W), error)


@dataclass(frozen=True)
class BatchSettings:
    """How to label a folder. ``batch_size`` 0 picks one from the input size, ``workers`` 0 one decode
    thread per CPU core; ``maps`` also saves a map per image (:mod:`model.explain.folder_maps`)."""

    recursive: bool = False
    topk: int = TOP_K
    batch_size: int = 0
    workers: int = 0
    maps: MapSettings | None = None


def default_batch_size(input_size: int) -> int:
    """Return the batch size for square inputs of ``input_size`` px: 64 up to 128 px, fewer for larger
    inputs (about one megapixel of input per batch), at least 4."""
    return max(4, min(64, int(64 * (128 / input_size) ** 2)))


def effective_batch_size(clf: Classifier, settings: BatchSettings) -> int:
    """Return ``settings.batch_size``, or the default for ``clf``'s input size when it is 0."""
    return settings.batch_size or default_batch_size(clf.preprocess_cfg.input_size[-1])


class RunControl:
    """Pause, resume or cancel a :func:`label_folder` run from another thread (checked between batches)."""

    def __init__(self) -> None:
        self._go = threading.Event()
        self._go.set()
        self._cancel = threading.Event()

    def pause(self) -> None:
        """Hold the run before its next batch."""
        self._go.clear()

    def resume(self) -> None:
        """Let a paused run go on."""
        self._go.set()

    def cancel(self) -> None:
        """Stop the run before its next batch (what is done stays in the journal)."""
        self._cancel.set()
        self._go.set()

    @property
    def paused(self) -> bool:
        """True while paused."""
        return not self._go.is_set()

    @property
    def cancelled(self) -> bool:
        """True once cancelled."""
        return self._cancel.is_set()

    def wait(self) -> float:
        """Block while paused; return the seconds spent waiting."""
        start = time.perf_counter()
        self._go.wait()
        return time.perf_counter() - start


def run_settings(clf: Classifier, root: str | os.PathLike, settings: BatchSettings) -> dict:
    """Return what a journal records about a run (a resumed run must match it): folder, scan mode, model,
    top-k, batch size, device and precision, and the maps when it saves them."""
    return {
        "root": printable(os.path.abspath(root)),
        "recursive": settings.recursive,
        "model": clf.info.name,
        "topk": settings.topk,
        "batch_size": effective_batch_size(clf, settings),
        "device": clf.placement.device,
        "precision": clf.placement.precision,
        **({"maps": settings.maps.identity()} if settings.maps else {}),
    }


def run_key(clf: Classifier, root: str | os.PathLike, settings: BatchSettings) -> str:
    """Return a stable 16-hex-digit key of a run: the hash of :func:`run_settings` plus where the weights came
    from, so the same folder, model and result-changing settings find their earlier run again."""
    identity = {**run_settings(clf, root, settings), "weights": printable(str(clf.info.location))}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def open_journal(
    path: str | os.PathLike, clf: Classifier, root: str | os.PathLike, settings: BatchSettings, resume: bool = False
) -> Journal:
    """Return the :class:`Journal` at ``path`` for labelling ``root`` (continued when ``resume``)."""
    return Journal(path, run_settings(clf, root, settings), resume=resume)


def load_entry(root: str, rel: str, cfg: PreprocessCfg) -> Loaded:
    """Return ``(rel, pixels, None)`` for the image ``root/rel`` (:func:`~model.data.transform.load_pixels`; batches
    are normalised as a whole), or ``(rel, None, reason)`` when it cannot be read (vanished, unreadable, not an
    image). Runs in the decode pool."""
    try:
        tensor, _ = load_pixels(os.path.join(root, rel), cfg)
    except (ImageLoadError, OSError) as exc:
        return rel, None, printable(str(exc))
    return rel, tensor, None


def _ordered(
    pool: Executor, load: Callable[[str], Loaded], entries: Iterable[ScanEntry], window: int
) -> Iterator[Loaded]:
    """Yield ``load(rel)`` for each entry in order, keeping at most ``window`` loads submitted ahead."""
    pending: deque[Future] = deque()
    try:
        for entry in entries:
            if entry.error:
                pending.append(Future())
                pending[-1].set_result((entry.rel, None, entry.error))
            else:
                pending.append(pool.submit(load, entry.rel))
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
    clf: Classifier, chunk: list[Loaded], k: int, maps: MapSettings | None = None, root: str = ""
) -> list[dict]:
    """Run the model once on the readable images of ``chunk``; return one record per item, in order. With
    ``maps``, the images (under ``root``) are explained in the same pass and each record gains the map fields."""
    pixels = [t for _, t, _ in chunk if t is not None]
    predictions: Iterator[Prediction] = iter(())
    extra: Iterator[dict] = iter(())
    if pixels:
        start = time.perf_counter()
        batch = torch.stack([p.expand(3, -1, -1) for p in pixels])
        if clf.placement.channels_last:  # cheaper on uint8 than on the float input; normalising keeps the layout
            batch = batch.contiguous(memory_format=torch.channels_last)
        batch = normalize(batch, clf.preprocess_cfg)
        rels = [rel for rel, t, _ in chunk if t is not None]
        if maps is None:
            probs = clf.probabilities(batch)
        else:
            probs, fields = maps_for_chunk(clf, root, rels, batch, maps)
            extra = iter(fields)
        per_image = (time.perf_counter() - start) / len(pixels)
        predictions = iter(clf.top_k_batch(probs, k, rels, per_image))

    def record(rel: str, loaded: torch.Tensor | None, error: str | None) -> dict:
        if loaded is None:
            return {**to_record(clf.failed(rel, error or ""), rel), **(empty_fields() if maps else {})}
        return {**to_record(next(predictions), rel), **next(extra, {})}

    return [record(*item) for item in chunk]


def model_lanes(clf: Classifier) -> int:
    """Return how many batches run the model at once: on a multi-core CPU two, each on half the cores, which
    beats one batch on all cores once decoding shares them (no thread waits at a barrier for a core that is
    decoding; benchmarks/bench_batch.py); on a GPU one."""
    return 2 if clf.placement.device == "cpu" and torch.get_num_threads() >= 2 else 1


def label_folder(
    clf: Classifier,
    root: str | os.PathLike,
    journal: Journal,
    settings: BatchSettings,
    *,
    control: RunControl | None = None,
    on_chunk: Callable[[list[dict], BatchProgress], None] | None = None,
    executor: Executor | None = None,
) -> BatchProgress:
    """Label every image under ``root`` not yet in ``journal``, committing each chunk of records to it; return
    the final :class:`BatchProgress` (``cancelled`` set when ``control`` stopped it).

    ``on_chunk(records, progress)`` is called once after the counting scan (no records) and after every chunk.
    ``executor`` replaces the decode thread pool (e.g. a process pool; it is not shut down here).
    """
    root = Path(root)
    control = control or RunControl()
    previous = len(journal.done)
    total = count_images(root, settings.recursive)
    progress = BatchProgress(total=total, done=previous, failed=journal.failed, resumed=previous)
    if on_chunk:
        on_chunk([], progress)
    batch_size = effective_batch_size(clf, settings)
    pool = executor or ThreadPoolExecutor(settings.workers or os.cpu_count() or 1, thread_name_prefix="decode")
    lanes = model_lanes(clf)
    lane_pool = ThreadPoolExecutor(lanes, thread_name_prefix="model")
    threads = torch.get_num_threads()
    torch.set_num_threads(max(1, threads // lanes))
    todo = (e for e in iter_images(root, settings.recursive) if e.rel not in journal.done)
    loaded = _ordered(pool, partial(load_entry, str(root), cfg=clf.preprocess_cfg), todo, 2 * batch_size)
    running: deque[Future[list[dict]]] = deque()
    start, paused = time.perf_counter(), 0.0

    def commit_oldest() -> None:
        records = running.popleft().result()
        journal.commit(records)
        progress.done += len(records)
        progress.failed += sum(1 for r in records if r["error"])
        progress.total = max(progress.total, progress.done)
        progress.seconds = time.perf_counter() - start - paused
        if on_chunk:
            on_chunk(records, progress)

    try:
        for chunk in _chunks(loaded, batch_size):
            paused += control.wait()
            if control.cancelled:
                progress.cancelled = True
                break
            running.append(lane_pool.submit(classify_chunk, clf, chunk, settings.topk, settings.maps, str(root)))
            if len(running) >= lanes:
                commit_oldest()
        while running:  # what is already computed is kept, also when cancelled
            commit_oldest()
    finally:
        for future in running:
            future.cancel()
        lane_pool.shutdown(wait=True)
        torch.set_num_threads(threads)
        loaded.close()
        if executor is None:
            pool.shutdown(wait=True, cancel_futures=True)
    return progress
