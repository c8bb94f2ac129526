"""The Audit tab's "Similar" page: the images of the audit most like a query, in a
:class:`~coatnet_gui.widgets.similar_strip.SimilarStrip`.

Queries: a selected row (its own features, itself left out), an outside image dropped on the strip (its final
features under the active model, computed on the ``model`` pool) and a region of the image in the Image tab (a
last-stage token's features, :func:`~model.features.query.region_features`; the window routes it here). Every
search runs on the ``io`` pool, the latest query winning: the index of 100,000 wide vectors builds its sketch at
the first search (seconds, on busy cores) and the GUI thread never waits.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
from PySide6.QtWidgets import QVBoxLayout, QWidget

from coatnet_gui.widgets.similar_strip import SimilarItem, SimilarStrip, ThumbnailSource
from coatnet_gui.workers import Job, Workers
from model.audit import AuditResult
from model.audit.similar import SimilarIndex
from model.features.query import final_features
from model.runtime.inference import Classifier

K = 12  # images shown
SEARCH, FEATURES = "similar.search", "similar.features"


class SimilarPage(QWidget):
    """The page; ``result_getter()`` returns the audit shown (None before one), ``classifier_getter()`` the
    active classifier. ``strip`` is the widget; its intents are the owner's to connect (``open_requested``,
    ``set_class_requested``); a dropped image is queried here."""

    def __init__(
        self,
        workers: Workers,
        thumbnails: ThumbnailSource,
        result_getter: Callable[[], AuditResult | None],
        classifier_getter: Callable[[], Classifier | None],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.workers, self.result_getter, self.classifier_getter = workers, result_getter, classifier_getter
        self.strip = SimilarStrip(thumbnails)
        QVBoxLayout(self).addWidget(self.strip)
        self.strip.image_dropped.connect(self.query_file)
        self._index: SimilarIndex | None = None
        self._indexed: AuditResult | None = None
        self._selection: list[str] = []

    def _index_of(self, result: AuditResult) -> SimilarIndex:
        """Return the index of ``result``'s vectors (made once per audit; the vectors are unit already, so
        ``copy=False`` changes nothing and costs no memory)."""
        if self._indexed is not result or self._index is None:
            self._index, self._indexed = SimilarIndex(result.vectors, copy=False), result
        return self._index

    def _ready(self) -> AuditResult | None:
        """Return the audit to search, or None after saying why there is none."""
        result = self.result_getter()
        if result is None or result.vectors is None or not len(result.vectors):
            self.strip.show_message(
                self.tr("Audit a folder first: similar images are searched among the audited images.")
            )
            return None
        return result

    # --- queries -----------------------------------------------------------------------------------------

    def on_selection(self, paths: list[str]) -> None:
        """The audit table's selection changed: search with the first selected row; the same selection again
        (its labels changed) only refreshes the given classes shown."""
        if paths == self._selection:
            self.refresh()
            return
        self._selection = list(paths)
        if paths:
            self.query_row(paths[0])

    def query_row(self, path: str) -> None:
        """Show the images most like the audited image ``path`` (absolute), itself left out."""
        result = self._ready()
        if result is None:
            return
        rows = {r.path: i for i, r in enumerate(result.rows)}
        at = np.flatnonzero(result.vector_rows == rows.get(os.path.abspath(path), -1))
        if not len(at):
            self.strip.show_message(
                self.tr("{name} has no features (unreadable): nothing to compare.").format(name=os.path.basename(path))
            )
            return
        vector = result.vectors[int(at[0])]
        self._search(result, vector, int(at[0]), self.tr("Most like {name}").format(name=os.path.basename(path)))

    def query_vector(self, vector: np.ndarray, what: str) -> None:
        """Show the images most like the features ``vector`` ``(width,)``; ``what`` says what it is."""
        result = self._ready()
        if result is not None:
            self._search(result, vector, None, what)

    def query_file(self, path: str) -> None:
        """Show the images most like the image file ``path`` (outside the audit or not): its final features under
        the active model are computed on the ``model`` pool first."""
        classifier, name = self.classifier_getter(), os.path.basename(path)
        if self._ready() is None:
            return
        if classifier is None:
            self.strip.show_message(
                self.tr("No model is loaded: the features of a dropped image come from the active model.")
            )
            return
        self.strip.show_message(self.tr("Computing the features of {name}…").format(name=name))
        self.workers.submit(
            "model",
            lambda _job: final_features(classifier, path),
            lambda vector: self.query_vector(vector, self.tr("Most like {name} (dropped)").format(name=name)),
            lambda message: self.strip.show_message(
                self.tr("Could not read {name}: {error}").format(name=name, error=message)
            ),
            latest=FEATURES,
            what=self.tr("Features of {name}…").format(name=name),
        )

    def refresh(self) -> None:
        """Show the given classes of the images shown as they are now (after Set class)."""
        result = self.result_getter()
        if result is None or not self.strip.shown:
            return
        given = {r.path: r.given for r in result.rows}
        items = [SimilarItem(i.path, i.similarity, given.get(i.path, i.given)) for i in self.strip.shown]
        self.strip.show_results(self.strip.title.text(), items)

    def _search(self, result: AuditResult, vector: np.ndarray, exclude: int | None, what: str) -> None:
        index = self._index_of(result)
        if len(vector) != index.width:
            self.strip.show_message(
                self.tr(
                    "The query has {n} features but the audit's images {width}: the audit was made with"
                    " another model. Audit again with the active model."
                ).format(n=len(vector), width=index.width)
            )
            return

        def job(_job: Job) -> list[SimilarItem]:
            found, sims = index.search(vector, K, exclude)
            rows = [result.rows[int(result.vector_rows[i])] for i in found.tolist()]
            return [SimilarItem(r.path, float(s), r.given) for r, s in zip(rows, sims.tolist(), strict=True)]

        self.strip.show_message(self.tr("{what}: searching…").format(what=what))
        self.workers.submit(
            "io",
            job,
            lambda items: self.strip.show_results(what, items),
            lambda message: self.strip.show_message(self.tr("The search failed: {error}").format(error=message)),
            latest=SEARCH,
        )
