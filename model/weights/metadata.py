"""A checkpoint's own description, read with suspicion: the class names (``label_names``) and preprocessing
(``pretrained_cfg``) that its safetensors metadata or ``config.json`` carry.

A checkpoint may come from anywhere, so each value is checked before it is used:

- a value that cannot be read (not JSON, the wrong type or count, an unknown name) is replaced by the default,
  and the loaded model carries a warning sentence saying what was unreadable and what is used instead;
- preprocessing that cannot be valid refuses the checkpoint with :class:`WeightsError`: a mean or std that is not
  finite or beyond :data:`NORM_LIMIT`, a std below :data:`STD_MIN` (zero or negative), an input size other than
  the one the network was built for (a network only accepts its own: its relative-position tables are sized for
  it), a ``crop_pct`` outside :data:`CROP_PCT_RANGE` (it sets the size the image is resized to before the crop).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from safetensors import SafetensorError, safe_open

from model.data.pixels import CROP_MODES, INTERPOLATIONS, PreprocessCfg
from model.weights.layout import WeightsError

JSON_KEYS = ("label_names", "label_descriptions", "pretrained_cfg", "features")  # metadata values stored as JSON
CROP_PCT_RANGE = (0.1, 10.0)
NORM_LIMIT = 1000.0  # |mean| and std at most this: pixels are 0..1, so larger values only turn inputs to noise
STD_MIN = 1e-6  # a smaller std overflows float32 inputs


@dataclass(frozen=True)
class Unreadable:
    """A metadata value that could not be parsed; ``why`` says how, in words."""

    why: str


def safetensors_metadata(path: Path) -> dict:
    """Return a safetensors file's metadata with the values of :data:`JSON_KEYS` parsed (an :class:`Unreadable`
    where the JSON is broken); ``{}`` for another kind of file or a header that cannot be read."""
    if path.suffix != ".safetensors":
        return {}
    try:
        with safe_open(str(path), "pt") as f:
            raw = f.metadata() or {}
    except (OSError, SafetensorError):
        return {}
    meta: dict = {}
    for key, value in raw.items():
        if key in JSON_KEYS:
            try:
                meta[key] = json.loads(value)
            except (json.JSONDecodeError, RecursionError):
                meta[key] = Unreadable("not valid JSON")
        else:
            meta[key] = value
    return meta


def _kind(value: object) -> str:
    """Return what a parsed JSON value is, in words ("a JSON object", "a number", ...)."""
    if isinstance(value, Unreadable):
        return value.why
    kinds = {dict: "a JSON object", list: "a list", str: "text", bool: "true/false", int: "a number", float: "a number"}
    return kinds.get(type(value), "null")


def _short(value: object, limit: int = 40) -> str:
    """Return ``repr(value)`` cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def label_names_problem(names: object, num_classes: int) -> str | None:
    """Return why a checkpoint's ``label_names`` cannot name a head of ``num_classes`` outputs, or None when it
    can (or holds none)."""
    if names is None:
        return None
    if isinstance(names, Unreadable):
        return names.why
    if not isinstance(names, list):
        return f"{_kind(names)}, not a list of names"
    if len(names) != num_classes:
        return f"{len(names)} names for {num_classes} outputs"
    odd = next((n for n in names if not isinstance(n, str)), None)
    return None if odd is None else f"a name that is not text ({_short(odd)})"


def label_warning(problem: str, names: list[str], label_set: str) -> str:
    """Return the warning sentence for unreadable ``label_names`` replaced by ``names`` (described by
    ``label_set``)."""
    used = f"{names[0]!r} … {names[-1]!r}" if names else "no names"
    return f"The checkpoint's class names (label_names) are unreadable ({problem}); using {label_set}: {used}."


class _Unusable(Exception):
    """A value of the wrong type or shape: the default is kept (and said so)."""


