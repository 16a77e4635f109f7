"""Inputs that several topics draw: finalize's statuses, hyperparameters, and malformed metrics
and steps (each with the words its TypeError's message must contain); and metrics no logger can
take as given (one that contains itself, one nested past Python's recursion limit), built afresh for
each call and shown in a few words, since neither can be deep-copied or repr'd safely."""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np
from hypothesis import strategies as st

from conformance import strategies as cst

# Not listed: each name would be a new string literal, and Hypothesis draws from the literals of
# local source (DEVELOPERS.md): the ci profile's examples stay those of before the layering.
__all__: list[str] = []

STATUSES = ("success", "failed", "aborted")


def hyperparams() -> st.SearchStrategy[dict[str, Any] | Namespace]:
    """``strategies.hyperparams()`` (kept under this name: the aggregation state machine's source names
    it, and that source seeds its derandomized run)."""
    return cst.hyperparams()


_bad_keys = st.sampled_from(("bad_key", "oops", "val/oops"))
_non_mappings = st.sampled_from(([("a", 1.0)], "a=1.0", 1.0, None, ("a",), {"a", "b"}))
_non_str_keys = st.sampled_from((1, 0.5, None, ("a",), b"a"))


class TensorLike:
    """A 0-d tensor-like (``shape == ()``, an ``item()`` method) that is not a real number: its
    ``item()`` gives a complex number, or raises (as a tensor on another device may)."""

    shape = ()

    def __init__(self, item: complex | None) -> None:
        self._item = item

    def item(self) -> complex:
        if self._item is None:
            raise RuntimeError("item() of this tensor-like raises (drawn by the conformance suite)")
        return self._item

    def __repr__(self) -> str:
        return "<tensor-like, item() raises>" if self._item is None else f"<tensor-like, item() = {self._item!r}>"


class ItemNotCallable:
    """A 0-d tensor-like whose ``item`` is a value, not a method: ``.item()`` raises TypeError."""

    shape = ()
    item = 0.5

    def __repr__(self) -> str:
        return "<tensor-like, item is 0.5, not a method>"


class _Marker:
    """What a 0-d object array holds: nothing a number, with a repr that is the same in every run."""

    def __repr__(self) -> str:
        return "<marker>"


def _object_array() -> Any:
    array = np.empty((), dtype=object)
    array[()] = _Marker()
    return array


# Not real numbers although a loose check takes them (spec: log_metrics' strict sentence), in four
# families drawn alike, so that a check that lets one family through meets it: numpy complex scalars;
# 0-d arrays of complex, str, bytes and objects; datetime64 and timedelta64 (numpy registers
# timedelta64 as an integer); tensor-likes whose item() is complex or raises (item no method, too).
_NON_REAL_FAMILIES = (
    (np.complex64(1j), np.complex128(0.5 + 2j)),
    (np.array(1j), np.array("x"), np.array(b"x"), _object_array()),
    (np.datetime64("2024-01-01"), np.timedelta64(1, "s")),
    (TensorLike(1j), TensorLike(None), ItemNotCallable()),
)
non_real_values = st.one_of(*(st.sampled_from(family) for family in _NON_REAL_FAMILIES))
# Not real numbers: strs (two times in five), what a check that only refuses strs lets through (one
# in five), and the non-real values above (two in five). (Weighted by sampling the strategies: one_of
# draws each distinct branch alike, and flattens a one_of given to it into its branches.)
_strs = st.sampled_from(("x", "1.0", ""))
_non_numbers = st.sampled_from(
    (_strs, _strs, st.sampled_from((None, [1.0], 1j, b"1", (0.5,))), non_real_values, non_real_values)
).flatmap(lambda values: values)
# A bool is an int to isinstance, but never a step: step=True is a mistake (a flag passed by position).
bad_steps = st.sampled_from(("0", "1", 1.0, 0.5, "None", True, False))


# At least one valid sibling at every level: a call that takes half of a malformed argument (its valid
# part) before refusing it shows only if there is a valid part to take.
_small_metrics = cst.metric_dicts(min_size=1, max_size=3)
# Parent keys no message contains by accident (not "d": "dict", "invalid", "expected"... contain it),
# so a message that names only the leaf, or only some of the path, shows.
_parent_keys = st.text("abcdefghijklmnopqrstuvwxyz", min_size=5, max_size=7).map(lambda s: f"grp_{s}")
# Depth of the bad key: at the top, or 1 to 3 mappings down (three times in four).
_depths = st.sampled_from((0, 1, 2, 3))


