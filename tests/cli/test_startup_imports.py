"""Start-up cost: ``classify`` with the bundled model imports only what it uses.

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
