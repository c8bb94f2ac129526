"""Make ``docs/screenshot.png``: the real main window on an X screen, a sample with an attention overlay.

    xvfb-run -s "-screen 0 1366x768x24" .venv/bin/python docs/make_screenshot.py [--out PNG] [--sample IMAGE]
        [--kind KIND] [--mode MODE] [--head HEAD] [--appearance system|light|dark]

    QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=2 .venv/bin/python docs/make_screenshot.py \
        --appearance light --out docs/window_2x_light.png
    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_screenshot.py --appearance dark --out docs/window_1x_dark.png

Opens the window at 1366x768 with settings in a temporary file (yours are not touched), shows a bundled sample,
picks the first Transformer block's attention from a query point (``--mode`` and ``--head`` pick another attention
map, e.g. ``--mode bias --head all`` for small multiples of the learned bias; ``--kind gradcam`` another overlay),
waits for the overlay and grabs the whole screen through the platform (what a screenshot tool would see); on the
``offscreen`` platform, which has no screen to grab, the window itself, in device pixels (2x at QT_SCALE_FACTOR=2).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from coatnet_gui.app.appearance import apply_appearance
from coatnet_gui.app.gc_guard import collect_on_gui_thread
from coatnet_gui.app.launch import app_icon, open_arguments
from coatnet_gui.app.main_window import MainWindow
from coatnet_gui.app.settings import Settings
from model.explain.maps import ATTENTION_MODES, HEAD_MEAN, KINDS, OverlaySpec

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_MS = 120_000


def main() -> int:
    """Write the screenshot; return 0 when the overlay appeared in time, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--sample", default=str(ROOT / "assets" / "samples" / "fashion_ankle-boot.png"))
    parser.add_argument("--model", default="bundled", help="model source, as in the Model menu")
    parser.add_argument("--kind", default="attention", choices=sorted(KINDS), help="overlay type")
    parser.add_argument("--mode", default="query", choices=sorted(ATTENTION_MODES), help="attention mode")
    parser.add_argument("--head", default=HEAD_MEAN, help='a head number, "mean" or "all"')
    parser.add_argument("--appearance", default="system", choices=("system", "light", "dark"), help="View ▸ Appearance")
    args = parser.parse_args()
    out = args.out
    app = QApplication([sys.argv[0]])
    app.setWindowIcon(app_icon())
    collect_on_gui_thread()  # as the app does
    apply_appearance(app, args.appearance)
    settings = Settings(str(Path(tempfile.mkdtemp()) / "settings.ini"))
    settings.model = args.model
    head = int(args.head) if args.head.isdigit() else args.head
    settings.overlay = OverlaySpec(kind=args.kind, attention_mode=args.mode, head=head)
    window = MainWindow(settings)
    window.setGeometry(0, 0, 1366, 768)
    window.show()
    open_arguments(window, [args.sample])
    picked = args.kind != "attention"  # only attention maps have a query point to pick

    def poll() -> None:
        nonlocal picked
        result = window.result
        if result is None or window.session.classifier is None:
            return
        if not picked:  # a query on the boot, once its explanation is there
            picked = True
            window.image_tab.controls.set_query(0.62, 0.55)
            return
        if result.spec == window.image_tab.controls.spec():
            timer.stop()
            QTimer.singleShot(500, finish)

    def finish() -> None:
        offscreen = QGuiApplication.platformName() == "offscreen"
        screen = window.grab() if offscreen else window.screen().grabWindow(0)
        screen.save(str(out))
        print(f"wrote {out} ({screen.width()}x{screen.height()})")
        app.exit(0)

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(200)
    QTimer.singleShot(TIMEOUT_MS, lambda: (print("the overlay did not appear in time"), app.exit(1)))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
