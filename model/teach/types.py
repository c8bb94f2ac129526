"""The teaching API's plain types: the labelled set, the settings, progress, the result and the error (a cancelled
run raises :class:`model.cancel.Cancelled`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

MODES = ("head", "finetune")


class TeachError(Exception):
    """Bad input or a failed step; ``str()`` says what and which file or class, in a sentence or two."""


@dataclass(frozen=True)
class LabelledSet:
    """Images and their classes: ``paths[i]`` (absolute) is of class ``classes[labels[i]]``; ``classes`` are
    sorted; ``skipped`` holds ``(path, reason)`` for each file left out (unreadable, duplicate, ...)."""

    paths: list[str]
    labels: list[int]
    classes: list[str]
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class TeachSettings:
    """How to teach: ``mode`` "head" (frozen base, cached features, linear head) or "finetune" (the last stage
    and the head trained with light augmentation); ``epochs`` None for the mode's default; ``val_split`` the
    held-out fraction (stratified, seeded by ``seed``); ``device`` as the Classifier's; ``force`` overwrites an
    existing output; ``resume`` continues a killed run of the same data, base and settings; ``cache_dir`` holds
    the feature cache (None: the user's cache folder, or ``$COATNET_LENS_CACHE``); ``features`` is where the
    head reads the base in head mode: "auto" (the best by cross-validation), "final", or "stage2".."stage3"
    (that stage's output, 2x2 pooled)."""

    mode: str = "head"
    epochs: int | None = None
    val_split: float = 0.2
    seed: int = 0
    device: str = "auto"
    force: bool = False
    resume: bool = False
    cache_dir: Path | None = None
    features: str = "auto"


@dataclass(frozen=True)
class TeachProgress:
    """One step of teaching: ``phase`` "features" | "train" | "evaluate", ``done`` of ``total`` images
    (features) or epochs (train); in the train phase the last epoch's ``loss`` and held-out ``val_accuracy``."""

    phase: str
    done: int
    total: int
    loss: float | None = None
    val_accuracy: float | None = None


@dataclass(frozen=True)
class TeachResult:
    """What teaching wrote and measured: the ``checkpoint`` (.safetensors) and its ``model_card`` (Markdown);
    the ``classes``; held-out ``val_accuracy`` overall and per class; the ``confusion`` matrix (rows: true
    class, columns: predicted); ``features``, the feature choice in words; the ``skipped`` files."""

    checkpoint: Path
    model_card: Path
    classes: list[str]
    val_accuracy: float
    per_class_accuracy: dict[str, float]
    confusion: list[list[int]]
    features: str
    skipped: list[tuple[str, str]]
