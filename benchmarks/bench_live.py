"""The Live tab, measured in the real tab offscreen: memory over a long file, and latency against a bare forward pass.

    python benchmarks/bench_live.py [--minutes 10] [--speed 4] [--sample-s 10] [--warm-s 60]
                                    [--latency-frames 12] [--skip-memory] [--skip-latency] [--skip-coatnet0]
                                    [--fast-pass-only]

1. Memory (issue 21: RSS growth < 10 %): a ``--minutes`` long 640 x 480 H.264 file (30 fps, moving shapes on a
   shifting gradient, low bitrate, in a temporary folder) plays through the real :class:`LiveTab` (its
   :class:`FilePlayer` and :class:`LiveSession`, the app's one worker facility) with the bundled model on the CPU,
   the attention overlay from a query point on, and the file's timeline strip computed in the background. It
   plays at ``--speed`` times the file's pace (the player's own speed setting): every frame is still decoded,
   turned into a QImage, shown and offered to the network, which drops what arrives while it is busy. The
   process's resident memory (``/proc/self/status``) is sampled every ``--sample-s`` seconds of wall time; the
   growth is from the first sample at or after ``--warm-s`` seconds of video to the end.
2. Latency (issue 21: a frame's arrival to its top-5 on screen <= 1.5x a bare forward pass of one image): the
   tab's own readout (:class:`~model.live.pacing.FrameStats`, reset before each frame) for single frames stepped
   on a paused file, interleaved with a bare forward pass (``Classifier.probabilities`` of the same frame,
   preprocessed beforehand) on the same classifier, run on the tab's ``live`` pool (the thread, with its own
   OpenMP team, that runs the frames: passes on the GUI thread right after the worker's measured up to x3 slower
   here); medians of ``--latency-frames`` frames, with the overlay off
   (top-5 only) and on (attention from a query point); the ratio is the median of the per-frame ratios. Then the
   readout after playing a 3-second clip at the file's pace (30 fps: a frame may also wait there for the pass in
   flight, and decoding and drawing share the cores with the network), against the network's own time per frame
   meanwhile. For the bundled model and coatnet_0_rw_224 with
   random weights (seed 0).

3. The fast pass in the real tab (issue 21's coatnet_0_rw_224 rates, as a user sees them): a 10-second 640 x 480
   file played at its pace (30 fps) with coatnet_0_rw_224 (random weights), once with the fast pass off and once
   with it on (:mod:`model.live.fast_pass`: the tab asks for it by itself after 5 slow passes; it is let ready
   first, then the file plays from its start), for top-5 only and with the attention overlay; prints the tab's own
   readout (fps over its last 30 frames at the end of the file), frames shown and dropped, and on/off. Skipped when
   OpenVINO is not installed.

Every figure names the CPU (benchmarks/_machine.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import av  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _machine import cpu_name  # noqa: E402
from bench_memory import rss_mb  # noqa: E402
from bench_video import random_classifier, write_video  # noqa: E402

from coatnet_gui.app.gc_guard import collect_on_gui_thread  # noqa: E402
from coatnet_gui.live.player import SPEEDS  # noqa: E402
from coatnet_gui.live.tab import LiveTab  # noqa: E402
from coatnet_gui.workers import Workers  # noqa: E402
from model.data.transform import preprocess  # noqa: E402
from model.explain.maps import OverlaySpec  # noqa: E402
from model.live.fast_pass import FAST_PASS_AFTER  # noqa: E402
from model.runtime.inference import Classifier  # noqa: E402
from model.runtime.runtimes import unavailable_reason  # noqa: E402
from model.weights.loading import load_model  # noqa: E402

SIZE = (640, 480)
FPS = 30
QUERY = (0.4, 0.6)
MEMORY_GOAL_PCT = 10.0
LATENCY_GOAL = 1.5
TIMEOUT_S = 600.0


def write_long_video(path: Path, seconds: float, rate: int = FPS) -> int:
    """Write ``seconds`` of 640 x 480 H.264 (ultrafast, ~300 kbit/s): a gradient that shifts and a block that
    moves, so every frame differs. Return the frame count."""
    w, h = SIZE
    ramp = (np.arange(2 * w) % w * 255 // w).astype(np.uint8)
    base = np.stack([np.broadcast_to(ramp, (h, 2 * w)), np.broadcast_to(ramp[::-1], (h, 2 * w)),
                     np.full((h, 2 * w), 90, np.uint8)], axis=-1)  # fmt: skip
    frames = int(seconds * rate)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.bit_rate = 300_000
        stream.options = {"preset": "ultrafast", "tune": "zerolatency"}
        for i in range(frames):
            picture = np.ascontiguousarray(base[:, (i * 3) % w : (i * 3) % w + w])
            x, y = (i * 7) % (w - 120), (i * 5) % (h - 100)
            picture[y : y + 100, x : x + 120] = (230, 40, 40)
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return frames


class Driver:
    """The real Live tab on ``clf`` (offscreen, its own worker facility), and an event loop that waits for it."""

    def __init__(self, app: QApplication, clf: Classifier):
        self.app, self.clf = app, clf
        self.workers = Workers()
        self.tab = LiveTab(self.workers, lambda: clf, lambda: clf.info.source, lambda: "cpu")
        self.tab.resize(1200, 760)
        self.tab.show()
        self.tab.model_ready(clf)
        self.arrived = 0
        self.tab.player.frame_ready.connect(self._arrived)
        self._tick = QTimer()  # wakes the waiting loop when no event comes
        self._tick.start(50)

    def _arrived(self, _frame) -> None:
        self.arrived += 1

    def wait(self, condition: Callable[[], bool], what: str, every: Callable[[], None] | None = None) -> None:
        """Run the event loop until ``condition()`` holds (``every()`` after each turn); TimeoutError after
        :data:`TIMEOUT_S` (the memory run has no limit but its own end)."""
        deadline = time.monotonic() + TIMEOUT_S
        while not condition():
            if every is None and time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {what}")
            self.app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
            if every is not None:
                every()

    def open(self, path: Path, spec: OverlaySpec | None, overlay: bool) -> None:
        """Open ``path`` with the map ``spec`` (overlay shown or not) and wait for its first frame's top-5."""
        controls = self.tab.controls
        if spec is not None:
            controls.choose(spec)
        if controls.overlay_visible() != overlay:
            controls.visible_box.setChecked(overlay)
        self.tab.open_file(path)
        session = self.tab.session
        self.wait(lambda: session.result is not None and not session.busy(), "the first frame")

    def settle(self) -> None:
        """Wait for the file's timeline to be classified (a one-off background job on the same cores)."""
        self.wait(lambda: not self.tab.session.timeline_running(), "the timeline")

    def bare_forward(self, pixels: torch.Tensor) -> float:
        """Return the seconds of one bare forward pass of ``pixels`` ``(1, 3, H, W)`` (``Classifier.probabilities``),
        run on the tab's own ``live`` pool, so on the thread (and torch's thread team) its frame jobs use."""
        seconds: list[float] = []

        def job(_job) -> float:
            start = time.perf_counter()
            self.clf.probabilities(pixels)
            return time.perf_counter() - start

        self.workers.submit("live", job, seconds.append, lambda message: seconds.append(float("nan")))
        self.wait(lambda: bool(seconds), "a bare forward")
        return seconds[0]

    def close(self) -> None:
        """Stop everything the tab runs and wait for the pools."""
        self.tab.shutdown()
        self.workers.shutdown()
        self._tick.stop()
        self.tab.close()


