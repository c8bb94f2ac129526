"""The one worker facility, with real pool threads and the real event loop: latest wins (a superseded job that has not
started never runs, only the newest result arrives), progress and reports in order before the result, a cancelled
generator stops at its next yield and ends cancelled, expected failures are one line and unexpected ones leave their
traceback in the log file the message names, and the window builds exactly one facility that every tab shares."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from gui_helpers import TIMEOUT_MS

from coatnet_gui.workers import Workers, facility
from model.paths import DATA_ENV, data_dir
from model.weights.layout import WeightsError


class Outcomes:
    """What a job delivered on the GUI thread, in order: ("done", result), ("error", message), ("cancelled", message),
    ("progress", (done, total)), ("report", value)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def callbacks(self) -> dict:
        """The callbacks of :meth:`Workers.submit` that record into :attr:`events`."""
        return {
            "on_done": lambda result: self.events.append(("done", result)),
            "on_error": lambda message: self.events.append(("error", message)),
            "on_cancelled": lambda message: self.events.append(("cancelled", message)),
            "on_progress": lambda done, total: self.events.append(("progress", (done, total))),
            "on_report": lambda value: self.events.append(("report", value)),
        }

    def ends(self) -> list[tuple[str, object]]:
        """The end events (done, error, cancelled)."""
        return [e for e in self.events if e[0] in ("done", "error", "cancelled")]


@pytest.fixture
def workers(qapp) -> Workers:
    w = Workers()
    yield w
    w.shutdown()


def _submit(workers: Workers, fn, outcomes: Outcomes, **kwargs):
    cb = outcomes.callbacks()
    return workers.submit(kwargs.pop("pool", "model"), fn, cb.pop("on_done"), cb.pop("on_error"), **cb, **kwargs)


def test_latest_wins_superseded_jobs_that_have_not_started_never_run(qtbot, workers: Workers):
    started, release = threading.Event(), threading.Event()

    def blocker(_job) -> str:  # holds the model pool's one thread
        started.set()
        release.wait(TIMEOUT_MS / 1000)
        return "blocker"

    ran: list[int] = []  # on the worker thread: which of the three jobs ran at all
    outcomes, first = Outcomes(), Outcomes()
    _submit(workers, blocker, first)
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT_MS)
    for n in (1, 2, 3):
        _submit(workers, lambda _job, n=n: ran.append(n) or n, outcomes, latest="score")
    release.set()
    qtbot.waitUntil(lambda: not workers.busy(), timeout=TIMEOUT_MS)
    assert ran == [3] and outcomes.events == [("done", 3)]
    assert first.events == [("done", "blocker")]  # a job of no kind is never superseded


def test_a_running_job_superseded_stops_at_its_token_and_delivers_nothing(qtbot, workers: Workers):
    inside, release = threading.Event(), threading.Event()
    passes: list[int] = []

    def scoring(job) -> str:
        for n in range(10):
            job.token.check()  # a core call's yield point (faithfulness checks before each pass)
            passes.append(n)
            inside.set()
            release.wait(TIMEOUT_MS / 1000)
        return "stale"

    old, new = Outcomes(), Outcomes()
    _submit(workers, scoring, old, latest="score")
    qtbot.waitUntil(inside.is_set, timeout=TIMEOUT_MS)
    _submit(workers, lambda _job: "fresh", new, latest="score")
    release.set()
    qtbot.waitUntil(lambda: not workers.busy(), timeout=TIMEOUT_MS)
    assert passes == [0] and old.events == [] and new.events == [("done", "fresh")]


def test_progress_and_reports_arrive_in_order_before_the_result(qtbot, workers: Workers, monkeypatch):
    monkeypatch.setattr(facility, "PROGRESS_INTERVAL_S", 0.0)  # every progress call is passed on

    def job(job) -> str:
        for done in range(1, 6):
            job.progress(done, 5)
            job.report(f"chunk {done}")
        return "finished"

    outcomes = Outcomes()
    _submit(workers, job, outcomes, pool="batch")
    qtbot.waitUntil(lambda: bool(outcomes.ends()), timeout=TIMEOUT_MS)
    expected = []
    for done in range(1, 6):
        expected += [("progress", (done, 5)), ("report", f"chunk {done}")]
    assert outcomes.events == [*expected, ("done", "finished")]


def test_throttled_progress_keeps_the_last_step(qtbot, workers: Workers):
    outcomes = Outcomes()

    def job(job) -> None:
        for done in range(1, 1001):
            job.progress(done, 1000)

    _submit(workers, job, outcomes, pool="io")
    qtbot.waitUntil(lambda: bool(outcomes.ends()), timeout=TIMEOUT_MS)
    steps = [value[0] for kind, value in outcomes.events if kind == "progress"]
    assert steps == sorted(steps) and steps[-1] == 1000 and len(steps) < 1000
    assert outcomes.events[-1] == ("done", None)


