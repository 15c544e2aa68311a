"""The import graph: no cycles, and no stage reaching up to what runs it (design.md's table)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("pipeline", "extractors", "flows", "webdesk")


def _graph() -> dict[str, set[str]]:
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        # Imports inside functions count too: a cycle hidden in a function is still one.
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def _cycle_from(graph: dict[str, set[str]], start: str) -> list[str] | None:
    stack = [(start, [start])]
    seen = {start}
    while stack:
        node, path = stack.pop()
        for nxt in graph[node]:
            if nxt == start:
                return path
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def test_no_import_cycles() -> None:
    graph = _graph()
    # A package importing its own modules (pipeline.checks → pipeline.checks.identity) is
    # the package's table of contents, not a cycle through a stage.
    for name in graph:
        graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    cycles = [c for name in sorted(graph) if (c := _cycle_from(graph, name))]
    assert cycles == []


def test_extractors_and_readers_never_import_what_runs_them() -> None:
    graph = _graph()
    upward = {
        name: sorted(t for t in targets if t.split(".")[0] in ("flows", "webdesk"))
        for name, targets in graph.items()
        # The command line is the top of the stack (it still lives in pipeline/: issue 11).
        if name.split(".")[0] in ("pipeline", "extractors") and name != "pipeline.cli"
    }
    assert {k: v for k, v in upward.items() if v} == {}
