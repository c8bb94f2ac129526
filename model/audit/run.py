"""An audit from start to end: content hashes, cached base features, out-of-fold probabilities and confident
learning for the labels, perceptual hashes and features for duplicates, neighbour distances for outliers.

    data = read_audit_set("photos")                  # class folders, a `label` table, or plain images
    result = audit(data, "bundled")                  # an AuditResult: one AuditRow per image
    write_audit(result, "audit.csv", data.root)

Runs in the calling thread; ``on_progress`` reports each phase and ``cancel`` stops it between steps. Nothing
under the audited folder is written.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.audit import confident
from model.audit.duplicates import find_groups
from model.audit.features import base_features, pack_path
from model.audit.fingerprint import SIZE, thumbnail_file
from model.audit.oof import FOLDS, STEPS, out_of_fold_probs
from model.audit.outliers import neighbour_distances, outlier_mask
from model.audit.pack import PackRow, read_pack, write_pack
from model.audit.report import AuditResult, AuditRow, add_reason, fill_label_check
from model.audit.similar import SimilarIndex
from model.audit.sources import AuditSet
from model.cancel import CancelToken, check
from model.features import file_digest
from model.video.stills import frame_source
from model.weights.loading import LoadedModel, load_model

_CHUNK = 256  # files hashed between two cancel checks and progress reports


@dataclass
class AuditSettings:
    """How to audit: ``folds`` for the out-of-fold heads, optimiser ``steps`` per head, ``seed``, ``device`` for
    the base's forward passes, ``cache_dir`` of the feature cache (None: the user's cache folder)."""

    folds: int = FOLDS
    steps: int = STEPS
    seed: int = 0
    device: str = "auto"
    cache_dir: Path | None = None


@dataclass(frozen=True)
class AuditProgress:
    """One step of an audit: ``phase`` "hashes" | "features" | "labels" | "duplicates" | "outliers", ``done`` of
    ``total`` (files, images or folds)."""

    phase: str
    done: int
    total: int


Progress = Callable[[AuditProgress], None]


def audit(
    data: AuditSet,
    base: str | LoadedModel = "bundled",
    settings: AuditSettings | None = None,
    on_progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> AuditResult:
    """Return the :class:`AuditResult` of ``data`` with the features of ``base`` (a :class:`LoadedModel`, or
    anything :func:`~model.weights.loading.load_model` accepts). Raises WeightsError for a base that cannot be
    loaded, ValueError for a device that is not there, :class:`~model.cancel.Cancelled` when cancelled."""
    settings = settings or AuditSettings()
    report = on_progress or (lambda _p: None)
    loaded = base if isinstance(base, LoadedModel) else load_model(base)
    rows = [AuditRow(path, given) for path, given in zip(data.paths, data.given, strict=True)]
    rows += [AuditRow(path, "", issue="error", reason=reason) for path, reason in data.skipped]
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    digests = _digests(data.paths, rows, report, cancel)
    seconds["hashes"] = time.perf_counter() - start
    readable = [i for i, d in enumerate(digests) if d]

    start = time.perf_counter()
    kept, vectors, thumbs = _per_image(loaded, data.paths, readable, digests, rows, settings, report, cancel)
    index = SimilarIndex(vectors, copy=False)  # normalised in place: the index is the only copy
    seconds["features"] = time.perf_counter() - start

    result = AuditResult(rows, data.classes, seconds=seconds, vectors=index.matrix, vector_rows=kept)
    start = time.perf_counter()
    _check_labels(result, kept, index.matrix, [data.given[i] for i in kept], settings, report, cancel)
    seconds["labels"] = time.perf_counter() - start

    start = time.perf_counter()
    _check_duplicates(result, data, kept, digests, thumbs, report, cancel)
    seconds["duplicates"] = time.perf_counter() - start

    start = time.perf_counter()
    report(AuditProgress("outliers", 0, 1))
    scores = neighbour_distances(index.matrix, cancel=cancel)
    for r, i in enumerate(kept.tolist()):
        rows[i].oddness = float(scores[r])
    for r in np.flatnonzero(outlier_mask(scores)).tolist():
        add_reason(rows[kept[r]], "outlier", f"unlike the rest: mean feature distance to its nearest {scores[r]:.2f}")
    report(AuditProgress("outliers", 1, 1))
    seconds["outliers"] = time.perf_counter() - start
    return result


def _per_image(
    loaded: LoadedModel,
    paths: list[str],
    readable: list[int],
    digests: list[str],
    rows: list[AuditRow],
    settings: AuditSettings,
    report: Progress,
    cancel: CancelToken | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(kept (n,), vectors (n, width) float32, thumbnails (n, SIZE, SIZE) uint8)`` of the ``readable``
    images that could be decoded: from the pack, else computed (features through the per-image cache) and
    added to the pack. Images that cannot be decoded become error rows."""
    where = pack_path(loaded, settings.cache_dir)
    known = read_pack(where)
    todo = [i for i in readable if digests[i] not in known]
    added: dict[str, PackRow] = {}
    if todo:
        done = len(readable) - len(todo)
        found = base_features(
            loaded,
            [paths[i] for i in todo],
            [digests[i] for i in todo],
            settings.device,
            settings.cache_dir,
            lambda n, _total: report(AuditProgress("features", done + n, len(readable))),
            cancel,
        )
        for k, reason in found.failed.items():
            _fail(rows[todo[k]], reason)
        for r, k in enumerate(found.kept):
            if r % _CHUNK == 0:
                check(cancel)
                report(AuditProgress("thumbnails", r, len(found.kept)))
            i = todo[k]
            thumb = thumbnail_file(paths[i])
            if isinstance(thumb, str):
                _fail(rows[i], thumb)
            else:
                added[digests[i]] = PackRow(found.vectors[r], thumb)
        write_pack(where, {**known, **added})
    else:
        report(AuditProgress("features", len(readable), len(readable)))
    entries = {**known, **added}
    kept = [i for i in readable if digests[i] in entries and rows[i].issue != "error"]
    width = next(iter(entries.values())).vector.shape[0] if entries else 0
    vectors = np.array([entries[digests[i]].vector for i in kept], dtype=np.float32).reshape(len(kept), width)
    thumbs = np.array([entries[digests[i]].thumb for i in kept], dtype=np.uint8).reshape(len(kept), SIZE, SIZE)
    return np.array(kept, dtype=np.int64), vectors, thumbs


