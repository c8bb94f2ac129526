"""The Batch tab's status lines, without Qt (Qt's translation is looked up only when a line is made, in the context
"BatchStatus"): a run's progress, its end, and the offer of a stored run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from model.batch.progress import BatchProgress, format_seconds

if TYPE_CHECKING:  # runs.py finds the data folder with Qt; this module stays importable without it
    from coatnet_gui.batch.runs import RunState


def translate(context: str, text: str) -> str:
    """Return ``text`` translated by the app's translators (Qt's ``QCoreApplication.translate``); the module
    itself imports no Qt."""
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.translate(context, text)


def progress_text(progress: BatchProgress, paused: bool) -> str:
    """Return the line of a running run, e.g. "120/3000 images · 85.2 images/s · 34 s left · 2 failed"."""
    eta = format_seconds(progress.eta) if progress.eta is not None else "–"
    failed = translate("BatchStatus", " · {n} failed").format(n=progress.failed) if progress.failed else ""
    earlier = translate("BatchStatus", " · {n} from before").format(n=progress.resumed) if progress.resumed else ""
    pause = translate("BatchStatus", " · paused") if paused else ""
    line = translate("BatchStatus", "{done}/{total} images · {rate:.1f} images/s · {eta} left")
    return line.format(done=progress.done, total=progress.total, rate=progress.rate, eta=eta) + failed + earlier + pause


def done_text(progress: BatchProgress) -> str:
    """Return the line of a run that ended (finished or cancelled), e.g. "Labelled 2,999 images, 1 failed, in
    0:57 (52.3 images/s)."; after a resume the rate is that of this session's images only ("Labelled 3,000
    images, 0 failed (1,408 in this session, in 0:27, 52.3 images/s)."), and a run that had nothing left to do
    gives no rate."""
    head = (
        translate("BatchStatus", "Cancelled after {n:,} images, {failed:,} failed")
        if progress.cancelled
        else translate("BatchStatus", "Labelled {n:,} images, {failed:,} failed")
    ).format(n=progress.done - progress.failed, failed=progress.failed)
    now = progress.done - progress.resumed
    took, rate = format_seconds(progress.seconds), progress.rate
    if not progress.resumed:
        return head + translate("BatchStatus", ", in {took} ({rate:.1f} images/s).").format(took=took, rate=rate)
    if now <= 0 or progress.seconds <= 0:
        return head + translate("BatchStatus", " (all in an earlier session).")
    tail = translate("BatchStatus", " ({now:,} in this session, in {took}, {rate:.1f} images/s).")
    return head + tail.format(now=now, took=took, rate=rate)


def offer_text(state: RunState) -> str:
    """Return the line offering ``state`` back, e.g. "Resume labelling /photos: 1,408 of 3,000 done"."""
    total = translate("BatchStatus", " of {n:,}").format(n=state.total) if state.total >= state.done else ""
    unexported = translate("BatchStatus", " (not exported)") if state.finished else ""
    corrected = translate("BatchStatus", ", {n:,} corrected").format(n=state.corrected) if state.corrected else ""
    line = translate("BatchStatus", "Resume labelling {root}: {done:,}{total} done{corrected}{unexported}")
    text = line.format(root=state.root, done=state.done, total=total, corrected=corrected, unexported=unexported)
    return f"{text} · {state.model}"


def discard_question(state: RunState, keep_days: int) -> str:
    """Return the question before discarding ``state``, naming its folder, results and corrections; the run is
    kept aside ``keep_days`` days."""
    yours = translate("BatchStatus", " and your {n:,} corrections")
    corrected = yours.format(n=state.corrected) if state.corrected else ""
    question = translate("BatchStatus", "Discard the run of {root}: {done:,} labelled images{corrected}?")
    after = translate("BatchStatus", 'It is moved aside and deleted after {days} days; "Undo discard" brings it back.')
    asked = question.format(root=state.root, done=state.done, corrected=corrected)
    return asked + "\n\n" + after.format(days=keep_days)


def discarded_text(state: RunState) -> str:
    """Return the line shown after discarding ``state``."""
    corrected = translate("BatchStatus", ", {n:,} corrected").format(n=state.corrected) if state.corrected else ""
    line = translate("BatchStatus", "Discarded the run of {root} ({done:,} images{corrected}).")
    return line.format(root=state.root, done=state.done, corrected=corrected)


def resume_problem_text(state: RunState, problem: str) -> str:
    """Return why the stored run ``state`` does not resume right away: its folder is ``"gone"``, its model is
    ``"loading"``, or it needs ``"device"``, the device it was labelled on."""
    lines = {
        "gone": translate("BatchStatus", "{root} is not there any more: put it back, or discard its run."),
        "loading": translate("BatchStatus", "Loading {model} ({source}) to resume {root}…"),
        "device": translate(
            "BatchStatus",
            "{root} was labelled with {model} on {device} {precision}; choose that device in the Model menu to "
            "resume it.",
        ),
    }
    return lines[problem].format(
        root=state.root, model=state.model, source=state.model_source, device=state.device, precision=state.precision
    )


def sorted_text(done: int, failed: list[tuple[object, str]], manifest: str) -> str:
    """Return the line after sorting ``done`` files into folders, ``failed`` the ``(file, reason)`` that failed."""
    some = translate("BatchStatus", "; {n} failed (first: {error})")
    failures = some.format(n=len(failed), error=failed[0][1]) if failed else ""
    line = translate("BatchStatus", "Sorted {n} files{failed}. Manifest: {manifest}")
    return line.format(n=done, failed=failures, manifest=manifest)
