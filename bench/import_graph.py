"""Print which of our apps import which, and any cycle between them: the layers must read top-down.

    python bench/import_graph.py          # the graph, one line per app, and the cycles (exit 1 if any)

Every `import` and `from ... import` in an app's modules (migrations and tests aside) counts,
including those inside functions: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import itertools
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = {"migrations", "tests", "__pycache__"}


def apps() -> list[str]:
    """Return our Django apps: top-level packages with an apps.py."""
    return sorted(p.parent.name for p in ROOT.glob("*/apps.py"))


def imports_of(app: str, known: set[str]) -> dict[str, set[str]]:
    """Return, for each other app the app imports, the modules of the app that import it."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in (ROOT / app).rglob("*.py"):
        if SKIPPED & set(path.relative_to(ROOT).parts):
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                target = name.split(".")[0]
                if target in known and target != app:
                    found[target].add(str(path.relative_to(ROOT)))
    return found


def graph() -> dict[str, dict[str, set[str]]]:
    """Return app -> imported app -> importing modules."""
    known = set(apps())
    return {app: imports_of(app, known) for app in sorted(known)}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return every elementary cycle's app list (small graphs: a depth-first walk from each app)."""
    found: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(node, ())):
            if nxt == start:
                cycle = path[:]
                key = tuple(sorted(cycle))
                if key not in seen:
                    seen.add(key)
                    found.append([*cycle, start])
            elif nxt not in path and nxt > start:
                walk(start, nxt, [*path, nxt])

    for app in sorted(edges):
        walk(app, app, [app])
    return found


def main() -> int:
    full = graph()
    edges = {app: set(targets) for app, targets in full.items()}
    for app, targets in full.items():
        print(f"{app:14} imports {', '.join(sorted(targets)) or 'none of our apps'}")
    found = cycles(edges)
    if found:
        print("\nCycles:")
        for cycle in found:
            print("  " + " -> ".join(cycle))
            for a, b in itertools.pairwise(cycle):
                print(f"      {a} -> {b}: {', '.join(sorted(full[a][b]))}")
        return 1
    print("\nNo cycle: the apps read top-down.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
