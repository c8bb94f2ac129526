"""Entry point of ``coatnet-gui`` and ``python -m coatnet_gui``.

``coatnet-gui classify|label|... ARGS`` runs a headless command; anything else starts the window, opening
the images or folders given. Without a display the window cannot open, so the same job is done in the
terminal instead (classify the files, label the folders) after a one-line notice.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from . import cli


def display_available() -> bool:
    """Return True when a Qt window can be shown: a display on Linux, or any macOS/Windows session,
    or an explicit QT_QPA_PLATFORM (e.g. offscreen)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def run_headless(paths: list[str]) -> int:
    """Do in the terminal what the window would have done with ``paths``; return the exit status."""
    print(
        "coatnet-gui: no display found (DISPLAY/WAYLAND_DISPLAY unset); `xvfb-run coatnet-gui` shows the "
        "window on a virtual screen. Working in the terminal instead.",
        file=sys.stderr,
    )
    if not paths:
        print("nothing to do: give image files or folders, e.g. `coatnet-gui assets/samples`", file=sys.stderr)
        return cli.EXIT_USAGE
    folders = [p for p in paths if Path(p).is_dir()]
    files = [p for p in paths if not Path(p).is_dir()]
    status = cli.EXIT_OK
    for folder in folders:
        status = max(status, cli.main(["label", folder]))
    if files:
        status = max(status, cli.main(["classify", *files]))
    return status


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in cli.COMMANDS:
        return cli.main(argv)
    if argv[:1] == ["--self-test"]:  # offscreen check of this install or bundle; optional arg: output folder
        from .self_test import run_self_test

        return run_self_test(Path(argv[1]) if len(argv) > 1 else None)
    if not display_available():
        return run_headless([a for a in argv if not a.startswith("-")])
    from .app import run_app  # Qt is imported only when a window is wanted

    return run_app(argv)


if __name__ == "__main__":
    sys.exit(main())
