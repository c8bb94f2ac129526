"""Labelling a folder or a bucket on a Ray cluster (Ray Data): listing -> decode tasks -> classifier actors ->
the journal on the driver.

    connect(None)                                         # a local Ray; or connect("auto" / "ray://host:10001")
    source = open_source("s3://bucket/photos")
    loaded = load_model("bundled")
    settings = ClusterSettings(recursive=True)
    with Journal("out.parquet.journal", run_settings(loaded, source, settings)) as journal:
        progress = label_source(loaded, source, journal, settings)
    write_output(read_records(journal.path), "out.parquet")

The driver lists the source and skips what the journal already holds; Ray tasks read and decode the images
where they run (:mod:`model.cluster.stages`: only the model-sized crops travel through the object store); a
pool of actors classifies them, one :class:`~model.runtime.inference.Classifier` each, on its GPU if Ray gave
it one, else on the CPU. Each block of results is committed to the journal on the driver as it arrives (in
the order blocks finish, not the listing's), so a killed run resumes where it stopped. Ray is imported only in
the functions that need it: the rest of the app never loads it.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from model.batch.journal import Journal
from model.batch.pipeline import default_batch_size
from model.batch.progress import BatchProgress
from model.batch.scan import ScanEntry
from model.batch.videos import estimated_frames
from model.cluster.source import Source, iter_source
from model.cluster.stages import Labeller, decode_rows
from model.runtime.inference import TOP_K
from model.video.files import Sampling, is_video, split_key
from model.weights.loading import LoadedModel

if TYPE_CHECKING:
    import ray.data

ENGINE = "ray"
# bytes per decode worker: the process with torch loaded (~0.4 GB) and the largest image decode.py accepts (0.27 GB
# as RGB) with Pillow's working copy
DECODE_MEMORY = 768 * 2**20
BLOCKS_PER_CPU = 4  # listing blocks per CPU of the cluster: enough decode tasks to spread, few enough to be cheap


@dataclass(frozen=True)
class ClusterSettings:
    """How to label on a cluster. 0 / None pick automatically: ``batch_size`` by input size (as locally),
    ``actors`` and ``gpus_per_actor`` by the cluster's resources (:func:`plan_actors`); ``video`` as the local
    engine's :class:`~model.batch.pipeline.BatchSettings` (one task decodes a whole video)."""

    recursive: bool = False
    topk: int = TOP_K
    batch_size: int = 0
    actors: int = 0
    gpus_per_actor: float | None = None
    video: Sampling | None = None  # which frames of the video files to label (None: video files are left out)


@dataclass(frozen=True)
class ActorPlan:
    """The classifier pool: ``actors`` actors, each reserving ``gpus`` GPUs and ``cpus`` CPUs; a CPU actor runs
    torch on ``threads`` threads (0 on a GPU actor)."""

    actors: int
    gpus: float
    cpus: float
    threads: int


