"""``coatnet-gui label --engine ray`` without a cluster: without Ray the command says how to install it and exits 2,
and headless start-up never loads Ray; a dry run lists a URL; options that need the local engine are refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cluster.conftest import image_folder

REPO = Path(__file__).resolve().parents[2]


def env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1"}


WITHOUT_RAY = """
import sys
from coatnet_gui.cli.main import main
status = main(["label", sys.argv[1], "--dry-run"])
print("ray loaded by a local run:", "ray" in sys.modules, status)
sys.modules["ray"] = None  # now `import ray` fails, as where it is not installed
sys.exit(main(["label", sys.argv[1], "--engine", "ray"]))
"""


def test_without_ray_one_line_says_how_to_install_it(tmp_path: Path):
    folder = image_folder(tmp_path / "images", 2, bad=False)
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_RAY, folder], capture_output=True, text=True, timeout=120, cwd=REPO, env=env()
    )
    assert "ray loaded by a local run: False 0" in done.stdout
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: --engine ray needs Ray, which is not installed: pip install 'coatnet-lens[cluster]'"
    ]


def test_a_dry_run_lists_a_url_and_sorting_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    pytest.importorskip("ray")
    from coatnet_gui.cli.main import main

    url = image_folder(tmp_path / "images", 3).as_uri()
    assert main(["label", url, "--engine", "ray", "--dry-run", "-r"]) == 0
    assert capsys.readouterr().out == f"dry run: would label 5 images in {url} and write coatnet-labels.csv\n"
    assert main(["label", url, "--engine", "ray", "--sort-into", str(tmp_path / "sorted")]) == 2
    assert main(["label", f"{url}/missing", "--engine", "ray"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: --sort-into works with the local engine only",
        f"error: {url}/missing is not a folder (or holds no files)",
    ]
