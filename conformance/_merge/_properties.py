"""The core properties of a merge function, in report order."""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._compare import as_dict, is_dict, is_list, same, same_typed
from conformance._core import MergeSubject, expect, register
from conformance._merge._cases import (
    FLAT_LISTS,
    LONG_LISTS,
    Recorder,
    as_mappings,
    key_tree,
    leaf_paths,
    missing_or_extra,
    nested_with_nones,
    non_none_columns,
    same_list,
    tables,
    zero,
)

__all__: list[str] = []


@register("merge.seed_example", level="core")
def seed_example(subject: MergeSubject, _: None) -> None:
    """The seed's docstring example must give the seed's output."""
    d1 = {"a": 1.7, "b": 2.0, "c": 1, "d": {"d1": 1, "d3": 3}}
    d2 = {"a": 1.1, "b": 2.2, "v": 1, "d": {"d1": 2, "d2": 3}}
    d3 = {"a": 1.1, "v": 2.3, "d": {"d3": 3, "d4": {"d5": 1}}}
    got = subject.merge([d1, d2, d3], {"a": np.mean, "v": max, "d": {"d1": sum}}, min)
    want = {"a": 1.3, "b": 2.0, "c": 1, "d": {"d1": 3, "d2": 3, "d3": 3, "d4": {"d5": 1}}, "v": 2.3}
    expect(isinstance(got, dict), f"the result must be a dict, got {type(got).__name__}")
    got_a = got.get("a")
    expect(
        got_a is not None and round(float(got_a), 10) == 1.3, f"'a' must be mean(1.7, 1.1, 1.1) = 1.3, got {got_a!r}"
    )
    rest = {k: v for k, v in got.items() if k != "a"}
    want.pop("a")
    # Of the same types too: the seed prints 'c': 1, not 'c': 1.0 (min([1]) is the int 1).
    expect(same_typed(rest, want), f"expected {want} besides 'a' (ints and floats as shown), got {rest}")


# Every function returns one of these, or is numpy.mean itself (the default: a fast path for it is
# where a merge may read the keys another way; the values are not this property's matter).
_results = st.sampled_from((0.0, math.nan, "numpy.mean"))
_nested_key_lists = nested_with_nones(3)
_proxies = st.lists(st.booleans(), max_size=12)


@register(
    "merge.result_keys",
    level="core",
    strategy=lambda s: st.one_of(
        st.tuples(st.one_of(FLAT_LISTS, _nested_key_lists, LONG_LISTS), _results, _proxies),
        # Tables (later rows adding keys) with numpy.mean: where a fast path may read the keys another way.
        st.tuples(tables(), st.just("numpy.mean"), _proxies),
    ),
)
def result_keys(subject: MergeSubject, case: tuple[list[dict[str, Any]], float | str, list[bool]]) -> None:
    """The keys of the result must be exactly the keys that have at least one non-None value in some input."""
    dicts, result, proxies = case

    def constant(values: Sequence[float]) -> float | str:
        return result

    default_func, named = (np.mean, "numpy.mean") if result == "numpy.mean" else (constant, f"returning {result!r}")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # (numpy.mean of infinities, of nothing but NaN)
        got = subject.merge(as_mappings(dicts, proxies), None, default_func)
    problem = missing_or_extra(got, key_tree(dicts))
    shown = f"; inputs {[i for i, p in enumerate(proxies[: len(dicts)]) if p]} as MappingProxyType" if any(
        proxies[: len(dicts)]
    ) else ""
    expect(problem is None, f"{problem} (every function {named}{shown})")


