"""Every GPU check in one run (a few minutes on one GPU): correctness, explanations, throughput, labelling.

    python benchmarks/gpu_check.py [--jpegs 48] [--repeats 10] [--skip SECTION ...]

On a machine without CUDA it says so and exits 0. Nothing is downloaded: random weights (seeded), the same on
every side. Sections (each reports on its own; one that fails prints why and the others still run):

* ``correctness``: CUDA logits against CPU fp32 for coatnet_nano_rw_224, coatnet_0_rw_224 and
  coatnet_rmlp_2_rw_384 (CUDA fp32 with TF32 off, then fp16 and bf16 autocast + channels_last): largest
  |Δlogit| relative to the largest CPU logit, and top-1 agreement;
* ``explain``: Grad-CAM (the last block of each stage) and attention rollout, coatnet_0_rw_224 on CUDA, under
  fp16 and bf16 autocast against fp32: Pearson correlation and largest |Δ| of the [0, 1] maps;
* ``throughput``: images/s of ours against timm's twin (same weights), both eager with AMP (fp16 autocast) and
  channels_last, at batch 1, 64 and 256, median of interleaved repeats. Published anchor (RTX 4090, AMP,
  eager, batch 1024): coatnet_0_rw 3,444 img/s, nano 4,114;
* ``runtimes``: onnxruntime's CUDA provider (when installed) on the cached ONNX export and the ``compiled``
  runtime (torch.compile, inductor's CUDA backend) against the eager network, coatnet_0_rw_224 at batch 64: top-1
  agreement, compile seconds, images/s (``--runtimes-on-cpu`` runs this section alone on the CPU, a dry run);
* ``labelling``: a folder of 12-megapixel JPEGs (plus a PNG, a CMYK JPEG and a broken file) labelled with
  coatnet_0_rw_224 on CUDA: ``label_folder`` with Pillow decode threads, against nvJPEG batches through
  :func:`model.data.gpu_decode.decode_batch` (files it refuses go to Pillow); images/s, top-1 agreement, and
  that every file has a result.

Exit status 0 when every check ran and met its bound, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import interleaved_medians  # noqa: E402

from model.batch.journal import read_records  # noqa: E402
from model.batch.pipeline import BatchSettings, effective_batch_size, label_folder, open_journal  # noqa: E402
from model.data.gpu_decode import choose_decoder, decode_batch  # noqa: E402
from model.data.pixels import PreprocessCfg  # noqa: E402
from model.explain.capture import capture, list_blocks  # noqa: E402
from model.explain.introspect import attention_rollout, grad_cam  # noqa: E402
from model.net.coatnet import CoAtNet, create_model  # noqa: E402
from model.runtime.inference import Classifier  # noqa: E402
from model.weights.loading import load_model  # noqa: E402

CONFIGS = ("coatnet_nano_rw_224", "coatnet_0_rw_224", "coatnet_rmlp_2_rw_384")
LOW = {"fp16": torch.float16, "bf16": torch.bfloat16}
BATCHES = (1, 64, 256)
BOUNDS = {  # what "met" means; loose enough for random weights, tight enough to catch a wrong path
    "fp32 relative |Δlogit|": 1e-4,
    "low-precision top-1 agreement": 0.9,
    "map correlation": 0.95,
}
failures: list[str] = []


def check(what: str, ok: bool, detail: str) -> None:
    """Print one result line; remember it when it missed its bound."""
    print(f"  {'ok    ' if ok else 'MISSED'} {what}: {detail}", flush=True)
    if not ok:
        failures.append(what)


def seeded_model(config: str) -> CoAtNet:
    """Return ``config`` with seeded random weights, in eval mode, on the CPU."""
    torch.manual_seed(0)
    return create_model(config).eval()


def inputs(net: CoAtNet, batch: int) -> torch.Tensor:
    """Return a seeded input batch ``(batch, 3, S, S)`` for ``net``: smooth random images, normalised."""
    size = net.cfg.img_size
    coarse = torch.rand(batch, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    return torch.nn.functional.interpolate(coarse, size=(size, size), mode="bicubic").clamp(0, 1) * 2 - 1


def correctness() -> None:
    """CUDA logits against CPU fp32 per config; top-1 agreement under fp16/bf16 autocast."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    for config in CONFIGS:
        net = seeded_model(config)
        x = inputs(net, 16)
        with torch.inference_mode():
            reference = net(x)
        gpu = copy.deepcopy(net).cuda()
        with torch.inference_mode():
            fp32 = gpu(x.cuda()).float().cpu()
        relative = ((fp32 - reference).abs().max() / reference.abs().max()).item()
        bound = BOUNDS["fp32 relative |Δlogit|"]
        check(f"{config} CUDA fp32 vs CPU fp32", relative <= bound, f"relative |Δlogit| {relative:.1e} (≤ {bound:g})")
        gpu = gpu.to(memory_format=torch.channels_last)
        xl = x.cuda().contiguous(memory_format=torch.channels_last)
        for name, dtype in LOW.items():
            with torch.inference_mode(), torch.autocast("cuda", dtype=dtype):
                low = gpu(xl).float().cpu()
            agree = (low.argmax(-1) == reference.argmax(-1)).float().mean().item()
            relative = ((low - reference).abs().max() / reference.abs().max()).item()
            bound = BOUNDS["low-precision top-1 agreement"]
            detail = f"top-1 agreement {agree:.0%} (≥ {bound:.0%}), relative |Δlogit| {relative:.1e}"
            check(f"{config} CUDA {name} autocast vs CPU fp32", agree >= bound, detail)
        del gpu
        torch.cuda.empty_cache()