@st.composite
def bad_metrics(draw: st.DrawFn, values: st.SearchStrategy[Any] | None = None) -> tuple[Any, tuple[str, ...]]:
    """A malformed ``metrics`` argument and the words (argument name, each key of the path) naming the fault.

    The fault (a key that is not a str, a value that is not a real number) sits at the top or 1 to 3
    mappings down, under parent keys drawn to be distinctive, each level with at least one valid sibling.
    Given ``values``, the fault is always a value drawn from it (``non_real_values``, say)."""
    if values is not None:
        case = "str_value"
    else:
        case = draw(st.sampled_from(("non_mapping", "non_str_key", "str_value", "str_value")))
    if case == "non_mapping":
        return draw(_non_mappings), ("metrics",)
    depth = draw(_depths)
    path: list[str] = draw(st.lists(_parent_keys, min_size=depth, max_size=depth, unique=True))
    if case == "non_str_key":
        bad: tuple[Any, Any] = (draw(_non_str_keys), 1.0)
        names: tuple[str, ...] = ("metrics", *path)
    else:
        key = draw(_bad_keys)
        bad, names = (key, draw(values if values is not None else _non_numbers)), ("metrics", *path, key)
    for parent in reversed([None, *path]):
        level: dict[Any, Any] = dict(draw(_small_metrics))
        level.pop(bad[0], None)
        items = list(level.items())
        items.insert(draw(st.integers(0, len(items))), bad)
        bad = (parent, dict(items))
    return bad[1], names


# --- metrics no logger can take as given -------------------------------------------------------


@attrs.frozen(repr=False)
class Unstorable:
    """A ``metrics`` that contains itself, or nests deeper than Python's recursion limit.

    ``build()`` makes it afresh (neither can be deep-copied: the deep one raises RecursionError);
    ``shown`` says what it is in a few words (its repr would raise RecursionError, or be long);
    ``names`` are the words a rejection must contain (the argument and, for a dict that contains
    itself, each key of the path to where it does); ``may_accept``: a logger that can store it may
    take it (the deep one)."""

    build: Callable[[], dict[str, Any]]
    shown: str
    names: tuple[str, ...]
    may_accept: bool

    def __repr__(self) -> str:
        return self.shown

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.shown)  # (Hypothesis' pretty printer: never the dict itself)


def _placed(draw: st.DrawFn, key: str, value: Any) -> dict[str, Any]:
    """A level of at least one valid metric with ``key`` holding ``value`` at a drawn place among them."""
    level: dict[str, Any] = dict(draw(_small_metrics))
    level.pop(key, None)
    items = list(level.items())
    items.insert(draw(st.integers(0, len(items))), (key, value))
    return dict(items)


@st.composite
def _self_referencing(draw: st.DrawFn) -> Unstorable:
    """A metrics that holds, 0 to 3 mappings down under distinctive keys, a key whose value is the
    metrics itself or one of the mappings on the way down (each level with valid siblings)."""
    depth = draw(_depths)
    path: list[str] = draw(st.lists(_parent_keys, min_size=depth + 1, max_size=depth + 1, unique=True))
    target = draw(st.integers(0, depth))  # which level the last key refers back to: 0 is metrics itself
    # The levels, top first: a template each (siblings and where the path's key goes), built afresh.
    templates = [_placed(draw, key, None) for key in path]

    def build() -> dict[str, Any]:
        levels = [dict(template) for template in templates]
        for level, key, child in zip(levels, path, levels[1:], strict=False):
            level[key] = child
        levels[-1][path[-1]] = levels[target]
        return levels[0]

    where = "".join(f"[{key!r}]" for key in path)
    points_to = "metrics" + "".join(f"[{key!r}]" for key in path[:target])
    shown = f"<metrics whose metrics{where} is {points_to} itself; top-level keys {list(templates[0])}>"
    return Unstorable(build, shown, ("metrics", *path), may_accept=False)


# Deeper than Python's default recursion limit (1000): a logger that walks nested metrics by
# recursion without a limit of its own raises RecursionError there.
_OVER_DEEP = st.integers(1500, 3000)


@st.composite
def _over_deep(draw: st.DrawFn) -> Unstorable:
    """A metrics nested 1500 to 3000 mappings deep under distinctive keys (taken in turn), with
    valid metrics at the top and at the bottom."""
    depth = draw(_OVER_DEEP)
    keys: list[str] = draw(st.lists(_parent_keys, min_size=1, max_size=3, unique=True))
    top = draw(_small_metrics)
    bottom = draw(_small_metrics)

    def build() -> dict[str, Any]:
        level: dict[str, Any] = dict(bottom)
        for i in reversed(range(1, depth)):
            level = {keys[i % len(keys)]: level}
        made = {k: v for k, v in top.items() if k != keys[0]}
        made[keys[0]] = level
        return made

    chain = " -> ".join(repr(k) for k in keys)
    shown = f"<metrics nested {depth} mappings deep (keys {chain} in turn, valid metrics at the top and bottom)>"
    return Unstorable(build, shown, ("metrics",), may_accept=True)


def self_referencing_metrics() -> st.SearchStrategy[Unstorable]:
    """A metrics that contains itself, 0 to 3 mappings down."""
    return _self_referencing()


def over_deep_metrics() -> st.SearchStrategy[Unstorable]:
    """A metrics nested 1500 to 3000 mappings deep."""
    return _over_deep()
