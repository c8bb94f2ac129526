"""Why A and not B: the contrastive Grad-CAM of the bundled model on a Fashion-MNIST test image equals Grad-CAM
computed here, independently, from autograd's gradient of logit_A − logit_B at the block's output; the overlay
(Qt-free) shows that map and names it "A vs B"."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from coatnet_gui.image.saving import map_description, suggested_name
from model.data.transform import preprocess
from model.explain.blocks import block_label
from model.explain.maps import OverlaySpec, compute_overlay, resolve
from model.runtime.inference import Classifier
from model.weights.loading import load_model

SLICE = Path(__file__).resolve().parents[1] / "data" / "fmnist_test_slice"


@pytest.fixture(scope="module")
def explained(small_model_dir: Path):
    """The small model on the CPU and the explanation of a Pullover from the test slice."""
    clf = Classifier(load_model(str(small_model_dir)), device="cpu")
    image = Image.open(SLICE / "00001_Pullover.png").convert("RGB")
    return clf, image, clf.explain(image)


def direct_grad_cam(clf: Classifier, image: Image.Image, block_name: str, a: int, b: int) -> torch.Tensor:
    """Grad-CAM of logit_a − logit_b at ``block_name``, from a fresh forward pass and a plain forward hook."""
    outputs: list[torch.Tensor] = []
    module = dict(clf.net.named_modules())[block_name]
    handle = module.register_forward_hook(lambda _m, _i, out: outputs.append(out))
    try:
        with torch.enable_grad():
            logits = clf.net(preprocess(image, clf.preprocess_cfg)[None])
            (grad,) = torch.autograd.grad(logits[0, a] - logits[0, b], outputs[0])
    finally:
        handle.remove()
    act = outputs[0][0].detach()
    cam = F.relu((grad[0].mean((1, 2))[:, None, None] * act).sum(0))
    return cam / cam.max() if cam.max() > 0 else cam


def test_the_contrastive_map_equals_the_one_computed_directly_by_autograd(explained):
    clf, image, exp = explained
    ranked = exp.probs.argsort(descending=True).tolist()
    a, b = ranked[0], ranked[1]
    for block in (exp.blocks[-1], next(x for x in exp.blocks if x.kind == "mbconv")):
        contrastive = exp.grad_cam(a, block.name, versus=b)
        expected = direct_grad_cam(clf, image, block.name, a, b)
        assert contrastive.shape == block.grid
        assert torch.allclose(contrastive, expected, atol=1e-4), block.name
    # the contrast is a different map from A's alone, and turned around it shows what favours B
    last = exp.blocks[-1].name
    assert not torch.allclose(exp.grad_cam(a, last, versus=b), exp.grad_cam(a, last))
    assert torch.allclose(exp.grad_cam(b, last, versus=a), direct_grad_cam(clf, image, last, b, a), atol=1e-4)


def test_the_gradient_of_the_difference_is_the_difference_of_the_gradients(explained):
    _clf, _image, exp = explained
    a, b = 3, 7
    both = exp.captured.class_gradients(a, versus=b)
    only_a, only_b = exp.captured.class_gradients(a), exp.captured.class_gradients(b)
    for name, grad in both.items():
        assert torch.allclose(grad, only_a[name] - only_b[name], atol=1e-5), name


def test_the_overlay_shows_and_names_the_contrast_and_drops_a_class_b_equal_to_a(explained):
    clf, _image, exp = explained
    labels = clf.label_names
    ranked = exp.probs.argsort(descending=True).tolist()
    a, b = ranked[0], ranked[2]
    block = exp.blocks[-1]
    result = compute_overlay(exp, OverlaySpec(kind="gradcam", block=block.name, versus=b), (96, 96), labels)
    assert torch.equal(torch.from_numpy(result.panels[0].grid), exp.grad_cam(a, block.name, versus=b))
    assert result.unit == f"Grad-CAM {labels[a]} vs {labels[b]}" and f"what favours {labels[a]}" in result.caption
    assert suggested_name("shoe.png", result, ".npy") == f"shoe_{block_label(block)}_gradcam_vs_class{b}.npy"
    meta = map_description(result, "m", "bundled", labels, "shoe.png", a)
    assert (meta["class_index"], meta["versus_index"], meta["versus_name"]) == (a, b, labels[b])
    # B = A: an explicit class A drops B when resolved; the top class as A leaves the map plain
    assert resolve(OverlaySpec(kind="gradcam", class_index=b, versus=b), exp.blocks, len(labels)).versus is None
    plain = compute_overlay(exp, OverlaySpec(kind="gradcam", block=block.name, versus=a), (96, 96), labels)
    assert plain.unit == "Grad-CAM" and torch.equal(torch.from_numpy(plain.panels[0].grid), exp.grad_cam(a, block.name))
    assert map_description(plain, "m", "bundled", labels, "shoe.png", a)["versus_index"] is None
