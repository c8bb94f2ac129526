"""The two stages a cluster run maps over its rows: decoding (Ray tasks) and classifying (an actor pool).

Rows are columns of numpy arrays, as Ray Data hands them over:

* listed: ``path`` (the name relative to the source, as ``os.fsencode`` bytes: any file name survives Arrow),
  ``error`` (a listing error, else ``""``) and ``done`` (for a video file, a JSON list of its frames' names a
  resumed run already holds, else ``""``);
* decoded: ``path``, ``error``, ``pixels``, uint8 ``(N, 3, H, W)`` — the model's view of each image, zeros for a
  failed one — and ``frame``/``time`` (-1 / NaN for an image). A video file's row becomes one row per sampled
  frame (named ``video#t=SECONDS``; its error row after them when it is damaged): the decode of one video is
  planned as one task. Only these crops travel through the object store, never the image or video files;
* classified: ``record``, one JSON text per image, the local engine's journal record
  (:func:`model.batch.pipeline.classify_chunk`).
"""

from __future__ import annotations

import json
import math
import os

import numpy as np
import torch

from model.batch.pipeline import Loaded, classify_chunk
from model.cluster.source import Source, read_entry, read_video
from model.data.pixels import PreprocessCfg
from model.runtime.inference import Classifier
from model.video.files import Sampling, is_video
from model.weights.loading import LoadedModel


def decode_rows(
    batch: dict[str, np.ndarray], source: Source, cfg: PreprocessCfg, sampling: Sampling | None = None
) -> dict[str, np.ndarray]:
    """Return the decoded columns (``path``, ``error``, ``pixels`` ``(N, 3, H, W)`` uint8, ``frame``, ``time``) of
    listed rows; with ``sampling``, a video file's row becomes its sampled frames' rows (:func:`read_video`)."""
    out: list[tuple[bytes, str, np.ndarray | None, int, float]] = []
    for raw, listed_error, done in zip(batch["path"], batch["error"], batch.get("done", [""] * len(batch["path"])),
                                       strict=True):  # fmt: skip
        rel = os.fsdecode(raw)
        if listed_error:
            out.append((raw, listed_error, None, -1, math.nan))
        elif sampling is not None and is_video(rel):
            for (key, view, error), fields in read_video(source, rel, sampling, cfg, set(json.loads(done or "[]"))):
                out.append((os.fsencode(key), error or "", view, fields.get("frame", -1), fields.get("time", math.nan)))
        else:
            _, view, error = read_entry(source, rel, cfg)
            out.append((raw, error or "", view, -1, math.nan))
    height, width = cfg.input_size
    pixels = np.zeros((len(out), 3, height, width), dtype=np.uint8)
    for i, (_, _, view, _, _) in enumerate(out):
        if view is not None:
            pixels[i] = view  # a grey image's one channel fills all three
    return {
        "path": np.array([row[0] for row in out], dtype=object),
        "error": np.array([row[1] for row in out], dtype=object),
        "pixels": pixels,
        "frame": np.array([row[3] for row in out], dtype=np.int64),
        "time": np.array([row[4] for row in out], dtype=np.float64),
    }


def _placement_device() -> str:
    """Return ``"cuda"`` when Ray gave this actor a GPU, else ``"cpu"``."""
    import ray

    return "cuda" if ray.get_gpu_ids() else "cpu"


class Labeller:
    """One actor of the pool: one :class:`~model.runtime.inference.Classifier` on the GPU Ray gave it, else on
    the CPU at the best precision there (:func:`model.runtime.device.choose_placement`)."""

    def __init__(self, model: list, topk: int, threads: int):
        """Take the model (``[ObjectRef]`` of a :class:`~model.weights.loading.LoadedModel` the driver loaded,
        so worker machines need no copy of the weights), the top-k and, on a CPU, the torch threads to use."""
        import ray

        loaded: LoadedModel = ray.get(model[0])
        device = _placement_device()
        if device == "cpu" and threads:
            torch.set_num_threads(threads)
        self.clf = Classifier(loaded, device=device)
        self.topk = topk

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Return ``{"record": JSON texts}``, one per row of a decoded batch, in order."""
        pixels = batch["pixels"]
        chunk: list[Loaded] = [
            (os.fsdecode(raw), None if error else pixels[i], error or None)
            for i, (raw, error) in enumerate(zip(batch["path"], batch["error"], strict=True))
        ]
        records = classify_chunk(self.clf, chunk, self.topk)
        for record, frame, seconds in zip(records, batch.get("frame", ()), batch.get("time", ()), strict=False):
            if frame >= 0:  # a video frame's row, as the local engine's record
                record.update(frame=int(frame), time=float(seconds))
        return {"record": np.array([json.dumps(r, ensure_ascii=False) for r in records], dtype=object)}
