"""Exporting a network to ONNX in a child Python process, for callers that must keep their own threads running.

The exporter's C++ passes hold the GIL for more than a second at a time, so an export on a worker thread of the
window froze its event loop (1.27 s measured while the Live tab prepared its fast pass for coatnet_0_rw_224).
A child process has its own GIL. The network travels as a safetensors file and its config as JSON (no pickle:
SECURITY.md), in a private temporary folder beside the output; the child writes the export atomically.

    export_apart(loaded, cache / "exported" / "key.onnx")        # same result as export_onnx(..., force=True)

``python -m model.export.apart FOLDER OUT`` is the child's side.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from model.export.onnx_export import ExportError, export_onnx
from model.weights.loading import LoadedModel

_SPEC, _WEIGHTS = "network.json", "weights.safetensors"
CAN_EXPORT_APART = not getattr(sys, "frozen", False)  # a frozen app's executable cannot run ``-m`` a module


def export_apart(loaded: LoadedModel, out: Path, hold: Callable[[], AbstractContextManager] = nullcontext) -> None:
    """Export ``loaded`` to ``out`` (and its sidecar) as :func:`~model.export.onnx_export.export_onnx` with
    ``force`` does, in a child process; ``hold()`` is held only while the weights are read (the network's shared
    hold: no pass may move it meanwhile). Not in a frozen app, whose executable runs the app rather than Python
    (:data:`CAN_EXPORT_APART`). Raises :class:`~model.export.onnx_export.ExportError` with the child's one line when
    it fails."""
    from safetensors.torch import save_file

    net = loaded.net
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".export-") as tmp:
        folder = Path(tmp)
        spec = {"cfg": net.cfg.as_json(), "name": net.name, "head_pool": net.head_pool, "info": loaded.info.as_json()}
        (folder / _SPEC).write_text(json.dumps(spec), encoding="utf-8")
        with hold():
            save_file({k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}, folder / _WEIGHTS)
        command = [sys.executable, "-m", "model.export.apart", str(folder), str(out)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise ExportError(lines[-1] if lines else f"the export process ended with status {done.returncode}")


def _export_from(folder: Path, out: Path) -> None:
    """The child's side: rebuild the network from ``folder`` and export it to ``out``."""
    import torch

    from model.net.coatnet import CoAtNet
    from model.net.config import CoAtNetCfg
    from model.weights.checkpoint import read_state_dict
    from model.weights.info import ModelInfo

    spec = json.loads((folder / _SPEC).read_text(encoding="utf-8"))
    with torch.device("meta"):
        net = CoAtNet(CoAtNetCfg.from_json(spec["cfg"]), name=spec["name"], head_pool=spec["head_pool"])
    net.load_state_dict(read_state_dict(folder / _WEIGHTS), strict=True, assign=True)
    export_onnx(LoadedModel(net.float().eval(), ModelInfo.from_json(spec["info"])), out, force=True)


if __name__ == "__main__":
    try:
        _export_from(Path(sys.argv[1]), Path(sys.argv[2]))
    except ExportError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
