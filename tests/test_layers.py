"""The layers of the package (docs/architecture.md "Layers"), checked from the imports in the source.

Each rule names a group of modules and the modules they may not import (or the only ones they may).
A function-level import counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("searcher", "web")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, name: str, is_package: bool = False) -> set[str]:
    """Absolute names of the searcher / web modules that module ``name`` imports (relative imports resolved)."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # `from searcher import api` imports searcher.api
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {m for m in found if m.split(".")[0] in PACKAGES}


def modules() -> dict[str, set[str]]:
    """Every module of the packages -> the modules it imports (``from a import b``: a.b if that is a module)."""
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            out[module_name(path)] = imports_of(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")
    return {name: {_module(m, out) for m in imported} for name, imported in out.items()}


def _module(name: str, known: dict[str, set[str]]) -> str:
    """The longest prefix of ``name`` that is a module (searcher.fields.FILTERS -> searcher.fields)."""
    while name not in known and "." in name:
        name = name.rpartition(".")[0]
    return name


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


# (the modules a rule is about, what they must not import)
FORBIDDEN: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("the text module is a leaf", ("searcher.text", "searcher.fields"), ("searcher", "web")),
    (
        "the model knows only the fields",
        ("searcher.model",),
        ("searcher.api", "searcher.engine", "searcher.ingest", "searcher.query", "searcher.cli", "web"),
    ),
    (
        "ingestion never reaches the engine or the search side",
        ("searcher.ingest",),
        (
            "searcher.engine",
            "searcher.api",
            "searcher.cli",
            "web",
            "searcher.query",
            "searcher.highlight",
            "searcher.indexing",
            "searcher.rebuilding",
            "searcher.export",
            "searcher.corrections",
        ),
    ),
    (
        "the search side does not read files or reach the engine",
        ("searcher.query", "searcher.matching", "searcher.highlight"),
        ("searcher.engine", "searcher.ingest", "searcher.api", "searcher.cli", "web", "searcher.indexing"),
    ),
    (
        "an engine knows nothing of ingestion, the API or its callers",
        ("searcher.engine",),
        (
            "searcher.ingest",
            "searcher.api",
            "searcher.cli",
            "web",
            "searcher.indexing",
            "searcher.rebuilding",
            "searcher.export",
            "searcher.highlight",
            "searcher.corrections",
        ),
    ),
    ("the API does not depend on its callers", ("searcher.api",), ("searcher.cli", "web")),
]
# (the modules a rule is about, the only searcher / web modules they may import)
ALLOWED_ONLY: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("the CLI calls only the API", ("searcher.cli",), ("searcher", "searcher.api", "searcher.model", "searcher.fields", "web")),
    ("the web app calls only the API", ("web",), ("searcher", "searcher.api", "searcher.model", "searcher.fields", "web")),
]


def crossings(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for rule, who, forbidden in FORBIDDEN:
        for name, imported in graph.items():
            if within(name, who):
                found += [f"{name} imports {m} ({rule})" for m in sorted(imported) if within(m, forbidden) and not within(m, who)]
    for rule, who, allowed in ALLOWED_ONLY:
        for name, imported in graph.items():
            if within(name, who):
                found += [
                    f"{name} imports {m} ({rule})"
                    for m in sorted(imported)
                    if not (m in allowed or within(m, ("web",)) and "web" in allowed)
                ]
    return found


def test_no_layer_is_crossed() -> None:
    assert crossings(modules()) == []


def test_no_import_cycles_between_modules() -> None:
    graph = {name: {m for m in imported if m != name} for name, imported in modules().items()}
    graph = {name: {m for m in imported if m in graph} for name, imported in graph.items()}
    # A package's __init__ may import its own submodules; cycles through it are not real cycles.
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(path[path.index(nxt) :] + [nxt]) if nxt in path else f"{node} -> {nxt}")
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


@pytest.mark.parametrize(
    "line, module",
    [
        ("from searcher.engine import open_engine", "web.views"),
        ("from searcher import export", "searcher.cli"),
        ("from ..engine import base", "searcher.ingest.pipeline"),
        ("from searcher.query import parse_query", "searcher.ingest.articles"),
    ],
)
def test_the_checker_sees_a_crossing(line: str, module: str) -> None:
    """The rules catch what they are for: an import written the way a newcomer would."""
    graph = modules()
    graph[module] = graph.get(module, set()) | {_module(m, graph) for m in imports_of(line, module)}
    assert any(c.startswith(module + " imports") for c in crossings(graph))
