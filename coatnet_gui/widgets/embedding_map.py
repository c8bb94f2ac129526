"""The embedding map: a 2-D map of an audit's feature vectors (PCA first, then refined in the background through
the app's worker facility, the view moving as layouts arrive), coloured by given label, suggestion, suspect score
or confidence, with a legend. Intents: ``point_activated(row)`` (a click on a point) and ``rows_selected(rows)``
(a lasso), rows indexing the audit's rows. Imports no tab package.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from coatnet_gui.widgets.map_canvas import MapCanvas
from coatnet_gui.widgets.map_points import COLOURINGS, CONTINUOUS_MAP, Colouring, MapRows, colouring, map_rows
from coatnet_gui.workers import Job, Workers
from model.audit.embedding import MapSettings, MapStep, pca_map, refine_map
from model.audit.report import AuditResult
from model.explain.colormaps import lookup_table
from model.runtime.threads import thread_limit

POOL = "map"
KIND = "embedding-map"  # latest wins: a new map supersedes the one refining
MARKED = (  # map_points' words, translated where shown: the colourings and the legend's (class names stay)
    QT_TRANSLATE_NOOP("EmbeddingMap", "given label"),
    QT_TRANSLATE_NOOP("EmbeddingMap", "suggestion"),
    QT_TRANSLATE_NOOP("EmbeddingMap", "suspect"),
    QT_TRANSLATE_NOOP("EmbeddingMap", "confidence"),
    QT_TRANSLATE_NOOP("EmbeddingMap", "none"),
    QT_TRANSLATE_NOOP("EmbeddingMap", "no label check"),
    QT_TRANSLATE_NOOP("EmbeddingMap", "0 (fits its label)"),
    QT_TRANSLATE_NOOP("EmbeddingMap", "1 (likely wrong)"),
)


def map_job(vectors: np.ndarray, settings: MapSettings):
    """Return the worker job that maps ``vectors``: it yields the PCA layout (as a "pca" :class:`MapStep`), then
    the refinement's steps. It leaves one core to the GUI thread."""

    def run(job: Job) -> Iterator[MapStep]:
        with thread_limit(max(1, (os.cpu_count() or 2) - 1)):
            start = pca_map(vectors)
            yield MapStep("pca", 1, 1, start.copy())
            for step in refine_map(vectors, start, settings, cancel=job.token):
                if step.phase == "layout":
                    job.progress(step.done, step.total)
                yield step

    return run


