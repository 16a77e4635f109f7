"""Mutation testing of ``impl``: ``python benchmarks/mutation.py --judge tests|suite`` (repository root, dev venv).

A small AST mutator (no dependency). For each module of ``impl`` it makes every mutant of these
operators, outside docstrings, annotations, ``__all__``, ``assert`` and ``if TYPE_CHECKING:``:

- comparisons: ``<``/``<=``, ``>``/``>=`` each way, ``==``/``!=``, ``in``/``not in``, ``is``/``is not``;
- arithmetic: ``+``/``-``, ``*``/``/``, ``//``/``/``, ``%`` to ``//``, ``|``/``&`` (also in ``x op= y``);
- boolean: ``and``/``or``; ``not x`` and ``-x`` to ``x``;
- constants: a number ``n`` to ``n + 1``, ``True``/``False``, a string ``s`` to ``"XX" + s + "XX"``, each literal
  part of an f-string likewise and each ``{...}`` of an f-string removed, ``None`` to ``""`` (not after ``is``);
- ``return x`` to ``return None``; a call statement or a ``raise`` deleted (``pass``); ``break``/``continue``;
- off by one: a name or attribute used as a slice bound or an index, ``x`` to ``x + 1``.

Each mutant is judged in a process forked from this one (numpy, Hypothesis and pytest already imported;
``impl``, ``conformance`` and the tests imported fresh), with the mutated module compiled from its AST by
an import hook, so the tree is never written. Only the tests (``--judge tests``) or conformance properties
(``--judge suite``) that execute the mutated line run: a first, unmutated pass records which lines each
test or property executes (a ``sys.settrace`` tracer limited to impl's files); a mutant at module or class
level runs everything that executes any line of its module. Tests run fastest first and stop at the first
failure. A mutant that uses more than ``--timeout`` seconds of CPU (or blocks for ten times that) is
killed by timeout: CPU time, so that a verdict does not depend on how busy the machine is. Hypothesis runs
derandomized, without its database, deadlines or health checks (``--max-examples`` lowers the examples of
tests that do not set their own), so a verdict is the same on every run.

- ``--judge tests``: impl's own tests (``TESTS``: the test files whose subject is impl; the engine tiers and
  the tests of the conformance suite are left out).
- ``--judge suite``: the conformance suite alone, certifying impl's four kinds (merge_dicts, InMemoryLogger
  with impl's rank object, LoggerCollection, rank_zero_experiment) at level strict, profile ci.

Output: ``--out PREFIX`` writes ``PREFIX.json`` (every mutant and its verdict) and ``PREFIX.md`` (the table
and every survivor with its diff). Survivors listed in ``EQUIVALENT`` (by their stable id: module, function,
original -> mutated code, occurrence) are counted as equivalent, with the reason; with ``--judge suite``,
those listed in ``OUTSIDE`` (benchmarks/mutation-outside.json) as outside the contract, with the reason. ``--survivors-of
PREFIX.json`` re-judges only that run's survivors (after new tests), ``--module`` limits the modules.
"""

from __future__ import annotations

import argparse
import ast
import copy
import datetime
import functools
import importlib.abc
import importlib.machinery
import importlib.util
import json
import math
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import CodeType, FrameType, ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
IMPL = ROOT / "impl"
TESTS = [
    "tests/test_aggregation.py",
    "tests/test_collection.py",
    "tests/test_dummy.py",
    "tests/test_durable.py",
    "tests/test_merge.py",
    "tests/test_merge_exactness.py",
    "tests/test_package.py",
    "tests/test_rank.py",
    "tests/test_signatures.py",
]
TESTS_GLOB = "tests/test_impl_*.py"

# Survivors that cannot be killed (stable id -> why), explained in docs/mutation.md: no caller of impl can
# tell them from the original (only a spy on a private helper, a profiler or a crash between two fsyncs could).
EQUIVALENT_FILE = ROOT / "benchmarks" / "mutation-equivalent.json"
# A mutant's child is also ended after this many times --timeout of wall time (blocked, not computing).
WALL_FACTOR = 10
EQUIVALENT: dict[str, str] = json.loads(EQUIVALENT_FILE.read_text()) if EQUIVALENT_FILE.exists() else {}
# For --judge suite only: survivors whose behaviour the contract allows (stable id, or "<module>::*" for a
# whole module, -> why). The suite certifies the contract, so a mutant that still meets every sentence
# is a correct implementation to it: rejecting it would be a false failure. Counted apart from equivalents.
OUTSIDE_FILE = ROOT / "benchmarks" / "mutation-outside.json"
OUTSIDE: dict[str, str] = json.loads(OUTSIDE_FILE.read_text()) if OUTSIDE_FILE.exists() else {}


