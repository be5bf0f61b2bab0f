"""The layers you can see, checked: who may import whom, and no import cycles.

Every module of monitor/, devices/, ui/, cli/ and main.py is parsed (``ast``);
imports inside functions count as much as those at the top, because hiding an
import in a function hides a dependency, it does not remove it. The rules are
the brief's: ``monitor/`` (the domain) imports neither ``ui``, ``devices``,
``cli``, ``central`` nor Qt; ``devices/`` imports neither ``ui``, ``cli``,
``central`` nor Qt (only the simulator's command line uses the shared
command-line helpers); ``central/`` (the central station's networking) imports
neither ``ui``, ``devices``, ``cli`` nor Qt; and the module graph has no cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("monitor", "devices", "ui", "cli", "central")
QT = ("PySide6", "pyqtgraph")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "monitor": ("ui", "devices", "cli", "central", *QT),
    "devices": ("ui", "cli", "central", *QT),
    "central": ("ui", "devices", "cli", *QT),  # the network side of the central station: no widgets
}
ALLOWED = {("devices.simulator.cli", "cli.support")}  # infusion-sim shares the command-line helpers

# Known violations being removed on other branches (empty on main: the rules hold everywhere).
PENDING_ELSEWHERE: dict[str, set] = {"imports": set(), "cycles": set()}


@dataclass(frozen=True)
class Import:
    importer: str  # module name, e.g. monitor.alarms.engine
    imported: str  # what it names: a module of the project, or an outside one (PySide6.QtCore)
    line: int


def modules(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Module name -> file, for every .py of ``packages`` under ``root`` and ``root/main.py``."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    if (root / "main.py").exists():
        found["main"] = root / "main.py"
    return found


def imports(name: str, path: Path, known: set[str]) -> Iterator[Import]:
    """Every import of one module, wherever it is written (functions, classes, TYPE_CHECKING)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield Import(name, sub if sub in known else base, node.lineno)


def _within(imported: str, prefix: str) -> bool:
    return imported == prefix or imported.startswith(prefix + ".")


def layer_violations(found: dict[str, Path]) -> list[tuple[str, str, int]]:
    """(importer, forbidden layer, line) for every import that crosses a layer the wrong way."""
    known = set(found)
    bad = set()
    for name, path in found.items():
        forbidden = FORBIDDEN.get(name.split(".")[0], ())
        for imp in imports(name, path, known):
            for prefix in forbidden:
                if _within(imp.imported, prefix) and (name, imp.imported) not in ALLOWED:
                    bad.add((name, prefix, imp.line))
    return sorted(bad)


def cycles(found: dict[str, Path]) -> list[frozenset[str]]:
    """Groups of modules that import each other, directly or round a loop (Tarjan's SCCs)."""
    known = set(found)
    graph = {name: sorted({i.imported for i in imports(name, path, known) if i.imported in known} - {name})
             for name, path in found.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[frozenset[str]] = []

    def visit(node: str) -> None:  # recursion depth is the longest import chain: a few dozen
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(frozenset(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return groups


# -- the project -------------------------------------------------------------------------------

def test_no_layer_imports_what_it_must_not():
    found = modules(ROOT)
    bad = [(name, prefix, line) for name, prefix, line in layer_violations(found)
           if (name, prefix) not in PENDING_ELSEWHERE["imports"]]
    assert not bad, "\n".join(f"{name} (line {line}) imports {prefix}" for name, prefix, line in bad)


def test_there_is_no_import_cycle():
    bad = [group for group in cycles(modules(ROOT)) if group not in PENDING_ELSEWHERE["cycles"]]
    assert not bad, "\n".join(" <-> ".join(sorted(group)) for group in bad)


def test_the_allow_list_holds_only_violations_that_still_exist():
    """When another branch fixes one, its entry must go: the list never hides a new one."""
    found = modules(ROOT)
    crossing = {(name, prefix) for name, prefix, _ in layer_violations(found)}
    assert PENDING_ELSEWHERE["imports"] <= crossing, PENDING_ELSEWHERE["imports"] - crossing
    assert PENDING_ELSEWHERE["cycles"] <= set(cycles(found)), PENDING_ELSEWHERE["cycles"] - set(cycles(found))


# -- the checker can fail ------------------------------------------------------------------------

def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_checker_reports_qt_in_the_domain_even_inside_a_function(tmp_path):
    _write(tmp_path, {
        "monitor/__init__.py": "",
        "monitor/clean.py": "import json\nfrom monitor import clock\n",
        "monitor/clock.py": "",
        "monitor/report.py": "def paint():\n    from PySide6.QtGui import QPainter\n    return QPainter\n",
        "devices/__init__.py": "",
        "devices/codec.py": "from ..monitor import clock\nimport pyqtgraph as pg\n",
        "devices/simulator/__init__.py": "",
        "devices/simulator/cli.py": "from cli.support import fail\n",
        "cli/__init__.py": "",
        "cli/support.py": "",
        "ui/__init__.py": "",
        "ui/window.py": "from PySide6.QtWidgets import QWidget\nimport monitor.clock\n",
    })
    assert layer_violations(modules(tmp_path)) == [
        ("devices.codec", "pyqtgraph", 2),
        ("monitor.report", "PySide6", 2),
    ]


def test_the_checker_finds_a_cycle_hidden_in_a_function(tmp_path):
    _write(tmp_path, {
        "monitor/__init__.py": "",
        "monitor/reader.py": "from monitor.summary import summarise\n",
        "monitor/summary.py": "def summarise():\n    from . import reader\n",
        "monitor/alone.py": "from monitor import reader\n",
    })
    assert cycles(modules(tmp_path)) == [frozenset({"monitor.reader", "monitor.summary"})]