def row(sample: tuple) -> str:
    """Return one memory sample as a table row."""
    now, pos, rss, shown, dropped, rows = sample
    return f"{now:7.0f} {pos:8.1f} {rss:8.1f} {shown:7,} {dropped:8,} {rows:14,}"


def memory_run(app: QApplication, args: argparse.Namespace, work: Path) -> None:
    """Part 1 of the module docstring."""
    path = work / "long.mp4"
    start = time.perf_counter()
    frames = write_long_video(path, args.minutes * 60)
    print(f"memory: wrote {frames:,} frames ({args.minutes:g} min, {path.stat().st_size / 1e6:.1f} MB) in "
          f"{time.perf_counter() - start:.0f} s")  # fmt: skip
    clf = Classifier(load_model("bundled"), device="cpu")
    d = Driver(app, clf)
    d.open(path, OverlaySpec(kind="attention", attention_mode="query", query=QUERY), overlay=True)
    tab, session = d.tab, d.tab.session
    tab.speed_box.setCurrentIndex(SPEEDS.index(args.speed))
    samples: list[tuple[float, float, float, int, int, int]] = []  # wall s, video s, RSS MB, shown, dropped, rows
    began = time.perf_counter()
    next_at = [0.0]

    def sample() -> None:
        now = time.perf_counter() - began
        if now >= next_at[0]:
            next_at[0] = now + args.sample_s
            s = session.stats
            samples.append((now, tab.player.position, rss_mb(), s.shown_count, s.dropped, len(session.rows)))
            print("  " + row(samples[-1]), flush=True)

    print(f"memory: RSS {rss_mb():.1f} MB with the file open; playing at {args.speed:g}x (every frame decoded, shown, "
          "offered to the network)")  # fmt: skip
    print(f"  {'wall s':>7} {'video s':>8} {'RSS MB':>8} {'shown':>7} {'dropped':>8} {'timeline rows':>14}")
    tab.toggle_play()
    d.wait(lambda: not tab.player.playing, "the end of the file", every=sample)
    next_at[0] = 0.0
    sample()
    wall = time.perf_counter() - began
    warm = next((s for s in samples if s[1] >= args.warm_s), samples[0])
    end = samples[-1]
    growth = (end[2] - warm[2]) / warm[2] * 100
    verdict = "met" if growth < MEMORY_GOAL_PCT else "NOT met"
    print(f"memory: {d.arrived:,} of {frames:,} frames arrived in {wall:.0f} s ({d.arrived / wall:.1f} frames/s); "
          f"{end[3]:,} shown with their top-5, {end[4]:,} dropped; timeline {end[5]:,} rows; "
          f"overlay maps kept: the last one")  # fmt: skip
    print(f"memory: RSS {warm[2]:.1f} MB at {warm[1]:.0f} s of video (after warm-up), {end[2]:.1f} MB at the end "
          f"({end[1]:.0f} s): growth {growth:+.1f} % (goal < {MEMORY_GOAL_PCT:g} %: {verdict})")  # fmt: skip
    d.close()


