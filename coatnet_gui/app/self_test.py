"""``coatnet-gui --self-test``: prove that this install or bundle works, without a display.

Runs the app's own code paths offscreen, one step at a time, and prints one line per step::

    [ ok ] qt: platform 'offscreen', QImage PNG round trip 24x16
    [ ok ] model: coatnet_fmnist_96 (bundled), 10 classes, ...
    [ ok ] classify: 8 samples on cpu (fp32), ...
    [ ok ] attention: ... -> /tmp/coatnet-self-test-.../attention.png
    [ ok ] grad-cam: ... -> /tmp/coatnet-self-test-.../grad-cam.png
    [ ok ] window: main window 1366x768 ... -> /tmp/coatnet-self-test-.../window.png
    [ ok ] video: 16 frames written (MPEG-4) and decoded, top-1 as the stills' for 16/16; Live tab ... -> live.png
    self-test passed: 7 steps in 5.1 s

A step fails when it raises or when its output is not sane (probabilities that do not sum to 1, maps that are
not finite or out of range, PNG files missing or of the wrong size); steps that need a failed one are skipped.
The exit status is 0 only when every step passed. It is what the bundle test runs inside the frozen app.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model.names import slug

STEPS = ("qt", "model", "classify", "attention", "grad-cam", "window", "video")
VIDEO_SIDE, VIDEO_HOLD = 96, 2  # the video step's clip: each sample held this many frames, this many pixels square
WINDOW_TIMEOUT_S = 120  # from creating the window to its first overlay
_TOLERANCE = 1e-3  # probabilities and attention rows sum to 1 within this


class SelfTestError(Exception):
    """A step's output is not what it must be; ``str()`` says what was wrong."""


