"""One real local Ray for the whole test session (``ray.init(num_cpus=2)``, a few seconds), shut down at the end.

Tests that need it take the ``ray_address`` fixture and are skipped only when Ray is not installed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

SLICE = Path(__file__).resolve().parents[1] / "data" / "fmnist_test_slice"


@pytest.fixture(scope="session")
def ray_address() -> Iterator[str]:
    """Start the session's local Ray (2 CPUs); yield its address for other drivers (``--address``)."""
    ray = pytest.importorskip("ray")
    from model.cluster.run import connect

    connect(None, num_cpus=2)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def image_folder(folder: Path, n: int, bad: bool = True) -> Path:
    """Copy the first ``n`` Fashion-MNIST test images into ``folder``, with (``bad``) a text file named as a
    PNG, an empty JPEG and a hidden image the scan skips; return ``folder``."""
    folder.mkdir(parents=True)
    for png in sorted(SLICE.glob("*.png"))[:n]:
        shutil.copy(png, folder / png.name)
    if bad:
        (folder / "broken.png").write_text("not an image")
        (folder / "empty.jpg").write_bytes(b"")
        shutil.copy(folder / png.name, folder / ".hidden.png")
    return folder
