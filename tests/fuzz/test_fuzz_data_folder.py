"""Fuzzing the files the window keeps in the app's data folder: a run's ``corrections.json`` and ``state.json``
(:mod:`coatnet_gui.batch.corrections`, :mod:`coatnet_gui.batch.runs`, both Qt-free), read as the Batch tab reads
them when it offers runs back.

Properties: corrections end in :class:`Corrections` of text (file -> class) or ``ValueError`` / ``OSError``; a
run's state ends in a :class:`RunState` whose fields have their declared types, or None; the runs offered back
can be shown (their offer line renders); discarding the stale ones deletes only run folders of the runs folder;
nothing else in the tree changes."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from coatnet_gui.batch.corrections import read_corrections
from coatnet_gui.batch.runs import STATE_NAME, RunState, RunStore
from coatnet_gui.batch.status_text import offer_text
from model.batch.journal import Journal
from tests.fuzz.fuzzing import FUZZ, bounded, changes_outside, mostly, snapshot

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
ENTRY = st.fixed_dictionaries(
    {
        "path": mostly(st.text(max_size=10), st.integers() | st.none() | st.booleans()),
        "label": mostly(st.text(max_size=10), JSON),
    },
    optional={"path_b64": mostly(st.just("Y2Fm6Q=="), st.sampled_from(["!!", ""]) | JSON)},
)
CORRECTIONS = st.fixed_dictionaries(
    {
        "coatnet_corrections": mostly(st.just(1), JSON),
        "classes": mostly(st.lists(st.text(max_size=8), max_size=3), JSON),
        "corrections": mostly(st.lists(mostly(ENTRY, JSON), max_size=4), JSON),
    }
)


@settings(FUZZ, max_examples=200)
@given(content=mostly(CORRECTIONS.map(json.dumps), JSON.map(json.dumps) | st.binary(max_size=40).map(repr)))
def test_corrections_files(content: str):
    with tempfile.TemporaryDirectory() as tmp, bounded("corrections files"):
        path = Path(tmp) / "corrections.json"
        path.write_text(content, encoding="utf-8")
        before = snapshot(Path(tmp))
        try:
            corrections = read_corrections(path)
        except (ValueError, OSError) as exc:
            assert str(exc)
        else:
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in corrections.labels.items())
            assert all(isinstance(name, str) for name in corrections.added)
        assert changes_outside(before, snapshot(Path(tmp)), []) == []


GOOD_STATE = RunState("run1", "/photos", "m", "bundled", False, 5, 0, "cpu", "fp32", total=3).to_json()
STATE = (
    st.dictionaries(st.sampled_from([*GOOD_STATE, "root_b64", "extra"]), JSON, max_size=5).map(
        lambda changes: {**GOOD_STATE, **changes}
    )
    | JSON
)
KEYS = st.sampled_from(["run1", "run2", "..", ".", "", "/tmp", "../outside", "run1/../run2"]) | st.text(max_size=6)


@FUZZ
@given(
    states=st.lists(st.tuples(STATE, KEYS, st.integers(0, 2)), min_size=1, max_size=3),
    corrections=st.lists(CORRECTIONS.map(json.dumps) | st.text(max_size=10), max_size=2),
)
def test_run_states_offered_back_and_discarded(states: list, corrections: list[str]):
    with tempfile.TemporaryDirectory() as tmp, bounded("run states"):
        base = Path(tmp)
        store = RunStore(base / "runs")
        (base / "outside").mkdir()
        (base / "outside" / "keep.txt").write_text("not a run")
        for i, (state, key, records) in enumerate(states):
            folder = store.folder / f"run{i + 1}"
            folder.mkdir(parents=True)
            if isinstance(state, dict) and "key" in state and isinstance(key, str):
                state = {**state, "key": key}
            (folder / STATE_NAME).write_text(json.dumps(state), encoding="utf-8")
            if i < len(corrections):
                (folder / "corrections.json").write_text(corrections[i], encoding="utf-8")
            with Journal(folder / "results.journal", {}) as journal:
                fields = {"labels": [], "indices": [], "probs": [], "model": "m", "device": "cpu", "precision": "fp32"}
                journal.commit([{"path": f"{n}.png", **fields, "error": None} for n in range(records)])
        before = snapshot(base)
        for entry in sorted(store.folder.iterdir()):
            state = store.load(entry.name)
            if state is not None:
                check_types(state)
        offered, stale = store.pending()
        for state in offered:
            assert offer_text(state)
        assert changes_outside(before, snapshot(base), []) == []
        for key in stale:
            try:
                store.delete(key)
            except ValueError as exc:
                assert str(exc)
        assert changes_outside(before, snapshot(base), [store.folder / key for key in stale]) == []


def check_types(state: RunState) -> None:
    """Check that every field of ``state`` has the type its dataclass declares."""
    types = {"str": (str,), "int": (int,), "bool": (bool,), "float": (int, float), "list[str]": (list,)}
    for name, declared in RunState.__annotations__.items():
        value = getattr(state, name)
        assert isinstance(value, types[declared]), (name, value)
        assert declared != "int" or not isinstance(value, bool), (name, value)
        assert declared != "list[str]" or all(isinstance(item, str) for item in value), (name, value)


def test_a_state_naming_another_run_cannot_have_that_run_discarded(tmp_path: Path):
    """A ``state.json`` copied (or crafted) into another run's folder names that run: it is not used, so the
    stale-run clean-up cannot delete the other run's unexported results."""
    store = RunStore(tmp_path / "runs")
    store.save(RunState("mine", "/photos", "m", "bundled", False, 5, 0, "cpu", "fp32", exported=True))
    (store.folder / "copied").mkdir()
    (store.folder / "mine" / STATE_NAME).rename(store.folder / "copied" / STATE_NAME)  # says: "mine", exported
    store.save(RunState("mine", "/photos", "m", "bundled", False, 5, 0, "cpu", "fp32"))  # the real, unexported run
    with Journal(store.journal_path("mine"), {}) as journal:
        fields = {"labels": ["cat"], "indices": [0], "probs": [0.9], "model": "m", "device": "cpu"}
        journal.commit([{"path": "a.png", **fields, "precision": "fp32", "error": None}])
    assert store.load("copied") is None
    offered, stale = store.pending()
    assert [s.key for s in offered] == ["mine"] and stale == []