def explanation_maps(net: CoAtNet, x: torch.Tensor, dtype: torch.dtype | None) -> dict[str, torch.Tensor]:
    """Return Grad-CAM of the top class at the last block of each stage and attention rollout, each on the CPU
    in float32, computed as the app does, under ``dtype`` autocast (None: fp32)."""
    blocks = list_blocks(net)
    last_of_stage = [
        b.name for b in blocks if b.stage > 0 and not any(c.stage == b.stage and c.index > b.index for c in blocks)
    ]
    attention = [b.name for b in blocks if b.kind == "transformer"]
    autocast = torch.autocast("cuda", dtype=dtype) if dtype is not None else contextlib.nullcontext()
    with autocast, capture(net, attention=attention, activations=last_of_stage, gradients=True) as captured:
        logits = net(x)
    top = int(logits[0].argmax())
    gradients = captured.class_gradients(top)
    maps = {f"Grad-CAM {n}": grad_cam(captured.activations[n], gradients[n]).float().cpu() for n in last_of_stage}
    records = [captured.attention[n] for n in attention]
    try:
        maps["rollout"] = attention_rollout(records).float().cpu()
    except RuntimeError as exc:  # introspect builds its identity matrix on the CPU
        print(f"  note: attention_rollout on CUDA records fails ({str(exc).splitlines()[0]}); on CPU copies instead")
        cpu_records = [copy.copy(r) for r in records]
        for r in cpu_records:
            r.probs = r.probs.detach().float().cpu()
        maps["rollout"] = attention_rollout(cpu_records)
    return maps


def explain() -> None:
    """Grad-CAM and rollout under fp16/bf16 autocast against fp32, on CUDA."""
    net = seeded_model("coatnet_0_rw_224").cuda()
    x = inputs(net, 1).cuda()
    fp32 = explanation_maps(net, x, None)
    for name, dtype in LOW.items():
        low = explanation_maps(net, x, dtype)
        for key, reference in fp32.items():
            a, b = reference.flatten(), low[key].flatten()
            correlation = torch.corrcoef(torch.stack((a, b)))[0, 1].item()
            bound = BOUNDS["map correlation"]
            detail = f"correlation {correlation:.4f} (≥ {bound}), largest |Δ| {(a - b).abs().max().item():.3f}"
            check(f"{key} {name} vs fp32", correlation >= bound, detail)


