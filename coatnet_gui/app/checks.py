"""Wiring the Image tab's checks to the session: the map on screen is scored once it has stayed a moment, "Score all
maps" fills the ranked table, every new explanation brings the head statistics, the head chart is saved as PNG
(rendered and written atomically off the GUI thread), and the Sanity page's cascade runs on the model's thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from coatnet_gui.app.feedback import Feedback
from coatnet_gui.image.session import Session
from coatnet_gui.widgets.checks_panel import ChecksPanel
from coatnet_gui.widgets.file_dialogs import FileDialogs
from model.atomic import write_bytes_atomically
from model.explain.head_stats import HeadStats
from model.explain.maps import OverlayResult
from model.names import file_stem

translate = QCoreApplication.translate


class Checks:
    """Connects ``session`` to the Image tab's ``checks`` panel; ``result()`` is the overlay on screen."""

    def __init__(
        self,
        session: Session,
        checks: ChecksPanel,
        dialogs: FileDialogs,
        feedback: Feedback,
        result: Callable[[], OverlayResult | None],
    ):
        self.session, self.checks, self.dialogs, self.feedback, self.result = session, checks, dialogs, feedback, result
        session.overlay_ready.connect(lambda shown: checks.map_shown(shown.spec))
        checks.score_wanted.connect(self.score_shown_map)
        checks.fill_changed.connect(lambda fill: setattr(session, "fill", fill))
        session.score_ready.connect(checks.faithfulness.show_score)
        session.score_unavailable.connect(checks.faithfulness.show_message)
        checks.score_all_clicked.connect(session.score_all_maps)
        session.scores_ready.connect(checks.show_scores)
        session.scores_failed.connect(lambda _message: checks.scoring_failed())
        session.head_stats_ready.connect(self.show_head_stats)
        session.image_ready.connect(lambda _loaded: checks.clear())
        session.image_failed.connect(lambda _source, _message: checks.clear())
        session.model_ready.connect(lambda _classifier: checks.clear())
        checks.heads.save_requested.connect(self.choose_save_chart)
        checks.sanity.run_clicked.connect(session.run_sanity)
        checks.sanity.cancel_clicked.connect(session.cancel_sanity)
        session.sanity_progress.connect(checks.sanity.show_progress)
        session.sanity_ready.connect(checks.sanity.show_report)
        session.sanity_failed.connect(checks.sanity.show_failure)

    def score_shown_map(self) -> None:
        """Score the map on screen, if any, on the model's thread."""
        result = self.result()
        if result is None:
            return
        self.checks.faithfulness.show_message(translate("Checks", "Scoring the map…"))
        self.session.score_map(result)

    def show_head_stats(self, stats: list[HeadStats]) -> None:
        """Show ``stats`` in the head chart, with a note on what it plots (or why it is empty)."""
        checks = self.checks
        checks.heads.set_stats(stats)
        if not stats:
            checks.show_head_note(
                translate("Checks", "This model has no Transformer blocks: no attention heads to show.")
            )
            return
        blocks = len({s.block for s in stats})
        note = translate(
            "Checks",
            "{heads} heads in {blocks} Transformer blocks. Distance: how far each head looks, weighted by its "
            "attention (ViT paper, Fig. 7). Click a point to show that head's map.",
        )
        checks.show_head_note(note.format(heads=len(stats), blocks=blocks))

    def save_chart(self, path: str) -> None:
        """Write the head chart to ``path`` as PNG, painted and written atomically off the GUI thread."""
        if not self.checks.heads.state.stats:
            self.feedback.error(
                translate("Checks", "There is no head chart to save: open an image with a model that has attention.")
            )
            return
        job = self.checks.heads.png_job()
        name = Path(path).name
        self.session.run(
            "io",
            translate("Checks", "Saving {name}…").format(name=name),
            lambda: write_bytes_atomically(path, job()),
            lambda _none: self.feedback.status(translate("Checks", "Saved the head chart to {path}").format(path=path)),
            self.feedback.error,
        )

    def choose_save_chart(self) -> None:
        """Ask where to save the head chart as PNG, then save it."""
        image = self.session.image
        stem = file_stem(Path(image.source.name).stem) if image is not None else "view"
        path = self.dialogs.save_file(
            "chart",
            translate("Checks", "Save head chart"),
            f"{stem}_heads.png",
            translate("Checks", "PNG image (*.png)"),
        )
        if path:
            self.save_chart(path)