def _check(condition: bool, message: str) -> None:
    """Raise :class:`SelfTestError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise SelfTestError(message)


class _Runner:
    """Runs the steps in order, prints one line each and remembers which ones did not pass."""

    def __init__(self) -> None:
        self.not_passed: list[str] = []

    def step(self, name: str, fn: Callable[..., tuple[Any, str]], *needs: Any) -> Any:
        """Run ``fn(*needs)`` as step ``name``; return its value, or None when it failed or was skipped
        (a ``needs`` value of None means a step it depends on did not pass)."""
        if any(n is None for n in needs):
            self.not_passed.append(name)
            print(f"[skip] {name}: an earlier step failed", flush=True)
            return None
        start = time.perf_counter()
        try:
            value, detail = fn(*needs)
        except Exception as exc:  # every failure becomes one FAIL line; the remaining steps still run
            self.not_passed.append(name)
            reason = str(exc).splitlines()[0] if str(exc) else ""
            print(f"[FAIL] {name}: {type(exc).__name__}: {reason}", flush=True)
            return None
        print(f"[ ok ] {name}: {detail} ({time.perf_counter() - start:.2f} s)", flush=True)
        return value


def _qt_step() -> tuple[Any, str]:
    """Check that the Qt binding keeps None's reference count, start the Qt application (its platform plugin must
    load) and round-trip a QImage through PNG."""
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from coatnet_gui.app.none_guard import none_leak_per_call
    from coatnet_gui.qimage import to_qimage

    leak = none_leak_per_call()
    _check(leak == 0, f"the Qt binding drops {leak:.2f} references to None per void call (PySide6 6.12.0?)")
    app = QApplication.instance() or QApplication(["coatnet-gui", "--self-test"])
    from coatnet_gui import i18n

    language = i18n.resolve(i18n.SYSTEM)  # $COATNET_LENS_LANG, else the system locale's
    if not app.property("coatnet_translators"):
        translators = i18n.install(app, language)
        _check(language == i18n.ENGLISH or len(translators) == 2, f"the {language} translation did not load")
    h, w = 16, 24
    rgb = np.zeros((h, w, 3), dtype=np.uint8)
    rgb[..., 0] = np.arange(w, dtype=np.uint8)[None, :] * 10
    rgb[..., 1] = np.arange(h, dtype=np.uint8)[:, None] * 15
    rgb[..., 2] = 200
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    _check(to_qimage(rgb).save(buffer, "PNG"), "QImage could not encode a PNG")
    decoded = QImage.fromData(buffer.data(), "PNG").convertToFormat(QImage.Format.Format_RGB888)
    _check(not decoded.isNull(), "QImage could not decode the PNG it wrote")
    rows = np.frombuffer(decoded.constBits(), dtype=np.uint8).reshape(h, decoded.bytesPerLine())
    _check(np.array_equal(rows[:, : 3 * w].reshape(h, w, 3), rgb), "pixels changed in the PNG round trip")
    return app, f"platform {app.platformName()!r}, QImage PNG round trip {w}x{h}, language {language}"


def _model_step(source: str) -> tuple[Any, str]:
    """Load the model and check that it is complete: one name per class, finite weights."""
    import torch

    from model.weights.loading import load_model

    loaded = load_model(source)
    info = loaded.info
    _check(info.num_classes == len(info.label_names), f"{info.num_classes} classes but {len(info.label_names)} names")
    params = list(loaded.net.parameters())
    _check(all(bool(torch.isfinite(p).all()) for p in params), "the weights contain NaN or infinity")
    count = sum(p.numel() for p in params)
    build = f"torch {torch.__version__}, " + (f"CUDA {torch.version.cuda} build" if torch.version.cuda else "CPU build")
    return loaded, f"{info.name}, {info.num_classes} classes, {count / 1e6:.2f}M parameters; {build}"


def _classify_step(loaded: Any) -> tuple[Any, str]:
    """Classify every bundled sample; each must give a probability vector over all classes that sums to 1."""
    from model.resources import sample_images
    from model.runtime.inference import Classifier

    samples = sample_images()
    _check(bool(samples), "no sample images in the assets")
    classifier = Classifier(loaded)
    predictions = classifier.classify_files(samples, k=loaded.info.num_classes)
    for pred in predictions:
        name = Path(pred.path or "?").name
        _check(pred.error is None, f"{name}: {pred.error}")
        probs = np.asarray(pred.probs)
        _check(len(probs) == loaded.info.num_classes, f"{name}: {len(probs)} probabilities")
        _check(bool(np.isfinite(probs).all() and (probs >= 0).all()), f"{name}: probabilities not finite/non-negative")
        _check(abs(float(probs.sum()) - 1.0) < _TOLERANCE, f"{name}: probabilities sum to {probs.sum():.6f}")
        _check(bool((np.diff(probs) <= 0).all()), f"{name}: the top-k is not sorted")
    agree = sum(slug(p.labels[0]) in slug(Path(p.path or "").stem) for p in predictions)
    where = classifier.placement
    detail = (
        f"{len(predictions)} samples on {where.device} ({where.precision}), probabilities sum to 1; "
        f"top-1 agrees with the file name for {agree}/{len(predictions)}"
    )
    return (classifier, samples[0]), detail


@dataclass
class _Scene:
    """One sample explained, ready for overlays: the ``explanation``, the picture as a QImage, the box of it
    the model saw (image pixels) and that box's size (H, W)."""

    explanation: Any
    qimage: Any
    view_box: Any
    view_size: tuple[int, int]
    label_names: list[str]


def _scene(classifier: Any, sample: Path) -> _Scene:
    """Explain ``sample`` (one captured forward pass) and place the model's view on the picture."""
    from coatnet_gui.image.session import map_size, model_view_box
    from coatnet_gui.qimage import pil_to_qimage
    from model.data.decode import load_image

    image = load_image(sample)
    explanation = classifier.explain(image)
    probs = explanation.probs
    _check(abs(float(probs.sum()) - 1.0) < _TOLERANCE, f"explanation probabilities sum to {float(probs.sum()):.6f}")
    box = model_view_box(classifier, image.size)
    return _Scene(explanation, pil_to_qimage(image), box, map_size(box), classifier.label_names)


def _render(scene: _Scene, kind: str, path: Path) -> tuple[Any, str]:
    """Compute the overlay ``kind`` with the GUI's own code, check its map, draw it over the picture as the
    window does and save it to ``path``; return the map and a description."""
    from PIL import Image

    from coatnet_gui.overlay.paint import ViewState, colorize, render_view
    from model.explain import colormaps
    from model.explain.maps import OverlaySpec, compute_overlay

    result = compute_overlay(scene.explanation, OverlaySpec(kind=kind), scene.view_size, scene.label_names)
    grid = result.panels[0].grid
    _check(bool(np.isfinite(grid).all()), f"{kind} map is not finite")
    _check(result.panels[0].image.shape == scene.view_size, f"{kind} map resized to {result.panels[0].image.shape}")
    state = ViewState(scene.qimage, scene.view_box, result, colorize(result, colormaps.COLORMAPS[0]))
    _check(render_view(state).save(str(path), "PNG"), f"could not write {path}")
    with Image.open(path) as png:
        written = png.size
    width, height = scene.qimage.width(), scene.qimage.height()  # the picture, and its colour bar in a strip below
    _check(
        written[0] == width and written[1] > height,
        f"{path.name} is {written[0]}x{written[1]}, expected {width} wide and over {height} high",
    )
    return grid, f"{result.caption}; {grid.shape[0]}x{grid.shape[1]} map -> {path} ({written[0]}x{written[1]})"


