"""Package boundaries: the core package stays free of Qt, of timm and cleanlab (test oracles only) and of the app;
the app's command line and its Qt-free overlay modules import without Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
QT_FREE_APP_MODULES = (
    "coatnet_gui",
    "coatnet_gui.__main__",
    "coatnet_gui.overlay",
    "coatnet_gui.overlay.geometry",
    "coatnet_gui.image.saving",
    "coatnet_gui.batch.corrections",
    "coatnet_gui.batch.rows",
    "coatnet_gui.batch.status_text",
)

SCRIPT = """
import sys, pkgutil, importlib
for blocked in ("timm", "cleanlab", "PySide6", "PySide6.QtCore", "PyQt5", "PyQt6", "shiboken6"):
    sys.modules[blocked] = None  # any import of these now raises ImportError
import model
names = [info.name for info in pkgutil.walk_packages(model.__path__, "model.")]
for name in names:
    importlib.import_module(name)
app = sorted(m for m in sys.modules if m.split(".")[0] == "coatnet_gui")
assert not app, f"model imported {app}"
import coatnet_gui.cli
cli = ["coatnet_gui.cli"] + [info.name for info in pkgutil.walk_packages(coatnet_gui.cli.__path__, "coatnet_gui.cli.")]
for name in cli + sys.argv[1:]:
    importlib.import_module(name)
print("ok", len(names), len(cli))
"""


def test_model_and_the_qt_free_app_modules_import_without_qt_or_timm():
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, *QT_FREE_APP_MODULES], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    _, models, clis = proc.stdout.split()
    # every module walked: cli, audit, common, explain, export, label, main, train
    assert int(models) >= 25 and int(clis) == 8


def imported_modules(path: Path) -> set[str]:
    """Return the top-level package names that ``path`` imports, at any depth of the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_nothing_in_model_imports_the_app():
    files = sorted((REPO / "model").rglob("*.py"))
    assert len(files) >= 25
    offenders = [str(f.relative_to(REPO)) for f in files if imported_modules(f) & {"coatnet_gui", "PySide6"}]
    assert offenders == []


def imported_names(path: Path) -> set[str]:
    """Return the full module names that ``path`` imports (``from a.b import c`` gives ``a.b`` and ``a.b.c``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_batch_labelling_does_not_import_the_explain_package():
    """``model.batch`` runs a per-chunk step it is given (the folder maps' step comes from its callers): none of its
    modules imports ``model.explain``, and importing them all loads none of the maps' code."""
    files = sorted((REPO / "model" / "batch").glob("*.py"))
    assert len(files) >= 8
    offenders = {
        str(f.relative_to(REPO)): sorted(n for n in imported_names(f) if n.startswith("model.explain")) for f in files
    }
    assert {f: names for f, names in offenders.items() if names} == {}
    script = (
        "import importlib, pkgutil, sys, model.batch\n"
        "for info in pkgutil.walk_packages(model.batch.__path__, 'model.batch.'):\n"
        "    importlib.import_module(info.name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('model.explain.')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    loaded = eval(proc.stdout)  # noqa: S307 - our own script's printed list
    assert "model.explain.folder_maps" not in loaded and "model.explain.render" not in loaded, loaded


def test_no_module_of_the_app_is_over_450_lines():
    long = {
        str(p.relative_to(REPO)): n
        for package in ("model", "coatnet_gui")
        for p in (REPO / package).rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 450
    }
    assert not long, f"split these modules (one job each, under 450 lines): {long}"
