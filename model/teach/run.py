"""Teaching a base network new classes: check the images, compute (or reuse) features, choose where the head
reads the base, train it on a stratified split, measure it on the held-out part, write the checkpoint.

    data = labelled_from_folder("my-photos")            # one sub-folder per class
    result = teach("bundled", data, "my-model.safetensors")
    load_model(result.checkpoint)                        # an ordinary checkpoint

Runs in the calling thread; ``on_progress`` reports each step and a :class:`~model.cancel.CancelToken` stops it
between steps (batches of images, epochs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import torch

from model.cancel import CancelToken
from model.features import (
    AUTO,
    FeatureChoice,
    FeatureStore,
    candidates,
    extract,
    is_feature_name,
    named_choice,
)
from model.net.coatnet import CoAtNet
from model.net.config import head_on_stage
from model.runtime.device import choose_placement
from model.teach.card import Taught, finish
from model.teach.dataset import Checked, check_set, require_two_per_class, stratified_split
from model.teach.finetune import finetune
from model.teach.head import HEAD_EPOCHS, Resume, cross_validated_accuracy, train_head
from model.teach.resume import fingerprint, resume_path
from model.teach.types import MODES, LabelledSet, TeachError, TeachProgress, TeachResult, TeachSettings
from model.weights.layout import WeightsError
from model.weights.loading import LoadedModel, load_model

Progress = Callable[[TeachProgress], None]


def teach(
    base: str,
    data: LabelledSet,
    out: str | Path,
    settings: TeachSettings | None = None,
    on_progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> TeachResult:
    """Teach ``base`` (anything :func:`~model.weights.loading.load_model` accepts) the classes of ``data``;
    write the checkpoint ``out`` (.safetensors), its model card and confusion matrix; return the
    :class:`TeachResult`.

    Raises :class:`TeachError` for bad input (a message naming the file or class) and
    :class:`~model.cancel.Cancelled` when ``cancel`` was cancelled (nothing is written at ``out`` then; the
    features computed so far stay cached and the resume state is kept for ``resume``).
    """
    settings = settings or TeachSettings()
    out = Path(out).expanduser().absolute()
    _check_request(out, settings)
    checked = check_set(data)
    require_two_per_class(checked.labels, checked.classes)  # again once unreadable images are known
    try:
        loaded = load_model(base)
    except WeightsError as exc:
        raise TeachError(f"The base model could not be loaded: {exc}") from None
    if settings.mode == "finetune":
        return finetune(loaded, checked, out, settings, on_progress, cancel)
    return _teach_head(loaded, checked, out, settings, on_progress, cancel)


def _check_request(out: Path, settings: TeachSettings) -> None:
    """Raise :class:`TeachError` for an output or settings that cannot work."""
    if settings.mode not in MODES:
        raise TeachError(f"The mode must be one of {', '.join(MODES)}, not {settings.mode!r}.")
    if out.suffix.lower() != ".safetensors":
        raise TeachError(f"The output must be a .safetensors file, not {out.name!r}.")
    if out.is_dir():
        raise TeachError(f"The output {out} is a folder; give a file name ending in .safetensors.")
    if out.exists() and not settings.force:
        raise TeachError(f"{out} already exists; choose another name, or overwrite it (--force).")
    if not is_feature_name(settings.features):
        raise TeachError(f"The features must be 'auto', 'final' or 'stageN', not {settings.features!r}.")
    if settings.epochs is not None and settings.epochs < 1:
        raise TeachError(f"The number of epochs must be at least 1, not {settings.epochs}.")
    if not 0.0 < settings.val_split < 1.0:
        raise TeachError(f"The held-out fraction must be between 0 and 1, not {settings.val_split}.")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TeachError(f"Cannot create the folder {out.parent}: {exc.strerror or exc}.") from None


def _teach_head(
    loaded: LoadedModel,
    checked: Checked,
    out: Path,
    settings: TeachSettings,
    on_progress: Progress | None,
    cancel: CancelToken | None,
) -> TeachResult:
    """The head mode: frozen base, cached features, a linear head."""
    net = loaded.net.eval()
    try:
        placement = choose_placement(settings.device)
    except ValueError as exc:
        raise TeachError(str(exc)) from None
    store = FeatureStore.for_base(net, loaded.info.preprocess, settings.cache_dir)
    placement.prepare(net)

    def features_progress(done: int, total: int) -> None:
        if on_progress:
            on_progress(TeachProgress("features", done, total))

    got = extract(
        net, placement, loaded.info.preprocess, checked.paths, checked.digests, store, features_progress, cancel
    )
    net.to("cpu")
    checked = checked.without(got.failed)
    require_two_per_class(checked.labels, checked.classes)
    y = torch.tensor(checked.labels)
    train, held = stratified_split(checked.labels, settings.val_split, settings.seed)
    num_classes = len(checked.classes)
    epochs = settings.epochs or HEAD_EPOCHS
    if on_progress:  # ranking the feature candidates takes a few seconds: training has begun
        on_progress(TeachProgress("train", 0, epochs))
    ranking = fingerprint([checked.digests[i] for i in train], [checked.labels[i] for i in train], settings.seed)
    known = store.get_scores(ranking)
    choice, scores = choose_features(net, got.features, y, train, num_classes, settings.seed, settings.features, known)
    if scores and scores != known:
        store.put_scores(ranking, scores)
    x = got.features[choice.key]
    run_fingerprint = fingerprint(
        store.folder.name, checked.digests, checked.labels, checked.classes, "head", epochs, settings.val_split,
        settings.seed, choice.key,
    )  # fmt: skip
    state = resume_path(out)

    def epoch_done(epoch: int, loss: float, accuracy: float | None) -> None:
        if on_progress:
            on_progress(TeachProgress("train", epoch, epochs, loss, accuracy))

    fit = train_head(
        x[train], y[train], num_classes, epochs, settings.seed, (x[held], y[held]), epoch_done, cancel,
        Resume(state, run_fingerprint, settings.resume),
    )  # fmt: skip
    if on_progress:
        on_progress(TeachProgress("evaluate", 0, 1))
    predicted = fit.predict(x[held])
    taught = Taught(
        taught_network(net, choice, fit.weight, fit.bias), choice, store.widths[choice.key], "head", epochs,
        len(train), scores,
    )  # fmt: skip
    result = finish(out, taught, loaded=loaded, checked=checked, truth=y[held], predicted=predicted)
    state.unlink(missing_ok=True)
    if on_progress:
        on_progress(TeachProgress("evaluate", 1, 1))
    return result


def choose_features(
    net: CoAtNet,
    features: dict[str, torch.Tensor],
    y: torch.Tensor,
    train: list[int],
    num_classes: int,
    seed: int,
    wanted: str = AUTO,
    known: dict[str, float] | None = None,
) -> tuple[FeatureChoice, dict[str, float]]:
    """Return the candidate with the best cross-validated accuracy on the ``train`` rows (ties: the later
    stage, the final features last of all) and every candidate's score (``known`` scores, by feature key, are
    not measured again); or, when ``wanted`` names one ("final", "stage2", ...), that one without comparing."""
    if wanted != AUTO:
        try:
            return named_choice(net, wanted), {}
        except ValueError as exc:
            raise TeachError(str(exc)) from None
    scores = {}
    best: tuple[float, int] | None = None
    chosen = candidates(net)[-1]
    for order, choice in enumerate(candidates(net)):
        if known is not None and choice.key in known:
            score = known[choice.key]
        else:
            score = cross_validated_accuracy(features[choice.key][train], y[train], num_classes, seed)
        scores[choice.key] = score
        if best is None or (round(score, 4), order) >= best:
            best, chosen = (round(score, 4), order), choice
    return chosen, scores


def taught_network(base: CoAtNet, choice: FeatureChoice, weight: torch.Tensor, bias: torch.Tensor) -> CoAtNet:
    """Return the taught network (CPU, float32, eval): ``base``'s stem and stages up to ``choice.stage`` and a
    linear head ``weight`` ``(classes, width)``, ``bias`` ``(classes,)`` reading ``choice``'s features. For the
    final features it is ``base`` with a new classifier (timm loads it); else later stages are dropped."""
    num_classes = weight.shape[0]
    if choice.pool == 1:
        cfg = replace(base.cfg, num_classes=num_classes)
    else:
        cfg = head_on_stage(base.cfg, choice.stage, num_classes)
    net = CoAtNet(cfg, name=base.name, head_pool=choice.pool)
    state = {k: v.detach().float().cpu() for k, v in base.state_dict().items() if k in net.state_dict()}
    state["head.fc.weight"], state["head.fc.bias"] = weight.float().cpu(), bias.float().cpu()
    net.load_state_dict(state, strict=True)
    return net.eval()