def _fail(row: AuditRow, reason: str) -> None:
    """Make ``row`` an error row with ``reason``."""
    row.issue, row.reason = "error", reason


def _digests(paths: list[str], rows: list[AuditRow], report: Progress, cancel: CancelToken | None) -> list[str]:
    """Return the SHA-256 of each file ("" for a file that cannot be read, its row made an error row)."""
    digests = []
    for i, path in enumerate(paths):
        if i % _CHUNK == 0:
            check(cancel)
            report(AuditProgress("hashes", i, len(paths)))
        try:
            digests.append(file_digest(path))
        except OSError as exc:
            digests.append("")
            _fail(rows[i], f"cannot read: {exc.strerror or exc}")
    report(AuditProgress("hashes", len(paths), len(paths)))
    return digests


def label_check_problem(given: list[str], folds: int) -> str | None:
    """Return why the given labels of the readable images cannot be checked (in words), or None when they can:
    they need two classes or more and at least two images per fold."""
    labelled = [g for g in given if g]
    classes = sorted(set(labelled))
    if not labelled:
        return "no labels: only duplicates and outliers were checked (give class folders or a table from `label`)"
    if len(classes) == 1:
        return (
            f"every labelled image is {classes[0]!r}: checking labels needs two classes or more; "
            "only duplicates and outliers were checked"
        )
    if len(labelled) < 2 * folds:
        return (
            f"only {len(labelled)} labelled images: checking labels with {folds} folds needs at least {2 * folds}; "
            "only duplicates and outliers were checked"
        )
    return None


def _check_labels(
    result: AuditResult,
    kept: np.ndarray,
    vectors: np.ndarray,
    given: list[str],
    settings: AuditSettings,
    report: Progress,
    cancel: CancelToken | None,
) -> None:
    """Out-of-fold probabilities and confident learning for the labelled readable rows ``kept``."""
    problem = label_check_problem(given, settings.folds)
    if problem:
        result.notes.append(problem)
        return
    labelled = np.array([i for i, g in enumerate(given) if g], dtype=np.int64)
    classes = sorted({given[i] for i in labelled})
    index = {c: k for k, c in enumerate(classes)}
    labels = np.array([index[given[i]] for i in labelled], dtype=np.int64)
    report(AuditProgress("labels", 0, settings.folds))
    probs = out_of_fold_probs(
        vectors[labelled],
        labels,
        len(classes),
        settings.folds,
        settings.seed,
        settings.steps,
        lambda done, total: report(AuditProgress("labels", done, total)),
        cancel,
    )
    suspect = confident.suspect_scores(labels, probs)
    issues = confident.label_issues(labels, probs)
    fill_label_check(result.rows, kept[labelled], classes, probs, labels, suspect, issues)
    result.estimated_wrong = confident.estimated_issue_count(labels, probs)
    result.probs, result.prob_rows, result.classes = probs, kept[labelled], classes
    if len(labelled) < len(given):
        result.notes.append(f"{len(given) - len(labelled)} images have no label; their labels were not checked")


def _check_duplicates(
    result: AuditResult,
    data: AuditSet,
    kept: np.ndarray,
    digests: list[str],
    thumbs: np.ndarray,
    report: Progress,
    cancel: CancelToken | None,
) -> None:
    """Exact and near-duplicate groups among the readable rows ``kept``, with their leaks."""
    report(AuditProgress("duplicates", 0, 1))
    groups = find_groups(
        [digests[i] for i in kept],
        thumbs,
        [data.given[i] for i in kept],
        [data.splits[i] for i in kept] if data.has_held_out else None,
        cancel,
        [(frame_source(data.paths[i]) or ("",))[0] for i in kept],
    )
    first: dict[int, int] = {}
    same: dict[str, int] = {}
    for r in np.flatnonzero(groups.group).tolist():
        i, number = int(kept[r]), int(groups.group[r])
        row = result.rows[i]
        row.group = number
        head = same.setdefault(digests[i], i) if groups.exact[r] else first.setdefault(number, i)
        first.setdefault(number, i)
        issue = "duplicate" if groups.exact[r] else "near-duplicate"
        what = "the same file as" if groups.exact[r] else "a near-duplicate of"
        reason = f"group {number}" if head == i else f"{what} {_short(data.paths[head], data.root)}"
        if number in groups.leaks:
            reason += f" (leak: {groups.leaks[number]})"
        add_reason(row, issue, reason)
    result.groups, result.leaks = groups.count, groups.leaks
    report(AuditProgress("duplicates", 1, 1))


def _short(path: str, root: Path) -> str:
    """Return ``path`` relative to ``root`` when inside it, else as it is."""
    rel = os.path.relpath(path, root)
    return path if rel.startswith("..") else rel
