"""The GUI-thread collector: young generations as Python's thresholds say, the full collection only when enough
objects have moved into the oldest generation since the last one (CPython's own rule), and garbage cycles freed."""

from __future__ import annotations

import gc
import sys
import weakref

import pytest

from coatnet_gui.app import gc_guard


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


@pytest.fixture
def collector(qapp, monkeypatch: pytest.MonkeyPatch):
    made = gc_guard.GuiThreadCollector()
    made.timer.stop()
    calls: list[int] = []
    real = gc.collect

    def spy(generation: int = 2) -> int:
        # gc.collect is the process's one function: record only this collector's calls, not those of the app's
        # own collector or of a library's thread that collects at the same moment (seen once in CI)
        if sys._getframe(1).f_locals.get("self") is made:
            calls.append(generation)
        return real(generation)

    monkeypatch.setattr(gc_guard.gc, "collect", spy)
    monkeypatch.setattr(gc_guard.gc, "get_count", lambda: (10_000, 10_000, 10_000))  # every threshold passed
    made.calls = calls
    yield made
    made.deleteLater()


def test_a_full_collection_waits_for_enough_new_long_lived_objects(collector):
    many = 10**9  # far more long-lived objects than any suite makes young ones: the full pass is not due
    collector.long_lived, collector.pending = many, 0
    collector.check()
    assert collector.calls == [0, 1]  # young generations only: the ~250 ms full pass is not due
    assert 0 <= collector.pending < many // 4
    collector.pending = many // 4 + 1
    collector.check()
    assert collector.calls == [0, 1, 0, 1, 2] and collector.pending == 0
    assert 0 < collector.long_lived < many  # counted again after the full pass


def test_cycles_are_still_freed(collector):
    node = Node()
    alive = weakref.ref(node)
    del node
    collector.check()
    assert alive() is None
