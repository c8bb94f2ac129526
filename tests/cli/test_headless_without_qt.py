"""Every headless command runs with Qt unimportable: ``--help``, ``--version``, ``classify``, ``label`` (with a sort)
and ``undo-sort``, through ``coatnet_gui.__main__.main`` on real images and the bundled model."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "assets" / "samples"

SCRIPT = """
import json, sys
from pathlib import Path
for blocked in ("PySide6", "shiboken6"):
    sys.modules[blocked] = None  # any import of these, or of a module inside them, now raises ImportError
from coatnet_gui.__main__ import main

folder, dest = Path(sys.argv[1]), Path(sys.argv[2])
status = {}
for name, argv in [
    ("help", ["--help"]),
    ("version", ["--version"]),
    ("classify-help", ["classify", "--help"]),
    ("classify", ["classify", str(folder / "bag.png")]),
    ("label", ["label", str(folder), "--sort-into", str(dest), "--move", "--workers", "1"]),
]:
    status[name] = main(argv)
status["undo-sort"] = main(["undo-sort", str(next(dest.glob("coatnet-sort-*.jsonl")))])
qt = sorted(m for m, module in sys.modules.items() if m.split(".")[0] in ("PySide6", "shiboken6") and module)
print("RESULT " + json.dumps({"status": status, "qt": qt}))
"""


def test_headless_commands_import_no_qt(tmp_path: Path):
    folder, dest = tmp_path / "shots", tmp_path / "sorted"
    folder.mkdir()
    shutil.copy(SAMPLES / "fashion_bag.png", folder / "bag.png")
    shutil.copy(SAMPLES / "fashion_trouser.png", folder / "trouser.png")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(folder), str(dest)],
        cwd=REPO,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.rsplit("RESULT ", 1)[1])
    assert result == {
        "status": dict.fromkeys(("help", "version", "classify-help", "classify", "label", "undo-sort"), 0),
        "qt": [],
    }
    assert "usage: coatnet-gui [FILE|FOLDER ...]" in proc.stdout and "usage: coatnet-gui classify" in proc.stdout
    assert "%  Bag" in proc.stdout
    assert "sorted 2 files into" in proc.stdout and "restored 2 files" in proc.stdout
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".png") == ["bag.png", "trouser.png"]
    assert (folder / "coatnet-labels.csv").read_text().count("\n") == 3
