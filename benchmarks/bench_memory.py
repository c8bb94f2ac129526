"""Memory of the Image tab over many images: does explaining image after image grow the process without bound?

    python benchmarks/bench_memory.py [--images 1000] [--early 100]

Writes ``--images`` small PNGs of varied sizes to a temporary folder, opens them one after another in the real
main window (offscreen, bundled model, CPU), waits for each image's overlay, and prints the process's resident
memory after ``--early`` images and after all of them, and the growth between the two (goal < 10 %).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from PySide6.QtCore import QEventLoop  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from coatnet_gui.app.gc_guard import collect_on_gui_thread  # noqa: E402
from coatnet_gui.app.main_window import MainWindow  # noqa: E402
from coatnet_gui.app.settings import Settings  # noqa: E402

TIMEOUT_S = 120.0


def rss_mb() -> float:
    """Return this process's resident set size in MB (Linux /proc; macOS and others fall back to the peak)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 1024)


def write_images(folder: Path, count: int) -> list[Path]:
    """Write ``count`` PNGs of varied sizes (48-480 px a side) and content to ``folder``; return their paths."""
    rng = np.random.default_rng(0)
    paths = []
    for i in range(count):
        height, width = (int(v) for v in rng.integers(48, 481, 2))
        base = rng.integers(0, 256, (1, 1, 3))
        noise = rng.integers(-40, 41, (height, width, 3))
        pixels = np.clip(base + noise, 0, 255).astype(np.uint8)
        path = folder / f"image_{i:04d}.png"
        Image.fromarray(pixels).save(path)
        paths.append(path)
    return paths


def wait_until(app: QApplication, condition, what: str) -> None:
    """Turn the event loop until ``condition()`` holds; raise TimeoutError after :data:`TIMEOUT_S`."""
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.001)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--early", type=int, default=100, help="the image count of the first measurement")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    collect_on_gui_thread()  # as the app does
    with tempfile.TemporaryDirectory(prefix="coatnet-bench-memory-") as tmp:
        paths = write_images(Path(tmp), args.images)
        settings = Settings(str(Path(tmp) / "settings.ini"))
        settings.model, settings.device = "bundled", "cpu"
        window = MainWindow(settings)
        window.resize(1200, 760)
        window.show()
        wait_until(app, lambda: window.session.classifier is not None, "the model")
        early = 0.0
        start = time.perf_counter()
        for i, path in enumerate(paths, 1):
            window.open_path(str(path))

            def shown(p: str = str(path)) -> bool:
                image = window.session.image
                return image is not None and image.source.path == p and window.result is not None

            wait_until(app, shown, path.name)
            if i == args.early:
                early = rss_mb()
                print(f"after {i:5d} images: RSS {early:8.1f} MB", flush=True)
            elif i % 100 == 0:
                print(f"after {i:5d} images: RSS {rss_mb():8.1f} MB", flush=True)
        final = rss_mb()
        seconds = time.perf_counter() - start
        window.close()
    print(f"after {args.images:5d} images: RSS {final:8.1f} MB ({seconds / args.images * 1000:.0f} ms per image)")
    if early:
        growth = (final - early) / early * 100
        print(f"growth from image {args.early} to image {args.images}: {growth:+.1f} % (goal < 10 %)")


if __name__ == "__main__":
    main()
