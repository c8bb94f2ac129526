"""``coatnet-gui label --engine ray`` as real processes: a driver killed mid-run resumes without labelling any
file twice; without Ray the command says how to install it and exits 2, and headless start-up never loads Ray."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cluster.conftest import image_folder

REPO = Path(__file__).resolve().parents[2]


def env() -> dict[str, str]:
    """The environment of a child driver: this one's as it is now (the session's Ray set its auth mode in it)."""
    return {**os.environ, "OMP_NUM_THREADS": "1"}


def command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "coatnet_gui", *map(str, args)]


def commits(journal: Path) -> int:
    try:
        return journal.read_bytes().count(b'{"commit":')
    except FileNotFoundError:
        return 0


def test_a_killed_driver_resumes_without_a_file_done_twice(ray_address: str, small_model_dir: Path, tmp_path: Path):
    folder = image_folder(tmp_path / "images", 120)
    out, journal = tmp_path / "labels.jsonl", tmp_path / "labels.jsonl.journal"
    args = ("label", folder, "--engine", "ray", "--address", ray_address, "--out", out, "--batch-size", "4")
    args += ("--model", small_model_dir)
    proc = subprocess.Popen(command(*args), cwd=REPO, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while commits(journal) < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = sum(1 for line in journal.read_text().splitlines()[1:] if '"commit"' not in line)
    assert 0 < done_before < 122 and not out.exists()

    resume = command(*args, "--resume")
    resumed = subprocess.run(resume, capture_output=True, text=True, timeout=300, cwd=REPO, env=env())
    assert resumed.returncode == 1, resumed.stderr  # broken.png and empty.jpg are error rows
    assert f"resuming: {done_before} images already done" in resumed.stderr
    assert f"labelled 120, failed 2 ({done_before} by the earlier run)" in resumed.stdout
    assert "broken.png: error:" in resumed.stderr and not journal.exists()
    paths = [json.loads(line)["path"] for line in out.read_text().splitlines()]
    assert len(paths) == len(set(paths)) == 122


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
