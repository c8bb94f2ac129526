"""The window's wiring of similar images: the Audit tab's "Similar" page fed by the audit table's selection,
its "Set class for these" applied by the Audit tab (with undo), an image opened in the Image tab, and the Image
tab's "Find similar images here" (a region of the image shown) routed to the page. The Image tab imports no
audit code: its image view emits the intent, and this component answers it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QTabWidget

from coatnet_gui.app.feedback import Feedback
from coatnet_gui.audit.similar_page import SimilarPage
from coatnet_gui.audit.tab import AuditTab
from coatnet_gui.batch.thumbnails import Thumbnails
from coatnet_gui.image.session import Session
from model.features.query import RegionQuery, region_features

translate = QCoreApplication.translate

THUMBNAIL_SIDE = 72
REGION = "similar.region"


class SimilarLink:
    """Adds the "Similar" page to ``audit``'s extras and connects it; see the module docstring. ``open_path``
    opens an image in the Image tab; ``tabs`` are the window's tabs (a region query shows the Audit tab)."""

    def __init__(
        self,
        session: Session,
        audit: AuditTab,
        tabs: QTabWidget,
        open_path: Callable[[str], None],
        feedback: Feedback,
    ):
        self.session, self.audit, self.tabs, self.feedback = session, audit, tabs, feedback
        self.thumbnails = Thumbnails(session.workers, audit, side=THUMBNAIL_SIDE)
        self.page = SimilarPage(session.workers, self.thumbnails, lambda: audit.result, lambda: session.classifier)
        audit.extras.addTab(self.page, translate("SimilarLink", "Similar"))
        audit.selection_changed.connect(self.page.on_selection)
        self.page.strip.set_class_requested.connect(audit.set_class_for)
        self.page.strip.open_requested.connect(open_path)

    def show_page(self) -> None:
        """Show the Audit tab with its Similar page."""
        self.tabs.setCurrentWidget(self.audit)
        self.audit.extras.setCurrentWidget(self.page)

    def find_region(self, fy: float, fx: float) -> None:
        """Search the audit for the region of the shown image at fractions ``(fy, fx)`` of the model's view: the
        features of the last-stage token there (from the explanation, on the ``model`` pool)."""
        classifier, explanation, image = self.session.classifier, self.session.explanation, self.session.image
        if classifier is None or explanation is None or image is None:
            self.feedback.error(
                translate(
                    "SimilarLink",
                    "Open an image and wait for its explanation first: the region's features come from it.",
                )
            )
            return
        self.show_page()
        name = image.source.name

        def found(region: RegionQuery) -> None:
            (row, column), (rows, columns) = region.cell, region.grid
            what = translate(
                "SimilarLink", "Most like the region of {name} at token ({row}, {column}) of {rows}x{columns}"
            ).format(name=name, row=row + 1, column=column + 1, rows=rows, columns=columns)
            self.page.query_vector(region.vector, what)

        self.page.strip.show_message(
            translate("SimilarLink", "Computing the features of the region of {name}…").format(name=name)
        )
        self.session.workers.submit(
            "model",
            lambda _job: region_features(classifier, explanation, fy, fx),
            found,
            self.feedback.error,
            latest=REGION,
            what=translate("SimilarLink", "Features of the region…"),
        )
