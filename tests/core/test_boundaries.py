"""The core package stays free of Qt and of timm (timm is only our test oracle)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys, pkgutil, importlib
for blocked in ("timm", "PySide6", "PySide6.QtCore", "PyQt5", "PyQt6", "shiboken6"):
    sys.modules[blocked] = None  # any import of these now raises ImportError
import model
for info in pkgutil.walk_packages(model.__path__, "model."):
    importlib.import_module(info.name)
print("ok", len(list(pkgutil.walk_packages(model.__path__, "model."))))
"""


def test_model_imports_without_qt_or_timm():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")
