"""The two stages a cluster run maps over its rows: decoding (Ray tasks) and classifying (an actor pool).

Rows are columns of numpy arrays, as Ray Data hands them over:

* listed: ``path`` (the name relative to the source, as ``os.fsencode`` bytes: any file name survives Arrow)
  and ``error`` (a listing error, else ``""``);
* decoded: the same plus ``pixels``, uint8 ``(N, 3, H, W)`` — the model's view of each image, zeros for a
  failed one. Only these crops travel through the object store, never the image files;
* classified: ``record``, one JSON text per image, the local engine's journal record
  (:func:`model.batch.pipeline.classify_chunk`).
"""

from __future__ import annotations

import json
import os

import numpy as np
import torch

from model.batch.pipeline import Loaded, classify_chunk
from model.cluster.source import Source, read_entry
from model.data.transform import PreprocessCfg
from model.runtime.inference import Classifier
from model.weights.loading import LoadedModel


def decode_rows(batch: dict[str, np.ndarray], source: Source, cfg: PreprocessCfg) -> dict[str, np.ndarray]:
    """Return the decoded columns (``path``, ``error``, ``pixels`` ``(N, 3, H, W)`` uint8) of listed rows."""
    paths, errors = batch["path"], batch["error"]
    height, width = cfg.input_size
    pixels = np.zeros((len(paths), 3, height, width), dtype=np.uint8)
    out_errors = []
    for i, (raw, listed_error) in enumerate(zip(paths, errors, strict=True)):
        if listed_error:
            out_errors.append(listed_error)
            continue
        _, view, error = read_entry(source, os.fsdecode(raw), cfg)
        out_errors.append(error or "")
        if view is not None:
            pixels[i] = view.expand(3, -1, -1).numpy()  # grey images are one channel
    return {"path": paths, "error": np.array(out_errors, dtype=object), "pixels": pixels}


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
        pixels = torch.from_numpy(batch["pixels"] if batch["pixels"].flags.writeable else batch["pixels"].copy())
        chunk: list[Loaded] = [
            (os.fsdecode(raw), None if error else pixels[i], error or None)
            for i, (raw, error) in enumerate(zip(batch["path"], batch["error"], strict=True))
        ]
        records = classify_chunk(self.clf, chunk, self.topk)
        return {"record": np.array([json.dumps(r, ensure_ascii=False) for r in records], dtype=object)}
