"""The Audit tab's "Details" page: the selected row's path, classes, suspect score, issue and reason, and its
out-of-fold probabilities (the most probable classes first)."""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QWidget

from coatnet_gui.model_texts import core_text
from model.audit import AuditResult, AuditRow
from model.audit.report import percent

TOP_CLASSES = 5  # probabilities listed per row


translate = QCoreApplication.translate


def _t(text: str) -> str:
    """Return ``text`` translated in the context "AuditDetails"."""
    return QCoreApplication.translate("AuditDetails", text)


def row_probabilities(result: AuditResult, index: int) -> list[tuple[str, float]]:
    """Return the out-of-fold probabilities of audit row ``index`` as ``(class, probability)``, most probable
    first (at most :data:`TOP_CLASSES`); empty when its label was not checked."""
    if result.probs is None or result.prob_rows is None:
        return []
    at = np.flatnonzero(result.prob_rows == index)
    if not len(at):
        return []
    probs = result.probs[int(at[0])]
    order = np.argsort(-probs)[:TOP_CLASSES]
    return [(result.classes[k], float(probs[k])) for k in order]


def details_html(row: AuditRow, probabilities: list[tuple[str, float]]) -> str:
    """Return the details of ``row`` as rich text."""
    e = html.escape
    given = e(row.given or translate("AuditDetails", "unlabelled"))
    lines = [
        f"<b>{e(row.path)}</b>",
        translate("AuditDetails", "Given: <b>{given}</b> &nbsp; Suggested: <b>{suggested}</b>").format(
            given=given, suggested=e(row.suggested or "—")
        ),
        translate("AuditDetails", "Suspect: {suspect} &nbsp; Issue: {issue}").format(
            suspect=percent(row.suspect), issue=e(core_text(row.issue))
        )
        + (translate("AuditDetails", " &nbsp; Group: {group}").format(group=row.group) if row.group else ""),
        translate("AuditDetails", "Reason: {reason}").format(reason=e(row.reason or "—")),
    ]
    if probabilities:
        lines.append(
            translate("AuditDetails", "Out-of-fold probabilities: ")
            + ", ".join(f"{e(c)} {percent(p)}" for c, p in probabilities)
        )
    return "<br>".join(lines)


class DetailsPage(QScrollArea):
    """Shows one audit row (:meth:`show_row`), or a hint when none is selected."""

    HINT = QT_TRANSLATE_NOOP("AuditDetails", "Select a row to see why it was flagged.")  # translated where shown

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel(_t(self.HINT))
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setWidget(self.label)
        self.setWidgetResizable(True)

    def show_row(self, result: AuditResult | None, index: int | None) -> None:
        """Show audit row ``index`` of ``result`` (None: the hint)."""
        if result is None or index is None:
            self.label.setText(_t(self.HINT))
            return
        self.label.setText(details_html(result.rows[index], row_probabilities(result, index)))
