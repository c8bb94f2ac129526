"""Running a checkpoint's cached export without torch: the export card.

Opening a checkpoint for the ``openvino`` or ``onnxruntime`` runtime loads the network with torch (about 2.3 s of
importing on a 2-core Xeon, before anything is read) only to find its export already in the cache
(:func:`~model.runtime.exported.cached_export`). So once an exported runtime has opened a model, a card is left
in the cache, ``<cache folder>/exported/cards/<key>.json``, naming the files the model was loaded from with
their size, modification and change times and inode, the export and the model's
:class:`~model.weights.info.ModelInfo`. The next process that asks for the same source, with the same
``--labels``, finds the card, sees that none of those files changed and that the export is there, and runs the
export at once (:class:`ExportPredictor`, no torch). Anything else — a file replaced, a ``class_map.txt`` added
beside the checkpoint, another hub snapshot, a GPU that may be present, maps wanted — takes the usual path, which
rewrites the card.

    seen = current_stamps("photos-model/", None)
    predictor = open_from_card("photos-model/", None, "auto", "auto", batch_work=True, seen=seen)
    # None: load the checkpoint as usual (model.runtime.runtimes.open_predictor does both)
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

from model.atomic import write_bytes_atomically
from model.paths import cache_dir
from model.resources import bundled_model_dir
from model.runtime.engines import OnnxRuntimeEngine, OpenVinoEngine
from model.runtime.placement import Placement
from model.runtime.predictor import Predictor, softmax
from model.weights.hub import cached_file, hub_cache_dir
from model.weights.info import ModelInfo
from model.weights.labels import CLASS_MAP_NAMES
from model.weights.layout import CONFIG_JSON, WEIGHTS_NAME, WEIGHTS_NAMES, WeightsError, find_weights_file
from model.weights.pretrained import PRETRAINED, parse_tag

CARD_FORMAT = 1
EXPORTED_RUNTIMES = ("openvino", "onnxruntime")

Stamp = list[int] | None  # [size, mtime_ns, ctime_ns, inode] of a file, None when it does not exist


def stamp(path: Path) -> Stamp:
    """Return what tells a file's content changed without reading it: size, modification and change times (ns)
    and inode (a file replaced by a rename has a new one); None when ``path`` is not a file."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino] if path.is_file() else None


def _absolute(path: str | os.PathLike) -> Path:
    """Return ``path`` made absolute, ``~`` and ``..`` resolved (links are not: the files are stamped anyway)."""
    return Path(os.path.abspath(Path(path).expanduser()))


def model_files(source: str | os.PathLike, labels: str | os.PathLike | None) -> list[Path] | None:
    """Return every file whose content decides what :func:`~model.weights.loading.load_model` makes of ``source``
    and ``labels`` (present or not: a ``class_map.txt`` that appears beside a checkpoint changes its names), as
    ``load_model`` resolves them; None when ``source`` cannot be resolved without loading it (a public tag that
    is not in the hub cache, a missing file)."""
    text = os.fspath(source)
    extra = [_absolute(labels)] if labels is not None else []
    if not isinstance(source, os.PathLike) and text == "bundled":
        folder = bundled_model_dir()
        return [folder / WEIGHTS_NAME, folder / CONFIG_JSON, *extra]
    path = Path(text).expanduser()
    if path.exists():
        path = _absolute(path)
        try:
            weights = find_weights_file(path) if path.is_dir() else path
        except (OSError, WeightsError):
            return None
        beside = weights.parent
        config = [path / CONFIG_JSON] if path.is_dir() else [beside / CONFIG_JSON] if path.name in WEIGHTS_NAMES else []
        return [weights, *config, *(beside / name for name in CLASS_MAP_NAMES), *extra]
    tag = None if isinstance(source, os.PathLike) else parse_tag(text)
    if tag is None:
        return None
    repo = PRETRAINED[tag].repo_id
    weights = cached_file(repo, WEIGHTS_NAMES, hub_cache_dir())
    if weights is None:
        return None
    config = cached_file(repo, (CONFIG_JSON,), hub_cache_dir())
    return [weights, config if config is not None else weights.parent / CONFIG_JSON, *extra]


def card_path(source: str | os.PathLike, labels: str | os.PathLike | None) -> Path:
    """Return where the card of ``source`` opened with ``labels`` lives (keyed by both, paths made absolute)."""
    text = os.fspath(source)
    where = str(_absolute(text)) if Path(text).expanduser().exists() else parse_tag(text) or text
    names = str(_absolute(labels)) if labels is not None else ""
    key = hashlib.sha256(json.dumps([CARD_FORMAT, where, names]).encode("utf-8")).hexdigest()[:24]
    return cache_dir() / "exported" / "cards" / f"{key}.json"


def stamps(files: list[Path]) -> dict[str, Stamp]:
    """Return the :func:`stamp` of each of ``files`` by path (taken before loading: a file that changes while it
    is read then no longer matches its card)."""
    return {str(path): stamp(path) for path in files}


