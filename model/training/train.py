"""Train the bundled CoAtNet on Fashion-MNIST from Debian's IDX files.

    python -m model.training.train --out assets/models/coatnet_fmnist_96

Images are upscaled 28 -> 96 px with Pillow's bicubic filter (exactly what the app's preprocessing does
to a 28 px file) and shown to the network as grey RGB. Augmentation: horizontal flip and a random shift
of up to 8 px. AdamW with a one-epoch warm-up and cosine decay, label smoothing 0.1, bf16 autocast on
CPUs that support it. The seed fixes the initialisation, the shuffling and the augmentation.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from model.net.coatnet import CoAtNet, create_model
from model.training.fashion_mnist import DEFAULT_ROOT, load_split
from model.weights.checkpoint import save_checkpoint
from model.weights.labels import FASHION_MNIST_CLASSES as CLASS_NAMES
from model.weights.pretrained import FASHION_MNIST_CFG

CONFIG_NAME = "coatnet_fmnist_96"


def upscale(images: np.ndarray, size: int) -> np.ndarray:
    """Return uint8 ``(N, size, size)``: each 28 px image resized with Pillow's bicubic filter."""
    out = np.empty((len(images), size, size), dtype=np.uint8)
    for i, img in enumerate(images):
        out[i] = np.asarray(Image.fromarray(img).resize((size, size), Image.Resampling.BICUBIC))
    return out


def to_input(batch: torch.Tensor) -> torch.Tensor:
    """Map uint8 grey images ``(B, H, W)`` to the network input ``(B, 3, H, W)``, mean/std 0.5."""
    x = batch.float().div_(255).sub_(0.5).div_(0.5)
    return x[:, None].expand(-1, 3, -1, -1).contiguous(memory_format=torch.channels_last)


def augment(batch: torch.Tensor, generator: torch.Generator, shift: int = 8) -> torch.Tensor:
    """Return a randomly flipped and shifted copy of uint8 ``(B, H, W)`` (edges zero-padded)."""
    b, h, w = batch.shape
    flip = torch.rand(b, generator=generator) < 0.5
    batch = torch.where(flip[:, None, None], batch.flip(-1), batch)
    padded = F.pad(batch, (shift, shift, shift, shift))
    offsets = torch.randint(0, 2 * shift + 1, (b, 2), generator=generator)
    return torch.stack([padded[i, dy : dy + h, dx : dx + w] for i, (dy, dx) in enumerate(offsets.tolist())])


def param_groups(net: torch.nn.Module, weight_decay: float) -> list[dict]:
    """Split parameters into decayed weights and undecayed norms, biases and position tables."""
    decay, no_decay = [], []
    for name, p in net.named_parameters():
        skip = p.ndim <= 1 or "relative_position_bias_table" in name or "rel_pos.mlp" in name
        (no_decay if skip else decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


@torch.no_grad()
def evaluate(net: CoAtNet, images: np.ndarray, labels: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """Return the predicted class of every image (uint8 ``(N, H, W)`` at the net's input size)."""
    net.eval()
    preds = []
    for start in range(0, len(images), batch_size):
        x = to_input(torch.from_numpy(images[start : start + batch_size]))
        preds.append(net(x).argmax(1).numpy())
    return np.concatenate(preds)


def train(args: argparse.Namespace) -> dict:
    """Run the training, save ``model.safetensors`` + ``config.json`` in ``args.out``; return the log."""
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    net = create_model(CONFIG_NAME).to(memory_format=torch.channels_last)
    size = net.cfg.img_size
    t0 = time.perf_counter()
    train_x, train_y = load_split("train", args.data)
    test_x, test_y = load_split("test", args.data)
    if args.limit:
        train_x, train_y = train_x[: args.limit], train_y[: args.limit]
    train_x, test_x = upscale(train_x, size), upscale(test_x, size)
    train_xt, train_yt = torch.from_numpy(train_x), torch.from_numpy(train_y)
    prep_s = time.perf_counter() - t0
    print(f"data: {len(train_x)} train, {len(test_x)} test images at {size} px ({prep_s:.1f}s)")

    opt = torch.optim.AdamW(param_groups(net, args.weight_decay), lr=args.lr)
    steps_per_epoch = len(train_x) // args.batch_size
    total, warmup = args.epochs * steps_per_epoch, steps_per_epoch

    def lr_at(step: int) -> float:
        if step < warmup:
            return args.lr * (step + 1) / warmup
        return 0.5 * args.lr * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))

    log: dict = {
        "config": CONFIG_NAME,
        "seed": args.seed,
        "epochs": [],
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    step = 0
    for epoch in range(args.epochs):
        net.train()
        order = torch.randperm(len(train_xt), generator=gen)
        seen, correct, loss_sum, t_epoch = 0, 0, 0.0, time.perf_counter()
        for i in range(steps_per_epoch):
            idx = order[i * args.batch_size : (i + 1) * args.batch_size]
            x = to_input(augment(train_xt[idx], gen))
            y = train_yt[idx]
            for group in opt.param_groups:
                group["lr"] = lr_at(step)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                logits = net(x)
                loss = F.cross_entropy(logits.float(), y, label_smoothing=0.1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            seen += len(y)
            correct += (logits.argmax(1) == y).sum().item()
            loss_sum += loss.item() * len(y)
            if (i + 1) % 100 == 0 or i + 1 == steps_per_epoch:
                rate = seen / (time.perf_counter() - t_epoch)
                print(
                    f"epoch {epoch + 1}/{args.epochs} step {i + 1}/{steps_per_epoch} "
                    f"loss {loss_sum / seen:.4f} train acc {correct / seen:.4f} {rate:.0f} img/s",
                    flush=True,
                )
        log["epochs"].append(
            {
                "epoch": epoch + 1,
                "loss": loss_sum / seen,
                "train_acc": correct / seen,
                "seconds": time.perf_counter() - t_epoch,
            }
        )

    preds = evaluate(net, test_x, test_y)
    accuracy = float((preds == test_y).mean())
    log["test_accuracy"] = accuracy
    log["train_seconds"] = time.perf_counter() - t0
    print(f"test accuracy {accuracy:.4f} on {len(test_y)} images; total {log['train_seconds'] / 60:.1f} min")
    net.eval()
    save_checkpoint(
        net.to(memory_format=torch.contiguous_format),
        args.out,
        label_names=list(CLASS_NAMES),
        preprocess=replace(FASHION_MNIST_CFG, input_size=(size, size)),
    )
    (args.out / "train_log.json").write_text(json.dumps(log, indent=2))
    return log


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("assets/models") / CONFIG_NAME)
    parser.add_argument("--data", type=Path, default=DEFAULT_ROOT, help="folder with the IDX .gz files")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--weight-decay", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=0, help="train on the first N images only (smoke runs)")
    parser.add_argument("--no-bf16", dest="bf16", action="store_false", help="train in fp32")
    train(parser.parse_args(argv))


if __name__ == "__main__":
    main()