def outside_reason(mutant: Mutant) -> str | None:
    """Why the contract allows what ``mutant`` does, if it is listed (for --judge suite)."""
    return OUTSIDE.get(mutant.stable_id) or OUTSIDE.get(f"{mutant.module}::*")


def _explained(mutant: Mutant, judge: str, rescoring: bool = False) -> None:
    """A survivor explained after all: equivalent, or (judged by the suite) outside the contract.
    Re-counting, a timeout is explained too: an explained mutant that ran past --timeout was only slow."""
    if mutant.status not in ("survived", "uncovered", "timeout") or (mutant.status == "timeout" and not rescoring):
        return
    if mutant.stable_id in EQUIVALENT:
        mutant.status = "equivalent"
    elif judge == "suite" and outside_reason(mutant) is not None:
        mutant.status = "outside"

_SWAP_CMP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}  # fmt: skip
_SWAP_BIN: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv, ast.BitOr: ast.BitAnd, ast.BitAnd: ast.BitOr, ast.Pow: ast.Mult, ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
}  # fmt: skip


# ---------------------------------------------------------------------------------------------- mutants


class Site:
    """Where a node sits: its parent, the field, and the index in that field's list (or None)."""

    def __init__(self, parent: ast.AST, field: str, index: int | None) -> None:
        self.parent, self.field, self.index = parent, field, index

    def replace(self, new: ast.AST) -> None:
        if self.index is None:
            setattr(self.parent, self.field, new)
        else:
            getattr(self.parent, self.field)[self.index] = new


def _is_docstring(node: ast.AST, parent: ast.AST, field: str, index: int | None) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and field == "body"
        and (index == 0 or isinstance(parent, ast.Module))
    )


def _skipped(node: ast.AST, parent: ast.AST, field: str, index: int | None) -> bool:
    """Code no mutant is made in: docstrings, annotations, __all__, asserts, TYPE_CHECKING blocks, imports."""
    if _is_docstring(node, parent, field, index):
        return True
    if field in ("annotation", "returns", "type_comment") or (isinstance(parent, ast.ClassDef) and field == "bases"):
        return True
    if isinstance(node, (ast.Assert, ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal)):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if any(isinstance(t, ast.Name) and t.id in ("__all__", "__slots__") for t in targets):
            return True
    if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
        return True
    # typing.cast("T", x): the type's text is not code
    return isinstance(parent, ast.Call) and field == "args" and index == 0 and _is_cast(parent)


def _is_cast(call: ast.Call) -> bool:
    func = call.func
    return (isinstance(func, ast.Name) and func.id in ("cast", "TypeVar", "ParamSpec")) or (
        isinstance(func, ast.Attribute) and func.attr == "cast"
    )


def walk(tree: ast.AST) -> Iterator[tuple[ast.AST, Site, list[ast.AST]]]:
    """Every node with its site and its ancestors (outermost first), in a fixed order, skipping `_skipped` code."""
    stack: list[ast.AST] = []

    def visit(node: ast.AST, site: Site) -> Iterator[tuple[ast.AST, Site, list[ast.AST]]]:
        yield node, site, stack
        stack.append(node)
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                for i, child in enumerate(value):
                    if isinstance(child, ast.AST) and not _skipped(child, node, field, i):
                        yield from visit(child, Site(node, field, i))
            elif isinstance(value, ast.AST) and not _skipped(value, node, field, None):
                yield from visit(value, Site(node, field, None))
        stack.pop()

    for field, value in ast.iter_fields(tree):
        for i, child in enumerate(value if isinstance(value, list) else []):
            if not _skipped(child, tree, field, i):
                yield from visit(child, Site(tree, field, i))


Apply = Callable[[], None]


def _set_item(items: list[Any], index: int, value: Any) -> None:
    items[index] = value


def _plus_one(expr: ast.expr) -> ast.expr:
    return ast.BinOp(left=expr, op=ast.Add(), right=ast.Constant(1))