def throughput(repeats: int) -> None:
    """Images/s of ours against timm's twin, both eager fp16 AMP + channels_last, at each of :data:`BATCHES`."""
    from bench_batch import timm_twin

    print(f"  {'config':24s} {'batch':>5s} {'ours':>9s} {'timm':>9s} {'ours/timm':>9s}")
    for config in ("coatnet_0_rw_224", "coatnet_nano_rw_224"):
        ours = seeded_model(config)
        twin = timm_twin(ours).cuda().to(memory_format=torch.channels_last)
        ours = ours.cuda().to(memory_format=torch.channels_last)
        for batch in BATCHES:
            x = inputs(ours, batch).cuda().contiguous(memory_format=torch.channels_last)

            def run(net: torch.nn.Module, x: torch.Tensor = x) -> Callable[[], None]:
                def forward() -> None:
                    with torch.inference_mode(), torch.autocast("cuda", dtype=torch.float16):
                        net(x)
                    torch.cuda.synchronize()

                return forward

            times = interleaved_medians({"ours": run(ours), "timm": run(twin)}, repeats, warmup=3)
            rate_ours, rate_timm = batch / times["ours"], batch / times["timm"]
            print(
                f"  {config:24s} {batch:5d} {rate_ours:9.1f} {rate_timm:9.1f} {rate_ours / rate_timm:9.2f}", flush=True
            )
        del ours, twin
        torch.cuda.empty_cache()


def runtimes(device: str = "cuda", config: str = "coatnet_0_rw_224", batch: int = 64, repeats: int = 5) -> None:
    """The runtimes of ``model.runtime.runtimes`` on ``device`` against the eager network in its placement:
    onnxruntime's CUDA provider (when installed) on the cached ONNX export, and ``compiled`` (torch.compile,
    inductor's CUDA backend, its cache in a temporary folder): compile seconds, top-1 agreement with eager on
    ``batch`` seeded images, images/s of both (interleaved). ``device="cpu"`` runs the same checks on the CPU
    (``--runtimes-on-cpu``: a dry run of this section without a GPU)."""
    import onnxruntime as ort

    from model.data.pixels import PreprocessCfg as Cfg
    from model.runtime.runtimes import open_runtime, unavailable_reason
    from model.weights.info import ModelInfo
    from model.weights.loading import LoadedModel

    os.environ["COATNET_LENS_CACHE"] = tempfile.mkdtemp(prefix="gpu-check-cache-")
    net = seeded_model(config)
    side = net.cfg.img_size
    names = [str(i) for i in range(net.cfg.num_classes)]
    loaded = LoadedModel(
        net, ModelInfo(config, config, "file", "random", len(names), names, "custom", Cfg((side, side)))
    )
    eager = Classifier(loaded, device=device)
    x = inputs(net, batch)
    reference = eager.probabilities(x)
    runs: dict[str, Callable[[], object]] = {"eager": lambda: eager.probabilities(x)}
    print(f"  eager: {eager.placement.device} ({eager.placement.precision}), batch {batch}, {config}")
    wanted = "CUDAExecutionProvider" if device == "cuda" else "CPUExecutionProvider"
    if unavailable_reason("onnxruntime"):
        print(f"  onnxruntime: skipped ({unavailable_reason('onnxruntime')})")
    elif wanted not in ort.get_available_providers():
        print(f"  onnxruntime: skipped (no {wanted}; onnxruntime-gpu brings it)")
    else:
        start = time.perf_counter()
        clf = open_runtime(LoadedModel(seeded_model(config), loaded.info), "onnxruntime", device)
        print(f"  onnxruntime: exported and opened in {time.perf_counter() - start:.1f} s on {clf.placement.device}")
        probs = clf.probabilities(x)
        agree = (probs.argmax(-1) == reference.argmax(-1)).float().mean().item()
        check(
            "runtimes: onnxruntime top-1 agreement with eager",
            agree >= BOUNDS["low-precision top-1 agreement"],
            f"{agree:.1%}, largest |Δp| {(probs - reference).abs().max().item():.2e}",
        )
        runs["onnxruntime"] = lambda clf=clf: clf.probabilities(x)
    start = time.perf_counter()
    compiled = open_runtime(LoadedModel(seeded_model(config), loaded.info), "compiled", device, batch_sizes=(batch,))
    ready = compiled.wait()
    check(
        "runtimes: compiled is ready",
        ready,
        compiled.compile_error or f"compiled in {time.perf_counter() - start:.0f} s",
    )
    if ready:
        agree = (compiled.probabilities(x).argmax(-1) == reference.argmax(-1)).float().mean().item()
        check(
            "runtimes: compiled top-1 agreement with eager",
            agree >= BOUNDS["low-precision top-1 agreement"],
            f"{agree:.1%}",
        )
        runs["compiled"] = lambda: compiled.probabilities(x)
    times = interleaved_medians(runs, repeats, warmup=2)
    print("  " + ", ".join(f"{name} {batch / t:.1f} img/s (x{times['eager'] / t:.2f})" for name, t in times.items()))


