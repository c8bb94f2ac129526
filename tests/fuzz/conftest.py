"""The fuzz suite's report: how many cases each target was tried with."""

from __future__ import annotations

from tests.fuzz.fuzzing import CASES


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the cases tried per fuzz target (the issue's closing note quotes them)."""
    if CASES:
        parts = ", ".join(f"{name} {count}" for name, count in sorted(CASES.items()))
        terminalreporter.write_line(f"fuzz cases tried: {sum(CASES.values())} ({parts})")
