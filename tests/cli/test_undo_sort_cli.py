"""``coatnet-gui undo-sort`` as a real process on crafted manifests: refused, shown, and when accepted kept inside
DEST; the victim file outside DEST survives every case."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run(*args: str | Path, data: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COATNET_LENS_DATA": str(data)}
    cmd = [sys.executable, "-m", "coatnet_gui", "undo-sort", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=REPO, env=env)


def test_undo_sort_refuses_shows_and_limits_a_crafted_manifest(tmp_path: Path, crafted_manifest):
    manifest, victim, _copy = crafted_manifest
    dest = manifest.parent

    refused = run(manifest, data=tmp_path / "data")
    assert refused.returncode == 2, refused.stderr
    assert "not written by this app" in refused.stderr and "--accept-foreign" in refused.stderr
    assert (dest / "k" / "copy.txt").exists()

    shown = run(manifest, "--show", data=tmp_path / "data")
    assert shown.returncode == 0 and f"copied {victim} -> {victim}" in shown.stdout and "FOREIGN" in shown.stdout

    accepted = run(manifest, "--accept-foreign", data=tmp_path / "data")
    assert accepted.returncode == 1  # one entry left as it is
    assert "not inside" in accepted.stderr and "restored 1 files, 1 left as they are" in accepted.stdout
    assert not (dest / "k" / "copy.txt").exists()  # the identical copy inside DEST went
    assert victim.read_text() == "precious"

    elsewhere = tmp_path / "evil" / "coatnet-sort-evil.jsonl"  # the same manifest outside its DEST
    elsewhere.parent.mkdir()
    elsewhere.write_text(manifest.read_text(encoding="utf-8"), encoding="utf-8")
    moved = run(elsewhere, "--accept-foreign", data=tmp_path / "data")
    assert moved.returncode == 2 and "must lie in the folder it sorted into" in moved.stderr
    assert victim.read_text() == "precious"
