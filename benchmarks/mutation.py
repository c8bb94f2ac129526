"""Mutation testing of the modules that guard user data: change the code slightly, run the tests that import it,
and see whether any test fails. A small AST mutator (no dependency) so that mutants are stable, reviewable ids.

    python benchmarks/mutation.py model/batch/sort.py [--sample 40] [--seed 0] [--bare] [--tests tests/core/x.py ...]
        [--then tests/core/slower.py ...]

Each mutant is one of: a comparison flipped (``==`` <-> ``!=``, ``<`` <-> ``>=``, ``in`` <-> ``not in``, ...),
``and`` <-> ``or``, a ``not`` removed, ``True`` <-> ``False``, a number changed by one, a statement deleted
(replaced by ``pass``), a ``raise`` or ``return`` value dropped, ``+`` <-> ``-``. The tests run in a copy of the
repository (so the working tree is never touched), each mutant with a time limit of 3x the unmutated run. The
script prints killed / survived / timed out and lists the survivors with their line; equivalent mutants (no
observable change) are listed with their reason in ``benchmarks/mutation_allow.txt`` and left out of the score.
To keep a run short, give fast ``--tests`` (``--bare`` skips the plugins they do not use) and slower ones as
``--then``: only the survivors of the fast tests run against those.

Run it again whenever one of these modules changes: sort, undo, manifest, signing, fileguard, journal, export,
atomic, teach's dataset reader, the corrections and run store, relabel, label fixes, keep-one, faithfulness and the
video rows (docs/ARCHITECTURE.md lists them and gives the commands).
"""

from __future__ import annotations

import argparse
import ast
import copy
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ALLOW = REPO / "benchmarks" / "mutation_allow.txt"
_FLIP = {
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}  # fmt: skip
_ARITH = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv, ast.FloorDiv: ast.Mult}


@dataclass(frozen=True)
class Mutant:
    """One change: the ``index``-th node visited in ``module``, at ``line``, of ``kind`` (its id is stable while
    the module's code does not change above it)."""

    module: str
    index: int
    line: int
    kind: str

    @property
    def id(self) -> str:
        """Return ``module:line:kind`` (the allow-list's key)."""
        return f"{self.module}:{self.line}:{self.kind}"


