"""One network shared by threads: captures stay isolated, compute and placement have one owner, and library calls
leave torch's process-wide thread count alone. Real threads throughout; values are compared with a run alone."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from model import create_model
from model.batch.pipeline import BatchSettings, label_folder, open_journal
from model.explain.capture import capture, list_blocks
from model.runtime.inference import Classifier
from model.runtime.placement import Placement
from model.runtime.threads import thread_limit
from model.teach.head import train_head
from model.weights.loading import LoadedModel, load_model

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


# --- the process-wide thread count ------------------------------------------------------------------------------

WAIT = 120  # seconds a thread waits for the other at a meeting point before giving up (never reached when it works)


def _count_on_a_new_thread() -> int:
    """Return ``torch.get_num_threads()`` as a thread started now sees it (torch's process-wide default)."""
    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    thread.start()
    thread.join()
    return seen[0]


@pytest.fixture
def two_threads_or_more():
    """At least two intra-op threads for the test (the suite may run with OMP_NUM_THREADS=1), restored after."""
    before = torch.get_num_threads()
    torch.set_num_threads(max(2, before))
    yield torch.get_num_threads()
    torch.set_num_threads(before)


def _write_pngs(folder: Path, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        pixels = np.random.default_rng(i).integers(0, 256, (28, 28), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{i:03d}.png")
    return folder


def test_labelling_and_training_a_head_at_once_leave_the_thread_count_as_it_was(
    small_model_dir: Path, tmp_path: Path, two_threads_or_more: int
):
    """A folder is labelled on one thread while a head trains on another, their work overlapping: afterwards the
    main thread and any new thread still get the starting thread count."""
    start = two_threads_or_more
    clf = Classifier(load_model(str(small_model_dir)), device="cpu")
    root = _write_pngs(tmp_path / "photos", 12)
    settings = BatchSettings(batch_size=4)
    label_in, head_in, label_done = threading.Event(), threading.Event(), threading.Event()
    problems: list[str] = []
    result: dict[str, object] = {}

    def on_chunk(records: list[dict], _progress) -> None:
        if records and not label_in.is_set():
            label_in.set()  # the labelling is under way: the head starts training now
            if not head_in.wait(WAIT):
                problems.append("the head never started")

    def label() -> None:
        try:
            with open_journal(tmp_path / "run.journal", clf, root, settings) as journal:
                result["progress"] = label_folder(clf, root, journal, settings, on_chunk=on_chunk)
        except Exception as exc:
            problems.append(f"labelling: {exc!r}")
            label_in.set()

    def on_epoch(epoch: int, _loss: float, _accuracy: float | None) -> None:
        if epoch == 1:
            head_in.set()  # the head is training: the labelling ends now, before it
            if not label_done.wait(WAIT):
                problems.append("the labelling never ended")

    def teach() -> None:
        try:
            x = torch.randn(64, 32, generator=torch.Generator().manual_seed(0))
            result["head"] = train_head(x, torch.arange(64) % 4, 4, epochs=3, on_epoch=on_epoch)
        except Exception as exc:
            problems.append(f"head: {exc!r}")
            head_in.set()

    labeller = threading.Thread(target=label)
    labeller.start()
    assert label_in.wait(WAIT)
    teacher = threading.Thread(target=teach)
    teacher.start()
    labeller.join()
    label_done.set()
    teacher.join()
    assert not problems, problems
    assert result["progress"].done == 12 and len(result["head"].losses) == 3
    assert torch.get_num_threads() == start
    assert _count_on_a_new_thread() == start


def test_a_thread_limit_is_the_calling_threads_own(two_threads_or_more: int):
    """``thread_limit`` narrows the calling thread only; other threads and new ones keep the process's count."""
    start = two_threads_or_more
    inside, others = [], []
    with thread_limit(1):
        inside.append(torch.get_num_threads())
        others.append(_count_on_a_new_thread())
    assert inside == [1] and others == [start]
    assert torch.get_num_threads() == start == _count_on_a_new_thread()


# --- placement and compute: one owner ---------------------------------------------------------------------------


@pytest.fixture
def fp32_cpu(small_model_dir: Path) -> Classifier:
    return Classifier(load_model(str(small_model_dir)), device="cpu", precision="fp32")


def _batch(clf: Classifier, count: int, seed: int) -> torch.Tensor:
    size = clf.preprocess_cfg.input_size
    return torch.randn(count, 3, *size, generator=torch.Generator().manual_seed(seed))


class _Watch:
    """Counts forward passes in flight on a network and records how many were in flight at each move."""

    def __init__(self, clf: Classifier, monkeypatch: pytest.MonkeyPatch):
        self.lock = threading.Lock()
        self.in_flight = 0
        self.at_moves: list[int] = []
        self.real_forward = clf.net.forward
        real_prepare = Placement.prepare

        def prepare(placement: Placement, net):
            with self.lock:
                self.at_moves.append(self.in_flight)
            return real_prepare(placement, net)

        monkeypatch.setattr(Placement, "prepare", prepare)

    def forward(self, x: torch.Tensor, first=lambda: None) -> torch.Tensor:
        """The real forward pass, counted in flight from before ``first()`` runs to its end."""
        with self.lock:
            self.in_flight += 1
        try:
            first()
            return self.real_forward(x)
        finally:
            with self.lock:
                self.in_flight -= 1


def test_out_of_memory_moves_the_network_only_once_no_pass_is_in_flight(fp32_cpu: Classifier, monkeypatch):
    """Thread A runs out of memory while thread B is inside a forward pass: the network moves after B's pass has
    ended, B's results are unchanged, and both see the new placement."""
    clf = fp32_cpu
    x = _batch(clf, 4, 0)
    alone = clf.probabilities(x)
    watch = _Watch(clf, monkeypatch)
    b_inside, moved = threading.Event(), threading.Event()
    failed: list[int] = []
    problems: list[str] = []
    original_prepare = Placement.prepare

    def prepare(placement: Placement, net):
        result = original_prepare(placement, net)
        moved.set()
        return result

    monkeypatch.setattr(Placement, "prepare", prepare)

    def forward(batch: torch.Tensor) -> torch.Tensor:
        if threading.current_thread().name == "A" and not failed:
            failed.append(1)
            b_inside.wait(WAIT)
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        if threading.current_thread().name == "B" and not b_inside.is_set():
            return watch.forward(batch, first=b_waits)
        return watch.forward(batch)

    def b_waits() -> None:
        b_inside.set()
        moved.wait(2)  # a move that does not wait for this pass happens meanwhile; a safe one only after

    monkeypatch.setattr(clf.net, "forward", forward)
    out: dict[str, list[torch.Tensor]] = {"A": [], "B": []}

    def run() -> None:
        try:
            for _ in range(3):
                out[threading.current_thread().name].append(clf.probabilities(x))
        except Exception as exc:
            problems.append(repr(exc))

    threads = [threading.Thread(target=run, name=name) for name in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not problems, problems
    assert watch.at_moves == [0]
    assert clf.placement.device == "cpu" and "out of memory" in clf.placement.note
    for name in ("A", "B"):
        assert len(out[name]) == 3 and all(torch.equal(p, alone) for p in out[name])


def test_two_passes_out_of_memory_at_once_move_the_network_once(fp32_cpu: Classifier, monkeypatch):
    """Two threads run out of memory on the same placement at the same time: one move, and both retry there."""
    clf = fp32_cpu
    x = _batch(clf, 2, 1)
    alone = clf.probabilities(x)
    watch = _Watch(clf, monkeypatch)
    both = threading.Barrier(2)
    failed: set[str] = set()

    def forward(batch: torch.Tensor) -> torch.Tensor:
        name = threading.current_thread().name
        if name not in failed:
            failed.add(name)
            both.wait(WAIT)
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return watch.forward(batch)

    monkeypatch.setattr(clf.net, "forward", forward)
    out: list[torch.Tensor] = []
    threads = [threading.Thread(target=lambda: out.append(clf.probabilities(x)), name=n) for n in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 2 and all(torch.equal(p, alone) for p in out)
    assert watch.at_moves == [0]


def test_batches_and_an_explanation_on_other_threads_give_what_each_gives_alone(fp32_cpu: Classifier):
    """Batch-style passes on one thread and explanations with Grad-CAM on another, on one Classifier, at once:
    the batches' probabilities are identical to a run alone, the explanations' maps equal one made alone."""
    clf = fp32_cpu
    batches = [_batch(clf, 8, seed) for seed in range(4)]
    image = Image.fromarray(np.random.default_rng(3).integers(0, 256, (40, 30, 3), dtype=np.uint8))
    alone_probs = [clf.probabilities(b) for b in batches]
    exp = clf.explain(image)
    blocks = [b.name for b in exp.blocks]
    alone_maps = {name: exp.grad_cam(1, name) for name in blocks}
    alone_attention = {name: rec.probs.detach() for name, rec in exp.captured.attention.items()}
    go = threading.Barrier(2)
    problems: list[str] = []

    def batches_thread() -> None:
        go.wait(WAIT)
        for _ in range(5):
            for batch, expected in zip(batches, alone_probs, strict=True):
                if not torch.equal(clf.probabilities(batch), expected):
                    problems.append("a batch's probabilities differ from the run alone")

    def explain_thread() -> None:
        go.wait(WAIT)
        for _ in range(3):
            got = clf.explain(image)
            if set(got.captured.attention) != set(alone_attention):
                problems.append(f"attention records missing: {sorted(got.captured.attention)}")
                continue
            for name, probs in alone_attention.items():
                if not torch.allclose(got.captured.attention[name].probs, probs, atol=1e-6):
                    problems.append(f"{name}: attention differs")
            for name in blocks:
                if not torch.allclose(got.grad_cam(1, name), alone_maps[name], atol=1e-5):
                    problems.append(f"{name}: Grad-CAM differs")

    threads = [threading.Thread(target=batches_thread), threading.Thread(target=explain_thread)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not problems, problems[:5]


def test_the_model_lanes_each_run_on_their_share_of_the_threads(
    small_model_dir: Path, tmp_path: Path, two_threads_or_more: int, monkeypatch
):
    """On a CPU two lanes classify at once, each lane thread on half the threads, while the calling thread and
    new threads keep the process's count."""
    from model.batch import pipeline

    start = two_threads_or_more
    clf = Classifier(load_model(str(small_model_dir)), device="cpu")
    root = _write_pngs(tmp_path / "photos", 8)
    seen: list[tuple[str, int]] = []
    real = pipeline.classify_chunk

    def counting(*args, **kwargs):
        seen.append((threading.current_thread().name, torch.get_num_threads()))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "classify_chunk", counting)
    settings = BatchSettings(batch_size=2)
    with open_journal(tmp_path / "run.journal", clf, root, settings) as journal:
        progress = label_folder(clf, root, journal, settings, on_chunk=lambda *_: seen.append(("caller", 0)))
    lanes = [count for name, count in seen if name.startswith("model")]
    assert progress.done == 8 and len(lanes) == 4 and set(lanes) == {start // 2}
    assert torch.get_num_threads() == start == _count_on_a_new_thread()


def test_an_explanation_knows_when_the_network_moved_under_its_graph(fp32_cpu: Classifier, small_model_dir: Path):
    """Another Classifier on the same network with the same placement moves nothing: Grad-CAM still works. A real
    move (another memory layout here, another device in the app) makes the kept graph stale: a clear error."""
    clf = fp32_cpu
    image = Image.fromarray(np.random.default_rng(5).integers(0, 256, (32, 32, 3), dtype=np.uint8))
    exp = clf.explain(image)
    block = exp.blocks[-1].name
    again = Classifier(LoadedModel(clf.net, clf.info), device="cpu", precision="fp32")
    assert again.owner is clf.owner and exp.grad_cam(0, block).shape == exp.blocks[-1].grid
    moved = Placement("cpu", "fp32", channels_last=not clf.placement.channels_last)
    clf.owner.place(moved)
    assert again.placement is moved and clf.placement is moved
    with pytest.raises(RuntimeError, match="moved to another device"):
        exp.grad_cam(1, block)
