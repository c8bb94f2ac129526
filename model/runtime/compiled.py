"""The ``compiled`` runtime: the network through ``torch.compile`` (inductor's CPU or CUDA backend, weights frozen
into the graph), with inductor's on-disk caches in the app's cache folder, so the compile cost is paid once per
model and machine rather than once per run.

    clf = CompiledClassifier(load_model("bundled"), batch_sizes=(1, 64))
    clf.probabilities(batch)      # eager at once; the compiled graph takes over when the background compile is done

The compile runs on a background thread; until it is done (or if it fails) every batch runs on the eager network,
exactly as :class:`~model.runtime.inference.Classifier` runs it, so labelling starts at once. Batch sizes other
than the compiled ones are padded up to the next compiled size (or run eagerly above the largest). Explanations
(captures, Grad-CAM) always run on the eager fp32 network.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import torch

from model.paths import cache_dir
from model.runtime.inference import Classifier
from model.weights.loading import LoadedModel

_CONFIGURED = threading.Lock()


def compile_cache_dir() -> Path:
    """Return where inductor's caches live: ``<cache folder>/compiled/inductor``, or ``TORCHINDUCTOR_CACHE_DIR``
    when the user set it (inductor's import sets it to its default, which does not count)."""
    from torch._inductor.runtime.cache_dir_utils import default_cache_dir

    user = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
    if user and user != default_cache_dir():
        return Path(user)
    return cache_dir() / "compiled" / "inductor"


def configure_compile_cache() -> Path:
    """Point inductor's on-disk caches (the FX graph cache, the AOT autograd cache and the compiled kernels) at
    :func:`compile_cache_dir` and switch on what makes CPU inference fast (weights frozen into the graph, so batch
    norms fold into the convolutions) while staying cacheable (no oneDNN weight prepacking: prepacked weights cannot
    be pickled, and inductor then bypasses its FX graph cache); return the folder. Call before the first compile."""
    import torch._functorch.config as functorch_config
    import torch._inductor.config as inductor_config

    with _CONFIGURED:
        folder = compile_cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(folder)
        inductor_config.fx_graph_cache = True
        inductor_config.freezing = True
        inductor_config.cpp.weight_prepack = False  # prepacked (mkldnn) weights cannot be pickled: no FX graph cache
        functorch_config.enable_autograd_cache = True
        return folder


def marker_path(key: str) -> Path:
    """Return the small file that says a model (``key``: weights, config and torch version) was compiled here."""
    return cache_dir() / "compiled" / "models" / f"{key}.json"


def model_key(loaded: LoadedModel) -> str:
    """Return a short key of what a compiled graph depends on: the weights, the config and torch's version."""
    from model.features.cache import base_key

    return f"{base_key(loaded.net, loaded.info.preprocess)}-torch{torch.__version__}".replace("+", "_")


def is_compiled_here(loaded: LoadedModel) -> bool:
    """Return whether this model was compiled on this machine before (its graphs are then in inductor's cache)."""
    return marker_path(model_key(loaded)).is_file()


class CompiledClassifier(Classifier):
    """A :class:`~model.runtime.inference.Classifier` whose plain forward passes go through ``torch.compile``
    once the background compile for ``batch_sizes`` is done (eager until then; empty: 1 and the labeller's default
    batch for the model's input size). ``wait=True`` compiles before returning (tests, benchmarks).
    ``compile_error`` holds the one line of a failed compile (eager is used)."""

    runtime = "compiled"

    def __init__(
        self,
        loaded: LoadedModel,
        device: str = "auto",
        precision: str = "auto",
        batch_sizes: Sequence[int] = (),
        wait: bool = False,
    ):
        from model.batch.pipeline import default_batch_size

        super().__init__(loaded, device, precision)
        self.batch_sizes = sorted(set(batch_sizes) or {1, default_batch_size(loaded.info.preprocess.input_size[-1])})
        self.compile_error = ""
        self._key = model_key(loaded)
        self._compiled: torch.nn.Module | None = None
        self._generation = -1  # the placement's generation the graph was compiled for
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._compile, name="coatnet-compile", daemon=True)
        self._thread.start()
        if wait:
            self.wait()

    @property
    def compiled_ready(self) -> bool:
        """Whether the compiled graph runs the plain forward passes now."""
        return self._compiled is not None

    @property
    def runtime_now(self) -> str:
        """ "compiled" once the compiled graph runs, "torch, compiling" before, "torch, compile failed" after a
        failure."""
        if self._compiled is not None:
            return "compiled"
        return "torch, compile failed" if self.compile_error else "torch, compiling"

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the background compile to end; return whether the compiled graph is ready."""
        self._ready.wait(timeout)
        return self.compiled_ready

    def _compile(self) -> None:
        try:
            configure_compile_cache()
            compiled = torch.compile(self.net, dynamic=False)
            height, width = self.info.preprocess.input_size
            for batch in self.batch_sizes:  # traced (or found in the cache) now, not in the middle of labelling
                with self.owner.shared() as placement:
                    pixels = torch.zeros(batch, self.net.cfg.in_chans, height, width)
                    with torch.inference_mode(), placement.autocast():
                        compiled(placement.to_input(pixels))
            self._generation = self.owner.generation
            self._compiled = compiled
            marker = marker_path(self._key)
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(json.dumps({"batch_sizes": self.batch_sizes, "model": self.info.name}))
        except Exception as exc:  # noqa: BLE001 - any compiler failure leaves the eager path running
            text = str(exc).strip().splitlines()
            self.compile_error = f"torch.compile failed ({type(exc).__name__}: {text[0] if text else ''}); eager used"
        finally:
            self._ready.set()

    def probabilities(self, batch: torch.Tensor) -> torch.Tensor:
        """Return softmax probabilities ``(B, classes)`` float32 on the CPU for a preprocessed ``(B, 3, H, W)``:
        through the compiled graph when it is ready and ``B`` is at least half a compiled size (padded up to it),
        else eager."""
        compiled = self._compiled
        n = len(batch)
        size = next((s for s in self.batch_sizes if s >= n), None)
        if compiled is None or size is None or size > 2 * n or self.owner.generation != self._generation:
            return super().probabilities(batch)
        if size > n:
            batch = torch.cat([batch, batch.new_zeros(size - n, *batch.shape[1:])])
        with self.owner.shared() as placement:
            with torch.inference_mode(), placement.autocast():
                logits = compiled(placement.to_input(batch))
            return logits[:n].float().softmax(-1).cpu()
