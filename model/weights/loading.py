"""One call from a model source to a ready CoAtNet: the bundled model, a public timm tag, or a local file.

:func:`load_model` reads the weights safely (safetensors, or ``torch.load(weights_only=True)``), works out
which named config they belong to from their parameter names and shapes, and returns the network in eval
mode with its class names and preprocessing settings. Public tags are fetched from the Hugging Face hub repo
``timm/<tag>`` into the standard hub cache (so weights that timm already downloaded are reused, offline
too); a download reports progress, can be cancelled, and continues where it stopped the next time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import torch

from model.cancel import CancelToken
from model.data.pixels import DEFAULT_PREPROCESS, PreprocessCfg
from model.net.coatnet import CoAtNet, create_model
from model.net.config import get_config, head_on_stage, list_configs
from model.resources import bundled_model_dir
from model.weights.checkpoint import read_state_dict
from model.weights.hub import DownloadCancelled, Progress, cached_file, fetch, hub_cache_dir
from model.weights.info import ModelInfo
from model.weights.labels import CLASS_MAP_NAMES, describe_labels, read_class_map, resolve_labels
from model.weights.layout import (
    CHECKPOINT_SUFFIXES,
    CONFIG_JSON,
    WEIGHTS_NAME,
    WEIGHTS_NAMES,
    WeightsError,
    find_weights_file,
    read_config_json,
)
from model.weights.metadata import label_names_problem, label_warning, read_preprocess, safetensors_metadata
from model.weights.pretrained import PRETRAINED, PretrainedTag, configs_with_weights, parse_tag

__all__ = [
    "DownloadCancelled",
    "LoadedModel",
    "ModelInfo",
    "WeightsError",
    "cached_tags",
    "config_signature",
    "load_model",
]

_HEAD = ("head.fc.weight", "head.fc.bias")
_SHOW = 3  # keys named per category in a mismatch report


@dataclass
class LoadedModel:
    """A network ready for inference (eval mode, CPU, float32) and its :class:`ModelInfo`."""

    net: CoAtNet
    info: ModelInfo

    @property
    def warnings(self) -> list[str]:
        """Return what was unreadable in the checkpoint and replaced (see :attr:`ModelInfo.warnings`)."""
        return self.info.warnings


def load_model(
    source: str | os.PathLike = "bundled",
    *,
    config: str | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    local_files_only: bool = False,
    labels: str | os.PathLike | None = None,
) -> LoadedModel:
    """Return the model at ``source`` as a :class:`LoadedModel`.

    ``source`` is ``"bundled"``, a public tag (``coatnet_0_rw_224.sw_in1k``, also with a ``timm/`` or
    ``hf-hub:timm/`` prefix), a ``.safetensors`` / ``.pth`` / ``.pt`` / ``.bin`` file, or a folder in hub
    layout (``model.safetensors`` + ``config.json``). ``config`` names the CoAtNet config; without it the
    config is inferred from the parameter names and shapes (the classifier's width gives the number of
    classes). A tag missing from the hub cache is downloaded unless ``local_files_only`` or
    ``HF_HUB_OFFLINE`` is set; ``progress(bytes_done, bytes_total)`` follows the transfer (total 0 when
    unknown) and cancelling ``cancel`` (a :class:`~model.cancel.CancelToken`) stops it with
    :class:`DownloadCancelled` (a :class:`~model.cancel.Cancelled`; pausing the token holds the transfer).
    Every failure raises :class:`WeightsError` with a readable message.

    Class names come from ``labels`` (a text file, one name per line) when given, else from a
    ``class_map.txt`` or ``labels.txt`` beside a local checkpoint, else from the checkpoint itself (its
    ``config.json`` or safetensors metadata), else the standard set its head size implies;
    ``info.label_source`` says which.
    """
    loaded = _load(source, config, progress, cancel, local_files_only)
    if labels is not None:
        _apply_names(loaded, read_class_map(Path(labels), loaded.info.num_classes), f"{Path(labels).name} (--labels)")
    return loaded


def _load(
    source: str | os.PathLike,
    config: str | None,
    progress: Progress | None,
    cancel: CancelToken | None,
    local_files_only: bool,
) -> LoadedModel:
    """Return the model at ``source`` with the names it brings (see :func:`load_model`)."""
    if config is not None and config not in list_configs():
        raise WeightsError(f"Unknown CoAtNet config {config!r}; known: {', '.join(list_configs())}.")
    is_path = isinstance(source, os.PathLike)
    text = os.fspath(source)
    if not is_path and text == "bundled":
        folder = bundled_model_dir()
        if not (folder / WEIGHTS_NAME).is_file():
            raise WeightsError(
                f"The bundled model is missing: {folder} has no {WEIGHTS_NAME}. Train it with "
                "`python -m model.training.train`, or open a pretrained model or a checkpoint file."
            )
        return _load_local(folder, config, source="bundled")
    path = Path(text).expanduser()
    if path.suffix.lower() == ".onnx":  # opened by model.runtime.inference.open_predictor, for predictions only
        raise WeightsError(
            f"{path.name} is an exported ONNX file: it runs predictions only; use its PyTorch checkpoint."
        )
    if path.exists():
        return _load_local(path, config, source="file")
    tag = None if is_path else parse_tag(text)
    if tag is not None:
        return _load_hub(PRETRAINED[tag], config, progress, cancel, local_files_only)
    in_folder = ("/" in text or os.sep in text) and not text.startswith(("timm/", "hf-hub:"))
    if is_path or in_folder or path.suffix in CHECKPOINT_SUFFIXES:
        raise WeightsError(f"No such file or folder: {path}.")
    weights_for = [t for t in PRETRAINED if t.startswith(f"{text}.")]
    if weights_for:
        raise WeightsError(f"{text!r} names a config, not weights; its public weights: {', '.join(weights_for)}.")
    raise WeightsError(
        f"{text!r} is not a file, a folder or a public CoAtNet tag. Public tags: {', '.join(PRETRAINED)}."
    )


def cached_tags() -> list[str]:
    """Return the public tags whose weights are already in the Hugging Face cache (no network access)."""
    cache_dir = hub_cache_dir()
    return [tag for tag, entry in PRETRAINED.items() if cached_file(entry.repo_id, WEIGHTS_NAMES, cache_dir)]


def config_signature(config_name: str, num_classes: int | None = None) -> dict[str, tuple[int, ...]]:
    """Return the state-dict key -> shape map of ``config_name`` (classifier resized to ``num_classes``).

    No weights are allocated: the network is built on PyTorch's meta device.
    """
    shapes = dict(_signature(config_name))
    if num_classes is not None and _HEAD[0] in shapes:
        shapes[_HEAD[0]] = (num_classes, *shapes[_HEAD[0]][1:])
        shapes[_HEAD[1]] = (num_classes,)
    return shapes


# --- Local files -------------------------------------------------------------------------------------------


def _load_local(path: Path, config: str | None, source: str) -> LoadedModel:
    """Load a checkpoint file, or the checkpoint of a hub-layout folder (with its ``config.json``)."""
    if path.is_dir():
        weights, meta = find_weights_file(path), read_config_json(path / CONFIG_JSON)
        name = path.name
    else:
        beside = path.parent / CONFIG_JSON
        meta = read_config_json(beside) if path.name in WEIGHTS_NAMES else {}
        weights, name = path, path.parent.name if path.name in WEIGHTS_NAMES else path.name
    state = read_state_dict(weights)
    meta = {**safetensors_metadata(weights), **meta}
    hints = [str(meta.get("architecture", "")), *_config_names_in(path)]
    head = meta.get("features")
    if isinstance(head, dict) and head.get("pool", 1) != 1:
        net, config_name = _build_on_stage(state, str(meta.get("architecture", "")), head, what=weights.name)
    else:
        net, config_name = _build(state, config, hints, what=weights.name)
    if source == "bundled":
        name = f"{config_name} (bundled)"
    loaded = _finish(net, config_name, meta, name=name, source=source, location=str(path))
    if source == "file":
        for beside in CLASS_MAP_NAMES:
            names_file = weights.parent / beside
            if names_file.is_file():
                _apply_names(loaded, read_class_map(names_file, net.cfg.num_classes), f"{beside} beside the checkpoint")
                break
    return loaded


def _build_on_stage(state: dict[str, torch.Tensor], architecture: str, head: dict, what: str) -> tuple[CoAtNet, str]:
    """Return a taught network whose head reads an inner stage (see :func:`head_on_stage`) and its config name."""
    weight = state.get("head.fc.weight")
    if architecture not in list_configs() or weight is None or weight.ndim != 2:
        raise WeightsError(f"{what} names a head on an inner stage but not a known base config and its head.")
    try:
        cfg = head_on_stage(get_config(architecture), int(head["stage"]), weight.shape[0])
        net = CoAtNet(cfg, name=architecture, head_pool=int(head["pool"]))
        net.load_state_dict(state, strict=True)
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise WeightsError(f"{what} could not be loaded as a taught {architecture}: {e}") from None
    return net.float().eval(), architecture


def _apply_names(loaded: LoadedModel, names: list[str], source: str) -> None:
    """Give ``loaded`` the class ``names`` read from ``source``."""
    loaded.info.label_names = names
    loaded.info.label_set = describe_labels(names)
    loaded.info.label_source = source
    loaded.info.label_warning = ""  # the checkpoint's own names, readable or not, are not used


def _config_names_in(path: Path) -> list[str]:
    """Return the config names that the file or folder name contains, longest first."""
    text = f"{path.parent.name}/{path.name}"
    return sorted((n for n in list_configs() if n in text), key=len, reverse=True)


# --- Config inference --------------------------------------------------------------------------------------


@cache
def _signature(config_name: str) -> dict[str, tuple[int, ...]]:
    """Return the key -> shape map of ``config_name`` with its default head (built once, on meta)."""
    with torch.device("meta"):
        net = CoAtNet(get_config(config_name), name=config_name)
    return {k: tuple(v.shape) for k, v in net.state_dict().items()}


@dataclass
class _Fit:
    """How a state dict differs from one config."""

    config_name: str
    missing: list[str]
    unexpected: list[str]
    mismatched: list[str]  # "key: (file shape) in the file, (config shape) expected"

    @property
    def errors(self) -> int:
        return len(self.missing) + len(self.unexpected) + len(self.mismatched)


def _fit(shapes: dict[str, tuple[int, ...]], config_name: str, num_classes: int | None) -> _Fit:
    """Compare the file's key -> shape map with ``config_name``'s (a missing batch-norm counter is fine)."""
    expected = config_signature(config_name, num_classes)
    missing = [k for k in expected if k not in shapes and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in shapes if k not in expected]
    mismatched = [
        f"{k}: {shapes[k]} in the file, {expected[k]} expected"
        for k in expected
        if k in shapes and shapes[k] != expected[k]
    ]
    return _Fit(config_name, missing, unexpected, mismatched)


def _choose_config(
    state: dict[str, torch.Tensor], config: str | None, hints: list[str], what: str
) -> tuple[str, int | None]:
    """Return ``(config name, head width)`` for ``state``: ``config`` if given and it fits, else the first
    fitting config, trying ``hints`` first.

    Raises :class:`WeightsError` naming the closest config and its differences.
    """
    shapes = {k: tuple(v.shape) for k, v in state.items()}
    head = shapes.get(_HEAD[0])
    num_classes = head[0] if head is not None and len(head) == 2 else None
    if config is not None:
        candidates = [config]
    else:
        known = list_configs()
        hinted = [h.split(".", 1)[0] for h in hints]
        candidates = list(dict.fromkeys([h for h in hinted if h in known] + known))
    fits = []
    for name in candidates:
        fit = _fit(shapes, name, num_classes)
        if fit.errors == 0:
            return name, num_classes
        fits.append(fit)
    best = min(fits, key=lambda f: f.errors)
    if config is not None:
        lead = f"{what} does not fit the config {config}"
    else:
        lead = f"{what} does not match any CoAtNet config; the closest is {best.config_name}"
    parts = [
        f"{len(keys)} {plural if len(keys) > 1 else singular}: {_few(keys)}"
        for singular, plural, keys in (
            ("missing key", "missing keys", best.missing),
            ("unexpected key", "unexpected keys", best.unexpected),
            ("key with another shape", "keys with another shape", best.mismatched),
        )
        if keys
    ]
    raise WeightsError(f"{lead} ({'; '.join(parts)}).")


def _few(items: list[str]) -> str:
    """Return the first few items joined, and how many more there are."""
    shown = ", ".join(items[:_SHOW])
    return shown if len(items) <= _SHOW else f"{shown} and {len(items) - _SHOW} more"


def _build(state: dict[str, torch.Tensor], config: str | None, hints: list[str], what: str) -> tuple[CoAtNet, str]:
    """Return the network of the config ``state`` fits, holding ``state``'s weights, and the config's name."""
    config_name, num_classes = _choose_config(state, config, hints, what)
    with torch.device("meta"):  # no random init to overwrite (0.3 s for coatnet_0): every weight comes from state
        net = create_model(config_name, num_classes=num_classes)
    for key, value in net.state_dict().items():
        if key not in state:  # only batch-norm counters can be missing after _choose_config
            state[key] = torch.zeros(value.shape, dtype=value.dtype)
    try:
        net.load_state_dict(state, strict=True, assign=True)  # the meta parameters become state's tensors
    except RuntimeError as e:
        raise WeightsError(f"{what} could not be loaded into {config_name}: {e}") from None
    return net.float().eval(), config_name


def _finish(
    net: CoAtNet,
    config_name: str,
    meta: dict,
    *,
    name: str,
    source: str,
    location: str,
    entry: PretrainedTag | None = None,
) -> LoadedModel:
    """Wrap ``net`` with its class names and preprocessing (``config.json`` values win over the defaults), saying
    what of them was unreadable and replaced; raises :class:`WeightsError` for preprocessing that cannot be valid
    (:func:`~model.weights.metadata.read_preprocess`)."""
    num_classes = net.cfg.num_classes
    standard = entry.label_set if entry is not None else None
    preprocess, preprocess_warning = _preprocessing(config_name, meta.get("pretrained_cfg"), entry, net.cfg.img_size)
    names, label_set = resolve_labels(num_classes, meta.get("label_names"), meta.get("label_descriptions"), standard)
    problem = label_names_problem(meta.get("label_names"), num_classes)
    if names != resolve_labels(num_classes, label_set=standard)[0]:
        label_source = "the checkpoint"
    elif label_set.startswith("custom"):
        label_source = "no names found: numbered"
    else:
        label_source = "the standard set for its head"
    info = ModelInfo(
        name=name,
        config_name=config_name,
        source=source,
        location=location,
        num_classes=num_classes,
        label_names=names,
        label_set=label_set,
        label_source=label_source,
        preprocess=preprocess,
        label_warning=label_warning(problem, names, label_set) if problem else "",
        preprocess_warning=preprocess_warning,
    )
    return LoadedModel(net=net, info=info)


def _preprocessing(
    config_name: str, from_file: object, entry: PretrainedTag | None, side: int
) -> tuple[PreprocessCfg, str]:
    """Return the preprocessing — timm's for the config's public weights (else timm's CoAtNet defaults at the
    config's image size), overridden by the readable values of the checkpoint's ``pretrained_cfg`` — and the
    warning naming the unreadable ones ("" when none)."""
    tag = entry.tag if entry is not None else configs_with_weights().get(config_name)
    if tag is not None:
        base = PRETRAINED[tag].preprocess
    else:
        size = get_config(config_name).img_size
        base = replace(DEFAULT_PREPROCESS, input_size=(size, size))
    return read_preprocess(from_file, base, side)


# --- Hugging Face hub --------------------------------------------------------------------------------------


def _load_hub(
    entry: PretrainedTag,
    config: str | None,
    progress: Progress | None,
    cancel: CancelToken | None,
    local_files_only: bool,
) -> LoadedModel:
    """Load a public tag from the hub cache, downloading it first when it is not there."""
    weights, config_path = fetch(entry.repo_id, progress, cancel, local_files_only)
    meta = read_config_json(config_path) if config_path is not None else {}
    state = read_state_dict(weights)
    net, config_name = _build(state, config or entry.config_name, [], what=f"{weights.name} of {entry.repo_id}")
    return _finish(net, config_name, meta, name=entry.tag, source="hub", location=entry.repo_id, entry=entry)
