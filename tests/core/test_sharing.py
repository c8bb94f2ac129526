"""One network shared by threads: captures stay isolated, compute and placement have one owner, and library calls
leave torch's process-wide thread count alone. Real threads throughout; values are compared with a run alone."""

from __future__ import annotations

import threading

import pytest
import torch

from model import create_model
from model.explain.capture import capture, list_blocks

ROUNDS = 200


@pytest.fixture(scope="module")
def tiny_net():
    torch.manual_seed(0)
    return create_model("coatnet_fmnist_96").eval()


def _inputs(net, count: int) -> list[torch.Tensor]:
    size = net.cfg.img_size
    return [torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(10 + i)) for i in range(count)]


def test_two_threads_capturing_on_one_network_each_get_all_their_records(tiny_net):
    """Thread A and B open and close captures on the same network in lockstep, 200 times each: every capture
    holds every attention block and activation, with the values of a capture run alone."""
    net = tiny_net
    xs = _inputs(net, 2)
    attention = {b.name for b in list_blocks(net) if b.kind == "transformer"}
    blocks = {b.name for b in list_blocks(net)}
    alone = []
    with torch.no_grad():
        for x in xs:
            with capture(net, attention="all", activations="all") as cap:
                net(x)
            alone.append(cap)
    start = threading.Barrier(2)
    problems: list[str] = []

    def run(which: int) -> None:
        try:
            with torch.no_grad():
                for round_ in range(ROUNDS):
                    start.wait()
                    with capture(net, attention="all", activations="all") as cap:
                        net(xs[which])
                    if set(cap.attention) != attention or set(cap.activations) != blocks:
                        problems.append(f"thread {which} round {round_}: {sorted(cap.attention)}")
                        continue
                    ref = alone[which]
                    for name in attention:
                        if not torch.allclose(cap.attention[name].probs, ref.attention[name].probs, atol=1e-6):
                            problems.append(f"thread {which} round {round_}: {name} attention differs")
                    for name in blocks:
                        if not torch.allclose(cap.activations[name], ref.activations[name], atol=1e-5):
                            problems.append(f"thread {which} round {round_}: {name} activation differs")
        except Exception as exc:  # a thread's failure must fail the test, not vanish
            problems.append(f"thread {which}: {exc!r}")
            start.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not problems, problems[:5]
    assert all(getattr(m, "recorder", None) is None for m in net.modules())
    assert all(not m._forward_hooks for m in net.modules())
