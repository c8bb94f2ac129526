"""The Batch tab's status lines, without Qt: a run's progress, its end, and the offer of a stored run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from model.batch.progress import BatchProgress, format_seconds

if TYPE_CHECKING:  # runs.py finds the data folder with Qt; this module stays importable without it
    from coatnet_gui.batch.runs import RunState


def progress_text(progress: BatchProgress, paused: bool) -> str:
    """Return the line of a running run, e.g. "120/3000 images · 85.2 images/s · 34 s left · 2 failed"."""
    eta = format_seconds(progress.eta) if progress.eta is not None else "–"
    failed = f" · {progress.failed} failed" if progress.failed else ""
    earlier = f" · {progress.resumed} from before" if progress.resumed else ""
    pause = " · paused" if paused else ""
    return (
        f"{progress.done}/{progress.total} images · {progress.rate:.1f} images/s · {eta} left{failed}{earlier}{pause}"
    )


def done_text(progress: BatchProgress) -> str:
    """Return the line of a run that ended (finished or cancelled), e.g. "Labelled 2,999 images, 1 failed, in
    0:57 (52.3 images/s)."; after a resume the rate is that of this session's images only ("Labelled 3,000
    images, 0 failed (1,408 in this session, in 0:27, 52.3 images/s)."), and a run that had nothing left to do
    gives no rate."""
    what = "Cancelled after" if progress.cancelled else "Labelled"
    head = f"{what} {progress.done - progress.failed:,} images, {progress.failed:,} failed"
    now = progress.done - progress.resumed
    if not progress.resumed:
        return f"{head}, in {format_seconds(progress.seconds)} ({progress.rate:.1f} images/s)."
    if now <= 0 or progress.seconds <= 0:
        return f"{head} (all in an earlier session)."
    return f"{head} ({now:,} in this session, in {format_seconds(progress.seconds)}, {progress.rate:.1f} images/s)."


def offer_text(state: RunState) -> str:
    """Return the line offering ``state`` back, e.g. "Resume labelling /photos: 1,408 of 3,000 done"."""
    total = f" of {state.total:,}" if state.total >= state.done else ""
    unexported = " (not exported)" if state.finished else ""
    corrected = f", {state.corrected:,} corrected" if state.corrected else ""
    return f"Resume labelling {state.root}: {state.done:,}{total} done{corrected}{unexported} · {state.model}"


def discard_question(state: RunState, keep_days: int) -> str:
    """Return the question before discarding ``state``, naming its folder, results and corrections; the run is
    kept aside ``keep_days`` days."""
    corrected = f" and your {state.corrected:,} corrections" if state.corrected else ""
    return (
        f"Discard the run of {state.root}: {state.done:,} labelled images{corrected}?\n\n"
        f'It is moved aside and deleted after {keep_days} days; "Undo discard" brings it back.'
    )


def discarded_text(state: RunState) -> str:
    """Return the line shown after discarding ``state``."""
    corrected = f", {state.corrected:,} corrected" if state.corrected else ""
    return f"Discarded the run of {state.root} ({state.done:,} images{corrected})."
