"""What every fuzz test shares: fixed Hypothesis settings (seeded, a fixed number of cases, a deadline, no example
database written into the repository), a per-case hard time bound, a snapshot of a folder tree to prove that
nothing outside the allowed folders was written, moved or deleted, and the count of cases tried."""

from __future__ import annotations

import hashlib
import os
import signal
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(
    derandomize=True,  # the same cases on every run and machine: a failure here is never luck
    database=None,  # nothing written beside the tests
    max_examples=100,
    deadline=timedelta(seconds=10),  # a case far slower than its peers is a finding, not noise
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=False,
)
HARD_BOUND_S = 30  # a case that does not return at all (a hang) is stopped here
CASES: Counter[str] = Counter()  # cases tried per target, printed at the end of the session


class CaseHung(BaseException):
    """A case ran past :data:`HARD_BOUND_S` (a BaseException: code under test cannot swallow it)."""


@contextmanager
def bounded(target: str) -> Iterator[None]:
    """Count one case of ``target`` and stop it with :class:`CaseHung` after :data:`HARD_BOUND_S` seconds."""
    CASES[target] += 1

    def on_alarm(signum: int, frame: object) -> None:
        raise CaseHung(f"a {target} case ran past {HARD_BOUND_S} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, HARD_BOUND_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def snapshot(root: Path) -> dict[str, tuple]:
    """Return every entry under ``root`` (links not followed): path -> ("dir",), ("link", target) or ("file",
    mode, SHA-256 of the content)."""
    found: dict[str, tuple] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                found[path] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[path] = ("dir",)
            else:
                digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
                found[path] = ("file", stat.S_IMODE(info.st_mode), digest)
    return found


def changes_outside(before: dict[str, tuple], after: dict[str, tuple], allowed: Iterable[Path]) -> list[str]:
    """Return the paths that appeared, vanished or changed between two snapshots and lie outside every folder in
    ``allowed`` (a folder's own entry counts as inside it)."""
    roots = [os.path.abspath(a) for a in allowed]

    def inside(path: str) -> bool:
        return any(path == r or path.startswith(r + os.sep) for r in roots)

    return sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p) and not inside(p))


def mostly(good: st.SearchStrategy, odd: st.SearchStrategy) -> st.SearchStrategy:
    """Return ``good`` four times in five, else ``odd``: most cases get past one check to reach the next."""
    return st.sampled_from([good, good, good, good, odd]).flatmap(lambda chosen: chosen)
