"""Files the app writes get an editor's permissions: ``0o666`` less the umask when new (0644 under umask 022,
0600 under 077), the old file's bits when replaced. Each writer goes through :mod:`model.atomic`."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from coatnet_gui.batch.corrections import Corrections, write_corrections
from coatnet_gui.batch.runs import RunState, RunStore
from model.atomic import atomic_binary_writer, atomic_writer, write_bytes_atomically
from model.batch.export import write_export
from model.batch.journal import encode_path
from model.features.cache import FeatureStore
from model.teach.resume import save_state

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")

RECORDS = [
    {
        **encode_path("a.png"),
        "labels": ["Bag"],
        "indices": [8],
        "probs": [0.9],
        "model": "m",
        "device": "cpu",
        "precision": "fp32",
        "error": None,
    }
]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o077], ids=["umask022", "umask077"])
def umask(request) -> Iterator[int]:
    """Run the test under a umask, restoring the process's afterwards."""
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def _text(path: Path) -> Path:
    with atomic_writer(path) as f:
        f.write("x")
    return path


def _binary(path: Path) -> Path:
    with atomic_binary_writer(path) as f:
        f.write(b"x")
    return path


def _feature_cache(path: Path) -> Path:
    store = FeatureStore(path.parent, "base", {"f": 3})
    store.put("ab" * 32, {"f": torch.ones(3)})
    return store._path("ab" * 32)


def _feature_ranking(path: Path) -> Path:
    FeatureStore(path.parent, "base", {"f": 3}).put_scores("k", {"f": 1.0})
    return path.parent / "base" / "rankings" / "k.json"


def _teach_state(path: Path) -> Path:
    weight = torch.nn.Parameter(torch.ones(2))
    save_state(path, 1, "print", {"w.x": weight}, torch.optim.SGD([weight], lr=0.1))
    return path


def _run_state(path: Path) -> Path:
    store = RunStore(path.parent)
    store.save(RunState("k", "/f", "m", "bundled", False, 5, 8, "cpu", "fp32"))
    return path.parent / "k" / "state.json"


def _parquet(path: Path) -> Path:
    pytest.importorskip("pyarrow.parquet")
    from model.cluster.output import write_parquet

    write_parquet(iter(RECORDS), path.with_suffix(".parquet"))
    return path.with_suffix(".parquet")


WRITERS: dict[str, Callable[[Path], Path]] = {
    "text": _text,
    "binary": _binary,
    "bytes": lambda p: write_bytes_atomically(p, b"x") or p,
    "csv export": lambda p: write_export(iter(RECORDS), p.with_suffix(".csv")) and p.with_suffix(".csv"),
    "jsonl export": lambda p: write_export(iter(RECORDS), p.with_suffix(".jsonl")) and p.with_suffix(".jsonl"),
    "parquet export": _parquet,
    "corrections": lambda p: write_corrections(p, Corrections()) or p,
    "run state": _run_state,
    "feature cache": _feature_cache,
    "feature ranking": _feature_ranking,
    "teach state": _teach_state,
}


@pytest.mark.parametrize("writer", WRITERS)
def test_a_new_file_follows_the_umask(tmp_path: Path, umask: int, writer: str):
    written = WRITERS[writer](tmp_path / "out.bin")
    assert written.exists()
    assert mode(written) == 0o666 & ~umask, f"{writer}: {oct(mode(written))}"
    assert [p.name for p in written.parent.iterdir() if p.name.endswith(".tmp")] == []  # no temp file left


@pytest.mark.parametrize("old_mode", [0o640, 0o604, 0o444])
def test_a_replaced_file_keeps_its_mode(tmp_path: Path, umask: int, old_mode: int):
    path = tmp_path / "view.npy"
    path.write_bytes(b"old")
    path.chmod(old_mode)
    write_bytes_atomically(path, b"new")
    assert path.read_bytes() == b"new" and mode(path) == old_mode
    with atomic_writer(path) as f:
        f.write("text")
    assert path.read_text() == "text" and mode(path) == old_mode


def test_set_id_bits_are_not_carried_over(tmp_path: Path):
    path = tmp_path / "tool"
    path.write_bytes(b"old")
    path.chmod(0o4755)
    write_bytes_atomically(path, b"new")
    assert mode(path) == 0o755


def test_a_failed_write_leaves_the_old_file_and_its_mode(tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text("old")
    path.chmod(0o640)
    with pytest.raises(RuntimeError), atomic_writer(path) as f:
        f.write("half")
        raise RuntimeError("disk full")
    assert path.read_text() == "old" and mode(path) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_the_umask_itself_is_left_alone(tmp_path: Path, umask: int):
    write_bytes_atomically(tmp_path / "a", np.zeros(3).tobytes())
    assert os.umask(umask) == umask
