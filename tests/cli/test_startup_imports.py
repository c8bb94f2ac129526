"""Start-up cost: ``classify`` with the bundled model imports only what it uses, and ``--help``, ``--version`` and
``COMMAND --help`` import no torch at all (its import alone takes most of two seconds).

torch._dynamo (with sympy, about 0.7 s) was pulled in by building a network on the meta device; the hub client
(huggingface_hub, httpx2) belongs to downloads; torchvision and Qt are not used by a headless command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "assets" / "samples" / "fashion_bag.png"
UNWANTED = ("torch._dynamo", "sympy", "huggingface_hub", "httpx2", "torchvision", "PySide6")

SCRIPT = """
import json, sys
from coatnet_gui.__main__ import main
status = main(["classify", sys.argv[1]])
print("RESULT " + json.dumps({"status": status, "modules": sorted(m for m in sys.argv[2:] if m in sys.modules)}))
"""


def test_classify_with_the_bundled_model_imports_only_what_it_uses():
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(SAMPLE), *UNWANTED],
        cwd=REPO,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "%  Bag" in proc.stdout
    assert json.loads(proc.stdout.rsplit("RESULT ", 1)[1]) == {"status": 0, "modules": []}


NO_TORCH_SCRIPT = """
import json, sys
sys.modules["torch"] = None  # any import of torch, or of a module inside it, now raises ImportError
from coatnet_gui.__main__ import main
status = {" ".join(argv): main(argv) for argv in json.loads(sys.argv[1])}
print("RESULT " + json.dumps({"status": status, "loaded": sorted(m for m in ("numpy", "PIL") if m in sys.modules)}))
"""
INFO_ARGVS = [
    ["--help"],
    ["--version"],
    *([command, "--help"] for command in ("classify", "label", "train", "audit", "export")),
]


def test_help_and_version_import_no_torch_numpy_or_pillow():
    proc = subprocess.run(
        [sys.executable, "-c", NO_TORCH_SCRIPT, json.dumps(INFO_ARGVS)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.rsplit("RESULT ", 1)[1])
    assert result == {"status": {" ".join(argv): 0 for argv in INFO_ARGVS}, "loaded": []}
    assert "usage: coatnet-gui [FILE|FOLDER ...]" in proc.stdout and "commands (in the terminal" in proc.stdout
    assert "coatnet-gui 0." in proc.stdout
    assert "--device {auto,cuda,mps,cpu}" in proc.stdout and "--topk TOPK" in proc.stdout
    assert "--map {gradcam,rollout,received,activation}" in proc.stdout and "--mode {head,finetune}" in proc.stdout
