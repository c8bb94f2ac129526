"""Listing and reading URLs as the local engine lists and reads folders: an in-process fsspec ``memory://``
file system stands in for a bucket, and ``file://`` URLs go through pyarrow's local file system."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from model.batch.pipeline import load_entry
from model.batch.scan import iter_images
from model.data.pixels import PreprocessCfg

fsspec = pytest.importorskip("fsspec")
pytest.importorskip("pyarrow")
from model.cluster.source import SourceError, iter_source, open_source, read_entry  # noqa: E402

CFG = PreprocessCfg(input_size=(32, 32))
TREE = {
    "b.png": "image",
    "a.jpg": "image",
    "notes.txt": "text",
    "C.PNG": "image",
    ".hidden.png": "image",
    ".cache/x.png": "image",
    "sub/z.png": "image",
    "sub/deeper/y.webp": "image",
    "sub.png": "image",
    "broken.png": "text",
    "empty.jpg": "",
}


def png_bytes(seed: int) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (40, 30, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def contents(kind: str, i: int) -> bytes:
    return png_bytes(i) if kind == "image" else b"not an image" if kind == "text" else b""


@pytest.fixture
def local_tree(tmp_path: Path) -> Path:
    for i, (rel, kind) in enumerate(TREE.items()):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(contents(kind, i))
    return tmp_path


@pytest.fixture
def memory_url() -> Iterator[str]:
    """A fresh ``memory://`` bucket holding TREE; removed afterwards (the memory file system is per process)."""
    fs = fsspec.filesystem("memory")
    root = f"/bucket-{uuid.uuid4().hex[:8]}/photos"
    for i, (rel, kind) in enumerate(TREE.items()):
        fs.pipe(f"{root}/{rel}", contents(kind, i))
    yield f"memory:/{root}"
    fs.rm(root.rsplit("/", 1)[0], recursive=True)


@pytest.mark.parametrize("recursive", [False, True])
def test_a_bucket_lists_like_the_local_scan(local_tree: Path, memory_url: str, recursive: bool):
    local = [e.rel for e in iter_images(local_tree, recursive)]
    expected = ["C.PNG", "a.jpg", "b.png", "broken.png", "empty.jpg", "sub.png"]
    if recursive:
        expected[5:5] = ["sub/deeper/y.webp", "sub/z.png"]
    assert local == expected
    assert [e.rel for e in iter_source(open_source(memory_url), recursive)] == expected
    assert [e.rel for e in iter_source(open_source(local_tree.as_uri()), recursive)] == expected
    assert [e.rel for e in iter_source(open_source(str(local_tree)), recursive)] == expected


def test_reading_from_a_bucket_gives_the_local_pixels_and_reasons(local_tree: Path, memory_url: str):
    bucket = open_source(memory_url)
    for rel in ("sub/z.png", "a.jpg"):
        _, remote, error = read_entry(bucket, rel, CFG)
        _, local, _ = load_entry(str(local_tree), rel, CFG)
        assert error is None and remote is not None and local is not None
        assert remote.shape == (3, 32, 32) and remote.dtype == local.dtype and (remote == local).all()
    for rel in ("broken.png", "empty.jpg", "gone.png"):
        _, pixels, remote_reason = read_entry(bucket, rel, CFG)
        _, _, local_reason = load_entry(str(local_tree), rel, CFG)
        assert pixels is None
        assert remote_reason.removeprefix(f"{memory_url}/{rel}") == local_reason.removeprefix(str(local_tree / rel))
    assert read_entry(bucket, "broken.png", CFG)[2] == f"{memory_url}/broken.png: not an image format Pillow can read"


def test_what_is_not_a_folder_is_refused(local_tree: Path, memory_url: str):
    for text in (str(local_tree / "a.jpg"), f"{memory_url}/a.jpg", f"{memory_url}-missing", "nosuchscheme://x/y"):
        with pytest.raises(SourceError):
            open_source(text)