def test_a_cancelled_generator_stops_at_its_next_yield_and_ends_cancelled(qtbot, workers: Workers):
    between, proceed = threading.Event(), threading.Event()
    trail: list[str] = []

    def chunks(_job):
        try:
            yield "first"
            between.set()
            proceed.wait(TIMEOUT_MS / 1000)  # the cancel comes while the job works between two yields
            yield "second"
            trail.append("ran past the cancelled yield")
            yield "third"
            return "all"
        finally:
            trail.append("closed")

    outcomes = Outcomes()
    job = _submit(workers, chunks, outcomes, pool="batch")
    qtbot.waitUntil(between.is_set, timeout=TIMEOUT_MS)
    job.cancel()
    proceed.set()
    qtbot.waitUntil(lambda: bool(outcomes.ends()), timeout=TIMEOUT_MS)
    assert outcomes.events == [("report", "first"), ("cancelled", "cancelled")]  # not an error, no result
    assert trail == ["closed"]


def test_a_generator_runs_to_its_return_value(qtbot, workers: Workers):
    def count(_job):
        total = 0
        for n in range(4):
            total += n
            yield n
        return total

    outcomes = Outcomes()
    _submit(workers, count, outcomes, pool="io")
    qtbot.waitUntil(lambda: bool(outcomes.ends()), timeout=TIMEOUT_MS)
    assert outcomes.events == [("report", 0), ("report", 1), ("report", 2), ("report", 3), ("done", 6)]


def test_a_job_cancelled_before_its_turn_never_runs(qtbot, workers: Workers):
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []
    _submit(workers, lambda _job: started.set() or release.wait(TIMEOUT_MS / 1000), Outcomes())
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT_MS)
    outcomes = Outcomes()
    job = _submit(workers, lambda _job: ran.append("ran"), outcomes)
    job.cancel()
    release.set()
    qtbot.waitUntil(lambda: not workers.busy(), timeout=TIMEOUT_MS)
    assert ran == [] and outcomes.events == [("cancelled", "cancelled")]


def _deep_defect(values: dict) -> int:
    return values["missing"]  # a bug: KeyError


@pytest.fixture
def log_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "data"))
    return tmp_path / "data" / "logs"


@pytest.mark.parametrize(
    "error",
    [
        FileNotFoundError("photo.jpg: no such file"),
        WeightsError("model.safetensors is not a CoAtNet checkpoint."),
        OSError("cannot identify image file 'broken.png'"),
    ],
)
def test_an_expected_failure_is_one_line_without_a_traceback(qtbot, workers, log_folder, caplog, error):
    def job(_job):
        raise error

    outcomes = Outcomes()
    with caplog.at_level(logging.WARNING):
        _submit(workers, job, outcomes, what="Reading photo.jpg…")
        qtbot.waitUntil(lambda: bool(outcomes.ends()), timeout=TIMEOUT_MS)
    assert outcomes.events == [("error", str(error))]
    records = [r for r in caplog.records if r.name == "coatnet_gui.workers"]
    assert len(records) == 1 and records[0].exc_info is None
    assert records[0].getMessage() == f"Reading photo.jpg failed: {error}"
    log_file = log_folder / "coatnet-lens.log"
    assert log_file.is_file() and "Traceback" not in log_file.read_text()


def test_an_unexpected_failure_names_the_log_file_that_holds_its_traceback(qtbot, workers, log_folder, caplog):
    outcomes = Outcomes()
    with caplog.at_level(logging.WARNING):
        _submit(workers, lambda _job: _deep_defect({}), outcomes, what="Computing the overlay…")
        qtbot.waitUntil(lambda: bool(outcomes.ends()), timeout=TIMEOUT_MS)
    [(kind, message)] = outcomes.events
    log_file = log_folder / "coatnet-lens.log"
    assert kind == "error" and message == f"KeyError: 'missing' (details in {log_file})"
    text = log_file.read_text()
    assert "Computing the overlay failed: KeyError" in text
    assert "Traceback (most recent call last)" in text and "_deep_defect" in text and 'values["missing"]' in text


def test_the_window_builds_one_facility_that_every_tab_shares(qtbot, window):
    workers = window.workers
    assert window.findChildren(Workers) == [workers]
    dialog = window.batch.show_teach()
    shared = [
        window.session.workers,
        window.batch.session.workers,
        window.batch.table_model.thumbnails.workers,
        dialog.controller.workers,
    ]
    assert all(w is workers for w in shared) and window.findChildren(Workers) == [workers]
    dialog.close()


def test_an_unreadable_image_in_the_window_is_one_line_in_the_banner_and_the_log(qtbot, window, tmp_path, caplog):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not an image")
    with caplog.at_level(logging.WARNING), qtbot.waitSignal(window.session.image_failed, timeout=TIMEOUT_MS) as failed:
        window.open_path(str(broken))
    message = failed.args[1]
    assert "\n" not in message and "details in" not in message and window.banner.kind == "error"
    [record] = [r for r in caplog.records if r.name == "coatnet_gui.workers"]
    assert record.exc_info is None and record.getMessage().endswith(message)
    log_file = data_dir() / "logs" / "coatnet-lens.log"  # the window's data folder: tmp_path / "data"
    assert "Traceback" not in log_file.read_text() and message in log_file.read_text()
