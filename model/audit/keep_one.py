"""Keep one image per duplicate group and move the others into a folder the user chose, with undo.

    plan = plan_keep_one(result, root)              # per group: the file kept, the files moved, and why
    outcome = keep_one(plan, root, dest)            # moved through model.batch.sort; signed manifest in DEST
    undo_sort(outcome.manifest)                     # everything back (model.batch.undo)

Which file is kept, per group:

1. A file outside the audited folder (e.g. in a held-out folder) is never moved, so it is the one kept.
2. A leak between classes (the group's files carry two given classes): only a file whose given class is the
   group's majority class may be kept; on a tie, the class the audit suggests for most of the group's files;
   still tied, every class stays a candidate.
3. Among those: the largest picture (width x height), then the largest file, then the first path in sorting
   order. Files that are gone are never kept (and fail to move, said so).

A video's frame (a row ``video#t=SECONDS``) is neither kept nor moved: it is not a file, and the video stays
where it is. A group's plan covers its files only and says how many frames stay in their videos; a group of
frames only has no plan.

The others go to ``DEST/<their path relative to the audited folder>`` through :func:`model.batch.sort.apply_sort`
(``move=True``): never overwriting (a taken name gets `` (2)``), only inside DEST, a signed manifest in DEST that
:func:`model.batch.undo.undo_sort` (``coatnet-gui undo-sort MANIFEST``) reads to move them back. DEST is refused
when it is a link, when it lies inside the audited folder (the moved copies would be audited again as part of
the set, and a class-folder layout would read DEST as one more class) or when it holds the audited folder.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from model.audit.report import AuditResult, AuditRow
from model.batch.sort import SortStep, apply_sort
from model.fileguard import is_inside
from model.video.stills import frame_source


class KeepOneError(ValueError):
    """A destination that keep one refuses; ``str()`` says why in a sentence."""


@dataclass(frozen=True)
class KeptGroup:
    """One group's plan: ``number``, the file to ``keep`` (None when every file is gone), the files to
    ``move`` and ``why`` that one is kept, in words."""

    number: int
    keep: Path | None
    move: tuple[Path, ...]
    why: str


@dataclass
class KeepOneResult:
    """What :func:`keep_one` did: groups ``kept`` (one file each), files ``moved``, ``failed`` ``(path,
    reason)`` and the ``manifest`` to undo it with (None when nothing was to be moved)."""

    kept: int = 0
    moved: int = 0
    failed: list[tuple[Path, str]] = field(default_factory=list)
    manifest: Path | None = None

    def summary(self) -> str:
        """Return what was done in one line, e.g. ``"3 kept, 4 moved, 0 failed"``."""
        return f"{self.kept} kept, {self.moved} moved, {len(self.failed)} failed"


def default_dest(root: str | os.PathLike) -> Path:
    """Return the default destination: the sibling folder ``<root>-duplicates``."""
    root = Path(os.path.abspath(root))
    return root.with_name(f"{root.name}-duplicates")


def check_dest(dest: str | os.PathLike, root: str | os.PathLike) -> Path:
    """Return ``dest`` as an absolute path, or raise :class:`KeepOneError` when keep one refuses it: a link,
    not a folder, inside the audited folder ``root`` (or ``root`` itself), or holding ``root``."""
    dest, root = Path(os.path.abspath(dest)), Path(os.path.abspath(root))
    if os.path.islink(dest):
        raise KeepOneError(f"{dest} is a link: choose the folder it points to, or another folder")
    if os.path.exists(dest) and not dest.is_dir():
        raise KeepOneError(f"{dest} is not a folder")
    real_dest, real_root = Path(os.path.realpath(dest)), Path(os.path.realpath(root))
    if real_dest == real_root or is_inside(dest, root) or real_root in real_dest.parents:
        raise KeepOneError(
            f"{dest} lies inside the audited folder {root}: the moved files would be audited again as part of it; "
            "choose a folder outside it (e.g. a sibling)"
        )
    if real_dest in real_root.parents:
        raise KeepOneError(f"{dest} holds the audited folder {root}: choose a folder beside it, not above it")
    return dest


def _size(path: Path) -> tuple[int, int] | None:
    """Return ``(pixels, bytes)`` of an image file, ``(0, bytes)`` when its header cannot be read, None when gone."""
    try:
        size = path.stat().st_size
    except OSError:
        return None
    try:
        with Image.open(path) as image:
            return image.width * image.height, size
    except (OSError, UnidentifiedImageError, ValueError):
        return 0, size


def _leak_class(rows: list[AuditRow]) -> tuple[str, str] | None:
    """Return the class a file must carry to be kept in a group labelled with two classes or more, and why in
    words (None: any class)."""
    counts = Counter(r.given for r in rows if r.given)
    if len(counts) < 2:
        return None
    top = max(counts.values())
    tied = [c for c, n in counts.items() if n == top]
    if len(tied) == 1:
        return tied[0], f"labelled {tied[0]}, the group's majority"
    suggested = Counter(r.suggested for r in rows if r.suggested in tied).most_common()
    if suggested and (len(suggested) == 1 or suggested[0][1] > suggested[1][1]):
        return suggested[0][0], f"labelled {suggested[0][0]}, as the audit suggests for most of the group"
    return None


def _plan_group(number: int, rows: list[AuditRow], root: Path) -> KeptGroup:
    """Choose the file kept in one group (the rules in the module's docstring)."""
    sizes = {Path(r.path): _size(Path(r.path)) for r in rows}
    present = [r for r in rows if sizes[Path(r.path)] is not None]
    outside = [r for r in present if not is_inside(r.path, root)]
    leak = _leak_class(rows)
    if outside:
        candidates, why = outside, "outside the audited folder, never moved"
    elif leak is not None:
        candidates, why = [r for r in present if r.given == leak[0]], leak[1]
    else:
        candidates, why = present, ""
    if not candidates:
        return KeptGroup(number, None, tuple(Path(r.path) for r in rows), "every file is gone")
    best = min(candidates, key=lambda r: (-sizes[Path(r.path)][0], -sizes[Path(r.path)][1], r.path))
    pixels = sizes[Path(best.path)][0]
    why = why or (f"the largest ({pixels:,} pixels)" if pixels else "the largest file")
    keep = Path(best.path)
    return KeptGroup(number, keep, tuple(Path(r.path) for r in rows if Path(r.path) != keep), why)


def plan_keep_one(result: AuditResult, root: str | os.PathLike, groups: Iterable[int] | None = None) -> list[KeptGroup]:
    """Return the plan for duplicate ``groups`` of ``result`` (group numbers; None: every group) whose images
    were audited under ``root``: one :class:`KeptGroup` per group with a file, in group order (video frames are
    left out of the plan, see the module)."""
    root = Path(os.path.abspath(root))
    members: dict[int, list[AuditRow]] = {}
    frames: Counter[int] = Counter()
    for row in result.rows:
        if row.group and frame_source(row.path) is not None:  # the audit's own rule: a file of that name is a file
            frames[row.group] += 1
        elif row.group:
            members.setdefault(row.group, []).append(row)
    chosen = sorted(members) if groups is None else sorted(set(groups) & set(members))
    plan = [_plan_group(n, members[n], root) for n in chosen]
    for i, group in enumerate(plan):
        if frames[group.number]:
            stay = f"{frames[group.number]} video frames of the group stay in their videos"
            plan[i] = replace(group, why=f"{group.why}; {stay}" if group.why else stay)
    return plan


def keep_one_steps(plan: list[KeptGroup], root: str | os.PathLike, dest: str | os.PathLike) -> list[SortStep]:
    """Return the moves of ``plan``: each file to ``dest`` at its path relative to ``root`` (files outside
    ``root`` are left out: :func:`keep_one` reports them)."""
    root, dest = Path(os.path.abspath(root)), Path(os.path.abspath(dest))
    steps = []
    for group in plan:
        for path in group.move:
            if is_inside(path, root):
                rel = Path(os.path.relpath(path, root))
                steps.append(SortStep(path, dest / rel, str(rel.parent)))
    return steps


def keep_one(
    plan: list[KeptGroup],
    root: str | os.PathLike,
    dest: str | os.PathLike,
    on_step: Callable[[SortStep, Path], None] | None = None,
) -> KeepOneResult:
    """Move every file of ``plan`` but the kept ones from the audited folder ``root`` into ``dest`` (checked by
    :func:`check_dest`; created when missing); return a :class:`KeepOneResult`. A file that is gone, outside
    ``root`` or cannot be moved is reported in ``failed``, not fatal. ``on_step(step, final path)`` follows
    each move. Raises :class:`KeepOneError` for a refused ``dest``."""
    dest = check_dest(dest, root)
    root = Path(os.path.abspath(root))
    outcome = KeepOneResult(kept=sum(1 for g in plan if g.keep is not None))
    for group in plan:
        for path in group.move:
            if not is_inside(path, root):
                outcome.failed.append((path, f"not moved: it is outside the audited folder {root}"))
    steps = keep_one_steps(plan, root, dest)
    if not steps:
        return outcome
    moved = apply_sort(steps, dest, move=True, on_step=on_step)
    outcome.moved, outcome.manifest = moved.done, moved.manifest
    outcome.failed += moved.failed
    return outcome