@st.composite
def _rectangles(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Inputs with the same keys, in the same order, and float values (a fast path's favourite shape)."""
    keys = draw(st.lists(cst.metric_keys(), min_size=2, max_size=5, unique=True))
    rows = draw(st.integers(min_value=1, max_value=6))
    values = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)
    return [{k: draw(values) for k in keys} for _ in range(rows)]


@st.composite
def _dispatch_cases(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[str], bool]:
    dicts = draw(st.one_of(FLAT_LISTS, _rectangles()))
    keys = sorted({k for d in dicts for k in d})
    chosen = draw(st.lists(st.sampled_from(keys), unique=True)) if keys else []
    return dicts, chosen, draw(st.booleans())


@register("merge.dispatch", level="core", strategy=lambda s: _dispatch_cases())
def dispatch(subject: MergeSubject, case: tuple[list[dict[str, Any]], list[str], bool]) -> None:
    """A key listed in agg_key_funcs must be aggregated by its function, every other key by default_func,
    each function called once per key it aggregates."""
    # default_func is numpy.mean half the time (it is the default): a fast path for numpy.mean must
    # still give each key listed in agg_key_funcs its own function. (What numpy.mean gives the other
    # keys is merge.numpy_mean_exact's matter.)
    dicts, chosen, mean_default = case
    funcs = {k: Recorder(1000.0 + i) for i, k in enumerate(chosen)}
    default = Recorder(-1.0)
    got = subject.merge(dicts, funcs, np.mean if mean_default else default)
    columns = non_none_columns(dicts)
    shown = "numpy.mean" if mean_default else repr(default)
    for key in columns:
        if key in funcs:
            want = funcs[key].marker
        elif mean_default:
            continue
        else:
            want = default.marker
        expect(
            got.get(key) == want,
            f"key {key!r}: expected the result of {funcs.get(key, default)!r}, got {got.get(key)!r} "
            f"(default_func={shown})",
        )
    for key, fn in funcs.items():
        expect(
            len(fn.calls) == 1,
            f"agg_key_funcs[{key!r}] must be called once, was called {len(fn.calls)} times (default_func={shown})",
        )
    defaulted = [k for k in columns if k not in funcs]
    expect(
        mean_default or len(default.calls) == len(defaulted),
        f"default_func must be called once per key without its own function ({len(defaulted)}), "
        f"was called {len(default.calls)} times",
    )


@register("merge.values_in_order", level="core", strategy=lambda s: FLAT_LISTS)
def values_in_order(subject: MergeSubject, dicts: list[dict[str, Any]]) -> None:
    """Each function must receive that key's non-None values in input order."""
    columns = non_none_columns(dicts)
    funcs = {k: Recorder(float(i)) for i, k in enumerate(columns)}
    subject.merge(dicts, funcs, Recorder(-1.0))
    for key, fn in funcs.items():
        expect(
            all(issubclass(c, (list, tuple)) for c in fn.containers),
            f"key {key!r}: the function must be given the list of the values, it was given "
            f"{[c.__name__ for c in fn.containers]}",
        )
        expect(
            len(fn.calls) == 1 and same_list(fn.calls[0], columns[key]),
            f"key {key!r}: expected the values {columns[key]!r} (of types "
            f"{[type(v).__name__ for v in columns[key]]}), got calls {fn.calls!r}",
        )


# --- merge.numpy_mean_exact ---------------------------------------------------------------------
# A merge function may recognise numpy.mean and compute many keys' means at once (impl does): the
# result must still be numpy.mean's own, to the bit. The columns are drawn by kind, so that a column
# can be all floats, all ints, all numpy float32 (numpy.mean keeps float32), mixed, or long and of
# varied magnitudes (where numpy's pairwise summation and a left-to-right sum part ways).

_SPECIAL_FLOATS = (math.nan, -math.nan, math.inf, -math.inf, 0.0, -0.0, 1e308, -1e308, 5e-324, -5e-324, 2.2e-308, 1e-300)
_float_cells: st.SearchStrategy[Any] = st.floats(width=64)
_COLUMN_KINDS: dict[str, st.SearchStrategy[Any]] = {
    "floats": _float_cells,
    "varied": st.floats(min_value=-1e6, max_value=1e6, allow_subnormal=False).map(lambda x: x * 1.000000001 + 1e-7),
    "special": st.one_of(st.sampled_from(_SPECIAL_FLOATS), _float_cells),
    "ints": st.integers(min_value=-(2**53), max_value=2**53),
    "bools": st.booleans(),
    "float32": st.floats(width=32, allow_nan=False).map(np.float32),
    "float64": _float_cells.map(np.float64),
    "int64": st.integers(min_value=-(2**53), max_value=2**53).map(np.int64),
}
_COLUMN_KINDS["mixed"] = st.one_of(*_COLUMN_KINDS.values())
# Plain floats half the time, so that several keys are often all floats together: what a batched
# fast path (impl's) takes.
_KIND_DRAWS = ("varied", "varied", "floats", "floats", "special", "special", *sorted(_COLUMN_KINDS))
_MEAN_KEYS = ("a", "b", "c", "d")


@st.composite
def _column(draw: st.DrawFn, length: int) -> list[Any]:
    """One key's cells: values of one drawn kind, with some None (a None value) and some _ABSENT."""
    cells = _COLUMN_KINDS[draw(st.sampled_from(_KIND_DRAWS))]
    gaps = draw(st.sampled_from([False, False, True]))
    values = draw(st.lists(cells, min_size=length, max_size=length))
    if gaps:
        holes = draw(st.lists(st.sampled_from([None, _ABSENT, 0]), min_size=length, max_size=length))
        holes[0] = 0  # every key keeps a value (an all-None key is merge.all_none_key_skipped's matter)
        values = [v if h == 0 else h for v, h in zip(values, holes, strict=True)]
    return values


_ABSENT = object()  # a cell whose key is missing from that dict


@st.composite
def _mean_cases(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    """Dicts, agg_key_funcs naming numpy.mean for some keys, and what default_func is."""
    if draw(st.integers(0, 2)) == 0:
        # A table of floats (rare among the draws below, which mix kinds and gaps per key), where a fast
        # path takes many keys at once: as it is (a rectangle), or ragged (a later row adding a key of
        # its own: the table's keys are columns of equal length, but the inputs no rectangle). Either
        # numpy.mean is the default, or it is the entry of every key but one beside another default:
        # each key must still get its own function, and a batch of means read one column off shows.
        lengths = st.one_of(st.integers(2, 12), st.integers(13, 40), st.integers(129, 160))
        ragged, mixed = draw(st.booleans()), draw(st.booleans())
        # (Plain floats mostly, what a fast path takes; numpy float32 a quarter of the time, whose mean is a float32.)
        kind = draw(st.sampled_from(("varied", "varied", "varied", "float32")))
        dicts: list[dict[str, Any]] = draw(
            tables(extra_keys=False, rows=lengths, values=_COLUMN_KINDS[kind], min_keys=4 if ragged and mixed else 2)
        )
        keys = list(dicts[0])
        if ragged:
            extra = f"{keys[0]}_added"
            while extra in keys:
                extra += "_"
            dicts[-1] = {**dicts[-1], extra: draw(_COLUMN_KINDS[kind])}
        if not mixed:
            return dicts, {}, "numpy.mean"
        # The key left out sits last when ragged: the keys before it are as long as it, so a batch of
        # them read one column off reads it (its neighbour in a rectangle is another table key).
        left_out = keys[-1] if ragged else draw(st.sampled_from(keys))
        return dicts, {k: np.mean for k in keys if k != left_out}, "first value"
    length = draw(st.one_of(st.integers(1, 12), st.integers(13, 40), st.integers(129, 160)))
    keys = draw(st.lists(st.sampled_from(_MEAN_KEYS), min_size=1, max_size=len(_MEAN_KEYS), unique=True))
    columns = {k: draw(_column(length)) for k in keys}
    nested = draw(st.booleans())
    if nested:  # a key "n" whose values are dicts {"x": ..., "y": ...}
        inner = {k: draw(_column(length)) for k in ("x", "y")}
        columns["n"] = [{k: c[i] for k, c in inner.items() if c[i] is not _ABSENT} for i in range(length)]
    dicts = [{k: c[i] for k, c in columns.items() if c[i] is not _ABSENT} for i in range(length)]
    default = draw(st.sampled_from(["numpy.mean", "first value"]))
    chosen = draw(st.lists(st.sampled_from(keys), unique=True))
    funcs: dict[str, Any] = {k: np.mean for k in chosen}
    if nested and draw(st.booleans()):
        funcs["n"] = {"x": np.mean}
    return dicts, funcs, default


def _first_value(values: Sequence[Any]) -> Any:
    return values[0]


def _plain_merge(dicts: Sequence[dict[str, Any]], funcs: Any, default: Any) -> dict[str, Any]:
    """The definition: each key's function called on the list of its non-None values."""
    out: dict[str, Any] = {}
    for key, values in non_none_columns(list(dicts)).items():
        fn = funcs.get(key)
        if all(is_dict(v) for v in values):
            out[key] = _plain_merge(values, fn if is_dict(fn) else {}, default)
        else:
            out[key] = (fn or default)(values)
    return out


def _bits(value: Any) -> str:
    return f"{value!r} ({type(value).__name__}, bytes {np.asarray(value).tobytes().hex()})"


def _mean_mismatches(got: Any, want: dict[str, Any], path: tuple[str, ...] = ()) -> list[str]:
    if not is_dict(got):
        return [f"at {' -> '.join(map(repr, path)) or 'the top'}: expected a dict, got {got!r}"]
    problems: list[str] = []
    for key, w in want.items():
        g = got.get(key, _ABSENT)
        where = " -> ".join(map(repr, (*path, key)))
        if is_dict(w):
            problems += _mean_mismatches(g, w, (*path, key))
        elif g is _ABSENT:
            problems.append(f"key {where} is missing")
        elif type(g) is not type(w) or np.asarray(g).tobytes() != np.asarray(w).tobytes():
            problems.append(f"key {where}: the function gives {_bits(w)}, the merge gave {_bits(g)}")
    return problems


@register("merge.numpy_mean_exact", level="core", strategy=lambda s: _mean_cases())
def numpy_mean_exact(subject: MergeSubject, case: tuple[list[dict[str, Any]], dict[str, Any], str]) -> None:
    """A key aggregated by numpy.mean (as default_func or its agg_key_funcs entry) must get exactly
    numpy.mean of its list of values: the same type and the same bits, NaN, infinities and -0.0
    included, whatever faster way the merge computes it."""
    dicts, funcs, default_name = case
    default = np.mean if default_name == "numpy.mean" else _first_value
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        want = _plain_merge(dicts, funcs, default)
        got = subject.merge(dicts, funcs or None, default)
    problems = _mean_mismatches(got, want)
    expect(not problems, f"with default_func={default_name}: " + "; ".join(problems[:3]))


_nested_lists = nested_with_nones(3)


@st.composite
def _nested_cases(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[tuple[str, ...]]]:
    dicts = draw(_nested_lists)
    paths = sorted({p for d in dicts for p in leaf_paths(d)})
    chosen = draw(st.lists(st.sampled_from(paths), unique=True)) if paths else []
    return dicts, chosen


@register("merge.nested_dispatch", level="core", strategy=lambda s: _nested_cases())
def nested_dispatch(subject: MergeSubject, case: tuple[list[dict[str, Any]], list[tuple[str, ...]]]) -> None:
    """For a key whose values are mappings, the result must be the merge of those mappings with
    agg_key_funcs[key] as the nested agg_key_funcs and the same default_func."""
    dicts, chosen = case
    funcs: dict[str, Any] = {}
    markers: dict[tuple[str, ...], float] = {}
    recorders: dict[tuple[str, ...], Recorder] = {}
    for i, path in enumerate(chosen):
        level = funcs
        for part in path[:-1]:
            level = level.setdefault(part, {})
        level[path[-1]] = recorders[path] = Recorder(1000.0 + i)
        markers[path] = 1000.0 + i
    default = Recorder(-1.0)
    got = subject.merge(dicts, funcs, default)
    all_paths: set[tuple[str, ...]] = set()
    for d in dicts:
        all_paths |= set(leaf_paths(d))
    for path in sorted(all_paths):
        node: object = got
        for part in path:
            parent = node if is_dict(node) else {}
            expect(part in parent, f"path {' -> '.join(path)} is missing from {got!r}")
            node = parent[part]
        want = markers.get(path, -1.0)
        expect(node == want, f"path {' -> '.join(path)}: expected {want}, got {node!r}")
    # The functions of nested keys get their non-None values, in input order, as at the top level.
    given_none = [values for values in default.calls if any(v is None for v in values)]
    expect(not given_none, f"a None value is missing, not a value: default_func was called with {given_none[:3]!r}")
    for path, fn in recorders.items():
        values = [v for d in dicts for v in leaf_paths(d).get(path, [])]
        expect(
            len(fn.calls) == 1 and same_list(fn.calls[0], values),
            f"path {' -> '.join(path)}: its function must be called once with {values!r}, got calls {fn.calls!r}",
        )


@st.composite
def _with_funcs(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    dicts = draw(st.one_of(FLAT_LISTS, _nested_lists))
    return dicts, draw(cst.agg_key_funcs_for(dicts))


@register("merge.no_mutation", level="core", strategy=lambda s: _with_funcs())
def no_mutation(subject: MergeSubject, case: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    """The inputs and agg_key_funcs must not be mutated."""
    dicts, funcs = case
    before, funcs_before = copy.deepcopy(dicts), copy.deepcopy(funcs)
    subject.merge(dicts, funcs, zero)
    # Compared with types and key order (1 == 1.0, and dicts compare equal in any order).
    expect(_unchanged(dicts, before), f"inputs changed: {before!r} became {dicts!r}")
    expect(_unchanged(funcs, funcs_before), f"agg_key_funcs changed: {funcs_before!r} became {funcs!r}")


def _unchanged(now: Any, before: Any) -> bool:
    """``now`` is ``before``'s value: the same types, dict keys in the same order, at every level."""
    if is_list(now) and is_list(before):
        return len(now) == len(before) and all(_unchanged(a, b) for a, b in zip(now, before, strict=True))
    x, y = as_dict(now), as_dict(before)
    if x is not None and y is not None:
        return list(x) == list(y) and all(_unchanged(x[k], y[k]) for k in y)
    return type(now) is type(before) and same(now, before)


@st.composite
def _disjoint_triples(draw: st.DrawFn) -> list[dict[str, Any]]:
    keys = draw(st.lists(cst.metric_keys(), unique=True, min_size=3, max_size=9))
    cuts = sorted(draw(st.lists(st.integers(1, len(keys) - 1), min_size=2, max_size=2, unique=True)))
    parts = [keys[: cuts[0]], keys[cuts[0] : cuts[1]], keys[cuts[1] :]]
    values = cst.metric_values(allow_infinity=False)
    return [{k: draw(values) for k in part} for part in parts]


@register("merge.associative_on_disjoint_keys", level="core", strategy=lambda s: _disjoint_triples())
def associative_on_disjoint_keys(subject: MergeSubject, triple: list[dict[str, Any]]) -> None:
    """When the key sets are pairwise disjoint and every function returns v for [v], merging
    [a, b, c] must equal merging [merge([a, b]), c] and [a, merge([b, c])]."""
    a, b, c = triple
    merge = subject.merge
    whole = merge([a, b, c])
    left = merge([merge([a, b]), c])
    right = merge([a, merge([b, c])])
    expect(same(dict(whole), dict(left)), f"merge([a, b, c]) = {whole!r} but merge([merge([a, b]), c]) = {left!r}")
    expect(same(dict(whole), dict(right)), f"merge([a, b, c]) = {whole!r} but merge([a, merge([b, c])]) = {right!r}")
