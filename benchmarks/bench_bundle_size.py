"""The PyInstaller bundle's size, and the bytes that video files and the Live tab add to it (PyAV and QtMultimedia).

    python -m PyInstaller --noconfirm --distpath /tmp/b/dist --workpath /tmp/b/build build.spec   # ~10 min
    python benchmarks/bench_bundle_size.py /tmp/b/dist/coatnet-gui

Walks a built one-folder bundle (no build here: the build is slow and made once) and sums the bytes of its files
(links counted once, as the files they point to are). "Video/Live" is every file of PyAV (``av/``, ``av.libs/``)
and of QtMultimedia (its bindings ``QtMultimedia*.abi3.so``, its libraries ``libQt6Multimedia*``, its plugins
``plugins/multimedia/``, its translations, and the FFmpeg libraries Qt ships for that plugin:
``libav*``/``libsw*`` under ``PySide6/Qt/lib``); "before" is the same tree without them, computed. Prints the
sizes and the ratio after / before. The machine is named (benchmarks/_machine.py) as in every benchmark, though
sizes do not depend on it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _machine import cpu_name  # noqa: E402

PARTS = {
    "PyAV (av, av.libs)": re.compile(r"^_internal/(av|av\.libs)/"),
    "QtMultimedia (bindings, libraries, plugins, Qt's FFmpeg)": re.compile(
        r"^_internal/PySide6/(QtMultimedia\w*\.abi3\.so|Qt/lib/libQt6Multimedia\w*\.so[.\d]*"
        r"|Qt/plugins/multimedia/.*|Qt/lib/lib(avcodec|avformat|avutil|swresample|swscale)\.so[.\d]*"
        r"|Qt/translations/qtmultimedia_\w+\.qm)$"
    ),
}


def file_sizes(root: Path) -> dict[str, int]:
    """Return the bytes of each regular file under ``root`` by its path relative to ``root`` (symbolic links are
    skipped: what they point to is counted where it lies in the tree; hard links once)."""
    sizes: dict[str, int] = {}
    seen: set[tuple[int, int]] = set()
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if path.is_symlink():
                continue
            st = path.stat()
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            sizes[path.relative_to(root).as_posix()] = st.st_size
    return sizes


def split(sizes: dict[str, int]) -> dict[str, int]:
    """Return the bytes of each of :data:`PARTS` in ``sizes`` (a file counts for the first part it matches)."""
    parts = dict.fromkeys(PARTS, 0)
    for rel, size in sizes.items():
        for name, pattern in PARTS.items():
            if pattern.search(rel):
                parts[name] += size
                break
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bundle", type=Path, help="the built dist/coatnet-gui folder")
    args = parser.parse_args()
    print(f"Machine: {cpu_name()}")
    sizes = file_sizes(args.bundle)
    total = sum(sizes.values())
    parts = split(sizes)
    added = sum(parts.values())
    before = total - added
    mb = 1e6
    print(f"bundle {args.bundle}: {len(sizes):,} files, {total / mb:,.1f} MB")
    for name, size in parts.items():
        print(f"  {name:<58} {size / mb:8.1f} MB")
    print(f"  before video/Live (the same tree without them, computed) {before / mb:8.1f} MB")
    print(f"after / before = {total / before:.3f}x (+{added / mb:.1f} MB, +{added / before * 100:.1f} %)")


if __name__ == "__main__":
    main()
