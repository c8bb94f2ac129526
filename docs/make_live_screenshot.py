"""Make ``docs/live_tab.png``: the real window's Live tab playing a video file, a frame with its attention overlay,
the timeline strip filled and the fps readout.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_live_screenshot.py [--out PNG] [--model SOURCE]

Writes a short video of the bundled samples (each held half a second, 10 fps, 320 px, H.264) into a temporary
folder, opens the window at 1366x768 with settings in a temporary file (yours are not touched), plays the file once
with the attention from a query point on the shoe, waits for the timeline, shows the frame at 60 % and grabs the
window.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import av
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from coatnet_gui.app.gc_guard import collect_on_gui_thread
from coatnet_gui.app.launch import app_icon
from coatnet_gui.app.main_window import MainWindow
from coatnet_gui.app.settings import Settings
from model.data.decode import load_image
from model.explain.maps import OverlaySpec
from model.resources import sample_images

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_MS = 120_000
SIDE, HOLD, FPS = 320, 5, 10


def write_samples_clip(path: Path) -> Path:
    """Write the bundled samples, each held :data:`HOLD` frames, as an H.264 video; return ``path``."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width = stream.height = SIDE
        stream.pix_fmt = "yuv420p"
        for sample in sample_images():
            frame = av.VideoFrame.from_image(load_image(sample).resize((SIDE, SIDE)))
            for _ in range(HOLD):
                container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def main() -> int:
    """Write the screenshot; return 0 when it was taken in time, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "live_tab.png")
    parser.add_argument("--model", default="bundled", help="model source, as in the Model menu")
    args = parser.parse_args()
    app = QApplication([sys.argv[0]])
    app.setWindowIcon(app_icon())
    collect_on_gui_thread()  # as the app does
    folder = Path(tempfile.mkdtemp())
    clip = write_samples_clip(folder / "samples.mp4")
    settings = Settings(str(folder / "settings.ini"))
    settings.model = args.model
    window = MainWindow(settings)
    window.setGeometry(0, 0, 1366, 768)
    live = window.live
    window.tabs.setCurrentWidget(live)
    window.show()
    stage = {"name": "model"}

    def poll() -> None:
        s, p = live.session, live.player
        if stage["name"] == "model" and window.session.classifier is not None:
            stage["name"] = "open"
            live.controls.choose(OverlaySpec(kind="attention", attention_mode="query", query=(0.62, 0.45)))
            live.open_file(clip)
        elif stage["name"] == "open" and p.info is not None and s.result is not None:
            stage["name"] = "play"
            p.play()
        elif stage["name"] == "play" and not p.playing and not s.timeline_running():
            stage["name"] = "seek"
            p.seek(0.6 * float(p.info.duration))
        elif stage["name"] == "seek" and s.result is not None and s.result.frame.index >= 0.55 * p.info.frames:
            if not s.busy() and s.overlay is not None and s.overlay.spec.query == (0.62, 0.45):
                timer.stop()
                QTimer.singleShot(300, finish)

    def finish() -> None:
        window.grab().save(str(args.out))
        print(f"wrote {args.out}: {live.stats_label.text()}; {live.timeline_status.text()}")
        app.exit(0)

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(100)
    QTimer.singleShot(TIMEOUT_MS, lambda: (print("the Live tab did not get there in time"), app.exit(1)))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