def mutations(node: ast.AST, site: Site, ancestors: Sequence[ast.AST]) -> Iterator[tuple[str, Apply]]:
    """The mutants of one node: (operator name, a function that applies it to the tree in place)."""
    parent = ancestors[-1] if ancestors else None
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            new_op = _SWAP_CMP.get(type(op))
            if new_op is not None:
                yield f"{type(op).__name__}->{new_op.__name__}", functools.partial(_set_item, node.ops, i, new_op())
    elif isinstance(node, (ast.BinOp, ast.AugAssign)):
        new_bin = _SWAP_BIN.get(type(node.op))
        if new_bin is not None:
            yield f"{type(node.op).__name__}->{new_bin.__name__}", lambda: setattr(node, "op", new_bin())
    elif isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        yield f"{type(node.op).__name__}->{other.__name__}", lambda: setattr(node, "op", other())
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        yield f"drop {type(node.op).__name__}", lambda: site.replace(node.operand)
    elif isinstance(node, ast.Constant) and not isinstance(parent, ast.JoinedStr):
        value = node.value
        if isinstance(value, bool):
            yield f"{value}->{not value}", lambda: setattr(node, "value", not value)
        elif isinstance(value, (int, float)):
            yield "number+1", lambda: setattr(node, "value", value + 1)
        elif isinstance(value, str):
            yield "string->XX", lambda: setattr(node, "value", f"XX{value}XX")
        elif value is None and not (isinstance(parent, ast.Compare) and any(
            isinstance(op, (ast.Is, ast.IsNot)) for op in parent.ops
        )):
            yield "None->''", lambda: setattr(node, "value", "")
    elif isinstance(node, ast.JoinedStr):
        for i, part in enumerate(node.values):
            if isinstance(part, ast.Constant):
                yield f"f-string part {i}->XX", functools.partial(setattr, part, "value", f"XX{part.value!s}XX")
            else:
                yield f"f-string drop {{}} {i}", functools.partial(node.values.__delitem__, i)
    elif isinstance(node, ast.Return) and node.value is not None and not (
        isinstance(node.value, ast.Constant) and node.value.value is None
    ):
        yield "return->None", lambda: setattr(node, "value", ast.Constant(None))
    elif isinstance(node, ast.Raise) or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        yield f"delete {type(node).__name__}", lambda: site.replace(ast.Pass())
    elif isinstance(node, ast.Break):
        yield "break->continue", lambda: site.replace(ast.Continue())
    elif isinstance(node, ast.Continue):
        yield "continue->break", lambda: site.replace(ast.Break())
    if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load) and parent is not None:
        bound = isinstance(parent, ast.Slice) and site.field in ("lower", "upper")
        index = isinstance(parent, ast.Subscript) and site.field == "slice" and isinstance(parent.ctx, ast.Load)
        if bound or index:
            yield "index+1", lambda: site.replace(_plus_one(node))


class Mutant:
    def __init__(self, module: str, number: int, line: int, function: str, operator: str, before: str, after: str):
        self.module, self.number, self.line, self.function = module, number, line, function
        self.operator, self.before, self.after = operator, before, after
        self.lines: list[int] = []
        self.module_level = False
        self.signature = False
        self.stable_id = ""
        self.status = "pending"
        self.seconds = 0.0
        self.killer: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items()}


def _statement(ancestors: Sequence[ast.AST], node: ast.AST) -> ast.AST:
    """The innermost statement holding ``node`` (``node`` itself if it is one)."""
    for candidate in [*ancestors, node][::-1]:
        if isinstance(candidate, ast.stmt):
            return candidate
    return node


def _short(node: ast.AST) -> str:
    text = ast.unparse(node)
    first = text.splitlines()[0] if text else text
    return first if len(first) <= 160 else first[:157] + "..."