def _number(value: object) -> float:
    """Return ``value`` as a float; raises :class:`_Unusable` unless it is a JSON number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Unusable
    try:
        return float(value)
    except OverflowError:  # an integer beyond any float
        return math.inf


def _three(value: object) -> tuple[float, float, float]:
    """Return three JSON numbers as floats; raises :class:`_Unusable` for anything else."""
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise _Unusable
    a, b, c = (_number(v) for v in value)
    return a, b, c


def _size(value: object) -> tuple[float, float]:
    """Return ``[C, H, W]`` or ``[H, W]`` as ``(H, W)``; raises :class:`_Unusable` unless they are numbers."""
    if not isinstance(value, (list, tuple)) or len(value) not in (2, 3):
        raise _Unusable
    numbers = [_number(v) for v in value]
    return numbers[-2], numbers[-1]


def _choice(options: Collection[str]) -> Callable[[object], str]:
    """Return a parser that accepts one of ``options`` and raises :class:`_Unusable` for anything else."""

    def parse(value: object) -> str:
        if not isinstance(value, str) or value not in options:
            raise _Unusable
        return value

    return parse


_PARSERS = {
    "input_size": _size,
    "interpolation": _choice(INTERPOLATIONS),
    "mean": _three,
    "std": _three,
    "crop_pct": _number,
    "crop_mode": _choice(CROP_MODES),
}


def _impossible(key: str, value: Any, side: int, shown: object) -> str | None:
    """Return why a well-formed ``pretrained_cfg`` value (as its parser returned it; ``shown`` as the file holds
    it) cannot be valid for a network built for ``side`` px images, or None."""
    if key == "mean" and not all(-NORM_LIMIT <= v <= NORM_LIMIT for v in value):  # NaN fails every comparison
        return f"its mean {_short(shown)} is not three finite numbers within ±{NORM_LIMIT:g}"
    if key == "std" and not all(STD_MIN <= v <= NORM_LIMIT for v in value):
        return f"its std {_short(shown)} is not three numbers from {STD_MIN:g} to {NORM_LIMIT:g} (zero divides)"
    if key == "input_size" and value != (side, side):
        return f"its input size {_short(shown)} is not the {side}x{side} the network was built for"
    low, high = CROP_PCT_RANGE
    if key == "crop_pct" and not low <= value <= high:
        return f"its crop_pct {_short(shown)} is not between {low} and {high}"
    return None


def read_preprocess(raw: object, base: PreprocessCfg, side: int) -> tuple[PreprocessCfg, str]:
    """Return ``(preprocessing, warning)``: ``base`` overridden by the values of a checkpoint's ``pretrained_cfg``
    (timm's dict form) for a network built for ``side`` px images, and a warning sentence naming the values that
    were unreadable and the defaults used instead ("" when none). Raises :class:`WeightsError` for values that
    cannot be valid (see the module's rules)."""
    if raw is None:
        return base, ""
    if not isinstance(raw, dict):
        return base, (
            f"The checkpoint's preprocessing (pretrained_cfg) is unreadable ({_kind(raw)}, not an object); using "
            f"the defaults for its network: {describe_preprocess(base)}."
        )
    cfg, unreadable = base, []
    for key, parse in _PARSERS.items():
        if raw.get(key) is None:
            continue
        try:
            value = parse(raw[key])
        except _Unusable:
            unreadable.append(key)
            continue
        why = _impossible(key, value, side, raw[key])
        if why is not None:
            raise WeightsError(f"The checkpoint's preprocessing (pretrained_cfg) cannot be valid: {why}.")
        cfg = replace(cfg, **{key: (side, side) if key == "input_size" else value})
    if not unreadable:
        return cfg, ""
    found = ", ".join(f"{key} {_short(raw[key])}" for key in unreadable)
    used = ", ".join(f"{key} {_short(getattr(base, key))}" for key in unreadable)
    return cfg, f"The checkpoint's preprocessing (pretrained_cfg) has unreadable {found}; using the default {used}."


def describe_preprocess(cfg: PreprocessCfg) -> str:
    """Return preprocessing settings in a few words, e.g. "96x96, bicubic, crop 1.0 (center), mean (0.5, 0.5,
    0.5), std (0.5, 0.5, 0.5)"."""
    height, width = cfg.input_size
    return (
        f"{height}x{width}, {cfg.interpolation}, crop {cfg.crop_pct} ({cfg.crop_mode}), mean {cfg.mean}, std {cfg.std}"
    )
