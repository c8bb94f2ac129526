"""What the cluster tests share: a real local Ray (``ray.init(num_cpus=2)``, a few seconds to start) for the tests of
test_ray.py, and a folder of test images with bad files among them.

Only test_ray.py uses the Ray, so a module-scoped fixture starts it once per test session and stops it before the
other folders' tests run (a session-scoped one would idle through them). Those tests are skipped only when Ray is
not installed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

SLICE = Path(__file__).resolve().parents[1] / "data" / "fmnist_test_slice"


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    """Start the local Ray (2 CPUs) once; yield its address for other drivers (``--address``)."""
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
