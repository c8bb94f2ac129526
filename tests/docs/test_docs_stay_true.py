"""The docs stay true: docs/ARCHITECTURE.md names every module of the two packages, and every Python block in the
README runs as written (from the repository root, in a fresh interpreter)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("model", "coatnet_gui")


def _modules() -> list[str]:
    """Return every module of the two packages as a repository path, ``__init__.py`` files left out."""
    return sorted(
        p.relative_to(REPO).as_posix()
        for package in PACKAGES
        for p in (REPO / package).rglob("*.py")
        if p.name != "__init__.py" and "__pycache__" not in p.parts
    )


def _rows(text: str) -> list[tuple[str, str]]:
    """Return the ``(place, what)`` cells of the 'What lives where' table."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 2 and not set(cells[0]) <= {"-", " "}:
            rows.append((cells[0], " | ".join(cells[1:])))
    return rows


def _named(module: str, rows: list[tuple[str, str]]) -> bool:
    """A module is named when a row's place names its path, or names its folder and the row names the file."""
    folder, name = module.rsplit("/", 1)
    for place, what in rows:
        places = re.findall(r"`([^`]+)`", place)
        if module in places:
            return True
        if any(p.rstrip("/") == folder for p in places) and re.search(rf"`{re.escape(name)}`", what + place):
            return True
    return False


def test_architecture_names_every_module():
    rows = _rows((REPO / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    missing = [m for m in _modules() if not _named(m, rows)]
    assert not missing, f"docs/ARCHITECTURE.md does not name: {missing}"


def test_architecture_names_no_module_that_is_gone():
    text = (REPO / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:model|coatnet_gui)/[\w/]+\.py)`", text))
    gone = sorted(p for p in named if not (REPO / p).is_file())
    assert not gone, f"docs/ARCHITECTURE.md names modules that do not exist: {gone}"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(encoding="utf-8"), re.S)


def test_the_readme_has_python_blocks():
    assert len(_python_blocks()) >= 2


@pytest.mark.parametrize("index", range(len(_python_blocks())))
def test_readme_python_block_runs_as_written(index: int, tmp_path: Path):
    script = tmp_path / f"block_{index}.py"
    script.write_text(_python_blocks()[index], encoding="utf-8")
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "COATNET_LENS_DATA": str(tmp_path / "data"),
        "COATNET_LENS_CACHE": str(tmp_path / "cache"),
    }
    done = subprocess.run([sys.executable, str(script)], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