def step_latencies(d: Driver, frames: int) -> dict[str, list[float]]:
    """Step ``frames`` frames on the paused file; after each, one bare forward of that frame (preprocessed
    beforehand). Return seconds per frame: ``shown`` (the tab's readout, arrival to top-5 on screen), ``network``
    (the network's time as the frame job measured it: preprocessing and forward for a top-5, the explanation's
    forward pass for a map) and ``bare``."""
    tab, session, clf = d.tab, d.tab.session, d.clf
    tab.player.seek(0.0)
    d.wait(lambda: tab.player.index == 0 and not session.busy(), "frame 0")
    times: dict[str, list[float]] = {"shown": [], "network": [], "bare": []}
    for _ in range(frames + 2):  # the first two warm up
        index = tab.player.index + 1
        session.stats.reset()
        tab.step()
        d.wait(lambda i=index: session.stats.shown_count == 1 and session.result.frame.index == i, f"frame {index}")
        times["bare"].append(d.bare_forward(preprocess(session.result.frame.image, clf.preprocess_cfg)[None]))
        times["shown"].append(session.stats.latency)
        times["network"].append(session.result.seconds)
    return {k: v[2:] for k, v in times.items()}


def played_latency(d: Driver) -> tuple[float, float, str, float]:
    """Play the clip from its start at the file's pace; return the readout's latency (s), the mean seconds of the
    frame jobs shown meanwhile (as they timed themselves), the readout, and the GUI thread's CPU seconds per frame
    that arrived (drawing, mostly, with the GIL held: the time the network's Python waits for)."""
    tab, session = d.tab, d.tab.session
    tab.speed_box.setCurrentIndex(SPEEDS.index(1.0))
    tab.player.seek(0.0)
    d.wait(lambda: tab.player.index == 0 and not session.busy(), "frame 0")
    network: dict[int, float] = {}  # per frame shown (a frame with a map comes twice: its top-5, then its map)

    def record(result) -> None:
        network[id(result.frame)] = result.seconds

    session.result_ready.connect(record)
    session.stats.reset()
    arrived, gui_cpu = d.arrived, time.thread_time()
    tab.toggle_play()
    d.wait(lambda: not tab.player.playing, "the end of the clip")
    gui_cpu = (time.thread_time() - gui_cpu) / max(1, d.arrived - arrived)
    session.result_ready.disconnect(record)
    jobs = statistics.mean(list(network.values())[1:] or network.values())
    return session.stats.latency, jobs, session.stats_text().replace("\n", " / "), gui_cpu


