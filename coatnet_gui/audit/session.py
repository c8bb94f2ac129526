"""The Audit tab's audits: what is audited (:class:`AuditSource`: a folder, a ``label`` table or the Batch tab's
run) and the job that audits it with the active model as the base, on the app's one worker facility (``audit``
pool) off the GUI thread. Progress comes per phase (:class:`~model.audit.AuditProgress`), Cancel acts on the
job's token (the audit's ``cancel=``), and a failure (:class:`~model.audit.AuditError`, a base that cannot be
loaded) is one line.

The base is loaded again for the audit (:func:`~model.weights.loading.load_model` on the active model's source):
the audit places and moves its own copy of the network, never the one the Image and Batch tabs run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal

from coatnet_gui.workers import Job, Workers
from model.audit import AuditProgress, AuditResult, AuditSet, AuditSettings, audit, read_audit_set
from model.audit.sources import TRAIN, is_present
from model.features import file_digest
from model.weights.loading import load_model

FOLDER, TABLE, BATCH = "folder", "table", "batch"


@dataclass
class AuditSource:
    """What an audit read: ``kind`` :data:`FOLDER` (class folders or plain images), :data:`TABLE` (a CSV/JSONL
    from ``label``; ``table`` its path and ``table_sha`` the SHA-256 of its bytes when read) or :data:`BATCH`
    (the Batch tab's run); ``root`` the folder its relative paths start from."""

    kind: str
    root: Path
    table: Path | None = None
    table_sha: str = ""

    def describe(self) -> str:
        """Return what was audited, in words."""
        translate = QCoreApplication.translate
        if self.kind == TABLE and self.table is not None:
            return translate("AuditSession", "the table {path}").format(path=self.table)
        if self.kind == BATCH:
            return translate("AuditSession", "the Batch run of {path}").format(path=self.root)
        return translate("AuditSession", "the folder {path}").format(path=self.root)


def batch_audit_set(root: str, pairs: list[tuple[str, str]]) -> AuditSet:
    """Return the rows of a Batch run (``(absolute path, given class)``) as an :class:`AuditSet`; files that are
    gone become skipped rows."""
    paths, given, skipped = [], [], []
    for path, label in pairs:
        if is_present(path):  # a frame of a video that is there counts
            paths.append(path)
            given.append(label)
        else:
            skipped.append((path, "missing: the file is not there any more"))
    return AuditSet(paths, given, [TRAIN] * len(paths), Path(root), skipped)


class AuditSession(QObject):
    """Runs one audit at a time on ``workers``. Signals: ``started(description)``, ``progress(AuditProgress)``,
    ``finished(AuditSource, AuditResult)``, ``failed(message)``, ``cancelled()``, ``running_changed(bool)``.
    ``settings`` (folds, steps, device) apply to the next audit."""

    started = Signal(str)
    progress = Signal(object)
    finished = Signal(object, object)
    failed = Signal(str)
    cancelled = Signal()
    running_changed = Signal(bool)

    def __init__(self, workers: Workers, parent: QObject | None = None):
        super().__init__(parent)
        self.workers = workers
        self.settings = AuditSettings()
        self.job: Job | None = None

    @property
    def running(self) -> bool:
        """True while an audit is going."""
        return self.job is not None

    def audit_path(self, path: str, base: str, device: str) -> None:
        """Audit the folder or ``label`` table ``path`` with the model ``base`` (a source ``load_model`` takes)."""
        where = Path(os.path.abspath(path))

        def read() -> tuple[AuditSet, AuditSource]:
            if where.is_file():
                sha = file_digest(where)  # before reading: a table changed after this is refused when fixed
                data = read_audit_set(where)
                return data, AuditSource(TABLE, data.root, where, sha)
            data = read_audit_set(where)
            return data, AuditSource(FOLDER, data.root)

        self._start(read, base, device, self.tr("Auditing {name}…").format(name=where.name))

    def audit_rows(self, root: str, pairs: list[tuple[str, str]], base: str, device: str) -> None:
        """Audit a Batch run's rows ``(absolute path, given class)`` of the folder ``root``."""

        def read() -> tuple[AuditSet, AuditSource]:
            return batch_audit_set(root, pairs), AuditSource(BATCH, Path(root))

        what = self.tr("Auditing the Batch run of {name}…").format(name=os.path.basename(root))
        self._start(read, base, device, what)

    def cancel(self) -> None:
        """Stop the audit at its next step (the features computed so far stay cached)."""
        if self.job is not None:
            self.job.cancel()

    def _start(self, read: Callable[[], tuple[AuditSet, AuditSource]], base: str, device: str, what: str) -> None:
        """Run ``read()`` then the audit with ``base`` on ``device`` off the GUI thread (ignored while one runs)."""
        if self.running:
            return
        settings = AuditSettings(self.settings.folds, self.settings.steps, self.settings.seed, device)

        def job(running: Job) -> tuple[AuditSource, AuditResult]:
            data, source = read()
            loaded = load_model(base)
            return source, audit(data, loaded, settings, on_progress=running.report, cancel=running.token)

        self.started.emit(what)
        self.running_changed.emit(True)
        self.job = self.workers.submit(
            "audit",
            job,
            self._done,
            self._failed,
            on_report=self.progress.emit,
            on_cancelled=lambda _message: self._cancelled(),
            what=what,
        )

    def _end(self) -> None:
        self.job = None
        self.running_changed.emit(False)

    def _done(self, value: tuple[AuditSource, AuditResult]) -> None:
        self._end()
        self.finished.emit(*value)

    def _failed(self, message: str) -> None:
        self._end()
        self.failed.emit(message)

    def _cancelled(self) -> None:
        self._end()
        self.cancelled.emit()


def phase_text(p: AuditProgress) -> str:
    """Return one progress step in words: ``"features 120/300"``."""
    translate = QCoreApplication.translate
    names = {
        "hashes": translate("AuditSession", "reading files"),
        "labels": translate("AuditSession", "out-of-fold heads"),
        "thumbnails": translate("AuditSession", "thumbnails"),
        "features": translate("AuditSession", "features"),
        "outliers": translate("AuditSession", "outliers"),
        "duplicates": translate("AuditSession", "duplicates"),
    }
    return f"{names.get(p.phase, p.phase)} {p.done}/{p.total}"