def enumerate_mutants(module: str) -> list[Mutant]:
    """Every mutant of ``impl.<module>``, numbered in walk order, with the lines that must run for it to matter."""
    source = (IMPL / f"{module}.py").read_text()
    mutants: list[Mutant] = []
    number = 0
    tree = ast.parse(source)
    for node, site, ancestors in walk(tree):
        for operator, _ in mutations(node, site, ancestors):
            # apply this one to a fresh tree, to show the statement before and after
            fresh = ast.parse(source)
            target = _nth(fresh, number)
            assert target is not None
            f_node, f_site, f_ancestors, f_apply = target
            statement = _statement(f_ancestors, f_node)
            header = _header(statement)
            before = _short(header)
            f_apply()
            ast.fix_missing_locations(fresh)
            after = _short(_header(_statement(f_ancestors, f_site_node(f_site, f_node))))
            functions = [a for a in ancestors if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
            qualname = ".".join(getattr(a, "name", "?") for a in functions) or "<module>"
            mutant = Mutant(module, number, getattr(node, "lineno", 0), qualname, operator, before, after)
            mutant.lines, mutant.module_level = _lines_that_matter(node, ancestors)
            mutant.signature = not mutant.module_level and not (set(mutant.lines) & _own_lines(node))
            if mutant.signature:  # a default or decorator: reading the signature (inspect) counts too
                mutant.lines = sorted({*mutant.lines, _first_line(ancestors)})
            mutants.append(mutant)
            number += 1
    seen: dict[str, int] = {}
    for mutant in mutants:
        key = f"{mutant.module}::{mutant.function}::{mutant.operator}::{mutant.before} -> {mutant.after}"
        seen[key] = seen.get(key, 0) + 1
        mutant.stable_id = f"{key}#{seen[key]}"
    return mutants


def f_site_node(site: Site, node: ast.AST) -> ast.AST:
    current = getattr(site.parent, site.field)
    found: ast.AST = current[site.index] if site.index is not None else current
    return found


def _header(statement: ast.AST) -> ast.AST:
    """A compound statement without its body (so the shown code is its first line)."""
    if isinstance(statement, (ast.If, ast.While, ast.For, ast.With, ast.Try, ast.FunctionDef, ast.ClassDef)):
        shallow = copy.copy(statement)
        for field in ("body", "orelse", "handlers", "finalbody"):
            if hasattr(shallow, field):
                setattr(shallow, field, [ast.Pass()] if field == "body" else [])
        if isinstance(shallow, (ast.FunctionDef, ast.ClassDef)):
            shallow.decorator_list = []
        return shallow
    return statement


def _nth(tree: ast.AST, number: int) -> tuple[ast.AST, Site, list[ast.AST], Apply] | None:
    count = 0
    for node, site, ancestors in walk(tree):
        for _, apply in mutations(node, site, ancestors):
            if count == number:
                return node, site, list(ancestors), apply
            count += 1
    return None


def _lines_that_matter(node: ast.AST, ancestors: Sequence[ast.AST]) -> tuple[list[int], bool]:
    """The lines of which one must run for the mutant to change anything, and whether it is module-level code
    (run at import: every test of the module then matters)."""
    functions = [a for a in ancestors if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
    if not functions:
        return [], True
    innermost = functions[-1]
    inside = ancestors[ancestors.index(innermost) + 1] if innermost is not ancestors[-1] else node
    body = innermost.body if isinstance(innermost.body, list) else [innermost.body]
    if any(inside is b for b in body):
        first_line: int = getattr(_statement(ancestors, node), "lineno", 0)
        start: int = getattr(node, "lineno", first_line)
        end: int = getattr(node, "end_lineno", None) or start
        return sorted({*range(start, end + 1), first_line}), False
    # a default argument or a decorator: it matters wherever the function's body runs (and, for a body
    # no test runs, such as an abstract method's, wherever the signature can be read: see select())
    first: int = getattr(body[0], "lineno", 0)
    last: int = getattr(body[-1], "end_lineno", None) or first
    return list(range(first, last + 1)), False


def _first_line(ancestors: Sequence[ast.AST]) -> int:
    """The first line of the innermost function around a default or decorator (its first decorator's, if
    any): the ``co_firstlineno`` that the coverage pass records when a test reads the function's signature."""
    function = [a for a in ancestors if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))][-1]
    decorators: list[ast.expr] = [] if isinstance(function, ast.Lambda) else function.decorator_list
    return min([function.lineno, *(d.lineno for d in decorators)])


def _own_lines(node: ast.AST) -> set[int]:
    start: int = getattr(node, "lineno", 0)
    end: int = getattr(node, "end_lineno", None) or start
    return set(range(start, end + 1))


