"""The audit's answer, one :class:`AuditRow` per image: its given and suggested class, a suspect score, the one
issue that matters most, its duplicate group and the reason in words; and the one-line summary of a run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

ISSUES = ("error", "label", "duplicate", "near-duplicate", "outlier", "ok")  # most pressing first


@dataclass
class AuditRow:
    """One image's audit. ``path`` is absolute; ``given`` its class ("" unlabelled); ``suggested`` the most
    probable class out of fold ("" without a label check); ``suspect`` in [0, 1], how little the data supports
    the given class; ``issue`` one of :data:`ISSUES`; ``group`` its duplicate group (0: none); ``reason`` in
    words; ``given_prob``/``suggested_prob`` the out-of-fold probabilities (None without a label check);
    ``oddness`` the mean feature distance to its nearest images (high: unlike the rest)."""

    path: str
    given: str
    suggested: str = ""
    suspect: float = 0.0
    issue: str = "ok"
    group: int = 0
    reason: str = ""
    given_prob: float | None = None
    suggested_prob: float | None = None
    oddness: float = 0.0


@dataclass
class AuditResult:
    """An audit: ``rows`` in input order; ``classes`` the given classes; ``estimated_wrong`` the number of wrong
    labels that confident learning estimates (None without a label check); ``notes`` what could not be checked
    and why; ``seconds`` per phase; ``groups`` the number of duplicate groups and ``leaks`` the leaking ones
    (group number -> what leaks); ``probs`` the out-of-fold probabilities ``(n, len(classes))`` of the rows
    ``prob_rows`` ``(n,)`` (indices into ``rows``; None without a label check); ``vectors`` the base's final
    features of the readable rows ``vector_rows`` ``(m,)``, unit length ``(m, width)`` float32 (for similar
    images and the embedding map; None before the features phase)."""

    rows: list[AuditRow]
    classes: list[str]
    estimated_wrong: int | None = None
    probs: np.ndarray | None = None
    prob_rows: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    groups: int = 0
    leaks: dict[int, str] = field(default_factory=dict)
    vectors: np.ndarray | None = None
    vector_rows: np.ndarray | None = None

    def ranked(self) -> list[AuditRow]:
        """Return the rows most suspect first (ties: the more pressing issue, then the path)."""
        return sorted(self.rows, key=lambda r: (-r.suspect, ISSUES.index(r.issue), r.path))

    def counts(self) -> dict[str, int]:
        """Return the number of rows per issue, in :data:`ISSUES` order (issues with no row left out)."""
        found = Counter(r.issue for r in self.rows)
        return {issue: found[issue] for issue in ISSUES if found[issue]}

    def summary(self) -> str:
        """Return the one-line summary, e.g. ``"audited 1000 images in 10 classes: 94 likely wrong labels, ..."``."""
        counts = self.counts()
        parts = [f"{counts.get('label', 0)} likely wrong labels" if self.estimated_wrong is not None else ""]
        parts += [
            f"{counts.get('duplicate', 0)} exact and {counts.get('near-duplicate', 0)} near duplicates "
            f"in {self.groups} groups" if self.groups else "no duplicates",
            f"{len(self.leaks)} leaking groups" if self.leaks else "",
            f"{counts['outlier']} outliers" if counts.get("outlier") else "",
            f"{counts['error']} unreadable or missing" if counts.get("error") else "",
        ]  # fmt: skip
        classes = f" in {len(self.classes)} classes" if self.classes else " without labels"
        return f"audited {len(self.rows)} images{classes}: " + ", ".join(p for p in parts if p)


def percent(p: float) -> str:
    """Return a probability as a short percentage: ``"91 %"``, ``"0.4 %"``."""
    return f"{p * 100:.0f} %" if p >= 0.01 or p == 0 else f"{p * 100:.1f} %"


def label_reason(given: str, given_prob: float, suggested: str, suggested_prob: float) -> str:
    """Return the label evidence in words: ``"given Shirt at 3 %, Coat at 91 %"`` (one part when they agree)."""
    if suggested == given:
        return f"given {given} at {percent(given_prob)}"
    return f"given {given} at {percent(given_prob)}, {suggested} at {percent(suggested_prob)}"


def fill_label_check(
    rows: list[AuditRow],
    at: np.ndarray,
    classes: list[str],
    probs: np.ndarray,
    labels: np.ndarray,
    suspect: np.ndarray,
    issues: np.ndarray,
) -> None:
    """Write the label check into ``rows[at[r]]`` for each checked row ``r``: out-of-fold ``probs`` ``(n, K)``
    over ``classes``, given class indices ``labels`` ``(n,)``, ``suspect`` scores ``(n,)`` and the
    confident-learning ``issues`` mask ``(n,)``."""
    best = probs.argmax(1)
    for r, i in enumerate(at.tolist()):
        row, given, suggested = rows[i], int(labels[r]), int(best[r])
        row.given_prob, row.suggested_prob = float(probs[r, given]), float(probs[r, suggested])
        row.suggested = classes[suggested]
        row.suspect = float(suspect[r])
        row.reason = label_reason(row.given, row.given_prob, row.suggested, row.suggested_prob)
        if issues[r]:
            row.issue = "label"


def add_reason(row: AuditRow, issue: str, reason: str) -> None:
    """Add ``reason`` to ``row``'s reasons; make ``issue`` its issue when more pressing than the current one."""
    if ISSUES.index(issue) < ISSUES.index(row.issue):
        row.issue = issue
    row.reason = f"{row.reason}; {reason}" if row.reason else reason