def _candidates(tree: ast.AST) -> list[tuple[int, int, str]]:
    """Return ``(node index, line, kind)`` for every mutation point in ``tree``, in a fixed walk order."""
    found = []
    for index, node in enumerate(ast.walk(tree)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare) and type(node.ops[0]) in _FLIP:
            found.append((index, line, f"compare {type(node.ops[0]).__name__}->{_FLIP[type(node.ops[0])].__name__}"))
        elif isinstance(node, ast.BoolOp):
            found.append((index, line, "and->or" if isinstance(node.op, ast.And) else "or->and"))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            found.append((index, line, "drop not"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            found.append((index, line, f"{node.value}->{not node.value}"))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            found.append((index, line, f"number {node.value}->{node.value + 1}"))
        elif isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
            found.append((index, line, f"{type(node.op).__name__}->{_ARITH[type(node.op)].__name__}"))
        elif isinstance(node, ast.Raise):
            found.append((index, line, "raise->pass"))
        elif (
            isinstance(node, ast.Return)
            and node.value is not None
            and not (
                isinstance(node.value, ast.Constant) and node.value.value is None  # `return None` -> `return`: the same
            )
        ):
            found.append((index, line, "return value->None"))
        elif isinstance(node, ast.Expr | ast.Assign | ast.AugAssign) and not (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)  # docstrings
        ):
            found.append((index, line, "delete statement"))
    # two mutants of one kind on one line (``mkdir(parents=True, exist_ok=True)``) get ``#2``, ``#3``, ... so that
    # every id names one mutant and an allow-list line never covers a second, different one
    seen: dict[tuple[int, str], int] = {}
    for n, (index, line, kind) in enumerate(found):
        seen[line, kind] = seen.get((line, kind), 0) + 1
        if seen[line, kind] > 1:
            found[n] = (index, line, f"{kind}#{seen[line, kind]}")
    return found


def _apply(tree: ast.AST, index: int) -> ast.AST:
    """Return a copy of ``tree`` with its ``index``-th walked node mutated."""
    tree = copy.deepcopy(tree)
    node = next(n for i, n in enumerate(ast.walk(tree)) if i == index)
    if isinstance(node, ast.Compare):
        node.ops[0] = _FLIP[type(node.ops[0])]()
    elif isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif isinstance(node, ast.UnaryOp):
        node.op = ast.UAdd()  # `+x` keeps x's truth value where `not x` flipped it
        node.operand = ast.Call(ast.Name("bool", ast.Load()), [node.operand], [])
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        node.value = not node.value
    elif isinstance(node, ast.Constant):
        node.value = node.value + 1
    elif isinstance(node, ast.BinOp):
        node.op = _ARITH[type(node.op)]()
    elif isinstance(node, ast.Raise | ast.Expr | ast.Assign | ast.AugAssign):
        for parent in ast.walk(tree):
            for _field, value in ast.iter_fields(parent):
                if isinstance(value, list) and node in value:
                    value[value.index(node)] = ast.Pass()
    elif isinstance(node, ast.Return):
        node.value = None
    return ast.fix_missing_locations(tree)


def _tests_for(module: str) -> list[str]:
    """Return the test files that import ``module`` (``model/batch/sort.py`` -> ``model.batch.sort``)."""
    dotted = module.removesuffix(".py").replace("/", ".")
    pattern = re.compile(rf"(from {re.escape(dotted)} import|import {re.escape(dotted)}\b)")
    return sorted(
        str(p.relative_to(REPO)) for p in (REPO / "tests").rglob("test_*.py") if pattern.search(p.read_text())
    )


def _allowed() -> dict[str, str]:
    """Return the reviewed equivalent mutants: ``{id: reason}``."""
    if not ALLOW.exists():
        return {}
    out = {}
    for line in ALLOW.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, reason = line.partition("#")
            out[key.strip()] = reason.strip()
    return out


# --bare: pytest without the Hypothesis, pytest-qt and anyio plugins (some 3 s of imports per mutant on 2 busy
# cores), for test files that use none of them
_BARE = ["-p", "no:hypothesispytest", "-p", "no:pytest-qt", "-p", "no:anyio"]


# A plugin put into the repository copy: after collection every object alive (torch, Qt, the test modules) is moved
# out of the collector's sight, so the suite's gc.collect() after each test (tests/conftest.py) costs milliseconds,
# not a second, and the tests themselves run unchanged
_GC_PLUGIN = "mutation_gc_freeze"
_GC_PLUGIN_SOURCE = "import gc\n\n\ndef pytest_collection_finish(session):\n    gc.collect()\n    gc.freeze()\n"


def _run(workdir: Path, tests: list[str], timeout: float, bare: bool = False) -> str:
    """Run ``tests`` in ``workdir``; return "passed", "failed" or "timeout"."""
    plugins = ["-p", "no:cacheprovider", "-p", _GC_PLUGIN, *(_BARE if bare else [])]
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", *plugins, *tests]
    try:
        done = subprocess.run(cmd, cwd=workdir, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout"
    return "passed" if done.returncode == 0 else "failed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", help="a module path, e.g. model/batch/sort.py")
    parser.add_argument("--sample", type=int, default=40, help="how many mutants (sampled with --seed)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tests", nargs="*", help="test files to run (default: those that import the module)")
    parser.add_argument("--list", action="store_true", help="list the sampled mutants and run nothing")
    parser.add_argument("--bare", action="store_true", help="run --tests without Hypothesis/pytest-qt/anyio")
    parser.add_argument(
        "--then", nargs="*", default=[], help="slower tests (all plugins) each survivor of --tests runs against too"
    )
    args = parser.parse_args(argv)
    source = (REPO / args.module).read_text(encoding="utf-8")
    tree = ast.parse(source)
    points = _candidates(tree)
    chosen = sorted(random.Random(args.seed).sample(points, min(args.sample, len(points))), key=lambda p: (p[1], p[0]))
    mutants = [Mutant(args.module, i, line, kind) for i, line, kind in chosen]
    allowed = _allowed()
    if args.list:
        for m in mutants:
            print(m.id, "(allowed: " + allowed[m.id] + ")" if m.id in allowed else "")
        return 0
    tests = args.tests or _tests_for(args.module)
    if not tests:
        print(f"no test imports {args.module}; give --tests")
        return 2
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        work = Path(tmp)
        for part in ("model", "coatnet_gui", "tests", "assets", "pyproject.toml"):
            src = REPO / part
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, work / part)
        (work / f"{_GC_PLUGIN}.py").write_text(_GC_PLUGIN_SOURCE, encoding="utf-8")
        target = work / args.module
        start = time.perf_counter()
        if _run(work, tests, timeout=1800, bare=args.bare) != "passed":
            print("the tests fail on the unmutated code; fix that first")
            return 2
        limit = 3 * (time.perf_counter() - start) + 10
        then_limit = None
        results: dict[str, list[Mutant]] = {"killed": [], "survived": [], "timeout": [], "allowed": []}
        for n, mutant in enumerate(mutants, 1):
            if mutant.id in allowed:
                results["allowed"].append(mutant)
                continue
            target.write_text(ast.unparse(_apply(tree, mutant.index)), encoding="utf-8")
            outcome = _run(work, tests, limit, bare=args.bare)
            if outcome == "passed" and args.then:
                if then_limit is None:  # the slower tests' own time, measured on the unmutated code once
                    target.write_text(source, encoding="utf-8")
                    start = time.perf_counter()
                    if _run(work, args.then, timeout=1800) != "passed":
                        print("the --then tests fail on the unmutated code; fix that first")
                        return 2
                    then_limit = 3 * (time.perf_counter() - start) + 10
                    target.write_text(ast.unparse(_apply(tree, mutant.index)), encoding="utf-8")
                outcome = _run(work, args.then, then_limit)
            key = {"failed": "killed", "passed": "survived", "timeout": "timeout"}[outcome]
            results[key].append(mutant)
            print(f"[{n}/{len(mutants)}] {key:8s} {mutant.id}", flush=True)
        target.write_text(source, encoding="utf-8")
    scored = len(mutants) - len(results["allowed"])
    killed = len(results["killed"]) + len(results["timeout"])
    print(f"\n{args.module}: {len(mutants)} mutants, {len(results['allowed'])} allowed as equivalent")
    print(f"killed {len(results['killed'])}, timed out {len(results['timeout'])}, survived {len(results['survived'])}")
    print(f"score: {killed}/{scored} = {killed / max(scored, 1):.0%} of non-equivalent mutants")
    for m in results["survived"]:
        print(f"  survived: {m.id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
