"""Which apps import each other: the app graph, its cycles and the imports that make them.

Not a timing: a count, for ADR 0052 and docs/performance.md. Counts every module of
``seip`` except tests, demo builders, management commands and migrations; imports under
``TYPE_CHECKING`` are left out, as the import-linter contracts leave them out.

    uv run python benchmarks/app_cycles.py            # views, forms and urls counted
    uv run python benchmarks/app_cycles.py --no-views  # pages left out
    uv run python benchmarks/app_cycles.py --edges     # and every import in each cycle

Each count is given twice: for every import, and without the imports that the layers
contract in ``pyproject.toml`` names in its ``ignore_imports`` (each with its reason).
"""

import argparse
import re
import tomllib
from collections import defaultdict
from pathlib import Path

import grimp

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"

OUTSIDE = ("tests", "demo", "management", "migrations", "conftest")
PAGES = ("views", "forms", "urls")


def app_edges(*, views: bool) -> dict[tuple[str, str], list[tuple[str, str]]]:
    graph = grimp.build_graph("seip", exclude_type_checking_imports=True)
    edges: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for module in graph.modules:
        parts = module.split(".")
        if len(parts) < 3 or any(p in OUTSIDE for p in parts[2:]):
            continue
        if not views and parts[-1] in PAGES:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            other = imported.split(".")
            if len(other) >= 2 and other[1] != parts[1] and other[1] not in ("settings", "env"):
                edges[parts[1], other[1]].append((module, imported))
    return edges


def contract_ignores() -> list[tuple[re.Pattern[str], re.Pattern[str]]]:
    """The layers contract's ignore_imports, as patterns (``*`` one name, ``**`` any)."""
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
    layers = next((c for c in config if c["type"] == "layers"), {})

    def pattern(expression: str) -> re.Pattern[str]:
        parts = [
            r"[^.]+(\.[^.]+)*" if p == "**" else r"[^.]+" if p == "*" else re.escape(p)
            for p in expression.split(".")
        ]
        return re.compile(r"\.".join(parts) + "$")

    return [
        (pattern(source.strip()), pattern(target.strip()))
        for source, target in (line.split("->") for line in layers.get("ignore_imports", []))
    ]


def cycles(edges: dict[tuple[str, str], list[tuple[str, str]]]) -> list[list[str]]:
    """Strongly connected groups of more than one app (Tarjan)."""
    succ: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        succ[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in succ[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(set(succ) | {b for _, b in edges}):
        if v not in index:
            visit(v)
    return groups


def report(title: str, edges: dict[tuple[str, str], list[tuple[str, str]]], *, every: bool) -> None:
    apps = {a for a, _ in edges} | {b for _, b in edges}
    found = cycles(edges)
    print(f"{title}: {len(apps)} apps, {len(edges)} app-to-app edges, {len(found)} cycle(s)")
    for group in found:
        inside = [(a, b) for a in group for b in group if (a, b) in edges]
        print(f"  {len(group)} apps, {len(inside)} edges between them: {', '.join(group)}")
        for a, b in inside if every else ():
            for module, imported in edges[a, b]:
                print(f"    {module} -> {imported}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-views", action="store_true", help="leave views, forms, urls out")
    parser.add_argument("--edges", action="store_true", help="list the imports in each cycle")
    args = parser.parse_args()
    edges = app_edges(views=not args.no_views)
    report("every import", edges, every=args.edges)
    ignores = contract_ignores()
    kept: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for pair, imports in edges.items():
        left = [
            (m, i) for m, i in imports if not any(s.match(m) and t.match(i) for s, t in ignores)
        ]
        if left:
            kept[pair] = left
    report("without the contract's named exceptions", kept, every=args.edges)


if __name__ == "__main__":
    main()