def gpu_normalize(pixels: torch.Tensor, cfg: PreprocessCfg) -> torch.Tensor:
    """Return the model input ``(B, 3, H, W)`` float32 from uint8 ``(B, 3, H, W)`` pixels, on their device."""
    mean = torch.tensor(cfg.mean, device=pixels.device)[:, None, None]
    std = torch.tensor(cfg.std, device=pixels.device)[:, None, None]
    return (pixels.float() / 255 - mean) / std


def label_with_gpu_decoder(clf: Classifier, folder: Path, batch_size: int) -> tuple[float, dict, dict]:
    """Label ``folder`` reading JPEGs with nvJPEG; return ``(seconds, {name: top-1}, {name: error})``."""
    decoder = choose_decoder("cuda", "gpu")
    assert decoder.name == "nvjpeg", decoder.note
    names = sorted(p.name for p in folder.iterdir())
    top1, errors = {}, {}
    start = time.perf_counter()
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        for i in range(0, len(names), batch_size):
            chunk = names[i : i + batch_size]
            results = decode_batch([folder / n for n in chunk], clf.preprocess_cfg, decoder, "cuda", pool=pool)
            good = [(n, p) for n, (p, _) in zip(chunk, results, strict=True) if p is not None]
            errors.update({n: e for n, (p, e) in zip(chunk, results, strict=True) if p is None})
            if good:
                pixels = torch.stack([p.expand(3, -1, -1) for _, p in good])
                probs = clf.probabilities(gpu_normalize(pixels, clf.preprocess_cfg))
                top1.update(zip([n for n, _ in good], probs.argmax(-1).tolist(), strict=True))
    return time.perf_counter() - start, top1, errors


