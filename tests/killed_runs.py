"""The headless commands as real processes, for the tests that kill a run and resume it: the command line, the
journal's commit count, and a run killed once its journal holds enough commits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def command(*args: str | Path) -> list[str]:
    """Return the command line of ``coatnet-gui ARGS`` run by this Python."""
    return [sys.executable, "-m", "coatnet_gui", *map(str, args)]


def commits(journal: Path) -> int:
    """Return the number of committed chunks in ``journal`` (0 while it does not exist)."""
    try:
        return journal.read_bytes().count(b'{"commit":')
    except FileNotFoundError:
        return 0


def kill_after_commits(args: tuple[str | Path, ...], journal: Path, at_least: int, env: dict[str, str]) -> None:
    """Start ``coatnet-gui ARGS`` and SIGKILL it as soon as ``journal`` holds ``at_least`` commits (within 120 s);
    fail the test when the run ended before it could be killed."""
    proc = subprocess.Popen(command(*args), cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while commits(journal) < at_least and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
