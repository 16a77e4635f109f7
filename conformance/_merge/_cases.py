"""What the merge properties draw and the aggregation functions they pass: recorders that keep
what they were given, lists of metric dicts (flat, long, nested with None values at every level,
some as read-only mappings), and the key tree a merge's result must have."""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Any, cast

from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._compare import as_dict, is_dict, same

# Not listed: each name would be a new string literal (DEVELOPERS.md).
__all__: list[str] = []


_NAMES = ("mean", "max", "min", "sum", "median")


class Recorder:
    """An aggregation function that records each call's values (and what they came in) and returns
    a marker.

    It is named as a library's functions are (``mean``, ``max``...), so that a merge that picks a
    function by its name, not by what it is, shows.
    """

    def __init__(self, marker: float) -> None:
        self.marker = marker
        self.calls: list[list[Any]] = []
        self.containers: list[type[Any]] = []
        self.__name__ = _NAMES[int(abs(marker)) % len(_NAMES)]

    def __call__(self, values: Sequence[float]) -> float:
        # (cast to object: type() of a Sequence[float] is fine, but a generator passed here must show as one)
        self.containers.append(type(cast(object, values)))
        self.calls.append(list(values))
        return self.marker

    def __repr__(self) -> str:
        return f"<recorder returning {self.marker}>"


def zero(values: Sequence[float]) -> float:
    """An aggregation function for the properties that do not look at the aggregated values."""
    return 0.0


def non_none_columns(dicts: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {}
    for d in dicts:
        for k, v in d.items():
            if v is not None:
                columns.setdefault(k, []).append(v)
    return columns


def seen_everywhere(dicts: list[dict[str, Any]]) -> bool:
    """True when every key has a non-None value somewhere (what 1.5 needs to not raise)."""
    keys = {k for d in dicts for k in d}
    return keys <= set(non_none_columns(dicts))


VALUE_OR_NONE = st.one_of(st.none(), cst.metric_values())
FLAT_LISTS = st.lists(cst.metric_dicts(values=VALUE_OR_NONE), min_size=1, max_size=4).filter(seen_everywhere)
# Many inputs, few keys each: a key first seen late in a long run (a merge that takes the keys of
# the first input on a "long run" path loses it).
LONG_LISTS = st.lists(
    cst.metric_dicts(values=VALUE_OR_NONE, max_size=2), min_size=5, max_size=12
).filter(seen_everywhere)


_TABLE_VALUES = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)


@st.composite
def tables(
    draw: st.DrawFn,
    extra_keys: bool = True,
    rows: st.SearchStrategy[int] = st.integers(min_value=2, max_value=6),
    values: st.SearchStrategy[float] = _TABLE_VALUES,
    min_keys: int = 2,
) -> list[dict[str, Any]]:
    """Two or more plain dicts of ``values`` (floats), each with the first one's keys (two or more) in its
    order: a table, what a fast path for numpy.mean takes. With ``extra_keys``, later rows may add keys of
    their own (a fast path reading the table by its first row's keys loses them)."""
    keys = draw(st.lists(cst.metric_keys(), min_size=min_keys, max_size=max(5, min_keys), unique=True))
    table: list[dict[str, Any]] = []
    for _ in range(draw(rows)):
        extra = draw(st.lists(cst.metric_keys(), max_size=2)) if extra_keys and table else []
        table.append({k: draw(values) for k in [*keys, *(k for k in extra if k not in keys)]})
    return table


def with_nones(dicts: list[dict[str, Any]], choices: list[int]) -> list[dict[str, Any]]:
    """``dicts`` (nested) with some values, leaves or nested dicts, made None or added as None, at
    every level, as ``choices`` say (taken in turn; 2 is a None, a missing choice is none); every
    key keeps a non-None value in some input. (A None beside a mapping is a missing value, not a
    mismatch.) Choices drawn apart from the dicts shrink apart from them."""
    pending = iter(choices)

    def level(inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = [dict(d) for d in inputs]
        for key in dict.fromkeys(k for d in inputs for k in d):
            holders = [i for i, d in enumerate(inputs) if d.get(key) is not None]
            for i in range(len(inputs)):
                if (i not in holders or len(holders) > 1) and next(pending, 0) == 2:
                    if i in holders:
                        holders.remove(i)
                    out[i][key] = None
            # Then the nested dicts that are left, among themselves.
            nested = [i for i in holders if is_dict(inputs[i][key])]
            for i, merged in zip(nested, level([inputs[i][key] for i in nested]), strict=True):
                out[i][key] = merged
        return out

    return level(dicts)


def nested_with_nones(max_size: int) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Lists of nested dicts, some values None, every key at every level with a non-None value (a
    key that is None in every input is merge.all_none_key_skipped's matter, and 1.5 raises there)."""
    plain = st.lists(cst.nested_metric_dicts(), min_size=1, max_size=max_size)
    # (Smaller dicts: shrinking nested dicts is what a failure here costs.)
    some_none = st.builds(
        with_nones,
        st.lists(cst.nested_metric_dicts(max_size=2), min_size=2, max_size=max_size),
        st.lists(st.integers(0, 2), min_size=24, max_size=24),
    )
    return st.one_of(plain, some_none, some_none)


def as_mappings(dicts: list[dict[str, Any]], which: list[bool]) -> list[Any]:
    """Some of the inputs as read-only mappings that are not dicts (the signature takes any Mapping)."""
    return [types.MappingProxyType(d) if i < len(which) and which[i] else d for i, d in enumerate(dicts)]


def key_tree(dicts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The keys the merge of ``dicts`` must have: each to None, or to its own tree when its values are dicts."""
    return {
        key: key_tree(values) if all(is_dict(v) for v in values) else None
        for key, values in non_none_columns(dicts).items()
    }


def missing_or_extra(got: Any, tree: dict[str, Any], where: str = "result") -> str | None:
    node = as_dict(got)
    if node is None:
        return f"{where} must be a dict, got {got!r}"
    if set(node) != set(tree):
        return f"{where}: expected keys {sorted(tree)}, got {sorted(node)}"
    for key, subtree in tree.items():
        if subtree is not None:
            problem = missing_or_extra(node[key], subtree, f"{where} -> {key!r}")
            if problem:
                return problem
    return None


def same_list(a: list[Any], b: list[Any]) -> bool:
    """The same values in the same order, each of the same type (a function must get the values
    themselves: ``float(v)`` for an int ``v`` is equal, but is not the value)."""
    return len(a) == len(b) and all(type(x) is type(y) and same(x, y) for x, y in zip(a, b, strict=True))


def leaf_paths(d: dict[str, Any], prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], list[Any]]:
    """Leaf paths of a nested dict, to the list holding the leaf value."""
    out: dict[tuple[str, ...], list[Any]] = {}
    for k, v in d.items():
        if is_dict(v):
            out.update(leaf_paths(v, (*prefix, k)))
        elif v is not None:
            out.setdefault((*prefix, k), []).append(v)
    return out


PATH_KEYS = st.text("abcdefghijklmnopqrstuvwxyz", min_size=6, max_size=8).map(lambda s: f"key_{s}")