def write_card(
    source: str | os.PathLike, labels: str | os.PathLike | None, seen: dict[str, Stamp], info: ModelInfo, export: Path
) -> None:
    """Leave the card of ``source`` (opened with ``labels``; ``seen``: :func:`stamps` taken before loading it)
    whose model, described by ``info``, is exported at ``export``. A cache that cannot be written is no error."""
    card = {"format": CARD_FORMAT, "files": seen, "export": str(export), "info": info.as_json()}
    path = card_path(source, labels)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomically(path, json.dumps(card, indent=1).encode("utf-8"), sync=False)  # a cache, not user data
    except OSError:
        pass


def current_stamps(source: str | os.PathLike, labels: str | os.PathLike | None) -> dict[str, Stamp] | None:
    """Return the :func:`stamps` of :func:`model_files` of ``source`` with ``labels`` now; None when they cannot be
    told without loading it."""
    files = model_files(source, labels)
    return stamps(files) if files is not None else None


def read_card(
    source: str | os.PathLike, labels: str | os.PathLike | None, seen: dict[str, Stamp] | None
) -> tuple[ModelInfo, Path] | None:
    """Return the :class:`~model.weights.info.ModelInfo` and the export of ``source`` opened with ``labels`` from its
    card, when there is one, its files are as ``seen`` (:func:`current_stamps`) and the export is there; else None."""
    if seen is None:
        return None
    try:
        card = json.loads(card_path(source, labels).read_text(encoding="utf-8"))
        if card.get("format") != CARD_FORMAT or card.get("files") != seen:
            return None
        export = Path(card["export"])
        info = ModelInfo.from_json(card["info"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # no card, or one this version cannot read: the usual path writes a new one
    return (info, export) if export.is_file() else None


def gpu_may_be_present() -> bool:
    """Return whether this machine may have a GPU that torch would choose for ``--device auto`` (an NVIDIA or AMD
    driver, Apple silicon), told without importing torch; when it may, the usual path decides."""
    if sys.platform == "darwin":
        return True
    if sys.platform == "win32":
        return (Path(os.environ.get("SystemRoot", r"C:\Windows")) / "System32" / "nvcuda.dll").exists()
    return any(Path(p).exists() for p in ("/proc/driver/nvidia", "/dev/nvidia0", "/dev/kfd", "/dev/dxg"))


def card_runtime(runtime: str | None, device: str) -> str | None:
    """Return the runtime that runs a cached export for ``runtime`` (as asked) on ``device``, or None when the
    usual path must decide: ``auto`` means ``openvino`` on the CPU when it is installed
    (:func:`~model.runtime.runtimes.auto_runtime`'s rule for a cached export)."""
    from model.runtime.runtimes import unavailable_reason

    if device not in ("auto", "cpu") or (device == "auto" and gpu_may_be_present()):
        return None
    if runtime == "auto":
        runtime = "openvino"
    if runtime not in EXPORTED_RUNTIMES or unavailable_reason(runtime):
        return None  # the usual path says why it cannot run
    return runtime


class ExportPredictor(Predictor):
    """A checkpoint's cached export run by an engine of :mod:`model.runtime.engines`, with the
    :class:`~model.weights.info.ModelInfo` its card keeps: the same predictions, placement and name as the
    exported runtime that loads the network (:class:`~model.runtime.exported.OpenVinoClassifier`), without torch
    and without maps (``net`` is None)."""

    net = None
    maps_unavailable = "maps need the PyTorch network; this run uses the model's cached export only"

    def __init__(self, info: ModelInfo, export: Path, runtime: str, batch_work: bool = False):
        self.info = info
        self.runtime = runtime
        self.export_path = export
        if runtime == "openvino":
            self.engine: OpenVinoEngine | OnnxRuntimeEngine = OpenVinoEngine(export, throughput=batch_work)
        else:
            self.engine = OnnxRuntimeEngine(export, "cpu")

    @property
    def placement(self) -> Placement:
        """Where the engine runs the passes, in what precision."""
        return self.engine.placement

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        """Return softmax probabilities float32 ``(B, classes)`` for a normalised batch ``(B, 3, H, W)``."""
        return softmax(self.engine.run(np.ascontiguousarray(batch, dtype=np.float32)))


def open_from_card(
    source: str | os.PathLike,
    labels: str | os.PathLike | None,
    runtime: str | None,
    device: str,
    batch_work: bool,
    seen: dict[str, Stamp] | None,
) -> ExportPredictor | None:
    """Return the :class:`ExportPredictor` of ``source`` (with ``labels``) when ``runtime`` on ``device`` would run
    its export and its card matches ``seen`` (:func:`read_card`); else None: load it as usual."""
    chosen = card_runtime(runtime, device)
    found = read_card(source, labels, seen) if chosen else None
    if chosen is None or found is None:
        return None
    info, export = found
    if info.source == "file":  # as load_model names it now: the same folder may be given from another working folder
        info.location = str(Path(os.fspath(source)).expanduser())
    return ExportPredictor(info, export, chosen, batch_work)