def _attention_step(classified: tuple[Any, Path], out_dir: Path) -> tuple[Any, str]:
    """Explain the first sample; the first Transformer block's attention from the centre must be a
    distribution (non-negative, summing to 1); render it."""
    classifier, sample = classified
    scene = _scene(classifier, sample)
    grid, detail = _render(scene, "attention", out_dir / "attention.png")
    _check(bool((grid >= 0).all()), "attention weights below 0")
    _check(abs(float(grid.sum()) - 1.0) < _TOLERANCE, f"attention sums to {float(grid.sum()):.6f}, not 1")
    return scene, f"{sample.name}: {detail}"


def _grad_cam_step(scene: _Scene, out_dir: Path) -> tuple[Any, str]:
    """Grad-CAM of the top class at the GUI's default block must lie in [0, 1] (peak 1, or all 0); render it."""
    grid, detail = _render(scene, "gradcam", out_dir / "grad-cam.png")
    lo, hi = float(grid.min()), float(grid.max())
    _check(lo >= 0.0 and hi <= 1.0 + 1e-6, f"Grad-CAM spans {lo:.4f}..{hi:.4f}, not [0, 1]")
    _check(hi == 0.0 or math.isclose(hi, 1.0, abs_tol=1e-5), f"Grad-CAM peak {hi:.4f} is neither 0 nor 1")
    return grid, detail


def _window_step(sample: Path, model: str, out_dir: Path) -> tuple[Any, str]:
    """Open the main window offscreen (settings in a temporary file, not the user's), show ``sample`` and
    wait until the window has loaded ``model``, classified the image and drawn its first overlay."""
    from PySide6.QtCore import QEventLoop, QTimer

    from coatnet_gui.app.gc_guard import collect_on_gui_thread
    from coatnet_gui.app.main_window import MainWindow
    from coatnet_gui.app.settings import Settings

    collect_on_gui_thread()  # as run_app does, before the window starts worker threads
    with tempfile.TemporaryDirectory(prefix="coatnet-self-test-settings-") as folder:
        settings = Settings(str(Path(folder) / "settings.ini"))
        settings.model = model
        window = MainWindow(settings)
        outcome: dict[str, Any] = {}
        loop = QEventLoop()
        window.session.overlay_ready.connect(lambda result: (outcome.setdefault("result", result), loop.quit()))
        window.session.failed.connect(lambda message: (outcome.setdefault("error", message), loop.quit()))
        QTimer.singleShot(WINDOW_TIMEOUT_S * 1000, loop.quit)
        window.show()
        window.open_path(str(sample))
        loop.exec()
        path = out_dir / "window.png"
        saved = window.grab().save(str(path), "PNG")
        size = (window.width(), window.height())
        window.close()  # writes the settings to the temporary file and waits for the workers
    _check("error" not in outcome, f"the window reported: {outcome.get('error')}")
    _check("result" in outcome, f"no overlay within {WINDOW_TIMEOUT_S} s")
    _check(saved and path.is_file(), f"could not write {path}")
    return None, f"main window {size[0]}x{size[1]}, {sample.name}: {outcome['result'].caption} -> {path}"


