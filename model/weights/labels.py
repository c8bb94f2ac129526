"""Human-readable class names: ImageNet-1k, ImageNet-12k (shipped in ``assets/labels``) and Fashion-MNIST."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from model.resources import asset_path
from model.weights.layout import WeightsError

# label-set key -> (display title, file under assets/labels or None when the names live in code)
LABEL_SETS: dict[str, tuple[str, str | None]] = {
    "imagenet-1k": ("ImageNet-1k", "imagenet-1k.txt"),
    "imagenet-12k": ("ImageNet-12k", "imagenet-12k.txt"),
    "fashion-mnist": ("Fashion-MNIST", None),
}
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


_SET_BY_SIZE = {1000: "imagenet-1k", 11821: "imagenet-12k"}
_WORDNET_ID = re.compile(r"n\d{8}")


@cache
def _read_set(key: str) -> tuple[str, ...]:
    """Return the names of label set ``key`` as a tuple (read once)."""
    if key == "fashion-mnist":
        return tuple(FASHION_MNIST_CLASSES)
    path = asset_path("labels", LABEL_SETS[key][1] or "")
    return tuple(path.read_text(encoding="utf-8").splitlines())


def label_set_for(num_classes: int) -> str | None:
    """Return the label-set key that a head of ``num_classes`` outputs implies, or None.

    1000 gives "imagenet-1k", 11821 "imagenet-12k".
    """
    return _SET_BY_SIZE.get(num_classes)


def label_names(label_set_or_num_classes: str | int) -> list[str]:
    """Return the class names of a label set ("imagenet-1k", "imagenet-12k", "fashion-mnist") or head size.

    A head size of 1000 or 11821 gives the ImageNet-1k / ImageNet-12k names; any other size gives
    ``["class 0", "class 1", ...]``. Raises ``KeyError`` for an unknown label-set name.
    """
    if isinstance(label_set_or_num_classes, str):
        if label_set_or_num_classes not in LABEL_SETS:
            raise KeyError(f"unknown label set {label_set_or_num_classes!r}; known: {', '.join(LABEL_SETS)}")
        return list(_read_set(label_set_or_num_classes))
    key = label_set_for(label_set_or_num_classes)
    if key is not None:
        return list(_read_set(key))
    return [f"class {i}" for i in range(label_set_or_num_classes)]


def resolve_labels(
    num_classes: int, names: object = None, descriptions: object = None, label_set: str | None = None
) -> tuple[list[str], str]:
    """Return ``(class names, label-set description)`` for a head of ``num_classes`` outputs.

    ``names`` (a checkpoint's ``label_names``) win when they are ``num_classes`` strings; WordNet ids among
    them are replaced by ``descriptions`` (timm's ``label_descriptions`` dict) where given, and a list of bare
    WordNet ids falls back to the standard set of that size. Otherwise ``label_set`` (a key of
    :data:`LABEL_SETS`), then the set implied by the head size, then ``"class N"``. The description reads like
    "ImageNet-1k (1000 classes)", "Fashion-MNIST (10 classes)" or "custom (N classes)".
    """
    chosen: list[str] | None = None
    if isinstance(names, list) and len(names) == num_classes and all(isinstance(n, str) for n in names):
        if isinstance(descriptions, dict):
            names = [str(descriptions.get(n, n)) for n in names]
        if not (label_set_for(num_classes) and all(_WORDNET_ID.fullmatch(n) for n in names)):
            chosen = list(names)
    if chosen is None:
        key = label_set if label_set in LABEL_SETS else label_set_for(num_classes)
        chosen = label_names(key) if key is not None else label_names(num_classes)
        if len(chosen) != num_classes:
            chosen = label_names(num_classes)
    return chosen, describe_labels(chosen)


def describe_labels(names: list[str]) -> str:
    """Return a short description of a list of class names, naming the standard set it equals if any."""
    count = "1 class" if len(names) == 1 else f"{len(names)} classes"
    for key, (title, _) in LABEL_SETS.items():
        if tuple(names) == _read_set(key):
            return f"{title} ({count})"
    return f"custom ({count})"


CLASS_MAP_NAMES = ("class_map.txt", "labels.txt")  # files beside a local checkpoint that name its classes


def read_class_map(path: Path, num_classes: int) -> list[str]:
    """Return the class names of a class-map file (timm's convention: one name per line, in output order;
    blank lines at the end ignored).

    Raises :class:`~model.weights.checkpoint.WeightsError` when it cannot be read or does not hold
    ``num_classes`` names.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise WeightsError(f"Cannot read the class names in {path}: {e}.") from None
    while lines and not lines[-1].strip():
        lines.pop()
    names = [line.strip() for line in lines]
    if len(names) != num_classes:
        raise WeightsError(
            f"{Path(path).name} holds {len(names)} class names but the model has {num_classes} outputs; give one "
            "name per line, in the order of the outputs."
        )
    if any(not n for n in names):
        raise WeightsError(f"{Path(path).name} has an empty line among its class names.")
    return names
