"""The embedding map (model/audit/embedding.py, coatnet_gui/widgets/embedding_map.py) at 50,000 points.

    python benchmarks/bench_embedding.py [--points 50000] [--real 10000] [--features PATH] [--threads 2]

The points: the bundled model's final features of the first ``--real`` Fashion-MNIST test images (Debian's
``dataset-fashion-mnist``; computed once by ``benchmarks/fmnist_features.py`` and kept at ``--features``), plus
jittered copies up to ``--points`` (each copy: a real vector plus Gaussian noise whose length is the median
nearest-neighbour distance of the real vectors, renormalised; realistic, not real). The window's map panel
(offscreen) maps them through the app's worker facility while a QTimer heartbeat (every 10 ms) measures the
event loop's longest gap. Reported: time from asking to the PCA map drawn and to the refined map drawn, the
longest stall, the redraws; and the quality of both maps on the real points (their neighbour-vote accuracy
in the map against the same vote in the full feature space; trustworthiness on 3,000 of them).
Goal (issue 20): 50,000 points drawn within 60 s of asking, with no event-loop stall over 100 ms. On a shared
machine the wall-clock figures include time given to other processes: the CPU share and the GUI thread's own
CPU time between two heartbeats (load-independent) are printed beside them.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _machine import cpu_name  # noqa: E402

from benchmarks.fmnist_features import load_or_make  # noqa: E402
from model.audit.map_neighbours import nearest_neighbours  # noqa: E402
from model.audit.map_quality import knn_accuracy, trustworthiness  # noqa: E402


def with_copies(real: np.ndarray, labels: np.ndarray, total: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``real`` ``(n, d)`` unit vectors followed by jittered copies up to ``total`` rows, and their labels
    (a copy keeps its original's): noise of the median nearest-neighbour distance, renormalised."""
    rng = np.random.default_rng(seed)
    _indices, distances = nearest_neighbours(real[: min(len(real), 5000)], 1)
    sigma = float(np.median(distances)) / np.sqrt(real.shape[1])
    source = rng.integers(0, len(real), total - len(real))
    copies = real[source] + rng.normal(0.0, sigma, (len(source), real.shape[1])).astype(np.float32)
    copies /= np.linalg.norm(copies, axis=1, keepdims=True)
    return np.concatenate([real, copies]).astype(np.float32), np.concatenate([labels, labels[source]])


def run_window(vectors: np.ndarray, labels: np.ndarray) -> dict[str, object]:
    """Map ``vectors`` in the map panel; return the timings, the stall and the two layouts."""
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from coatnet_gui.widgets.embedding_map import EmbeddingMap
    from coatnet_gui.widgets.map_points import MapRows
    from coatnet_gui.workers import Workers

    app = QApplication.instance() or QApplication([])
    workers = Workers()
    panel = EmbeddingMap(workers)
    panel.resize(1000, 760)
    panel.show()
    app.processEvents()
    m = len(vectors)
    points = MapRows(
        rows=np.arange(m),
        paths=[f"image_{i}.png" for i in range(m)],
        given=labels.astype(np.int64),
        suggested=labels.astype(np.int64),
        suspect=np.zeros(m, np.float32),
        confidence=np.ones(m, np.float32),
        classes=[str(c) for c in range(int(labels.max()) + 1)],
    )
    clock = QElapsedTimer()
    figures: dict[str, object] = {"redraws": 0, "longest_gap_ms": 0.0, "gaps_over_100ms": 0, "longest_busy_ms": 0.0}
    last_beat = [0, time.thread_time()]

    def beat() -> None:
        # The wall gap between beats counts time the scheduler gave to other processes; the GUI thread's own CPU
        # time between beats is what the app's work on it cost, whatever else runs on the machine.
        now, busy = clock.elapsed(), time.thread_time()
        gap = now - last_beat[0]
        figures["longest_gap_ms"] = max(figures["longest_gap_ms"], gap)
        figures["longest_busy_ms"] = max(figures["longest_busy_ms"], 1000 * (busy - last_beat[1]))
        figures["gaps_over_100ms"] += gap > 100
        last_beat[0], last_beat[1] = now, busy

    def shown(state: str) -> None:
        figures["redraws"] += 1
        if state == "pca":
            figures["pca_s"] = clock.elapsed() / 1000
            figures["pca_layout"] = panel.positions()
        elif state == "refined":
            figures["refined_s"] = clock.elapsed() / 1000
            figures["refined_layout"] = panel.positions()

    panel.layout_shown.connect(shown)
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(beat)
    clock.start()
    heartbeat.start()
    panel.show_vectors(vectors, points)
    while panel.state == "refining":
        app.processEvents()
        time.sleep(0.001)
    heartbeat.stop()
    app.processEvents()
    figures["state"] = panel.state
    workers.shutdown()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=50_000)
    parser.add_argument("--real", type=int, default=10_000)
    parser.add_argument("--features", type=Path, default=Path(tempfile.gettempdir()) / "coatnet_fmnist_features.npz")
    args = parser.parse_args()
    real, labels = load_or_make(args.features, args.real)
    vectors, all_labels = with_copies(real, labels, max(args.points, len(real)))
    print(f"CPU: {cpu_name()}, {os.cpu_count()} logical cores, load average {os.getloadavg()[0]:.1f} at start")
    print(
        f"points: {len(vectors):,} ({len(real):,} real Fashion-MNIST features + jittered copies), width {real.shape[1]}"
    )
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    figures = run_window(vectors, all_labels)
    cpu, wall = time.process_time() - cpu_start, time.perf_counter() - wall_start
    if figures["state"] != "refined":
        sys.exit(f"the map did not finish: {figures['state']}")
    gap = figures["longest_gap_ms"]
    print(f"PCA map drawn:     {figures['pca_s']:.2f} s after asking")
    print(f"refined map drawn: {figures['refined_s']:.1f} s after asking (goal: within 60 s)")
    print(f"longest event-loop gap: {gap:.0f} ms with a 10 ms heartbeat (goal: no stall over 100 ms); "
          f"{figures['redraws']} layouts drawn, {figures['gaps_over_100ms']} gaps over 100 ms")  # fmt: skip
    print(f"longest GUI-thread CPU time between two beats: {figures['longest_busy_ms']:.0f} ms (the app's own work)")
    print(f"CPU share: this process got {cpu:.0f} CPU-seconds in {wall:.0f} s ({cpu / wall:.2f} cores of "
          f"{os.cpu_count()}); load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    n = len(real)
    sample = np.random.default_rng(1).choice(n, min(n, 3000), replace=False)
    full = knn_accuracy(real, labels)
    print(f"quality on the {n:,} real points (10-NN vote accuracy vs the true class; trustworthiness k=10 on 3,000):")
    print(f"  full {real.shape[1]}-d features: accuracy {full:.3f}")
    for name in ("pca", "refined"):
        xy = figures[f"{name}_layout"][:n]
        print(f"  {name:7s} map: accuracy {knn_accuracy(xy, labels):.3f}, "
              f"trustworthiness {trustworthiness(real[sample], xy[sample]):.3f}")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.1f} at the end (other work on the machine slows every figure)")


if __name__ == "__main__":
    main()