class EmbeddingMap(QWidget):
    """The map panel: a colouring combo, a status line, the canvas and its legend. :meth:`show_result` maps an
    audit; ``state`` is "" (nothing), "pca", "refining", "refined", "cancelled" or "failed"; ``layout_shown``
    fires with the state each time a layout is drawn."""

    point_activated = Signal(int)
    rows_selected = Signal(list)
    layout_shown = Signal(str)

    def __init__(self, workers: Workers, parent: QWidget | None = None, settings: MapSettings | None = None):
        super().__init__(parent)
        self._workers, self._settings = workers, settings or MapSettings()
        self._job: Job | None = None
        self._points: MapRows | None = None
        self._xy: np.ndarray | None = None
        self.state = ""
        self.colour_by = QComboBox()
        self.colour_by.setAccessibleName("Colour the points by")
        self.colour_by.addItems([self.tr("Colour by {how}").format(how=self.tr(name)) for name in COLOURINGS])
        self.colour_by.currentIndexChanged.connect(self._recolour)
        self.fit_button = QPushButton(self.tr("Fit"))
        self.fit_button.setToolTip(self.tr("Show every point again (or double-click the map)"))
        self.status = QLabel(self.tr("No map yet"))
        self.status.setWordWrap(True)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.canvas = MapCanvas()
        self.canvas.point_activated.connect(self.point_activated)
        self.canvas.rows_selected.connect(self.rows_selected)
        self.fit_button.clicked.connect(self.canvas.fit)
        top = QHBoxLayout()
        top.addWidget(self.colour_by)
        top.addWidget(self.fit_button)
        top.addWidget(self.status, 1)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(top)
        box.addWidget(self.canvas, 1)
        box.addWidget(self.legend)

    def show_result(self, result: AuditResult) -> bool:
        """Map ``result``'s readable rows from their feature vectors; return False (and say why in the status)
        when it has none. The PCA map shows first, then the refined one (off the GUI thread)."""
        if result.vectors is None or result.vector_rows is None or len(result.vector_rows) == 0:
            self.cancel()
            self._points, self._xy, self.state = None, None, ""
            self.canvas.clear()
            self.status.setText(self.tr("No map: the audit has no feature vectors (no readable image)"))
            return False
        points = map_rows(result.rows, result.vector_rows, result.classes)
        self.show_vectors(result.vectors, points)
        return True

    def show_vectors(self, vectors: np.ndarray, points: MapRows) -> None:
        """Map ``vectors`` ``(m, width)``, point ``r`` showing ``points``' row ``r``."""
        self._points, self._xy = points, None
        self.state = "refining"
        self.status.setText(self.tr("Mapping {n:,} images…").format(n=len(points.rows)))
        self._job = self._workers.submit(
            POOL,
            map_job(np.asarray(vectors, np.float32), self._settings),
            self._on_done,
            self._on_failed,
            on_report=self._on_step,
            on_cancelled=self._on_cancelled,
            latest=KIND,
            what=self.tr("Refining the map"),
        )

    def update_points(self, points: MapRows) -> None:
        """Show new classes and scores (``points``, the same points in the same order, e.g. after a label
        change); the layout stays."""
        if self._points is None or len(points.rows) != len(self._points.rows):
            return
        self._points = points
        if self._xy is not None:
            self.canvas.update_points(points, self.current_colouring())
            self._show_legend()

    def cancel(self) -> None:
        """Stop refining (the layout shown stays)."""
        self._workers.supersede(KIND)
        if self.state == "refining":
            self.state = "cancelled"
            self.status.setText(self.tr("Map refinement stopped"))

    def current_colouring(self) -> Colouring | None:
        """Return the colouring shown (None before a map)."""
        if self._points is None:
            return None
        return colouring(self._points, COLOURINGS[self.colour_by.currentIndex()])

    def positions(self) -> np.ndarray | None:
        """Return the points' map positions ``(m, 2)`` shown (None before the first layout)."""
        return None if self._xy is None else self._xy.copy()

    def _on_step(self, step: MapStep) -> None:
        if self._points is None:
            return
        if step.phase == "neighbours":
            self.status.setText(
                self.tr("Refining: neighbours {done} / {total} blocks").format(done=step.done, total=step.total)
            )
            return
        if step.layout is None:
            self.status.setText(self.tr("Refining: epoch {done} / {total}").format(done=step.done, total=step.total))
            return
        first = self._xy is None
        self._xy = step.layout
        if first:
            self.canvas.set_points(self._points, step.layout, self.current_colouring())
            self._show_legend()
        else:
            self.canvas.set_layout(step.layout)
        if step.phase == "pca":
            self.status.setText(self.tr("{n:,} images: PCA map; refining…").format(n=len(self._points.rows)))
            self.layout_shown.emit("pca")
        else:
            self.status.setText(self.tr("Refining: epoch {done} / {total}").format(done=step.done, total=step.total))
            self.layout_shown.emit("refining")

    def _on_done(self, _result: object) -> None:
        self.state = "refined"
        refined = self.tr("{n:,} images, refined map (UMAP-like)")
        self.status.setText(refined.format(n=len(self._points.rows)) if self._points else "")
        self.layout_shown.emit("refined")

    def _on_failed(self, message: str) -> None:
        self.state = "failed"
        self.status.setText(self.tr("Map refinement failed: {error}").format(error=message))

    def _on_cancelled(self, _message: str) -> None:
        self.state = "cancelled"
        self.status.setText(self.tr("Map refinement stopped"))

    def _recolour(self) -> None:
        shown = self.current_colouring()
        if shown is not None and self._xy is not None:
            self.canvas.set_colouring(shown)
            self._show_legend()

    def _show_legend(self) -> None:
        """Write the legend: a swatch per class, or the colour scale's ends."""
        shown = self.current_colouring()
        if shown is None:
            self.legend.clear()
            return
        parts = [
            f'<span style="color:#{r:02x}{g:02x}{b:02x}">●</span>&nbsp;{self.tr(name)}'
            for name, (r, g, b) in shown.entries
        ]
        if shown.gradient is not None:
            table = lookup_table(CONTINUOUS_MAP)
            ramp = "".join(f'<span style="color:#{r:02x}{g:02x}{b:02x}">■</span>' for r, g, b in table[::32].tolist())
            parts.insert(0, f"{self.tr(shown.gradient[0])} {ramp} {self.tr(shown.gradient[1])}")
        self.legend.setText("&nbsp;&nbsp; ".join(parts))
