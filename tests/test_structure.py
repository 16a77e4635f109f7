"""The layout of ``conformance/``, read from its source with :mod:`ast`: layers that import one way.

Three rules (issue 14): no circle of imports in the package, counting imports inside functions and
leaving out only ``if TYPE_CHECKING:`` blocks; no module over 600 lines; no private name (``_x``)
imported from another module (a module may be private, ``conformance._core``; the imported name may
not). And the layers themselves (:data:`LAYERS`): a module imports only from its own layer or one
below, and a topic module never from another topic.

The checks take the package directory as an argument, so they can be pointed at another tree (the
layout before issue 14 fails all three rules); the tests check :data:`PACKAGE`. An import of ``a.b.c`` counts as an import of that
module only, not of the packages ``a`` and ``a.b`` that Python runs first: every module would
otherwise import ``conformance/__init__.py``, which imports them all.
"""

from __future__ import annotations

import ast
import functools
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

# Another tree's package can be checked: LOGGERSPEC_STRUCTURE_PACKAGE=/path/to/conformance pytest tests/test_structure.py
PACKAGE = Path(os.environ.get("LOGGERSPEC_STRUCTURE_PACKAGE") or Path(__file__).resolve().parents[1] / "conformance")
MAX_LINES = 600

# Module (or package, with everything under it) to its layer; the longest matching name wins. The
# package itself (``conformance``) places its __init__ only: a new module must be placed here.
LAYERS: dict[str, int] = {
    # 1. the vocabulary: subjects, properties, the registry, failures; public strategies; profiles
    "conformance._core": 1,
    "conformance.strategies": 1,
    "conformance._profiles": 1,
    # 2. what several topics use: observing, journaling calls, exact comparison, inputs, harnesses
    "conformance._observe": 2,
    "conformance._calls": 2,
    "conformance._compare": 2,
    "conformance._inputs": 2,
    "conformance._harness": 2,
    "conformance._launch": 2,
    "conformance.harnesses": 2,
    # 3. one module or subpackage per topic
    "conformance._merge": 3,
    "conformance._logger": 3,
    "conformance._readback": 3,
    "conformance._aggregation": 3,
    "conformance._collection": 3,
    "conformance._rank": 3,
    # 4. the catalogue, the runner, the report
    "conformance._catalogue": 4,
    "conformance._runner": 4,
    "conformance._report": 4,
    # 5. front ends
    "conformance._loading": 5,
    "conformance._suites": 5,
    "conformance.pytest_plugin": 5,
    "conformance.__main__": 5,
    "conformance": 5,
}
TOPIC_LAYER = 3


def modules(package: Path) -> dict[str, Path]:
    """Every module under ``package`` (a directory), by dotted name from the package's own name."""
    found: dict[str, Path] = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST, *, type_checking: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements in ``node``, at any depth (in functions too); those in the body of an
    ``if TYPE_CHECKING:`` only when ``type_checking`` is true (its ``else`` runs, so it counts)."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
        return
    children: Iterable[ast.AST] = ast.iter_child_nodes(node)
    if isinstance(node, ast.If) and _is_type_checking(node.test) and not type_checking:
        children = node.orelse
    for child in children:
        yield from _imports(child, type_checking=type_checking)


@functools.cache  # (each file is read and parsed once per run, whichever check reads it first)
def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _base(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute name of the module a ``from ... import`` statement reads from."""
    if not node.level:
        return node.module or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, *([node.module] if node.module else [])])


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module to the package modules it imports (at run time: not in ``if TYPE_CHECKING:`` blocks)."""
    found = modules(package)
    graph: dict[str, set[str]] = {name: set() for name in found}
    for name, path in found.items():
        for node in _imports(_parse(path), type_checking=False):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = _base(node, name, path.name == "__init__.py")
                # ``from package import module`` imports the module; ``from module import name``, the module.
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in found else base for a in node.names]
            for target in targets:
                while target and target not in found:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles: each strongly connected set of two or more modules, sorted (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def long_modules(package: Path, limit: int = MAX_LINES) -> dict[str, int]:
    """Modules of more than ``limit`` lines, with their line counts."""
    counts = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules(package).items()}
    return {name: count for name, count in counts.items() if count > limit}


def private_imports(package: Path) -> list[str]:
    """Every ``from module import _name`` in the package (``if TYPE_CHECKING:`` blocks included), as
    ``importer: from module import _name``; a private module (``from package import _module``) is fine."""
    found: list[str] = []
    every = modules(package)
    for name, path in every.items():
        for node in _imports(_parse(path), type_checking=True):
            if isinstance(node, ast.ImportFrom):
                base = _base(node, name, path.name == "__init__.py")
                found += [
                    f"{name}: from {base} import {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.endswith("__") and f"{base}.{alias.name}" not in every
                ]
    return found