def latency_run(app: QApplication, name: str, clf: Classifier, clip: Path, frames: int) -> None:
    """Part 2 of the module docstring for one model."""
    d = Driver(app, clf)
    p = clf.placement
    print(f"latency, {name} ({p.device}, {p.precision}, maps too), medians of {frames} frames:")
    spec = OverlaySpec(kind="attention", attention_mode="query", query=QUERY)
    for overlay in (False, True):
        d.open(clip, spec, overlay)
        d.settle()
        times = step_latencies(d, frames)
        t = {k: statistics.median(v) * 1000 for k, v in times.items()}
        ratio = statistics.median(s / b for s, b in zip(times["shown"], times["bare"], strict=True))
        what = "top-5 + attention overlay" if overlay else "top-5 only"
        verdict = "met" if ratio <= LATENCY_GOAL else "NOT met"
        print(f"  stepped, {what:<25}: arrival -> top-5 on screen {t['shown']:6.1f} ms, of which the network "
              f"{t['network']:6.1f} ms; bare forward {t['bare']:6.1f} ms; median of the per-frame ratios "
              f"{ratio:.2f}x (goal <= {LATENCY_GOAL}x: {verdict})")  # fmt: skip
        latency, network, readout, gui = played_latency(d)
        print(f"  played at 30 fps, {what:<16}: readout '{readout}'; the frame jobs took {network * 1000:6.1f} ms "
              f"each meanwhile: latency {latency / network:.2f}x the job, {latency * 1000 / t['bare']:.2f}x the "
              f"bare forward measured stepped; GUI thread {gui * 1000:.1f} ms of CPU per frame")  # fmt: skip
    d.close()


def played_rate(d: Driver, clip: Path, overlay: bool) -> tuple[float, int, int, str]:
    """Play ``clip`` from its start at its pace; return the readout's fps at the end, frames shown and dropped, and
    the readout."""
    tab, session = d.tab, d.tab.session
    tab.speed_box.setCurrentIndex(SPEEDS.index(1.0))
    if tab.controls.overlay_visible() != overlay:
        tab.controls.visible_box.setChecked(overlay)
    tab.player.seek(0.0)
    d.wait(lambda: tab.player.index == 0 and not session.busy(), "frame 0")
    session.stats.reset()
    tab.toggle_play()
    d.wait(lambda: not tab.player.playing, "the end of the clip")
    s = session.stats
    return s.fps, s.shown_count, s.dropped, session.stats_text().replace("\n", " / ")


def fast_pass_run(app: QApplication, clip: Path) -> None:
    """Part 3 of the module docstring."""
    clf = random_classifier("coatnet_0_rw_224")
    spec = OverlaySpec(kind="attention", attention_mode="query", query=QUERY)
    print(f"fast pass, coatnet_0_rw_224 ({clf.placement.device}, {clf.placement.precision}), a 10 s file at 30 fps:")
    for on in (False, True):
        d = Driver(app, clf)
        session = d.tab.session
        session.fast_after = FAST_PASS_AFTER if on else None
        d.open(clip, spec, overlay=True)
        d.settle()
        if on:  # one play of the file: its slow passes ask for the fast pass, which is let ready
            start = time.perf_counter()
            played_rate(d, clip, overlay=True)
            d.wait(lambda s=session: s.fast is not None, "the fast pass")
            print(
                f"  the tab asked for the fast pass and had it {time.perf_counter() - start:.1f} s after playing began"
            )
        for overlay in (False, True):
            fps, shown, dropped, readout = played_rate(d, clip, overlay)
            what = f"{'fast pass on ' if on else 'fast pass off'}, {'attention overlay' if overlay else 'top-5 only'}"
            print(f"  {what:<35} {fps:5.1f} fps ({shown:,} frames shown, {dropped:,} dropped): '{readout}'")
        d.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the memory run's file (default 10)")
    parser.add_argument("--speed", type=float, default=4.0, choices=SPEEDS, help="playback speed (default 4)")
    parser.add_argument("--sample-s", type=float, default=10.0, help="seconds between RSS samples (default 10)")
    parser.add_argument("--warm-s", type=float, default=60.0, help="video seconds of warm-up (default 60)")
    parser.add_argument("--latency-frames", type=int, default=12, help="frames per latency figure (default 12)")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-coatnet0", action="store_true", help="latency of the bundled model only")
    parser.add_argument("--fast-pass-only", action="store_true", help="only part 3, the fast pass")
    args = parser.parse_args()
    print(f"CPU: {cpu_name()}; torch threads {torch.get_num_threads()}")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    collect_on_gui_thread()  # as the app does
    work = Path(tempfile.mkdtemp(prefix="bench_live_"))
    try:
        if not unavailable_reason("openvino"):
            clip = work / "ten.mp4"
            write_video(clip, 10 * FPS)
            fast_pass_run(app, clip)
        if args.fast_pass_only:
            return
        if not args.skip_latency:
            clip = work / "clip.mp4"
            write_video(clip, 90)  # 3 s at 30 fps, 640 x 480
            models = {"bundled": Classifier(load_model("bundled"), device="cpu")}
            if not args.skip_coatnet0:
                models["coatnet_0_rw_224"] = random_classifier("coatnet_0_rw_224")
            for name, clf in models.items():
                latency_run(app, name, clf, clip, args.latency_frames)
        if not args.skip_memory:
            memory_run(app, args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