def _write_sample_clip(samples: list[Path], path: Path) -> Path:
    """Write the ``samples``, each held :data:`VIDEO_HOLD` frames, as a small MPEG-4 video (FFmpeg's own encoder,
    in every build of PyAV) at 10 fps; return ``path``."""
    import av

    from model.data.decode import load_image

    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width = stream.height = VIDEO_SIDE
        stream.pix_fmt = "yuv420p"
        stream.options = {"qscale": "2"}
        for sample in samples:
            frame = av.VideoFrame.from_image(load_image(sample).resize((VIDEO_SIDE, VIDEO_SIDE)))
            for _ in range(VIDEO_HOLD):
                container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def _live_window(clip: Path, model: str, out_dir: Path) -> tuple[str, Path]:
    """Play ``clip`` in the window's Live tab until a frame shows with its top-5 and overlay; save the tab as
    ``live.png``; return the fps readout and the PNG's path."""
    from PySide6.QtCore import QEventLoop, QTimer

    from coatnet_gui.app.main_window import MainWindow
    from coatnet_gui.app.settings import Settings

    with tempfile.TemporaryDirectory(prefix="coatnet-self-test-settings-") as folder:
        settings = Settings(str(Path(folder) / "settings.ini"))
        settings.model = model
        window = MainWindow(settings)
        live, outcome, loop = window.live, {}, QEventLoop()
        live.session.result_ready.connect(
            lambda r: (outcome.setdefault("result", r), loop.quit()) if live.session.overlay is not None else None
        )
        live.failed.connect(lambda message: (outcome.setdefault("error", message), loop.quit()))
        window.session.model_ready.connect(lambda _c: live.open_file(clip))
        QTimer.singleShot(WINDOW_TIMEOUT_S * 1000, loop.quit)
        window.tabs.setCurrentWidget(live)
        window.show()
        loop.exec()
        path = out_dir / "live.png"
        saved = live.grab().save(str(path), "PNG")
        readout = live.stats_label.text()
        window.close()
    _check("error" not in outcome, f"the Live tab reported: {outcome.get('error')}")
    _check("result" in outcome, f"no live frame with an overlay within {WINDOW_TIMEOUT_S} s")
    _check(saved and path.is_file(), f"could not write {path}")
    return readout, path


def _video_step(classified: tuple[Any, Path], model: str, out_dir: Path) -> tuple[Any, str]:
    """Write the samples as a video, decode it (:mod:`model.video`: PyAV and its FFmpeg) and classify every frame
    as the Live tab's timeline does: the frame times must be 0.1 s apart and the top-1 of at least 3 in 4 frames
    that of its still; then play it in the window's Live tab until a frame shows with an overlay."""
    from model.live.timeline import timeline_rows

    classifier, _sample = classified
    from model.resources import sample_images

    samples = sample_images()
    clip = _write_sample_clip(samples, out_dir / "samples.mp4")
    stills = [p.labels[0] for p in classifier.classify_files(samples, k=1)]
    rows = [row for chunk in timeline_rows(clip, classifier) for row in chunk]
    _check(len(rows) == VIDEO_HOLD * len(samples), f"{len(rows)} frames decoded of {VIDEO_HOLD * len(samples)}")
    times = [round(r.time, 3) for r in rows]
    _check(times == [round(i / 10, 3) for i in range(len(rows))], f"frame times {times[:4]}... are not 0.1 s apart")
    agree = sum(r.label == stills[r.frame // VIDEO_HOLD] for r in rows)
    _check(4 * agree >= 3 * len(rows), f"top-1 as the still's for only {agree}/{len(rows)} frames")
    readout, path = _live_window(clip, model, out_dir)
    detail = (
        f"{len(rows)} frames written (MPEG-4) and decoded, top-1 as the stills' for {agree}/{len(rows)}; "
        f"Live tab: {readout} -> {path}"
    )
    return None, detail


def run_self_test(out_dir: Path | None = None, model: str = "bundled") -> int:
    """Run every step, printing one line each; return 0 when all passed, else 1.

    ``out_dir`` receives the PNG files (default: a new temporary folder, kept so they can be looked at);
    ``model`` is what :func:`model.weights.load_model` loads (default: the bundled model). Qt runs on the
    ``offscreen`` platform unless ``QT_QPA_PLATFORM`` says otherwise.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported
    start = time.perf_counter()
    out = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="coatnet-self-test-"))
    out.mkdir(parents=True, exist_ok=True)
    runner = _Runner()
    app = runner.step("qt", _qt_step)
    loaded = runner.step("model", _model_step, model)
    classified = runner.step("classify", _classify_step, loaded)
    scene = runner.step("attention", lambda c, _app: _attention_step(c, out), classified, app)
    runner.step("grad-cam", lambda s: _grad_cam_step(s, out), scene)
    runner.step("window", lambda c, _app: _window_step(c[1], model, out), classified, app)
    runner.step("video", lambda c, _app: _video_step(c, model, out), classified, app)
    seconds = time.perf_counter() - start
    if runner.not_passed:
        print(f"self-test FAILED: {', '.join(runner.not_passed)} did not pass ({seconds:.1f} s)", flush=True)
        return 1
    print(f"self-test passed: {len(STEPS)} steps in {seconds:.1f} s; images in {out}", flush=True)
    return 0
