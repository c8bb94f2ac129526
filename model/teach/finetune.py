"""The finetune mode: the base's last stage, its final norm and a new head trained on the images themselves, with
light augmentation (random resized crop, horizontal flip); everything before the last stage stays frozen.
Meant for a GPU, workable on a CPU for small sets. The result reads the final features, so timm loads it too."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F

from model.cancel import CancelToken, check
from model.data.decode import ImageLoadError
from model.data.pixels import PreprocessCfg
from model.data.transform import load_pixels, normalize
from model.features import base_key, final_choice
from model.net.coatnet import CoAtNet
from model.runtime.device import choose_placement
from model.runtime.placement import Placement
from model.teach.card import Taught, finish
from model.teach.dataset import Checked, require_two_per_class, stratified_split
from model.teach.head import class_weights, train_head
from model.teach.resume import fingerprint, load_state, resume_path, save_state
from model.teach.types import TeachError, TeachProgress, TeachResult, TeachSettings
from model.weights.loading import LoadedModel

FINETUNE_EPOCHS = 10
BATCH = 32
LR_HEAD = 1e-3
LR_STAGE = 1e-4
WEIGHT_DECAY = 0.05
MIN_SCALE = 0.6  # random resized crop keeps 60-100% of the area: light, the subject stays in view


def augment(batch: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Return a random resized crop (area 60-100%, aspect 3:4-4:3) of each image, flipped left-right half the
    time, at the same size; ``batch`` is ``(B, 3, H, W)`` float."""
    b, _, h, w = batch.shape
    out = torch.empty_like(batch)
    for i in range(b):
        area = torch.empty(1).uniform_(MIN_SCALE, 1.0, generator=gen).item() * h * w
        ratio = math.exp(torch.empty(1).uniform_(math.log(3 / 4), math.log(4 / 3), generator=gen).item())
        ch = min(h, max(1, round(math.sqrt(area / ratio))))
        cw = min(w, max(1, round(math.sqrt(area * ratio))))
        top = int(torch.randint(0, h - ch + 1, (1,), generator=gen))
        left = int(torch.randint(0, w - cw + 1, (1,), generator=gen))
        crop = batch[i : i + 1, :, top : top + ch, left : left + cw]
        crop = F.interpolate(crop, size=(h, w), mode="bilinear", align_corners=False)
        if torch.rand(1, generator=gen).item() < 0.5:
            crop = crop.flip(-1)
        out[i] = crop[0]
    return out


def load_all(
    paths: list[str],
    preprocess: PreprocessCfg,
    on_progress: Callable[[int, int], None] | None,
    cancel: CancelToken | None = None,
) -> tuple[torch.Tensor, dict[int, str]]:
    """Return the model's view of each readable image as uint8 ``(N, 3, H, W)`` (in input order) and, by index,
    why the others could not be read; ``cancel`` is checked between batches."""
    pixels, failed = [], {}

    def one(path: str) -> torch.Tensor | str:
        try:
            return load_pixels(path, preprocess)[0]
        except (ImageLoadError, OSError) as exc:
            return f"unreadable image: {exc}"

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for start in range(0, len(paths), BATCH):
            check(cancel)
            for i, got in enumerate(pool.map(one, paths[start : start + BATCH]), start=start):
                if isinstance(got, str):
                    failed[i] = got
                else:
                    pixels.append(got.expand(3, *got.shape[1:]))
            if on_progress:
                on_progress(min(start + BATCH, len(paths)), len(paths))
    size = preprocess.input_size
    stacked = torch.stack(pixels) if pixels else torch.empty(0, 3, *size, dtype=torch.uint8)
    return stacked, failed