def plan_actors(settings: ClusterSettings, cpus: float, gpus: float, nodes: int) -> ActorPlan:
    """Return the pool for a cluster of ``nodes`` machines with ``cpus`` CPUs and ``gpus`` GPUs in all.

    With GPUs: one actor per ``gpus_per_actor`` (default 1) GPUs. Without: as the local engine does on each
    machine, two actors per machine (fewer on a small one), each running torch on a quarter of its CPUs.
    Actors never reserve more than half of the CPUs, so decode tasks always have the other half."""
    per_gpu = (1.0 if gpus else 0.0) if settings.gpus_per_actor is None else settings.gpus_per_actor
    if per_gpu > 0:
        actors = settings.actors or max(1, int(gpus // per_gpu))
        return ActorPlan(actors, per_gpu, min(1.0, cpus / (2 * actors)), 0)
    threads = max(1, int(cpus // (4 * max(1, nodes))))
    actors = settings.actors or max(1, min(2 * max(1, nodes), int(cpus // (2 * threads))))
    return ActorPlan(actors, 0.0, min(float(threads), cpus / (2 * actors)), threads)


def run_settings(loaded: LoadedModel, source: Source, settings: ClusterSettings) -> dict:
    """Return what the journal records about a cluster run (a resumed run must match it): the engine, the
    source, scan mode, model, top-k, batch size and the video sampling when videos are labelled."""
    return {
        "engine": ENGINE,
        "root": source.name,
        "recursive": settings.recursive,
        "model": loaded.info.name,
        "topk": settings.topk,
        "batch_size": settings.batch_size or default_batch_size(loaded.info.preprocess.input_size[-1]),
        **(settings.video.identity() if settings.video else {}),
    }


def connect(address: str | None = None, num_cpus: int = 0) -> None:
    """Connect to the Ray cluster at ``address`` (``auto``, ``HOST:PORT`` or ``ray://HOST:PORT``), or start a
    local one with ``num_cpus`` logical CPUs (0: twice the cores, so decode tasks and classifier actors share
    the cores as the local engine's threads do). Ray's own progress bars are turned off."""
    import ray
    import ray.data

    if address:
        ray.init(address=address, logging_level=logging.WARNING)
    else:
        # "local": always a new Ray of our own, never a cluster that `ray start` left (or that died) on this machine
        ray.init(
            address="local",
            num_cpus=num_cpus or 2 * (os.cpu_count() or 1),
            include_dashboard=False,
            logging_level=logging.WARNING,
        )
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # one line per run is the caller's progress
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # "progress bars disabled"


def _cluster_shape() -> tuple[float, float, int]:
    """Return the connected cluster's (CPUs, GPUs, alive machines)."""
    import ray

    resources = ray.cluster_resources()
    nodes = sum(1 for node in ray.nodes() if node.get("Alive"))
    return resources.get("CPU", 0.0), resources.get("GPU", 0.0), nodes


def _dataset(
    todo: list[ScanEntry], source: Source, loaded: LoadedModel, settings: ClusterSettings, done: dict[str, list[str]]
) -> ray.data.Dataset:
    """Return the Ray Dataset of ``todo``'s records (column ``record``: JSON texts); ``done`` holds per video file
    the names of its frames already in the journal."""
    import ray
    import ray.data

    cpus, gpus, nodes = _cluster_shape()
    plan = plan_actors(settings, cpus, gpus, nodes)
    batch_size = settings.batch_size or default_batch_size(loaded.info.preprocess.input_size[-1])
    rows = [
        {"path": os.fsencode(e.rel), "error": e.error or "", "done": json.dumps(done[e.rel]) if e.rel in done else ""}
        for e in todo
    ]
    per_block = max(1, min(batch_size, math.ceil(len(rows) / (BLOCKS_PER_CPU * max(1.0, cpus)))))
    listed = ray.data.from_items(rows, override_num_blocks=math.ceil(len(rows) / per_block))
    # Reserving memory also keeps Ray Data from fusing decoding into the actors (it fuses only stages with equal
    # resource requests): decode tasks and model calls overlap instead of taking turns in each actor.
    decoded = listed.map_batches(
        decode_rows,
        batch_size=None,
        fn_kwargs={"source": source, "cfg": loaded.info.preprocess, "sampling": settings.video},
        num_cpus=1,
        memory=DECODE_MEMORY,
    )
    return decoded.map_batches(
        Labeller,
        batch_size=batch_size,
        fn_constructor_args=([ray.put(loaded)], settings.topk, plan.threads),
        compute=ray.data.ActorPoolStrategy(size=plan.actors),
        num_gpus=plan.gpus,
        num_cpus=plan.cpus,
    )


def label_source(
    loaded: LoadedModel,
    source: Source,
    journal: Journal,
    settings: ClusterSettings,
    *,
    on_chunk: Callable[[list[dict], BatchProgress], None] | None = None,
) -> BatchProgress:
    """Label every image of ``source`` not yet in ``journal`` on the connected Ray cluster (:func:`connect`),
    committing each block of records as it arrives; return the final :class:`~model.batch.pipeline.BatchProgress`.

    ``on_chunk(records, progress)`` is called once after the listing (no records) and after every block, as
    :func:`model.batch.pipeline.label_folder` calls it.
    """
    previous = len(journal.done)
    videos = settings.video is not None
    todo = [entry for entry in iter_source(source, settings.recursive, videos) if entry.rel not in journal.done]
    done: dict[str, list[str]] = {}  # per video file, its frames already committed (a resumed run skips them)
    for key in journal.done:
        path, seconds = split_key(key)
        if seconds is not None:
            done.setdefault(path, []).append(key)
    total = previous + sum(_estimate(source, e, settings.video) for e in todo)
    progress = BatchProgress(total=total, done=previous, failed=journal.failed, resumed=previous)
    if on_chunk:
        on_chunk([], progress)
    if not todo:
        return progress
    start = time.perf_counter()
    for batch in _dataset(todo, source, loaded, settings, done).iter_batches(batch_size=None, batch_format="numpy"):
        records = [json.loads(text) for text in batch["record"]]
        journal.commit(records)
        progress.done += len(records)
        progress.failed += sum(1 for r in records if r["error"])
        progress.total = max(progress.total, progress.done)
        progress.seconds = time.perf_counter() - start
        if on_chunk:
            on_chunk(records, progress)
    return progress


def _estimate(source: Source, entry: ScanEntry, sampling: Sampling | None) -> int:
    """Return about how many rows ``entry`` makes: 1 for an image, a local video's sampled frames from its header
    (a URL's video counts 1 until its frames come)."""
    if sampling is None or entry.error or source.fs is not None or not is_video(entry.rel):
        return 1
    return estimated_frames(os.path.join(source.root, entry.rel), sampling)
