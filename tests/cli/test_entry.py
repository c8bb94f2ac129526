"""``coatnet-gui FILES`` where no window can open: one line says why, then the job is done in the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "assets" / "samples" / "fashion_sneaker.png"


def start(env_changes: dict[str, str | None], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m coatnet_gui ARGS`` with the environment changed (None removes a variable)."""
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update({k: v for k, v in env_changes.items() if v is not None})
    return subprocess.run(
        [sys.executable, "-m", "coatnet_gui", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({}, "no display found (DISPLAY/WAYLAND_DISPLAY unset)"),
        ({"DISPLAY": ":987"}, "Qt cannot show a window here: "),  # a display nobody serves: Qt would abort
    ],
)
def test_without_a_usable_display_the_files_are_classified_in_the_terminal(env, reason):
    proc = start(env, str(SAMPLE))
    assert proc.returncode == 0, proc.stderr
    notice = proc.stderr.splitlines()[0]
    assert notice.startswith(f"coatnet-gui: {reason}") and "xvfb-run coatnet-gui" in notice
    assert "Aborted" not in proc.stderr and "Available platform plugins" not in proc.stderr
    assert "model: coatnet_fmnist_96 (bundled)" in proc.stdout
    assert f"{SAMPLE}  (" in proc.stdout and "%  Sneaker" in proc.stdout


def test_without_a_display_a_folder_is_labelled(tmp_path: Path):
    folder = tmp_path / "shots"
    folder.mkdir()
    (folder / "shoe.png").write_bytes(SAMPLE.read_bytes())
    proc = start({}, str(folder))
    assert proc.returncode == 0, proc.stderr
    rows = (folder / "coatnet-labels.csv").read_text().splitlines()
    assert rows[0].startswith("path,label,index,prob,") and rows[1].startswith("shoe.png,Sneaker,7,")
