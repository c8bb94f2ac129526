"""The Batch tab's run store without Qt (issue 27): state read back with its types checked, discard / restore /
purge acting only on run folders, and which runs are offered back, which are stale and which are kept for "Undo
relabel". Each test fails on a mutant of coatnet_gui/batch/runs.py that survived the other tests."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from coatnet_gui.batch import runs
from coatnet_gui.batch.corrections import Corrections
from coatnet_gui.batch.runs import STATE_NAME, RunState, RunStore
from model.batch.journal import Journal, encode_path

ODD_ROOT = os.fsdecode(b"/photos/caf\xe9")


def _state(key: str, **changes) -> RunState:
    return RunState(key, ODD_ROOT, "m", "bundled", False, 5, 8, "cpu", "fp32", **changes)


def _results(store: RunStore, key: str, n: int) -> None:
    with Journal(store.journal_path(key), {"model": "m"}) as journal:
        journal.commit([{**encode_path(f"{i}.png"), "labels": ["k"], "indices": [0], "probs": [1.0]} for i in range(n)])


def test_a_state_round_trips_and_a_wrong_type_or_another_key_is_not_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    store = RunStore(tmp_path)
    store.save(_state("k", label_names=["猫", "Bag"], previous="old"))
    loaded = store.load("k")
    assert loaded is not None and loaded.root == ODD_ROOT and loaded.label_names == ["猫", "Bag"]
    names = ["猫", "Bag"]
    assert loaded.updated > 0 and loaded == _state("k", label_names=names, previous="old", updated=loaded.updated)
    assert store.load("missing") is None
    good = json.loads((tmp_path / "k" / STATE_NAME).read_text(encoding="utf-8"))
    later = ("finished", "exported", "maps", "video", "previous", "label_names")
    older = {k: v for k, v in good.items() if k not in later}
    was = RunState.from_json(older)  # a state written before those fields: an unfinished, unexported first run
    assert (was.finished, was.exported, was.maps, was.video, was.previous, was.label_names) == (
        False, False, False, False, "", []
    )  # fmt: skip
    for bad in ({"topk": "5"}, {"topk": True}, {"finished": 1}, {"updated": "now"}, {"label_names": [1]}, {"key": "j"}):
        (tmp_path / "k" / STATE_NAME).write_text(json.dumps({**good, **bad}), encoding="utf-8")
        caplog.clear()
        assert store.load("k") is None, bad
        why = "names another run" if "key" in bad else "unreadable batch run state k"
        assert why in caplog.text, bad  # the log says why the run was not offered
        assert "key" in bad or caplog.records[-1].exc_info, bad  # with the error that made it unreadable


def test_discard_restore_and_purge_move_whole_runs_and_overwrite_nothing(tmp_path: Path):
    store = RunStore(tmp_path)
    store.save(_state("k"))
    store.discard("k")
    assert not (tmp_path / "k").exists() and (tmp_path / "discarded" / "k" / STATE_NAME).is_file()
    store.discard("absent")  # nothing to discard: no error
    assert store.restore("k") and store.load("k") is not None
    assert store.restore("k") is False  # no discarded copy any more
    store.discard("k")
    store.save(_state("k", total=9))  # the same run started again
    assert not store.restore("k") and store.load("k").total == 9  # the new run is not overwritten
    store.discard("k")  # replaces the earlier discarded copy
    assert store.restore("k") and store.load("k").total == 9

    for key, age_days in (("old", 31), ("young", 29)):
        store.save(_state(key))
        store.discard(key)
        then = time.time() - age_days * 86400
        os.utime(tmp_path / "discarded" / key, (then, then))
    store.purge_discarded()
    assert sorted(p.name for p in (tmp_path / "discarded").iterdir()) == ["young"]


def test_pending_offers_unexported_runs_newest_first_and_keeps_previous_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    store = RunStore(tmp_path)
    clock = iter(range(1_000, 2_000))
    monkeypatch.setattr(runs.time, "time", lambda: next(clock))  # each save a later time: the offer's order
    for key, changes, n in (
        ("first", {}, 2),
        ("exported", {"exported": True}, 3),
        ("empty", {}, 0),
        ("relabelled", {"previous": "replaced"}, 1),
        ("replaced", {}, 4),
    ):
        store.save(_state(key, **changes))
        _results(store, key, n)
    store.save_corrections("first", Corrections({"0.png": "Coat", "1.png": "Bag"}))
    (tmp_path / "relabelled" / "corrections.json").write_text("not json", encoding="utf-8")
    store.save(_state("no journal", done=5))  # its journal lost: nothing to offer
    elsewhere = RunStore(tmp_path / "elsewhere")  # a run folder outside, linked in: not a run of this store
    elsewhere.save(_state("linked"))
    _results(elsewhere, "linked", 1)
    (tmp_path / "linked").symlink_to(tmp_path / "elsewhere" / "linked", target_is_directory=True)
    offered, stale = store.pending()
    assert [(s.key, s.done, s.corrected) for s in offered] == [("relabelled", 1, 0), ("first", 2, 2)]
    assert sorted(stale) == ["empty", "exported", "no journal"]  # "replaced" is kept for Undo relabel
    assert RunStore(tmp_path / "none").pending() == ([], [])


def test_delete_and_a_linked_discard_folder_touch_nothing_outside_the_runs(tmp_path: Path):
    """Mutants: delete doing nothing; a linked ``discarded`` folder discarded into or purged."""
    store = RunStore(tmp_path / "runs")
    store.save(_state("stale"))
    store.delete("stale")
    assert not (tmp_path / "runs" / "stale").exists()
    with pytest.raises(ValueError, match="not a run folder"):
        store.delete("..")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "old").mkdir(parents=True)
    os.utime(elsewhere / "old", (0, 0))
    (tmp_path / "runs" / "discarded").symlink_to(elsewhere, target_is_directory=True)
    store.save(_state("k"))
    with pytest.raises(ValueError, match="it is a link"):
        store.discard("k")
    store.purge_discarded()
    assert store.load("k") is not None and (elsewhere / "old").is_dir()


def test_purge_counts_days_of_86400_seconds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Mutant: a day of 86,401 seconds (a run discarded 30 days and 10 s ago kept)."""
    store = RunStore(tmp_path)
    store.save(_state("k"))
    store.discard("k")
    now = 2_000_000_000
    os.utime(tmp_path / "discarded" / "k", (now - 30 * 86400 - 10, now - 30 * 86400 - 10))
    monkeypatch.setattr(runs.time, "time", lambda: now)
    store.purge_discarded(days=30)
    assert list((tmp_path / "discarded").iterdir()) == []


