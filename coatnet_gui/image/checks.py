"""Wiring the Image tab's checks to the session: the map on screen is scored once it has stayed a moment, "Score all
maps" fills the ranked table, every new explanation brings the head statistics, and the head chart is saved as PNG
(rendered and written atomically off the GUI thread)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from coatnet_gui.image.saving import safe_name
from model.atomic import write_bytes_atomically
from model.explain.head_stats import HeadStats
from model.explain.maps import OverlayResult

if TYPE_CHECKING:
    from coatnet_gui.app.main_window import MainWindow


def connect_checks(window: MainWindow) -> None:
    """Connect ``window``'s session to the checks panel of its Image tab."""
    session, checks = window.session, window.image_tab.checks
    session.overlay_ready.connect(lambda result: checks.map_shown(result.spec))
    checks.score_wanted.connect(lambda: score_shown_map(window))
    session.score_ready.connect(checks.faithfulness.show_score)
    session.score_unavailable.connect(checks.faithfulness.show_message)
    checks.score_all_clicked.connect(session.score_all_maps)
    session.scores_ready.connect(checks.show_scores)
    session.scores_failed.connect(lambda _message: checks.scoring_failed())
    session.head_stats_ready.connect(lambda stats: show_head_stats(window, stats))
    session.image_ready.connect(lambda _loaded: checks.clear())
    session.image_failed.connect(lambda _source, _message: checks.clear())
    session.model_ready.connect(lambda _classifier: checks.clear())
    checks.heads.save_requested.connect(lambda: choose_save_chart(window))


def score_shown_map(window: MainWindow) -> None:
    """Score the map on screen (``window.result``), if any, on the model's thread."""
    result: OverlayResult | None = window.result
    if result is None:
        return
    window.image_tab.checks.faithfulness.show_message("Scoring the map…")
    window.session.score_map(result)


def show_head_stats(window: MainWindow, stats: list[HeadStats]) -> None:
    """Show ``stats`` in the head chart, with a note on what it plots (or why it is empty)."""
    checks = window.image_tab.checks
    checks.heads.set_stats(stats)
    if not stats:
        checks.show_head_note("This model has no Transformer blocks: no attention heads to show.")
        return
    blocks = len({s.block for s in stats})
    checks.show_head_note(
        f"{len(stats)} heads in {blocks} Transformer blocks. Distance: how far each head looks, weighted by its "
        "attention (ViT paper, Fig. 7). Click a point to show that head's map."
    )


def save_chart(window: MainWindow, path: str) -> None:
    """Write the head chart to ``path`` as PNG, painted and written atomically off the GUI thread."""
    checks = window.image_tab.checks
    if not checks.heads.state.stats:
        window.show_error("There is no head chart to save: open an image with a model that has attention.")
        return
    job = checks.heads.png_job()
    name = Path(path).name
    window.session.run(
        "io",
        f"Saving {name}…",
        lambda: write_bytes_atomically(path, job()),
        lambda _none: window.statusBar().showMessage(f"Saved the head chart to {path}", 10_000),
        window.show_error,
    )


def choose_save_chart(window: MainWindow) -> None:
    """Ask where to save the head chart as PNG, then save it."""
    image = window.session.image
    stem = safe_name(Path(image.source.name).stem) if image is not None else "view"
    suggested = str(Path(window.settings.last_folder or Path.home()) / f"{stem}_heads.png")
    path, _ = QFileDialog.getSaveFileName(window, "Save head chart", suggested, "PNG image (*.png)")
    if path:
        save_chart(window, path)
