"""The layers of DESIGN.md, checked on every import of every module (imports inside functions too).

model < io < analysis · simulate · exchange < report < store < cli · service. A layer imports only
layers below it. DESIGN.md draws analysis, simulate and exchange as one layer; inside it, simulate
builds on analysis (the frontier and the solution concepts score a simulated run), so the arrow
simulate -> analysis is allowed and its reverse is not, while exchange stands alone: it neither
imports nor is imported by the other two. cli and service are one layer too; ``truce serve`` starts
the service, so cli -> service is allowed and its reverse is not. ``errors`` sits below everything; the package's own
``__init__`` is the library's front door and may import any library layer, never store, cli or service;
its ``__main__`` (``python -m truce``) is the command line's other door and imports cli.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "truce"

RANK = {
    "errors": 0,
    "model": 1,
    "io": 2,
    "analysis": 3,
    "simulate": 3,
    "exchange": 3,
    "report": 4,
    "store": 5,
    "cli": 6,
    "service": 6,
    "": 4,  # truce/__init__.py: the library's front door, level with report
    "__main__": 6,  # python -m truce: the command line's other door, level with cli
}
# Arrows between packages of one rank: only these are allowed.
SIDEWAYS = {("simulate", "analysis"), ("cli", "service"), ("__main__", "cli")}


def _layer(module: str) -> str | None:
    """The layer of a dotted ``truce...`` module name (None: not part of truce)."""
    parts = module.split(".")
    if parts[0] != "truce":
        return None
    return parts[1] if len(parts) > 1 else ""


def _module_of(file: Path) -> str:
    rel = file.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, imported module) for every import statement anywhere in the tree, relative ones resolved."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            out.append((node.lineno, name))
    return out


def breaches(source: str, module: str, is_package: bool = False) -> list[str]:
    """Each import in ``source`` (the text of ``module``) that runs up or across the layers."""
    here = _layer(module)
    assert here is not None and here in RANK, f"{module}: not in a known layer"
    found = []
    for line, name in _imported(ast.parse(source), module, is_package):
        there = _layer(name)
        if there is None or there == here:
            continue
        assert there in RANK, f"{module}:{line}: imports {name}, in no known layer"
        upward = RANK[there] > RANK[here]
        sideways = RANK[there] == RANK[here] and (here, there) not in SIDEWAYS
        if upward or sideways:
            found.append(f"{module}:{line}: {here or 'truce'} imports {name} ({there or 'truce'})")
    return found


def test_no_import_runs_up_the_layers() -> None:
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 40
    problems = []
    for file in files:
        problems += breaches(file.read_text(encoding="utf-8"), _module_of(file), file.name == "__init__.py")
    assert problems == []


def test_every_package_has_a_layer() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in SRC.glob("*.py") if p.stem != "__init__"}
    assert packages | modules <= set(RANK)


def test_the_walk_sees_upward_sideways_and_nested_imports() -> None:
    source = (
        "from truce.model.scenario import Scenario\n"
        "import truce.cli.common\n"
        "def f():\n"
        "    from truce.analysis import frontier\n"
        "    from ..store import repo\n"
    )
    found = breaches(source, "truce.io.thing")
    assert [f.split(":")[1] for f in found] == ["2", "4", "5"]
    assert breaches("from truce.exchange import rules\n", "truce.analysis.x") != []
    assert breaches("from truce.analysis import frontier\n", "truce.exchange.x") != []
    assert breaches("from truce.analysis import frontier\n", "truce.simulate.x") == []
    assert breaches("from truce.simulate import engine\n", "truce.analysis.x") != []
    assert breaches("from truce.service import app\n", "truce.cli.serve") == []
    assert breaches("from truce.cli import common\n", "truce.service.api") != []
    assert breaches("from . import rules\n", "truce.exchange", is_package=True) == []
