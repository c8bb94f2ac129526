"""Fashion-MNIST from the gzipped IDX files of Debian's ``dataset-fashion-mnist`` package."""

from __future__ import annotations

import argparse
import gzip
import os
from pathlib import Path

import numpy as np
from PIL import Image

from model.names import file_stem
from model.weights.labels import FASHION_MNIST_CLASSES as CLASS_NAMES

DEFAULT_ROOT = Path(os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))

_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: Path) -> np.ndarray:
    """Return the array stored in a (gzipped) IDX file, with the shape its header gives."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path}: not an IDX file")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    array = np.frombuffer(data, dtype=_IDX_DTYPES[data[2]], offset=4 + 4 * ndim)
    if array.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says {shape} but holds {array.size} values")
    return array.reshape(shape)


def load_split(split: str, root: Path = DEFAULT_ROOT) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)`` of ``split`` ("train" or "test"): uint8 ``(N, 28, 28)`` and int64 ``(N,)``.

    Raises ``FileNotFoundError`` with the install hint when the Debian files are missing.
    """
    image_file, label_file = _FILES[split]
    if not (root / image_file).exists():
        raise FileNotFoundError(
            f"Fashion-MNIST not found in {root}: install it with `apt-get install dataset-fashion-mnist` "
            "or point FASHION_MNIST_DIR at a folder with the IDX files"
        )
    images = read_idx(root / image_file)
    labels = read_idx(root / label_file).astype(np.int64)
    return images, labels


def export_slice(folder: Path, per_class: int, root: Path = DEFAULT_ROOT) -> Path:
    """Write the first ``per_class`` test images of every class as 28 px PNGs into ``folder`` plus a
    ``labels.csv`` (``file,label,index``); return the CSV's path."""
    images, labels = load_split("test", root)
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["file,label,index"]
    for klass, name in enumerate(CLASS_NAMES):
        for i in np.flatnonzero(labels == klass)[:per_class]:
            file = f"{i:05d}_{file_stem(name, sep='-')}.png"
            Image.fromarray(images[i]).save(folder / file, optimize=True)
            rows.append(f'{file},"{name}",{klass}')
    csv_path = folder / "labels.csv"
    csv_path.write_text("\n".join(rows) + "\n")
    return csv_path


def export_samples(folder: Path, classes: tuple[int, ...], size: int = 224, root: Path = DEFAULT_ROOT) -> None:
    """Write one test image of each class in ``classes``, upscaled to ``size`` px (bicubic), as PNGs."""
    images, labels = load_split("test", root)
    folder.mkdir(parents=True, exist_ok=True)
    for klass in classes:
        i = int(np.flatnonzero(labels == klass)[0])
        img = Image.fromarray(images[i]).resize((size, size), Image.Resampling.BICUBIC)
        img.save(folder / f"fashion_{file_stem(CLASS_NAMES[klass], sep='-').lower()}.png", optimize=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Export Fashion-MNIST test images as PNG files.")
    parser.add_argument("--slice", type=Path, help="folder for the per-class test slice used by the tests")
    parser.add_argument("--per-class", type=int, default=60)
    parser.add_argument("--samples", type=Path, help="folder for the app's upscaled sample images")
    args = parser.parse_args(argv)
    if args.slice:
        print(export_slice(args.slice, args.per_class))
    if args.samples:
        export_samples(args.samples, classes=(0, 1, 3, 5, 7, 8, 9, 4))


if __name__ == "__main__":
    main()
