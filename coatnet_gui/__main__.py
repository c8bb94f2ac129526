"""Entry point of ``coatnet-gui`` and ``python -m coatnet_gui``.

``coatnet-gui classify|label|... ARGS`` runs a headless command and ``--help``/``--version`` print what they say,
all without importing Qt; anything else starts the window, opening
the images or folders given. Without a display the window cannot open, so the same job is done in the
terminal instead (classify the files, label the folders) after a one-line notice.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

from coatnet_gui.cli import main as cli
from coatnet_gui.cli.common import EXIT_OK, EXIT_USAGE

DESKTOP_FLAGS = ("--install-desktop-entry", "--remove-desktop-entry")
PROBE_FLAG = "--probe-display"  # internal: start Qt's platform plugin and exit 0 (see display_problem)
PROBE_TIMEOUT_S = 60


def display_problem() -> str | None:
    """Return why no Qt window can be shown here (one line), or None when it can.

    An explicit ``QT_QPA_PLATFORM`` (e.g. offscreen) is trusted. On Linux without ``DISPLAY`` or
    ``WAYLAND_DISPLAY`` there is nothing to show a window on; with one, Qt's platform plugin is started in a child
    process first, because Qt aborts the whole process when it cannot load it (a missing system library such
    as libxcb-cursor0, or a display that does not answer).
    """
    if os.environ.get("QT_QPA_PLATFORM") or not sys.platform.startswith("linux"):
        return None
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "no display found (DISPLAY/WAYLAND_DISPLAY unset)"
    own = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "coatnet_gui"]
    try:
        probe = subprocess.run([*own, PROBE_FLAG], capture_output=True, text=True, timeout=PROBE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"the display did not answer within {PROBE_TIMEOUT_S} s"
    if probe.returncode == 0:
        return None
    lines = [line.strip() for line in probe.stderr.splitlines() if line.strip()]
    hints = [line for line in lines if "needed" in line or "could not" in line.lower()]
    return "Qt cannot show a window here: " + (hints[0] if hints else lines[0] if lines else "platform plugin failed")


def run_headless(paths: list[str], reason: str) -> int:
    """Do in the terminal what the window would have done with ``paths``; return the exit status."""
    print(
        f"coatnet-gui: {reason}; `xvfb-run coatnet-gui` shows the window on a virtual screen. "
        "Working in the terminal instead.",
        file=sys.stderr,
    )
    if not paths:
        print(
            "nothing to do: give image files or folders, e.g. `coatnet-gui assets/samples`; see `coatnet-gui --help`",
            file=sys.stderr,
        )
        return EXIT_USAGE
    folders = [p for p in paths if Path(p).is_dir()]
    files = [p for p in paths if not Path(p).is_dir()]
    status = EXIT_OK
    for folder in folders:
        status = max(status, cli.main(["label", folder]))
    if files:
        status = max(status, cli.main(["classify", *files]))
    return status


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] and argv[0] in (*cli.COMMANDS, *cli.INFO_FLAGS):
        return cli.main(argv)
    if argv[:1] == ["--self-test"]:  # offscreen check of this install or bundle; optional arg: output folder
        from coatnet_gui.app.self_test import run_self_test

        return run_self_test(Path(argv[1]) if len(argv) > 1 else None)
    if argv[:1] and argv[0] in DESKTOP_FLAGS:  # Linux: "Open with CoAtNet Lens" (coatnet_gui/desktop.py)
        from coatnet_gui.desktop import desktop_entry_command

        return desktop_entry_command(argv[0])
    if argv[:1] == [PROBE_FLAG]:
        from PySide6.QtWidgets import QApplication

        QApplication([sys.argv[0]])
        return 0
    problem = display_problem()
    if problem is not None:
        return run_headless([a for a in argv if not a.startswith("-")], problem)
    from coatnet_gui.app.launch import run_app  # Qt is imported only when a window is wanted

    return run_app(argv)


def run() -> None:
    """The process entry (the ``coatnet-gui`` script, ``python -m coatnet_gui``, the bundle): run :func:`main` and
    exit with its status. After a headless command every object still alive is frozen out of the garbage
    collector first: the interpreter's teardown then skips its collections over torch's thousands of modules
    (0.8 s -> 0.3 s of every command's run, measured with torch imported). Only here: the process ends next."""
    argv = sys.argv[1:]
    status = main(argv)
    if argv[:1] and argv[0] in cli.COMMANDS:
        gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    run()