def test_a_run_is_purged_by_the_time_it_was_discarded_not_by_its_age(tmp_path: Path):
    """Mutant: discard not stamping the time (a run labelled 40 days ago, discarded now, purged at once)."""
    store = RunStore(tmp_path)
    store.save(_state("k"))
    then = time.time() - 40 * 86400
    os.utime(tmp_path / "k", (then, then))
    store.discard("k")
    store.purge_discarded()
    assert store.restore("k") is True and store.load("k") is not None


def test_unreadable_corrections_are_logged_with_their_error_and_read_as_none(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    """Mutants: the warning or its exception left out."""
    store = RunStore(tmp_path)
    store.save(_state("k"))
    store.corrections_path("k").write_text("{not json", encoding="utf-8")
    assert store.load_corrections("k").labels == {}
    record = caplog.records[-1]
    assert "unreadable corrections of batch run k" in record.getMessage() and record.exc_info


def test_a_run_naming_itself_as_previous_is_still_offered(tmp_path: Path):
    """Mutant: ``and`` -> ``or`` in pending (a run whose previous is its own key hid itself)."""
    store = RunStore(tmp_path)
    store.save(_state("k", previous="k"))
    _results(store, "k", 2)
    offered, stale = store.pending()
    assert [s.key for s in offered] == ["k"] and stale == []