def layer_of(module: str, layers: dict[str, int]) -> tuple[str, int] | None:
    """The entry of ``layers`` that places ``module``: the longest name that is it or a package under
    the top one that encloses it."""
    for prefix in sorted(layers, key=len, reverse=True):
        if module == prefix or ("." in prefix and module.startswith(prefix + ".")):
            return prefix, layers[prefix]
    return None


def layer_violations(graph: dict[str, set[str]], layers: dict[str, int]) -> list[str]:
    """Imports that go up a layer or from one topic to another, and modules no layer places."""
    problems: list[str] = []
    for module, targets in sorted(graph.items()):
        placed = layer_of(module, layers)
        if placed is None:
            problems.append(f"{module} is in no layer (add it to LAYERS)")
            continue
        for target in sorted(targets):
            there = layer_of(target, layers)
            if there is None:
                continue  # reported as a module of its own
            if there[1] > placed[1]:
                problems.append(f"{module} (layer {placed[1]}) imports {target} (layer {there[1]})")
            elif placed[1] == there[1] == TOPIC_LAYER and placed[0] != there[0]:
                problems.append(f"topic {placed[0]} imports topic {there[0]} ({module} -> {target})")
    return problems


class TestConformanceLayout:
    def test_no_import_circle(self) -> None:
        """No circle of imports, imports inside functions counted, ``if TYPE_CHECKING:`` blocks left out."""
        assert cycles(import_graph(PACKAGE)) == []

    def test_no_module_over_600_lines(self) -> None:
        """No module of the package is longer than 600 lines."""
        assert long_modules(PACKAGE) == {}

    def test_no_private_name_imported(self) -> None:
        """No module imports a private name (``_x``) from another module."""
        assert private_imports(PACKAGE) == []

    def test_imports_go_down_the_layers(self) -> None:
        """A module imports from its own layer or below, a topic never from another topic, and every
        module is in a layer."""
        assert layer_violations(import_graph(PACKAGE), LAYERS) == []

    def test_catalogue_imports_every_topic(self) -> None:
        """The catalogue imports every topic, so that all_properties() knows every property."""
        topics = {name for name, layer in LAYERS.items() if layer == TOPIC_LAYER}
        assert topics <= import_graph(PACKAGE)["conformance._catalogue"]


class TestTheChecksSeeWhatTheyMust:
    """The checks, on a small package written for them: each rule broken once, and one import that
    does not count."""

    @pytest.fixture
    def package(self, tmp_path: Path) -> Path:
        root = tmp_path / "pkg"
        (root / "sub").mkdir(parents=True)
        files = {
            "__init__.py": "from pkg import a\n",
            # a -> b at module level, b -> a inside a function: a circle.
            "a.py": "from pkg.b import helper\n",
            "b.py": "def helper() -> None:\n    from pkg import a\n",
            # Only under TYPE_CHECKING: no edge (but its private name is still an import of one).
            "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.d import _Hidden\n",
            "d.py": "from .sub.e import value\nfrom pkg import sub as _sub\n_Hidden = int\n" + "x = 1\n" * 599,
            "sub/__init__.py": "",
            "sub/e.py": "from .. import b\nvalue = 1\n",
        }
        for name, text in files.items():
            (root / name).write_text(text, encoding="utf-8")
        return root

    def test_graph(self, package: Path) -> None:
        assert import_graph(package) == {
            "pkg": {"pkg.a"},
            "pkg.a": {"pkg.b"},
            "pkg.b": {"pkg.a"},
            "pkg.c": set(),
            "pkg.d": {"pkg.sub", "pkg.sub.e"},
            "pkg.sub": set(),
            "pkg.sub.e": {"pkg.b"},
        }

    def test_rules(self, package: Path) -> None:
        assert cycles(import_graph(package)) == [["pkg.a", "pkg.b"]]
        assert long_modules(package) == {"pkg.d": 602}
        assert private_imports(package) == ["pkg.c: from pkg.d import _Hidden"]

    def test_layers(self, package: Path) -> None:
        layers = {"pkg": 5, "pkg.a": 3, "pkg.b": 3, "pkg.d": 2, "pkg.sub": 1}
        assert layer_violations(import_graph(package), layers) == [
            "topic pkg.a imports topic pkg.b (pkg.a -> pkg.b)",
            "topic pkg.b imports topic pkg.a (pkg.b -> pkg.a)",
            "pkg.c is in no layer (add it to LAYERS)",
            "pkg.sub.e (layer 1) imports pkg.b (layer 3)",
        ]
