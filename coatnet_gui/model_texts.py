"""The core's words as the UI shows them, translated: the overlay kinds and modes of :mod:`model.explain.maps`, the
fills of :mod:`model.choices`, the audit's issues, the maps' units and captions, and the block labels of
:class:`~model.explain.capture.BlockInfo`. The core keeps them English (they also go into saved files); the marks
below let ``pyside6-lupdate`` collect them (context "ModelTexts")."""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from model.explain.capture import BlockInfo

_MARKED = (  # the values of KINDS, ATTENTION_MODES and ACTIVATION_MODES (a test checks that they are all here)
    QT_TRANSLATE_NOOP("ModelTexts", "Relative attention"),
    QT_TRANSLATE_NOOP("ModelTexts", "Conv activations"),
    QT_TRANSLATE_NOOP("ModelTexts", "Grad-CAM"),
    QT_TRANSLATE_NOOP("ModelTexts", "From the query point"),
    QT_TRANSLATE_NOOP("ModelTexts", "Attention received"),
    QT_TRANSLATE_NOOP("ModelTexts", "Rollout, all tokens"),
    QT_TRANSLATE_NOOP("ModelTexts", "Rollout from the query"),
    QT_TRANSLATE_NOOP("ModelTexts", "Split: content | position | full"),
    QT_TRANSLATE_NOOP("ModelTexts", "Content only, softmax(q·k/√d)"),
    QT_TRANSLATE_NOOP("ModelTexts", "Position only, softmax(w[i−j])"),
    QT_TRANSLATE_NOOP("ModelTexts", "Learned bias w[i−j] at the query"),
    QT_TRANSLATE_NOOP("ModelTexts", "Mean |activation|"),
    QT_TRANSLATE_NOOP("ModelTexts", "One channel"),
    QT_TRANSLATE_NOOP("ModelTexts", "Strongest channels"),
    # the values of model.choices.FILL_CHOICES
    QT_TRANSLATE_NOOP("ModelTexts", "a blurred copy of the image"),
    QT_TRANSLATE_NOOP("ModelTexts", "the training data's mean colour"),
    QT_TRANSLATE_NOOP("ModelTexts", "noise with the training data's mean and spread"),
    QT_TRANSLATE_NOOP("ModelTexts", "ROAD's noisy linear imputation from the neighbours"),
    # the audit's issues, model.audit.ISSUES
    QT_TRANSLATE_NOOP("ModelTexts", "error"),
    QT_TRANSLATE_NOOP("ModelTexts", "label"),
    QT_TRANSLATE_NOOP("ModelTexts", "duplicate"),
    QT_TRANSLATE_NOOP("ModelTexts", "near-duplicate"),
    QT_TRANSLATE_NOOP("ModelTexts", "outlier"),
    QT_TRANSLATE_NOOP("ModelTexts", "ok"),
    # the units of the maps (OverlayResult.unit), on the colour bar and in the hover line
    QT_TRANSLATE_NOOP("ModelTexts", "attention weight"),
    QT_TRANSLATE_NOOP("ModelTexts", "rollout weight"),
    QT_TRANSLATE_NOOP("ModelTexts", "bias (logit)"),
    QT_TRANSLATE_NOOP("ModelTexts", "activation"),
)
MARKED = frozenset(_MARKED)


def core_text(text: str) -> str:
    """Return the core's ``text`` (a kind, mode, fill or issue) translated; unknown texts come back as they are."""
    return QCoreApplication.translate("ModelTexts", text)


def block_text(block: BlockInfo) -> str:
    """Return ``block``'s label as :attr:`BlockInfo.label` words it, translated: e.g. "S3.1 attention (12 heads,
    14x14)"."""
    h, w = block.grid
    if block.kind == "stem":
        text = QCoreApplication.translate("ModelTexts", "S0 stem ({channels} ch, {h}x{w})")
    elif block.kind == "mbconv":
        text = QCoreApplication.translate("ModelTexts", "S{stage}.{index} MBConv ({channels} ch, {h}x{w})")
    else:
        text = QCoreApplication.translate("ModelTexts", "S{stage}.{index} attention ({heads} heads, {h}x{w})")
    return text.format(stage=block.stage, index=block.index, channels=block.channels, heads=block.heads, h=h, w=w)


_CAPTION_PARTS = (  # (pattern of one " · " part of OverlayResult.caption, its translatable text)
    (r"mean of heads", QT_TRANSLATE_NOOP("ModelTexts", "mean of heads")),
    (r"all heads", QT_TRANSLATE_NOOP("ModelTexts", "all heads")),
    (r"head (?P<h>\d+)", QT_TRANSLATE_NOOP("ModelTexts", "head {h}")),
    (
        r"query token \((?P<row>\d+), (?P<column>\d+)\)",
        QT_TRANSLATE_NOOP("ModelTexts", "query token ({row}, {column})"),
    ),
    (r"Grad-CAM for “(?P<name>.*)”", QT_TRANSLATE_NOOP("ModelTexts", "Grad-CAM for “{name}”")),
    (
        r"Grad-CAM for “(?P<name>.*)” vs “(?P<other>.*)”: what favours .* over .*",
        QT_TRANSLATE_NOOP("ModelTexts", "Grad-CAM for “{name}” vs “{other}”: what favours {name} over {other}"),
    ),
    (r"channel (?P<c>\d+)", QT_TRANSLATE_NOOP("ModelTexts", "channel {c}")),
    (
        r"the (?P<n>\d+) channels with the largest mean \|activation\|",
        QT_TRANSLATE_NOOP("ModelTexts", "the {n} channels with the largest mean |activation|"),
    ),
    (r"mean \|activation\|", QT_TRANSLATE_NOOP("ModelTexts", "mean |activation|")),
)
_ROLLOUT = re.compile(r"rollout through (?P<n>\d+) Transformer block\(s\) to .*")


def caption_text(caption: str, block: BlockInfo) -> str:
    """Return the core's map ``caption`` (:attr:`OverlayResult.caption`, " · "-separated parts that start with
    ``block``'s label) translated part by part; a part it does not know stays as it is."""
    rollout = _ROLLOUT.fullmatch(caption)
    if rollout:
        text = QCoreApplication.translate("ModelTexts", "rollout through {n} Transformer block(s) to {block}")
        return text.format(n=rollout["n"], block=block_text(block))
    parts = []
    for part in caption.split(" · "):
        if part == block.label:
            parts.append(block_text(block))
            continue
        for pattern, text in _CAPTION_PARTS:
            found = re.fullmatch(pattern, part)
            if found:
                part = QCoreApplication.translate("ModelTexts", text).format(**found.groupdict())
                break
        else:
            part = core_text(part)
        parts.append(part)
    return " · ".join(parts)
