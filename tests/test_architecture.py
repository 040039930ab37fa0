"""The apps read top-down: the clinic core imports no other app of ours, and no two apps import each other.

The same graph `python bench/import_graph.py` prints (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("import_graph", ROOT / "bench" / "import_graph.py")
assert spec and spec.loader
import_graph = importlib.util.module_from_spec(spec)
spec.loader.exec_module(import_graph)

# Each app, and the apps below it that it may import.
LAYERS = {
    "clinic": set(),
    "audit": {"clinic"},
    "locations": {"clinic"},
    "therapists": {"clinic", "locations"},
    "booking": {"clinic", "audit", "locations", "therapists"},
    # Beside booking, calling its services and answering its signals; never each other.
    "payments": {"clinic", "audit", "locations", "therapists", "booking"},
    "waitlist": {"clinic", "audit", "locations", "therapists", "booking"},
    "courses": {"clinic", "audit", "locations", "therapists", "booking"},
    "notifications": {"clinic", "booking", "locations", "therapists", "payments", "waitlist", "courses"},
    "portal": {
        "clinic",
        "audit",
        "locations",
        "therapists",
        "booking",
        "payments",
        "waitlist",
        "courses",
        "notifications",
    },
    "website": {
        "clinic",
        "audit",
        "locations",
        "therapists",
        "booking",
        "payments",
        "waitlist",
        "courses",
        "notifications",
        "portal",
    },
    "frontdesk": {
        "clinic",
        "audit",
        "locations",
        "therapists",
        "booking",
        "payments",
        "waitlist",
        "courses",
        "notifications",
    },
}


def test_no_two_apps_import_each_other() -> None:
    edges = {app: set(targets) for app, targets in import_graph.graph().items()}

    assert import_graph.cycles(edges) == []


def test_each_app_imports_only_the_layers_below_it() -> None:
    graph = import_graph.graph()
    assert set(graph) == set(LAYERS), "a new app needs its place in LAYERS"

    upward = {
        f"{app} -> {target}": sorted(modules)
        for app, targets in graph.items()
        for target, modules in targets.items()
        if target not in LAYERS[app]
    }
    assert upward == {}
