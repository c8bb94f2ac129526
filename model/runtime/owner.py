"""The one owner of a network's compute and placement, shared by everything that runs it (the Image tab, the Batch
tab, the folder maps, scripts).

    owner = owner_of(net)
    with owner.shared() as placement:          # a plain forward pass; others may run theirs meanwhile
        logits = net(placement.to_input(x))
    with owner.exclusive() as placement:       # a capture, a backward pass: nothing else runs the network
        ...
    owner.place(choose_placement("cpu"))       # waits until no pass is in flight, then moves the network

Plain forward passes on a shared network are safe together (nothing in the network changes), so they share the
network; what records or changes its state (a capture's taps, the autograd graph kept for Grad-CAM, a move to
another device) holds it alone. Every :class:`~model.runtime.inference.Classifier` made on the same network
object finds the same owner, so a move made through one is seen, whole, by all.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from torch import nn

from model.runtime.device import cpu_fallback
from model.runtime.placement import Placement


class ComputeLock:
    """Shared holds (plain forward passes) or one exclusive hold (capture, backward, move); re-entrant per thread.

    A thread waiting for the exclusive hold stops new shared holds from starting, so a stream of batches cannot
    starve the window's explanation. A thread holding it exclusively may take it again, shared or exclusive; a
    thread holding it shared may take it shared again but not exclusively (that would wait for itself)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._shared = 0  # shared holds of all threads
        self._owner: int | None = None  # the thread holding it exclusively
        self._depth = 0  # that thread's nested holds
        self._waiting = 0  # threads waiting for the exclusive hold
        self._mine = threading.local()  # .shared: this thread's shared holds

    def _my_shared(self) -> int:
        return getattr(self._mine, "shared", 0)

    @contextmanager
    def shared(self) -> Iterator[None]:
        """Hold the lock shared for the block."""
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                mode = "exclusive"
            else:
                if not self._my_shared():  # a nested shared hold must not wait for a writer that waits for it
                    self._cond.wait_for(lambda: self._owner is None and not self._waiting)
                self._shared += 1
                self._mine.shared = self._my_shared() + 1
                mode = "shared"
        try:
            yield
        finally:
            self._release(mode)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the lock alone for the block (waits until every shared hold has ended)."""
        me = threading.get_ident()
        with self._cond:
            if self._owner != me:
                if self._my_shared():
                    raise RuntimeError("the network cannot be taken alone inside a forward pass on the same thread")
                self._waiting += 1
                try:
                    self._cond.wait_for(lambda: self._owner is None and not self._shared)
                finally:
                    self._waiting -= 1
                self._owner = me
            self._depth += 1
        try:
            yield
        finally:
            self._release("exclusive")

    def _release(self, mode: str) -> None:
        with self._cond:
            if mode == "exclusive":
                self._depth -= 1
                if not self._depth:
                    self._owner = None
            else:
                self._shared -= 1
                self._mine.shared -= 1
            self._cond.notify_all()


class NetworkOwner:
    """Owns one network's :class:`ComputeLock` and :class:`~model.runtime.device.Placement`; see the module
    docstring. ``generation`` counts the moves, so a result that keeps tensors on the old device (an autograd graph)
    can tell that it went stale."""

    def __init__(self, net: nn.Module):
        self._net = weakref.ref(net)
        self.lock = ComputeLock()
        self._placement: Placement | None = None
        self.generation = 0

    @property
    def placement(self) -> Placement:
        """Where the network is now (the CPU in fp32 before anything placed it)."""
        return self._placement or Placement("cpu", "fp32", channels_last=False)

    @contextmanager
    def shared(self) -> Iterator[Placement]:
        """Hold the network for a plain forward pass; yield its placement, which cannot change meanwhile."""
        with self.lock.shared():
            yield self.placement

    @contextmanager
    def exclusive(self) -> Iterator[Placement]:
        """Hold the network alone (a capture, a backward pass); yield its placement."""
        with self.lock.exclusive():
            yield self.placement

    def place(self, placement: Placement) -> None:
        """Move the network to ``placement`` once no pass is in flight (in place; weights stay fp32).
        ``generation`` counts only real moves (another device or memory layout)."""
        with self.lock.exclusive():
            net = self._net()
            if net is None:
                return
            before = self._placement
            placement.prepare(net)
            self._placement = placement
            if before is None or (before.device, before.channels_last) != (placement.device, placement.channels_last):
                self.generation += 1

    def fall_back(self, failed: Placement, reason: str) -> Placement:
        """Move the network to the CPU after a pass on ``failed`` ran out of memory, unless another caller has
        moved it since (then nothing is done); return the placement now."""
        with self.lock.exclusive():
            if self._placement is failed:
                self.place(cpu_fallback(failed, reason))
            return self.placement


_OWNERS: weakref.WeakKeyDictionary[nn.Module, NetworkOwner] = weakref.WeakKeyDictionary()
_OWNERS_LOCK = threading.Lock()


def owner_of(net: nn.Module) -> NetworkOwner:
    """Return the one :class:`NetworkOwner` of ``net`` (made at the first call; it lives as long as ``net``)."""
    with _OWNERS_LOCK:
        owner = _OWNERS.get(net)
        if owner is None:
            owner = _OWNERS[net] = NetworkOwner(net)
        return owner
