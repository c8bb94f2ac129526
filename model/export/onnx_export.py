"""Export a loaded CoAtNet to one ONNX file that another program can run with nothing else:

    export_onnx(load_model("bundled"), "fmnist.onnx")          # + fmnist.onnx.json, the same description

The graph takes the preprocessed batch ``pixels`` ``(B, 3, H, W)`` float32 and gives ``logits`` ``(B, classes)``;
its ``metadata_props`` and the JSON sidecar (:mod:`model.export.metadata`) hold the class names and the
preprocessing. The relative-position tables tie the graph to the model's input size (the attention grids are
fixed by it, as in the PyTorch network); the batch is dynamic unless a fixed size is asked for.

Uses torch's TorchScript-based exporter: its dynamo-based successor (torch 2.14) cannot yet decompose our
``scaled_dot_product_attention`` with a dynamic batch. The file is checked with ``onnx.checker`` before it is
written, and written atomically, the sidecar too: a failed export leaves no file behind.
"""

from __future__ import annotations

import io
import json
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch

from model.atomic import write_bytes_atomically
from model.export.metadata import INPUT_NAME, OUTPUT_NAME, describe_model, sidecar_path, to_metadata_props
from model.weights.loading import LoadedModel

MIN_OPSET, MAX_OPSET, DEFAULT_OPSET = 17, 20, 18  # 17: LayerNormalization as one op; 20: this exporter's newest
_PROTO_LIMIT = 2**31 - 2**26  # one ONNX protobuf holds under 2 GiB; keep room for the graph itself


class ExportError(Exception):
    """A model that cannot be exported, or a request that cannot be met; the message is one line for the user."""


@dataclass
class ExportResult:
    """What :func:`export_onnx` wrote: the ``path`` and its ``sidecar``, the file's ``size`` in bytes, the
    ``opset``, ``batch`` ("dynamic" or a size) and the ``seconds`` it took."""

    path: Path
    sidecar: Path
    size: int
    opset: int
    batch: str
    seconds: float


def parse_batch(text: str) -> int | None:
    """Return the fixed batch size ``text`` names, or None for "dynamic"; raises :class:`ExportError`."""
    if text == "dynamic":
        return None
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise ExportError(f"--batch must be 'dynamic' or a whole number of at least 1, not {text!r}")


def export_onnx(
    loaded: LoadedModel,
    out: str | os.PathLike,
    opset: int = DEFAULT_OPSET,
    batch: int | None = None,
    force: bool = False,
    exported_by: str = "coatnet-lens",
) -> ExportResult:
    """Write ``loaded``'s network to ``out`` as ONNX (``opset``, a fixed ``batch`` size or dynamic for None) and
    its description to ``out`` + ``.json``; return the :class:`ExportResult`.

    Raises :class:`ExportError` with one line when ``out`` or its sidecar exists and ``force`` is False, when the
    opset is outside :data:`MIN_OPSET`-:data:`MAX_OPSET`, when the folder does not exist, or when the network
    cannot be exported or checked; nothing is written then.
    """
    import onnx  # imported here: the export is an optional part (the `onnx` extra)

    start = time.perf_counter()
    out = Path(out).expanduser()
    sidecar = sidecar_path(out)
    _check_request(out, sidecar, opset, batch, force)
    net = loaded.net.eval()
    _check_size(net)
    side = loaded.info.preprocess.input_size
    example = torch.zeros(batch or 1, net.cfg.in_chans, *side)
    try:
        with torch.no_grad():
            net(example)  # a wrong input size fails here with the network's own message
        data = _trace(net, example, opset, dynamic=batch is None)
        proto = onnx.load_from_string(data)
    except Exception as exc:  # the exporter raises many kinds; each is the same answer: not exportable
        raise ExportError(f"{loaded.info.name} could not be exported to ONNX: {_first_line(exc)}") from None
    head = {"stages": len(net.cfg.depths), "pool": int(getattr(net, "head_pool", 1))}
    batch_text = "dynamic" if batch is None else str(batch)
    description = describe_model(loaded.info, head, batch_text, opset, exported_by)
    for key, value in to_metadata_props(description).items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    proto.doc_string = f"{loaded.info.name} ({loaded.info.config_name}), {loaded.info.label_set}"
    try:
        onnx.checker.check_model(proto, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        problem = _first_line(exc)
        raise ExportError(f"the ONNX graph of {loaded.info.name} did not pass onnx.checker: {problem}") from None
    data = proto.SerializeToString()
    try:
        write_bytes_atomically(out, data)
        write_bytes_atomically(sidecar, (json.dumps(description, indent=2, ensure_ascii=False) + "\n").encode())
    except OSError as exc:
        out.unlink(missing_ok=True)  # the ONNX file without its sidecar would be half an export
        raise ExportError(f"could not write {out}: {exc.strerror or exc}") from None
    return ExportResult(out, sidecar, len(data), opset, batch_text, time.perf_counter() - start)


def _check_request(out: Path, sidecar: Path, opset: int, batch: int | None, force: bool) -> None:
    """Raise :class:`ExportError` for a request that cannot be met, before any work."""
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise ExportError(
            f"opset {opset} is not supported: choose {MIN_OPSET} to {MAX_OPSET} (the default is {DEFAULT_OPSET})"
        )
    if batch is not None and batch < 1:
        raise ExportError(f"the batch size must be at least 1, not {batch}")
    if out.suffix.lower() != ".onnx":
        raise ExportError(f"{out.name}: the output file must end in .onnx")
    if not out.parent.is_dir():
        raise ExportError(f"{out.parent} is not a folder")
    if out.is_dir():
        raise ExportError(f"{out} is a folder")
    for path in (out, sidecar):
        if path.exists() and not force:
            raise ExportError(f"{path} exists; add --force to replace it")


def _check_size(net: torch.nn.Module) -> None:
    """Raise :class:`ExportError` when the weights do not fit in one ONNX file (protobuf's 2 GiB)."""
    size = sum(t.numel() * t.element_size() for t in (*net.parameters(), *net.buffers()))
    if size > _PROTO_LIMIT:
        raise ExportError(
            f"the weights take {size / 2**30:.1f} GiB, more than one ONNX file holds (2 GiB): this model cannot be "
            "exported as a single file"
        )


def _trace(net: torch.nn.Module, example: torch.Tensor, opset: int, dynamic: bool) -> bytes:
    """Return the serialised ONNX model of ``net`` traced on ``example``."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's deprecation and tracer notes are not the user's business
        torch.onnx.export(
            net,
            (example,),
            buffer,
            dynamo=False,
            opset_version=opset,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}} if dynamic else None,
            do_constant_folding=True,
        )
    return buffer.getvalue()


def _first_line(exc: BaseException) -> str:
    """Return the first non-empty line of ``exc``'s message (exporter errors run to pages)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