def label_with_pillow(clf: Classifier, folder: Path) -> tuple[float, dict, dict]:
    """Label ``folder`` with ``label_folder`` (Pillow decode threads); return as :func:`label_with_gpu_decoder`."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = BatchSettings()
        with open_journal(Path(tmp) / "run.journal", clf, folder, settings) as journal:
            start = time.perf_counter()
            label_folder(clf, folder, journal, settings)
            seconds = time.perf_counter() - start
        records = list(read_records(journal.path))
    top1 = {r["path"]: r["indices"][0] for r in records if not r["error"]}
    return seconds, top1, {r["path"]: r["error"] for r in records if r["error"]}


def labelling(jpegs: int) -> None:
    """Pillow decode threads against nvJPEG batches on a folder of 12-MP JPEGs and three odd files."""
    from bench_batch import write_jpegs
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        weights = Path(tmp) / "coatnet_0_rw_224"
        weights.mkdir()
        from safetensors.torch import save_file

        save_file(seeded_model("coatnet_0_rw_224").state_dict(), weights / "model.safetensors")
        clf = Classifier(load_model(weights), device="cuda")
        folder = Path(tmp) / "photos"
        folder.mkdir()
        write_jpegs(folder, jpegs)
        Image.new("RGB", (640, 480), (200, 30, 30)).save(folder / "odd_drawing.png")
        Image.new("CMYK", (800, 600), (10, 200, 30, 5)).save(folder / "odd_cmyk.jpg")
        (folder / "odd_broken.jpg").write_bytes((folder / "photo_0000.jpg").read_bytes()[:5000])
        total = jpegs + 3
        batch_size = effective_batch_size(clf, BatchSettings())
        height, width = clf.preprocess_cfg.input_size
        clf.probabilities(torch.zeros(batch_size, 3, height, width))  # warm-up, both sides
        label_with_gpu_decoder(clf, folder, batch_size)
        runs = {"pillow": label_with_pillow(clf, folder), "nvjpeg": label_with_gpu_decoder(clf, folder, batch_size)}
        for name, (seconds, top1, errors) in runs.items():
            print(
                f"  {name:7s}: {total / seconds:7.1f} img/s ({seconds:.2f} s), {len(top1)} labelled, "
                f"errors: {sorted(errors)}"
            )
            check(
                f"labelling with {name}: every file has a result",
                len(top1) + len(errors) == total,
                f"{len(top1) + len(errors)}/{total}",
            )
        pillow, nvjpeg = runs["pillow"][1], runs["nvjpeg"][1]
        agree = sum(nvjpeg.get(n) == i for n, i in pillow.items()) / max(1, len(pillow))
        check("labelling: nvJPEG top-1 agreement with Pillow", agree >= 0.9, f"{agree:.1%}")
        print(f"  nvJPEG / Pillow threads: ×{runs['pillow'][0] / runs['nvjpeg'][0]:.2f}")


def main() -> int:
    """Run the sections asked for; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jpegs", type=int, default=48, help="12-megapixel JPEGs in the labelling folder")
    parser.add_argument("--repeats", type=int, default=10, help="timed repeats per throughput case")
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["correctness", "explain", "throughput", "runtimes", "labelling"]
    )
    parser.add_argument("--runtimes-on-cpu", action="store_true", help="only the runtimes section, on the CPU")
    args = parser.parse_args()
    if args.runtimes_on_cpu:  # a dry run of the new section on a machine without a GPU (small model and batch)
        runtimes("cpu", "coatnet_nano_rw_224", batch=4, repeats=2)
        print(f"\n{'all checks met' if not failures else 'MISSED: ' + ', '.join(failures)}")
        return 1 if failures else 0
    if not torch.cuda.is_available():
        print("gpu_check: no CUDA device here (torch.cuda.is_available() is False): nothing to check.")
        return 0
    print(f"{torch.cuda.get_device_name()} | torch {torch.__version__} | CUDA {torch.version.cuda}", flush=True)
    sections = {
        "correctness": correctness,
        "explain": explain,
        "throughput": lambda: throughput(args.repeats),
        "runtimes": runtimes,
        "labelling": lambda: labelling(args.jpegs),
    }
    for name, section in sections.items():
        if name in args.skip:
            continue
        print(f"\n== {name}", flush=True)
        start = time.perf_counter()
        try:
            section()
        except Exception:  # one broken section must not cost the others on a scarce GPU
            traceback.print_exc()
            failures.append(f"{name} (raised)")
        print(f"  ({time.perf_counter() - start:.0f} s)", flush=True)
    print(f"\n{'all checks met' if not failures else 'MISSED: ' + ', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
