"""Import layers inside the app, read from the source (every module ast-parsed, imports under ``TYPE_CHECKING`` and
inside functions included): no import cycles among ``coatnet_gui`` modules; ``coatnet_gui/widgets/`` imports no tab
package (``image``, ``batch``, ``app``, ``teach``, ``audit``); ``coatnet_gui/image/`` does not import
``coatnet_gui.app``; ``coatnet_gui/audit/`` imports no other tab (the window links it to the Batch and Image tabs)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "coatnet_gui"
TAB_PACKAGES = (
    "coatnet_gui.image",
    "coatnet_gui.batch",
    "coatnet_gui.app",
    "coatnet_gui.teach",
    "coatnet_gui.audit",
    "coatnet_gui.live",
)


def module_name(path: Path) -> str:
    """Return the dotted name of the module at ``path`` (a package's ``__init__.py`` names the package)."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Return, for every module of ``coatnet_gui``, the ``coatnet_gui`` modules it imports (``from package import
    module`` counts as importing the module)."""
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def under(module: str, package: str) -> bool:
    """Return whether ``module`` is ``package`` or inside it."""
    return module == package or module.startswith(package + ".")


def test_the_graph_sees_the_app_s_imports():
    graph = import_graph()
    assert len(graph) >= 60
    assert "coatnet_gui.image.tab" in graph["coatnet_gui.app.main_window"]
    assert "coatnet_gui.app.main_window" in graph["coatnet_gui.app.launch"]
    assert "coatnet_gui.widgets.filmstrip" in graph["coatnet_gui.image.tab"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles_among_the_app_s_modules():
    assert cycles(import_graph()) == []


def test_widgets_import_no_tab_package():
    graph = import_graph()
    offenders = {
        module: sorted(t for t in targets if any(under(t, tab) for tab in TAB_PACKAGES))
        for module, targets in graph.items()
        if under(module, "coatnet_gui.widgets")
    }
    assert {m: t for m, t in offenders.items() if t} == {}


def test_the_image_tab_does_not_import_the_app_shell():
    graph = import_graph()
    offenders = {
        module: sorted(t for t in targets if under(t, "coatnet_gui.app"))
        for module, targets in graph.items()
        if under(module, "coatnet_gui.image")
    }
    assert {m: t for m, t in offenders.items() if t} == {}


def test_the_audit_tab_imports_no_other_tab():
    graph = import_graph()
    others = [t for t in TAB_PACKAGES if t != "coatnet_gui.audit"]
    offenders = {
        module: sorted(t for t in targets if any(under(t, tab) for tab in others))
        for module, targets in graph.items()
        if under(module, "coatnet_gui.audit")
    }
    assert graph["coatnet_gui.audit.tab"]  # the audit package is there and read
    assert {m: t for m, t in offenders.items() if t} == {}
