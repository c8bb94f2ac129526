"""Capture: what it records is checked against the block's own computation, not against itself."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest
import torch

from model import create_model
from model.explain.capture import capture, list_blocks
from model.explain.introspect import (
    attention_from_query,
    attention_received,
    attention_rollout,
    bias_around_query,
    content_only,
    grad_cam,
    position_only,
    positional_share,
    upsample_map,
)

CONFIGS = ["coatnet_fmnist_96", "coatnet_rmlp_nano_rw_224"]


@pytest.fixture(scope="module", params=CONFIGS)
def net_and_input(request):
    torch.manual_seed(0)
    net = create_model(request.param).eval()
    with torch.no_grad():  # non-trivial relative-position terms, so the position checks mean something
        for m in net.modules():
            if hasattr(m, "relative_position_bias_table"):
                m.relative_position_bias_table.normal_(0, 0.5)
    size = net.cfg.img_size
    x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(1))
    return net, x


def test_logits_identical_with_and_without_capture(net_and_input):
    net, x = net_and_input
    with torch.no_grad():
        plain = net(x)
        with capture(net, attention="all", activations="all") as cap:
            captured = net(x)
    assert (plain - captured).abs().max().item() <= 1e-5
    assert set(cap.attention) == {b.name for b in list_blocks(net) if b.kind == "transformer"}
    assert set(cap.activations) == {b.name for b in list_blocks(net)}


def test_attention_output_recomputed_from_captured_probabilities(net_and_input):
    net, x = net_and_input
    modules = dict(net.named_modules())
    names = [b.name for b in list_blocks(net) if b.kind == "transformer"]
    real_outputs = {}
    handles = [
        modules[n].attn.register_forward_hook(lambda m, i, o, n=n: real_outputs.__setitem__(n, o)) for n in names
    ]
    with torch.no_grad():
        net(x)  # the fused scaled_dot_product_attention path
        for h in handles:
            h.remove()
        with capture(net, attention="all") as cap:
            net(x)
    for name in names:
        rec, attn = cap.attention[name], modules[name].attn
        b, heads, n, _ = rec.probs.shape
        assert torch.allclose(rec.probs.sum(-1), torch.ones(b, heads, n), atol=1e-5)
        assert torch.allclose((rec.content + rec.position).softmax(-1), rec.probs, atol=1e-6)
        mixed = (rec.probs @ rec.value).transpose(-1, -2).reshape(b, -1, *rec.grid)
        assert torch.allclose(attn.proj(mixed), real_outputs[name], atol=1e-5), name


def test_position_term_is_the_learned_bias_map_indexed_by_offset(net_and_input):
    net, x = net_and_input
    with torch.no_grad(), capture(net, attention="all") as cap:
        net(x)
    for rec in cap.attention.values():
        h, w = rec.grid
        heads = rec.probs.shape[1]
        assert rec.bias_map.shape == (heads, 2 * h - 1, 2 * w - 1)
        for qy, qx, ky, kx in [(0, 0, h - 1, w - 1), (h - 1, 0, 0, w - 1), (h // 2, w // 2, h // 2, w // 2)]:
            expected = rec.bias_map[:, qy - ky + h - 1, qx - kx + w - 1]
            assert torch.allclose(rec.position[0, :, qy * w + qx, ky * w + kx], expected)


def test_asking_for_nothing_installs_nothing(net_and_input):
    net, x = net_and_input
    with torch.no_grad(), capture(net) as cap:
        assert all(not m._forward_hooks for m in net.modules())
        assert all(getattr(m, "recorder", None) is None for m in net.modules())
        net(x)
    assert not cap.attention and not cap.activations and cap.logits is None
    with torch.no_grad(), capture(net, attention="all", activations="all"):
        pass
    assert all(not m._forward_hooks for m in net.modules())
    assert all(getattr(m, "recorder", None) is None for m in net.modules())


def test_class_gradients_match_autograd_on_a_split_network(net_and_input):
    net, x = net_and_input
    with capture(net, activations=["stem"], gradients=True) as cap:
        logits = net(x)
    klass = int(logits[0].argmax())
    grads = cap.class_gradients(klass)
    again = cap.class_gradients((klass + 1) % logits.shape[1])  # a second class needs no new forward
    stem_out = net.stem(x).detach().requires_grad_()
    split_logits = net.head(net.norm(net.stages(stem_out)))
    (expected,) = torch.autograd.grad(split_logits[:, klass].sum(), stem_out)
    assert torch.allclose(grads["stem"], expected, atol=1e-5)
    assert not torch.allclose(again["stem"], grads["stem"])


def test_the_graph_starts_at_the_first_captured_activation_with_the_same_gradients(net_and_input):
    """Grad-CAM at a late block needs no backward pass through the blocks before it: they run without a graph,
    and the gradients are those of a pass that kept the whole graph."""
    net, x = net_and_input
    blocks = [b.name for b in list_blocks(net)]
    late, later = blocks[-3], blocks[-1]
    modules = dict(net.named_modules())
    seen: dict[str, bool] = {}
    hooks = [
        modules[name].register_forward_hook(lambda _m, _i, out, name=name: seen.__setitem__(name, out.requires_grad))
        for name in ("stem", late)
    ]
    try:
        with capture(net, activations=[later, late], gradients=True) as cap:
            logits = net(x)
    finally:
        for hook in hooks:
            hook.remove()
    assert seen == {"stem": False, late: False}  # before the graph starts (a hook sees the output before the tap)
    assert cap.activations[late].requires_grad and cap.activations[later].grad_fn is not None
    klass = int(logits[0].argmax())
    grads = cap.class_gradients(klass)
    with torch.enable_grad():  # the reference: the whole graph, from the input, without a capture
        kept: dict[str, torch.Tensor] = {}
        hooks = [
            modules[n].register_forward_hook(lambda _m, _i, out, n=n: kept.__setitem__(n, out)) for n in (late, later)
        ]
        try:
            full = net(x.clone().requires_grad_())
        finally:
            for hook in hooks:
                hook.remove()
        expected = torch.autograd.grad(full[:, klass].sum(), [kept[late], kept[later]])
    assert torch.allclose(grads[late], expected[0], atol=1e-5)
    assert torch.allclose(grads[later], expected[1], atol=1e-5)
    assert torch.is_grad_enabled()  # the mode the context was entered in is back


def test_maps_have_the_grid_shape_and_sane_values(net_and_input):
    net, x = net_and_input
    blocks = list_blocks(net)
    attn_names = [b.name for b in blocks if b.kind == "transformer"]
    with capture(net, attention="all", activations="all", gradients=True) as cap:
        logits = net(x)
    for b in blocks:
        assert tuple(cap.activations[b.name].shape[1:]) == (b.channels, *b.grid), b.name
    records = [cap.attention[n] for n in attn_names]
    for rec in records:
        heads = rec.probs.shape[1]
        for head in (None, heads - 1):
            for m in (
                attention_from_query(rec, (0.3, 0.7), head),
                attention_received(rec, head),
                content_only(rec, (0.3, 0.7), head),
                position_only(rec, (0.3, 0.7), head),
            ):
                assert m.shape == rec.grid and torch.isfinite(m).all() and (m >= 0).all()
            assert bias_around_query(rec, (0.5, 0.5), head).shape == rec.grid
        share = positional_share(rec)
        assert share.shape == (heads,) and (share >= 0).all() and (share <= 1).all()
    for query in (None, (0.5, 0.5)):
        rollout = attention_rollout(records, query)
        assert rollout.shape == records[0].grid
        assert abs(rollout.sum().item() - 1.0) < 1e-4  # rollout rows stay probability distributions
    on_meta = [replace(rec, probs=rec.probs.detach().to("meta")) for rec in records]
    assert attention_rollout(on_meta).device.type == "meta"  # built where the records are (CUDA on a GPU)
    grads = cap.class_gradients(int(logits[0].argmax()))
    cam = grad_cam(cap.activations[attn_names[0]], grads[attn_names[0]])
    assert cam.shape == records[0].grid and cam.min() >= 0 and cam.max() <= 1
    assert upsample_map(cam, (50, 70)).shape == (50, 70)


def test_unknown_block_names_are_rejected_with_the_choices(net_and_input):
    net, _ = net_and_input
    with pytest.raises(KeyError, match="stages.2.blocks.0"):
        capture(net, attention=["stem"])


def test_forward_passes_on_other_threads_leave_no_trace(net_and_input):
    """A folder labelled on another thread with the same network does not leak into the window's capture."""
    import threading

    net, x = net_and_input
    other = torch.randn(5, *x.shape[1:])  # a batch of another size, easy to spot
    with torch.no_grad(), capture(net, attention="all", activations="all", gradients=True) as cap:
        logits = net(x)
        worker = threading.Thread(target=lambda: net(other))
        worker.start()
        worker.join()
    assert cap.logits is logits
    assert all(a.shape[0] == 2 for a in cap.activations.values())
    assert all(r.probs.shape[0] == 2 for r in cap.attention.values())


def test_the_packages_public_face_is_light_and_the_readme_example_runs():
    """``import model`` loads no torch (nor Qt or timm); its public names resolve to the real objects; the
    README's "Scripting the model" lines run as written (on the small config)."""
    script = """
import sys
import model
assert not {"torch", "timm", "PySide6"} & set(sys.modules), sorted(m for m in sys.modules if "torch" in m)[:3]
from model import Classifier, CoAtNetCfg, capture, create_model, label_folder, list_configs, load_model
from model.batch.pipeline import label_folder as home
assert label_folder is home and set(model.__all__) <= set(dir(model))
import torch
from model.explain.capture import capture
net = create_model("coatnet_fmnist_96").eval()
x = torch.randn(1, 3, 96, 96)
with capture(net, attention="all", activations=["stem"], gradients=True) as cap:
    logits = net(x)
assert cap.attention["stages.2.blocks.0"].probs.shape[-1] == 36
assert cap.class_gradients(int(logits[0].argmax()))["stem"].shape == cap.activations["stem"].shape
assert "coatnet_0_rw_224" in list_configs() and isinstance(net.cfg, CoAtNetCfg)
print("ok")
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