class MutatedModule(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves ``impl.<module>`` compiled from a mutated AST; everything else is found as usual."""

    def __init__(self, module: str, number: int) -> None:
        self.name = f"impl.{module}"
        self.path = IMPL / f"{module}.py"
        tree = ast.parse(self.path.read_text())
        target = _nth(tree, number)
        assert target is not None
        target[3]()
        ast.fix_missing_locations(tree)
        self.code: CodeType = compile(tree, str(self.path), "exec")

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        return importlib.util.spec_from_file_location(fullname, self.path, loader=self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        exec(self.code, module.__dict__)


# ---------------------------------------------------------------------------------------------- judges


def _hypothesis_profile(max_examples: int | None) -> None:
    from hypothesis import HealthCheck, settings

    options: dict[str, Any] = {
        "derandomize": True,
        "database": None,
        "deadline": None,
        "suppress_health_check": list(HealthCheck),
        "print_blob": False,
    }
    if max_examples is not None:
        options["max_examples"] = max_examples
    settings.register_profile("mutation", **options)
    settings.load_profile("mutation")


def _quiet() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)


def _test_files() -> list[str]:
    return TESTS + sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(TESTS_GLOB))


class _Selector:
    """A pytest plugin: keep the selected tests only, in the given order; note the first failure."""

    def __init__(self, order: Sequence[str] | None) -> None:
        self.order = None if order is None else {nodeid: i for i, nodeid in enumerate(order)}
        self.failed: str | None = None

    def pytest_collection_modifyitems(self, config: Any, items: list[Any]) -> None:
        if self.order is None:
            return
        order = self.order
        kept = [item for item in items if item.nodeid in order]
        config.hook.pytest_deselected(items=[item for item in items if item.nodeid not in order])
        items[:] = sorted(kept, key=lambda item: order[item.nodeid])

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.failed and self.failed is None:
            self.failed = report.nodeid


def run_tests(units: Sequence[str] | None, files: Sequence[str]) -> tuple[bool, str | None]:
    """In this (forked) process: run the tests ``units`` (node ids; None: all) of ``files``; (passed, first failure)."""
    import pytest

    selector = _Selector(units)
    code = pytest.main(
        # (-n 0: in this process, whatever pyproject's addopts say about pytest-xdist)
        [*files, "-x", "-q", "-n", "0", "-p", "no:cacheprovider", "-p", "no:randomly", "--rootdir", str(ROOT)],
        plugins=[selector],
    )
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:  # the selection matched no test: no verdict
        raise RuntimeError("no test selected (the tests changed since the coverage pass?)")
    return code == 0, selector.failed or (None if code == 0 else f"pytest exit {int(code)}")


def _suite_subjects() -> dict[str, Any]:
    import conformance
    import impl

    return {
        "merge": conformance.MergeSubject(impl.merge_dicts, "impl:merge_dicts"),
        "logger": conformance.LoggerSubject(impl.InMemoryLogger, "impl:InMemoryLogger", impl.rank_zero_only),
        "collection": conformance.CollectionSubject(impl.LoggerCollection, "impl:LoggerCollection"),
        "rank": conformance.RankSubject(impl.rank_zero_experiment, impl.rank_zero_only, "impl:rank_zero_experiment"),
    }


def suite_units() -> list[str]:
    import conformance

    subjects = _suite_subjects()
    return [f"{kind}:{p.id}" for kind in subjects for p in conformance.all_properties() if p.kind in _KINDS[kind]]


_KINDS = {"merge": {"merge"}, "logger": {"logger", "aggregation"}, "collection": {"collection"}, "rank": {"rank"}}


def run_suite(units: Sequence[str] | None) -> tuple[bool, str | None]:
    """In this (forked) process: certify each unit (``kind:property``) in order; (passed, first failure)."""
    import conformance

    subjects = _suite_subjects()
    for unit in units if units is not None else suite_units():
        kind, _, pid = unit.partition(":")
        report = conformance.certify(subjects[kind], level="strict", profile="ci", only=[pid])
        if any(r.status == "failed" for s in report.subjects for r in s.results):
            return False, unit
    return True, None


# ---------------------------------------------------------------------------------------------- coverage


def _trace_impl(record: Callable[[str, int], None]) -> Callable[[FrameType, str, Any], Any]:
    impl_dir = str(IMPL) + os.sep

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            record(frame.f_code.co_filename, frame.f_lineno)
        return local

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename.startswith(impl_dir):
            record(frame.f_code.co_filename, frame.f_lineno)
            return local
        return None

    return tracer


def _record_signature_reads(record: Callable[[str, int], None]) -> None:
    """Count a test that reads the signature of an impl function (``inspect.signature``, as
    tests/test_signatures.py does) as executing the function's first line, so that a mutant of its
    defaults is judged by that test too: a default is observable without a call (an abstract method's)."""
    import inspect

    impl_dir = str(IMPL) + os.sep
    original = inspect._signature_from_function  # type: ignore[attr-defined]  # (what inspect.signature calls for a function)

    def reading(cls: Any, func: Any, *args: Any, **kwargs: Any) -> Any:
        code = getattr(func, "__code__", None)
        if code is not None and code.co_filename.startswith(impl_dir) and sys.gettrace() is not None:
            record(code.co_filename, code.co_firstlineno)
        return original(cls, func, *args, **kwargs)

    inspect._signature_from_function = reading  # type: ignore[attr-defined]


def coverage(judge: str, files: Sequence[str]) -> dict[str, Any]:
    """Run in a forked child: which impl lines each test (or property) executes, and how long it takes."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        _quiet()
        result: dict[str, Any] = {"units": {}, "seconds": {}, "passed": True}
        current: dict[str, set[int]] = {}

        def record(filename: str, line: int) -> None:
            current.setdefault(Path(filename).stem, set()).add(line)

        tracer = _trace_impl(record)
        _record_signature_reads(record)

        def start() -> None:
            current.clear()
            sys.settrace(tracer)
            threading.settrace(tracer)

        def stop(unit: str, seconds: float) -> None:
            sys.settrace(None)
            threading.settrace(None)  # type: ignore[arg-type,unused-ignore]
            result["units"][unit] = {module: sorted(lines) for module, lines in current.items()}
            result["seconds"][unit] = seconds

        try:
            if judge == "tests":
                import pytest

                class Tracer:
                    @pytest.hookimpl(wrapper=True)
                    def pytest_runtest_call(self, item: Any) -> Any:
                        began = time.perf_counter()
                        start()
                        try:
                            return (yield)
                        finally:
                            stop(item.nodeid, time.perf_counter() - began)

                    def pytest_runtest_logreport(self, report: Any) -> None:
                        if report.failed:
                            result["passed"] = False

                code = pytest.main([*files, "-q", "-n", "0", "-p", "no:cacheprovider", "--rootdir", str(ROOT)], plugins=[Tracer()])
                result["passed"] = result["passed"] and code == 0
            else:
                import conformance

                subjects = _suite_subjects()
                for unit in suite_units():
                    kind, _, pid_ = unit.partition(":")
                    began = time.perf_counter()
                    start()
                    report = conformance.certify(subjects[kind], level="strict", profile="ci", only=[pid_])
                    stop(unit, time.perf_counter() - began)
                    if any(r.status == "failed" for s in report.subjects for r in s.results):
                        result["passed"] = False
        finally:
            with os.fdopen(write, "w") as out:
                json.dump(result, out)
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    loaded: dict[str, Any] = json.loads(data)
    return loaded


# ---------------------------------------------------------------------------------------------- driver


def judge_one(mutant: Mutant, judge: str, units: Sequence[str], files: Sequence[str], timeout: float) -> None:
    """Fork, install the mutant, run ``units``; set the mutant's status."""
    began = time.perf_counter()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.setpgid(0, 0)
        # The limit is CPU time, not wall time: on a shared machine a slow mutant and a starved one
        # look alike by the clock. The kernel ends the child with SIGXCPU when it is spent.
        resource.setrlimit(resource.RLIMIT_CPU, (math.ceil(timeout), math.ceil(timeout) + 5))
        _quiet()
        verdict: dict[str, Any]
        try:
            sys.meta_path.insert(0, MutatedModule(mutant.module, mutant.number))
            # Imported now, before pytest puts its assertion-rewriting hook first in sys.meta_path: it
            # would load impl itself (impl's distribution provides a pytest plugin, so pytest rewrites it).
            import impl  # noqa: F401
            passed, failure = run_tests(units, files) if judge == "tests" else run_suite(units)
            verdict = {"passed": passed, "failure": failure}
        except RuntimeError as error:
            verdict = {"passed": None, "failure": str(error)}
        except BaseException as error:  # the mutant broke the import or the runner: killed
            verdict = {"passed": False, "failure": f"{type(error).__name__}: {error}"[:200]}
        with os.fdopen(write, "w") as out:
            json.dump(verdict, out)
        os._exit(0)
    os.close(write)
    deadline = began + WALL_FACTOR * timeout  # (a child blocked without using CPU: a hang)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
                mutant.status, mutant.killer = "timeout", f"over {timeout:.0f} s of CPU"
                os.close(read)
                mutant.seconds = time.perf_counter() - began
                return
            break
        if time.perf_counter() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            mutant.status, mutant.killer = "timeout", f"blocked over {WALL_FACTOR * timeout:.0f} s"
            os.close(read)
            mutant.seconds = time.perf_counter() - began
            return
        time.sleep(0.02)
    with os.fdopen(read) as pipe:
        data = pipe.read()
    mutant.seconds = time.perf_counter() - began
    if not data:  # the child died (a crash, os._exit in a mutant...)
        mutant.status, mutant.killer = "killed", f"child died with status {status}"
        return
    verdict = json.loads(data)
    mutant.status = "error" if verdict["passed"] is None else "survived" if verdict["passed"] else "killed"
    mutant.killer = verdict["failure"]


def select(mutant: Mutant, cov: dict[str, Any]) -> list[str]:
    """The units that execute a line the mutant changes, fastest first."""
    units: dict[str, dict[str, list[int]]] = cov["units"]
    wanted = set(mutant.lines)
    chosen = [
        unit
        for unit, modules in units.items()
        if mutant.module in modules and (mutant.module_level or wanted.intersection(modules[mutant.module]))
    ]
    if not chosen and mutant.signature:  # a default or decorator of a function no test calls
        chosen = [unit for unit, modules in units.items() if mutant.module in modules]
    return sorted(chosen, key=lambda unit: cov["seconds"][unit])


def markdown(results: dict[str, Any]) -> str:
    rows = results["table"]
    lines = [
        f"Judge: `{results['judge']}`; {results['date']}; {results['seconds']:.0f} s; command: `{results['command']}`",
        "",
        "| module | mutants | killed | timeout | survived | equivalent | outside the contract | not covered | not judged | score |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in [*rows, results["total"]]:
        lines.append(
            f"| {row['module']} | {row['mutants']} | {row['killed']} | {row['timeout']} | {row['survived']} "
            f"| {row['equivalent']} | {row['outside']} | {row['uncovered']} | {row['not judged']} | {row['score']} |"
        )
    lines += [
        "",
        "Score: (killed + timeout) / (mutants - equivalent - outside the contract - not judged). Survivors (not covered ones included):",
        "",
    ]
    for m in results["mutants"]:
        if m["status"] in ("survived", "uncovered"):
            lines.append(
                f"- `{m['module']}.py:{m['line']}` in `{m['function']}` ({m['operator']}{', not covered' if m['status'] == 'uncovered' else ''}): "
                f"`{m['before']}` → `{m['after']}`"
            )
    for m in results["mutants"]:
        if m["status"] == "equivalent":
            lines.append(f"- equivalent: `{m['module']}.py:{m['line']}` `{m['before']}` → `{m['after']}`: {EQUIVALENT[m['stable_id']]}")
    whole = {m["module"] for m in results["mutants"] if f"{m['module']}::*" in OUTSIDE}
    for module in sorted(whole):
        count = sum(m["module"] == module and m["status"] == "outside" for m in results["mutants"])
        lines.append(f"- outside the contract: all {count} of `{module}.py`: {OUTSIDE[f'{module}::*']}")
    for m in results["mutants"]:
        if m["status"] == "outside" and m["module"] not in whole:
            lines.append(f"- outside the contract: `{m['module']}.py:{m['line']}` `{m['before']}` → `{m['after']}`: {OUTSIDE[m['stable_id']]}")
    return "\n".join(lines) + "\n"


def summarize(mutants: list[Mutant], modules: Sequence[str]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    def row(name: str, group: list[Mutant]) -> dict[str, Any]:
        statuses = ("killed", "timeout", "survived", "equivalent", "outside", "uncovered", "not judged")
        count = {s: sum(m.status == s for m in group) for s in statuses}
        judged = len(group) - count["equivalent"] - count["outside"] - count["not judged"]
        score = f"{100 * (count['killed'] + count['timeout']) / judged:.1f}%" if judged else "-"
        return {"module": name, "mutants": len(group), **count, "score": score}

    return [row(m, [x for x in mutants if x.module == m]) for m in modules], row("total", mutants)


def rescore(paths: Sequence[Path], out: Path) -> int:
    """Re-count a result with the equivalents and outside-the-contract survivors listed now (explained
    after the run). Given several results of one judge (a run, then runs that judged again what it left),
    each mutant's verdict is the last one given that is not "not judged"; the commands are kept."""
    runs: list[dict[str, Any]] = [json.loads(p.read_text()) for p in paths]
    if len({run["judge"] for run in runs}) != 1:
        raise SystemExit("--rescore: the results were judged differently")
    results = dict(runs[-1])
    if len(runs) > 1:
        results["command"] = " ; ".join(run["command"] for run in runs)
        results["date"] = ", ".join(run["date"] for run in runs)
        results["seconds"] = sum(run["seconds"] for run in runs)
    verdicts: dict[str, dict[str, Any]] = {}
    for run in runs:
        for data in run["mutants"]:
            if data["status"] != "not judged" or data["stable_id"] not in verdicts:
                verdicts[data["stable_id"]] = data
    mutants: list[Mutant] = []
    for data in verdicts.values():
        mutant = Mutant(data["module"], data["number"], data["line"], data["function"], data["operator"], data["before"], data["after"])
        vars(mutant).update(data)
        if mutant.status == "outside" and outside_reason(mutant) is None:
            mutant.status = "survived"  # (no longer listed)
        _explained(mutant, results["judge"], rescoring=True)
        mutants.append(mutant)
    mutants.sort(key=lambda m: (m.module, m.number))
    modules = sorted({m.module for m in mutants})
    results["table"], results["total"] = summarize(mutants, modules)
    results["mutants"] = [m.as_json() for m in mutants]
    out.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
    out.with_suffix(".md").write_text(markdown(results))
    print(markdown(results))
    return 0


# The verdicts --survivors-of judges again: every one but killed and timeout.
_AGAIN = ("survived", "uncovered", "equivalent", "outside", "not judged", "error")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--judge", choices=["tests", "suite"], required=True)
    parser.add_argument("--module", action="append", default=[], help="impl module, e.g. _merge (repeatable; default all)")
    parser.add_argument("--timeout", type=float, default=120.0, help="CPU seconds per mutant (default 120)")
    parser.add_argument("--max-examples", type=int, default=None, help="Hypothesis examples for tests that set none")
    parser.add_argument("--survivors-of", type=Path, help="re-judge only the survivors of this earlier JSON result")
    parser.add_argument(
        "--again", action="append", default=[], choices=sorted(_AGAIN),
        help="with --survivors-of: re-judge the mutants of this status (repeatable; default all of them)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, required=True, help="write OUT.json and OUT.md")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--tests", nargs="+", help="--judge tests: these test files instead of TESTS")
    parser.add_argument("--match", action="append", default=[], help="only mutants whose stable id contains this")
    parser.add_argument(
        "--rescore", type=Path, nargs="+",
        help="re-count earlier JSON results (several: the later ones' verdicts win) with the current lists; no run",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.rescore:
        return rescore(args.rescore, args.out)

    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    modules = args.module or sorted(p.stem for p in IMPL.glob("_*.py") if p.stem != "__init__")
    mutants = [m for module in modules for m in enumerate_mutants(module)]
    if args.match:
        mutants = [m for m in mutants if any(text in m.stable_id for text in args.match)]
    if args.survivors_of:
        earlier = json.loads(args.survivors_of.read_text())["mutants"]
        again = {m["stable_id"] for m in earlier if m["status"] in (args.again or _AGAIN)}
        done = {m["stable_id"]: m for m in earlier}
        for m in mutants:
            if m.stable_id in done and m.stable_id not in again:
                m.status, m.killer = done[m.stable_id]["status"], done[m.stable_id]["killer"]
            elif m.stable_id in EQUIVALENT:  # a survivor explained as equivalent: nothing can kill it
                m.status = "equivalent"
    if args.list:
        for m in mutants:
            print(f"{m.module}.py:{m.line} {m.function} [{m.operator}] {m.before}  ->  {m.after}")
        print(f"{len(mutants)} mutants")
        return 0

    # Imported once here, shared by every forked child: the third-party packages (never impl or conformance).
    import attrs  # noqa: F401
    import hypothesis  # noqa: F401
    import numpy  # noqa: F401
    import pytest  # noqa: F401

    _hypothesis_profile(args.max_examples)
    assert "impl" not in sys.modules and "conformance" not in sys.modules
    began = time.perf_counter()
    files = args.tests or _test_files()
    cov = coverage(args.judge, files)
    if not cov["passed"]:
        print("the unmutated code fails its judge: nothing measured", file=sys.stderr)
        return 2
    print(f"coverage pass: {len(cov['units'])} units, {time.perf_counter() - began:.0f} s", flush=True)
    pending = [m for m in mutants if m.status == "pending"]
    for i, mutant in enumerate(pending, 1):
        units = select(mutant, cov)
        if not units:
            mutant.status = "uncovered"
        else:
            judge_one(mutant, args.judge, units, sorted({u.split("::")[0] for u in units}) if args.judge == "tests" else [], args.timeout)
        _explained(mutant, args.judge)
        print(f"[{i}/{len(pending)}] {mutant.module}.py:{mutant.line} {mutant.operator}: {mutant.status} "
              f"({len(units)} units, {mutant.seconds:.1f} s)", flush=True)  # fmt: skip
        if i < len(pending) and (i % 10 == 0 or mutant.module != pending[i].module):
            write_results(args, argv, mutants, modules, began)  # a checkpoint: the rest counted as not judged
    print(markdown(write_results(args, argv, mutants, modules, began)))
    return 0


def write_results(args: argparse.Namespace, argv: Sequence[str] | None, mutants: list[Mutant], modules: Sequence[str], began: float) -> dict[str, Any]:
    """Write ``--out``'s JSON and Markdown; the mutants still pending are written as not judged (a run stopped
    early leaves the checkpoint it last wrote: ``--survivors-of`` it judges what is left)."""
    shown = []
    for m in mutants:
        copied = copy.copy(m)
        if copied.status == "pending":
            copied.status = "not judged"
        shown.append(copied)
    table, total = summarize(shown, modules)
    results = {
        "judge": args.judge,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": time.perf_counter() - began,
        "command": "python " + " ".join([os.path.relpath(__file__, ROOT), *(argv if argv is not None else sys.argv[1:])]),
        "table": table,
        "total": total,
        "mutants": [m.as_json() for m in shown],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
    args.out.with_suffix(".md").write_text(markdown(results))
    return results


if __name__ == "__main__":
    sys.exit(main())
