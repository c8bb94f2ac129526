"""Exporting a model to run elsewhere: ``onnx_export.py`` (``export_onnx``: one ONNX file, checked, written
atomically) and ``metadata.py`` (the class names and preprocessing that travel with it). Importing this package
imports nothing heavy: the command line's refusals use :func:`onnx_missing` before torch is loaded."""

from __future__ import annotations

import sys


def onnx_missing(what: str, package: str, install: str = "pip install 'coatnet-lens[onnx]'") -> str:
    """Return the one line saying that ``what`` (e.g. "opening an ONNX file") needs ``package``, which is not
    installed, and what to do (``install``): in the PyInstaller bundle, which never carries it, use the Python
    install."""
    if getattr(sys, "frozen", False):
        return f"{what} needs {package}, which this build does not include: install the app with {install}"
    return f"{what} needs {package}, which is not installed: {install}"