def finetune(
    loaded: LoadedModel,
    checked: Checked,
    out: Path,
    settings: TeachSettings,
    on_progress: Callable[[TeachProgress], None] | None,
    cancel: CancelToken | None = None,
) -> TeachResult:
    """Train the last stage and a new head of ``loaded`` on ``checked``; write ``out``; return the result.
    ``cancel`` is checked between batches of images read and between epochs (raises
    :class:`~model.cancel.Cancelled`; the resume state of the last finished epoch stays)."""
    try:
        placement = choose_placement(settings.device)
    except ValueError as exc:
        raise TeachError(str(exc)) from None
    preprocess = loaded.info.preprocess

    def read_progress(done: int, total: int) -> None:
        if on_progress:
            on_progress(TeachProgress("features", done, total))

    pixels, failed = load_all(checked.paths, preprocess, read_progress, cancel)
    checked = checked.without(failed)
    require_two_per_class(checked.labels, checked.classes)
    y = torch.tensor(checked.labels)
    train, held = stratified_split(checked.labels, settings.val_split, settings.seed)
    num_classes = len(checked.classes)
    epochs = settings.epochs or FINETUNE_EPOCHS
    run_fingerprint = fingerprint(
        base_key(loaded.net, preprocess), checked.digests, checked.labels, checked.classes, "finetune", epochs,
        settings.val_split, settings.seed,
    )  # fmt: skip
    state_file = resume_path(out)
    net = _with_new_head(loaded.net, num_classes)
    placement.prepare(net)
    if not (settings.resume and state_file.is_file()):
        _warm_start(net, pixels[train], y[train], preprocess, placement, settings.seed)
    stage, head_params = list(net.stages[-1].parameters()), [*net.norm.parameters(), *net.head.parameters()]
    opt = torch.optim.AdamW(
        [{"params": stage, "lr": LR_STAGE}, {"params": head_params, "lr": LR_HEAD}], weight_decay=WEIGHT_DECAY
    )
    trained = {name: p for name, p in net.named_parameters() if p.requires_grad}
    start, saved, losses, accuracies = 0, {}, [], []
    if settings.resume:
        start, saved = load_state(state_file, run_fingerprint, opt)
    if start:
        with torch.no_grad():
            for name, p in trained.items():
                p.copy_(saved[f"w.{name}"])
        losses, accuracies = saved["losses"].tolist(), saved["accuracies"].tolist()
    weights = class_weights(y[train], num_classes).to(placement.device)
    x_train, y_train = pixels[train], y[train]
    for epoch in range(start, epochs):
        check(cancel)
        gen = torch.Generator().manual_seed(settings.seed * 100_003 + epoch)
        order = torch.randperm(len(train), generator=gen)
        _train_mode(net)
        total = 0.0
        for i in range(0, len(order), BATCH):
            idx = order[i : i + BATCH]
            batch = augment(normalize(x_train[idx], preprocess), gen)
            with placement.autocast():
                logits = net(placement.to_input(batch))
            loss = F.cross_entropy(logits.float(), y_train[idx].to(placement.device), weight=weights)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / len(order))
        predicted = _predict(net, pixels[held], preprocess, placement)
        accuracies.append((predicted == y[held]).float().mean().item())
        tensors = {f"w.{name}": p for name, p in trained.items()}
        tensors |= {"losses": torch.tensor(losses), "accuracies": torch.tensor(accuracies)}
        save_state(state_file, epoch + 1, run_fingerprint, tensors, opt)
        if on_progress:
            on_progress(TeachProgress("train", epoch + 1, epochs, losses[-1], accuracies[-1]))
    if on_progress:
        on_progress(TeachProgress("evaluate", 0, 1))
    predicted = _predict(net, pixels[held], preprocess, placement)
    net.to("cpu").eval()
    taught = Taught(net, final_choice(net), net.head.fc.in_features, "finetune", epochs, len(train), {})
    result = finish(out, taught, loaded=loaded, checked=checked, truth=y[held], predicted=predicted)
    state_file.unlink(missing_ok=True)
    if on_progress:
        on_progress(TeachProgress("evaluate", 1, 1))
    return result


def _with_new_head(base: CoAtNet, num_classes: int) -> CoAtNet:
    """Return a copy of ``base`` with a zeroed ``num_classes`` head; only the last stage, final norm and head
    require gradients."""
    net = CoAtNet(replace(base.cfg, num_classes=num_classes), name=base.name)
    state = {k: v for k, v in base.state_dict().items() if not k.startswith("head.fc.")}
    state["head.fc.weight"] = torch.zeros_like(net.head.fc.weight)
    state["head.fc.bias"] = torch.zeros_like(net.head.fc.bias)
    net.load_state_dict(state, strict=True)
    net.requires_grad_(False)
    for module in (net.stages[-1], net.norm, net.head):
        module.requires_grad_(True)
    return net


def _warm_start(
    net: CoAtNet, pixels: torch.Tensor, y: torch.Tensor, preprocess: PreprocessCfg, placement: Placement, seed: int
) -> None:
    """Set the new classifier to a linear head trained on the base's final features of the training images, so
    that fine-tuning starts from a working classifier instead of a zero one."""
    feats = []
    hook = net.head.fc.register_forward_pre_hook(lambda _m, inputs: feats.append(inputs[0].float().cpu()))
    try:
        _predict(net, pixels, preprocess, placement)
    finally:
        hook.remove()
    fit = train_head(torch.cat(feats), y, net.cfg.num_classes, seed=seed)
    with torch.no_grad():
        net.head.fc.weight.copy_(fit.weight)
        net.head.fc.bias.copy_(fit.bias)


def _train_mode(net: CoAtNet) -> None:
    """Put the trained parts in training mode and keep the frozen ones (their batch norms) in eval mode."""
    net.eval()
    for module in (net.stages[-1], net.norm, net.head):
        module.train()


def _predict(net: CoAtNet, pixels: torch.Tensor, preprocess: PreprocessCfg, placement: Placement) -> torch.Tensor:
    """Return the predicted class ``(N,)`` of uint8 images ``(N, 3, H, W)`` (eval mode, no augmentation)."""
    net.eval()
    out = []
    with torch.inference_mode(), placement.autocast():
        for i in range(0, len(pixels), BATCH):
            batch = normalize(pixels[i : i + BATCH], preprocess)
            out.append(net(placement.to_input(batch)).float().argmax(1).cpu())
    return torch.cat(out) if out else torch.empty(0, dtype=torch.long)
