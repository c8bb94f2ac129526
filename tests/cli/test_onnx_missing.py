"""Without onnx / onnxruntime, exporting or opening an ONNX file is one line that says what to install: in the
PyInstaller bundle (which never carries them) the line says to use the Python install instead."""

from __future__ import annotations

import sys

import pytest

from coatnet_gui.cli.main import main
from model.export import onnx_missing


def test_export_without_onnx_is_one_line_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx raises ImportError
    out = tmp_path / "model.onnx"
    assert main(["export", "bundled", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: export needs the onnx package, which is not installed: pip install 'coatnet-lens[onnx]'"]
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_the_bundle_says_to_use_the_python_install(monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    line = onnx_missing("opening an ONNX file", "onnxruntime")
    assert line == (
        "opening an ONNX file needs onnxruntime, which this build does not include: "
        "install the app with pip install 'coatnet-lens[onnx]'"
    )


def test_opening_an_onnx_file_without_onnxruntime_is_one_line(tmp_path, monkeypatch):
    from model.runtime.runtimes import open_predictor

    path = tmp_path / "m.onnx"
    path.write_bytes(b"\x08\x07")  # never read: onnxruntime is missing first
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(Exception, match=r"needs onnxruntime, which is not installed: pip install") as caught:
        open_predictor(str(path), "cpu")
    assert "\n" not in str(caught.value)
