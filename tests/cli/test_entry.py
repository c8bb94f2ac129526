"""The ``coatnet-gui`` entry: ``--help``/``--version`` and each command's help; ``coatnet-gui FILES`` where no window
can open (one line says why, then the job is done in the terminal)."""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from coatnet_gui import __main__ as entry
from coatnet_gui.cli import common
from coatnet_gui.cli import main as cli

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


def test_help_lists_every_command_and_the_window_and_exits_0(capsys):
    for flag in ("--help", "-h"):
        assert entry.main([flag]) == 0
        out = capsys.readouterr().out
        assert out.startswith("usage: coatnet-gui [FILE|FOLDER ...]")
        for line in (
            "  classify            Print the top-k classes of each image.",
            "  label               Label every image of a folder; write CSV or JSON Lines.",
            "  undo-sort           Undo a --sort-into run from its manifest.",
            "  [FILE|FOLDER ...]   Open the window with these images",
            "  --self-test [DIR]   Check this install or bundle offscreen",
            "  --version   print the version and exit",
        ):
            assert any(row.startswith(line) for row in out.splitlines()), line


def test_help_needs_no_display():
    proc = start({}, "--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "" and "classify" in proc.stdout


@pytest.mark.parametrize("command", cli.COMMANDS)
def test_every_option_of_every_command_has_a_help_text(command: str, capsys):
    assert entry.main([command, "--help"]) == 0
    assert capsys.readouterr().out.startswith(f"usage: coatnet-gui {command} [-h]")
    [sub] = [a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    actions = sub.choices[command]._actions
    assert {a.dest for a in actions} >= {"help"}
    silent = [a.option_strings or a.dest for a in actions if not a.help]
    assert silent == []


def test_topk_default_is_the_shared_constant():
    [sub] = [a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    for command in ("classify", "label"):
        [topk] = [a for a in sub.choices[command]._actions if a.dest == "topk"]
        assert topk.default == common.TOP_K


def test_version_is_the_distribution_version(capsys):
    assert entry.main(["--version"]) == 0
    assert capsys.readouterr().out == f"coatnet-gui {importlib.metadata.version('coatnet-lens')}\n"


def test_version_falls_back_to_the_constant_that_matches_pyproject(monkeypatch):
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert common.FROZEN_VERSION == project["version"] and common.DISTRIBUTION == project["name"]
    monkeypatch.setattr(common, "DISTRIBUTION", "coatnet-lens-not-installed")
    assert common.version() == common.FROZEN_VERSION
