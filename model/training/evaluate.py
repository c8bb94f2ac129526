"""Measure the bundled model on the full Fashion-MNIST test set and write its model card.

    python -m model.training.evaluate                    # reads Debian's IDX test files

Every test image goes through the app's own path: a PIL image -> ``model.data.transform`` -> the network ->
label names. Accuracy is measured in fp32, and the fast precision the app picks on this machine (bf16
on AMX CPUs) is compared with it. Writes ``eval.json``, ``confusion_matrix.png`` and ``MODEL_CARD.md``
beside the weights.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from model.data.transform import preprocess
from model.resources import bundled_model_dir
from model.runtime.inference import Classifier
from model.teach.evaluation import draw_confusion
from model.training.fashion_mnist import DEFAULT_ROOT, load_split
from model.weights.labels import FASHION_MNIST_CLASSES as CLASS_NAMES
from model.weights.loading import load_model


def predict_all(clf: Classifier, images: np.ndarray, batch_size: int = 250) -> np.ndarray:
    """Return the top-1 class of every grey image ``(N, 28, 28)`` through the app's preprocessing."""
    preds = []
    for start in range(0, len(images), batch_size):
        batch = torch.stack(
            [
                preprocess(Image.fromarray(img).convert("RGB"), clf.preprocess_cfg)
                for img in images[start : start + batch_size]
            ]
        )
        preds.append(clf.probabilities(batch).argmax(1).numpy())
    return np.concatenate(preds)


def confusion_matrix(labels: np.ndarray, preds: np.ndarray, num_classes: int) -> np.ndarray:
    """Return counts ``(true class, predicted class)``, shape ``(num_classes, num_classes)``."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (labels, preds), 1)
    return matrix


CARD_TEMPLATE = Path(__file__).with_name("model_card.md")  # str.format placeholders: see write_card


def write_card(folder: Path, result: dict, train_log: dict) -> None:
    """Write ``MODEL_CARD.md`` in ``folder`` from :data:`CARD_TEMPLATE`, the evaluation ``result`` and the
    training log."""
    epochs = train_log.get("epochs", [])
    fastest = min((e["seconds"] for e in epochs), default=0.0) / 60
    per_class = "\n".join(f"| {n} | {a:.1%} |" for n, a in zip(CLASS_NAMES, result["per_class"], strict=True))
    text = CARD_TEMPLATE.read_text(encoding="utf-8").format(
        params=result["params"],
        size_mb=(folder / "model.safetensors").stat().st_size / 1e6,
        seed=train_log.get("seed", 0),
        epochs=len(epochs),
        train_min=train_log.get("train_seconds", 0.0) / 60,
        fastest_epoch=fastest,
        idle_min=fastest * len(epochs) + 1,
        acc=result["accuracy_fp32"],
        fast=result["fast_precision"],
        fast_acc=result["accuracy_fast"],
        agree=result["agreement"],
        per_class=per_class,
        date=time.strftime("%Y-%m-%d"),
        torch=torch.__version__,
        machine=platform.processor() or platform.machine(),
    )
    (folder / "MODEL_CARD.md").write_text(text, encoding="utf-8")


def evaluate(folder: Path, data: Path) -> dict:
    """Measure the model in ``folder`` on the test split; return and save the figures."""
    images, labels = load_split("test", data)
    fp32 = Classifier(load_model(str(folder)), device="cpu", precision="fp32")
    preds = predict_all(fp32, images)
    fast = Classifier(load_model(str(folder)), device="auto")
    fast_preds = predict_all(fast, images) if fast.placement.precision != "fp32" else preds
    matrix = confusion_matrix(labels, preds, len(CLASS_NAMES))
    result = {
        "images": int(len(labels)),
        "params": sum(p.numel() for p in fp32.net.parameters()),
        "accuracy_fp32": float((preds == labels).mean()),
        "fast_precision": f"{fast.placement.device} {fast.placement.precision}",
        "accuracy_fast": float((fast_preds == labels).mean()),
        "agreement": float((fast_preds == preds).mean()),
        "per_class": (matrix.diagonal() / matrix.sum(1)).tolist(),
        "confusion_matrix": matrix.tolist(),
    }
    (folder / "eval.json").write_text(json.dumps(result, indent=2) + "\n")
    draw_confusion(matrix, list(CLASS_NAMES), folder / "confusion_matrix.png", cell=56)
    log_path = folder / "train_log.json"
    write_card(folder, result, json.loads(log_path.read_text()) if log_path.exists() else {})
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", type=Path, default=None, help="default: the bundled model")
    parser.add_argument("--data", type=Path, default=DEFAULT_ROOT, help="folder with the IDX .gz files")
    args = parser.parse_args(argv)
    result = evaluate(args.model_dir or bundled_model_dir(), args.data)
    print(
        f"test accuracy (fp32): {result['accuracy_fp32']:.4f} on {result['images']} images; "
        f"{result['fast_precision']}: {result['accuracy_fast']:.4f}, top-1 agreement {result['agreement']:.4f}"
    )


if __name__ == "__main__":
    main()
