"""ONNX export figures: parity of every public config at full width, and top-1 agreement on 1,000 real images.

    python benchmarks/bench_onnx.py [--images 1000] [--only coatnet_0_rw_224] [--skip-configs]

1. Every config with public weights, at its own widths and depths with random weights (batch-norm statistics
   measured on a random batch, as trained ones are), built at 32 px (the smallest input; the relative-position tables
   tie the graph to the input size): export time, file size, and the max |logit difference| of onnxruntime to our
   fp32 forward on a batch of 3 (goal <= 1e-4).
2. The bundled model, exported at its own 96 px: the first ``--images`` Fashion-MNIST test images (Debian's
   dataset-fashion-mnist) through the app's preprocessing, classified by the PyTorch fp32 path and by onnxruntime in
   batches of 100: top-1 agreement (goal 100 %), each one's accuracy against the true classes, and images/s of both
   (measured in this run, interleaved; a figure, not a goal).
Prints the CPU it ran on.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import cpu_name  # noqa: E402
from _timing import interleaved_medians  # noqa: E402

from model.data.pixels import PreprocessCfg
from model.data.transform import preprocess  # noqa: E402
from model.export.onnx_export import export_onnx  # noqa: E402
from model.net.coatnet import CoAtNet  # noqa: E402
from model.net.config import get_config  # noqa: E402
from model.runtime.inference import Classifier  # noqa: E402
from model.runtime.runtimes import open_predictor  # noqa: E402
from model.training.fashion_mnist import load_split  # noqa: E402
from model.weights.info import ModelInfo
from model.weights.loading import LoadedModel, load_model  # noqa: E402
from model.weights.pretrained import configs_with_weights  # noqa: E402

SIDE = 32


def calibrate_batchnorm(net: CoAtNet) -> CoAtNet:
    """Return ``net`` in eval mode with its batch-norm running statistics measured on one random batch, as a trained
    checkpoint's are. Fresh statistics (mean 0, variance 1) normalise nothing: coatnet_bn_0_rw_224's random logits
    then reach ~500, where fp32 rounding alone differs by 5e-4 (1e-6 relative); measured, they are ~5."""
    norms = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    if norms:
        for norm in norms:
            norm.reset_running_stats()
            norm.momentum = None  # a plain average over the batch
        net.train()
        with torch.no_grad():
            net(torch.randn(16, 3, SIDE, SIDE, generator=torch.Generator().manual_seed(3)))
    return net.eval()


def config_parity(name: str, folder: Path) -> tuple[float, float, float]:
    """Return (export seconds, MB, max |logit diff|) of ``name`` at full width, random weights, :data:`SIDE` px."""
    torch.manual_seed(0)
    net = calibrate_batchnorm(CoAtNet(replace(get_config(name), img_size=SIDE), name=name))
    n = net.cfg.num_classes
    info = ModelInfo(name, name, "file", "random", n, [str(i) for i in range(n)], "custom", PreprocessCfg((SIDE, SIDE)))
    result = export_onnx(LoadedModel(net, info), folder / f"{name}.onnx", opset=17)
    batch = torch.randn(3, 3, SIDE, SIDE, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ours = net(batch).numpy()
    session = ort.InferenceSession(str(result.path), providers=["CPUExecutionProvider"])
    diff = float(np.abs(session.run(["logits"], {"pixels": batch.numpy()})[0] - ours).max())
    result.path.unlink()
    return result.seconds, result.size / 1e6, diff


def agreement(count: int, folder: Path) -> None:
    """Print the bundled model's export time, top-1 agreement and accuracy of both runtimes on ``count`` images."""
    loaded = load_model("bundled")
    result = export_onnx(loaded, folder / "bundled.onnx")
    print(f"bundled model: exported in {result.seconds:.2f} s, {result.size / 1e6:.1f} MB, opset {result.opset}")
    images, labels = load_split("test")
    torch_clf = Classifier(loaded, device="cpu", precision="fp32")
    onnx_clf = open_predictor(result.path, "cpu")
    cfg = torch_clf.preprocess_cfg
    pixels = torch.stack([preprocess(Image.fromarray(img).convert("RGB"), cfg) for img in images[:count]])
    batches = list(pixels.split(100))
    ours = torch.cat([torch_clf.probabilities(b) for b in batches]).argmax(-1).numpy()
    theirs = torch.cat([onnx_clf.probabilities(b) for b in batches]).argmax(-1).numpy()
    truth = labels[:count]
    agree = int((ours == theirs).sum())
    print(
        f"{count} Fashion-MNIST test images: top-1 agreement {agree}/{count} ({agree / count:.1%}); accuracy "
        f"PyTorch {(ours == truth).mean():.2%}, onnxruntime {(theirs == truth).mean():.2%}"
    )
    seconds = interleaved_medians(
        {
            "torch": lambda: torch_clf.probabilities(batches[0]),
            "onnxruntime": lambda: onnx_clf.probabilities(batches[0]),
        },
        repeats=5,
    )
    rates = {k: 100 / v for k, v in seconds.items()}
    print(
        f"batch 100 at 96 px, {torch.get_num_threads()} threads: PyTorch fp32 {rates['torch']:.0f} img/s, "
        f"onnxruntime {rates['onnxruntime']:.0f} img/s (x{rates['onnxruntime'] / rates['torch']:.2f})"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--only", help="one config of part 1")
    parser.add_argument("--skip-configs", action="store_true", help="only part 2")
    args = parser.parse_args(argv)
    print(f"CPU: {cpu_name()}, {torch.get_num_threads()} threads; torch {torch.__version__}, ORT {ort.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        agreement(args.images, folder)
        if not args.skip_configs:
            names = [args.only] if args.only else sorted(configs_with_weights())
            for name in names:
                seconds, size, diff = config_parity(name, folder)
                verdict = "ok" if diff <= 1e-4 else "OVER 1e-4"
                print(f"{name:28s} export {seconds:6.1f} s  {size:7.1f} MB  max |logit diff| {diff:.2e}  {verdict}")


if __name__ == "__main__":
    main()
