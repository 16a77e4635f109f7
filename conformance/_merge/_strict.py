"""The strict properties of a merge function (where pytorch_lightning 1.5 raises or is
nondeterministic), in report order."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._compare import is_dict
from conformance._core import ConformanceFailure, MergeSubject, expect, register
from conformance._merge._cases import (
    PATH_KEYS,
    VALUE_OR_NONE,
    Recorder,
    key_tree,
    missing_or_extra,
    nested_with_nones,
    seen_everywhere,
    zero,
)

__all__: list[str] = []


@register("merge.empty_input", level="strict")
def empty_input(subject: MergeSubject, _: None) -> None:
    """An empty dicts must return {}."""
    got = subject.merge([])
    expect(got == {}, f"merge([]) must be {{}}, got {got!r}")


# All-None keys: the fixed names, any metric name, distinctive names.
_ghost_names = st.one_of(st.sampled_from(("ghost", "none_only", "d/empty")), cst.metric_keys(), PATH_KEYS)
_all_none_inputs = st.one_of(
    st.lists(cst.metric_dicts(values=VALUE_OR_NONE), min_size=1, max_size=4), nested_with_nones(3)
)


def _at(d: Any, path: tuple[str, ...]) -> dict[str, Any] | None:
    """The mapping at ``path`` in ``d``, if there is one."""
    for part in path:
        d = d.get(part) if is_dict(d) else None
    return d if is_dict(d) else None


def _mapping_paths(tree: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The paths of a key tree (:func:`key_tree`) that hold mappings, the top level's ``()`` first."""
    found = [prefix]
    for key, subtree in tree.items():
        if subtree is not None:
            found += _mapping_paths(subtree, (*prefix, key))
    return found


@st.composite
def _with_all_none_keys(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[tuple[str, ...]]]:
    """Flat or nested inputs with 1 to 3 keys whose values are all None, each at the top or (three
    times in four) inside a nested mapping: one the inputs have, or a new one that holds only it."""
    dicts = copy.deepcopy(draw(_all_none_inputs))
    places = _mapping_paths(key_tree(dicts))
    ghosts: list[tuple[str, ...]] = []
    for _ in range(draw(st.integers(1, 3))):
        nested = [p for p in places if p]
        in_nested: bool = bool(nested) and draw(st.booleans())
        where = draw(st.sampled_from(nested if in_nested else places))
        holders = [m for m in (_at(d, where) for d in dicts) if m is not None]
        name = draw(_ghost_names)
        parent = draw(PATH_KEYS) if draw(st.booleans()) else None  # a new mapping that holds only the ghost
        taken = {k for m in holders for k in m}
        if name in taken or parent in taken:
            continue
        for i in draw(st.lists(st.sampled_from(range(len(holders))), min_size=1, unique=True)):
            if parent is None:
                holders[i][name] = None
            else:
                holders[i][parent] = {name: None}
        ghosts.append((*where, *([parent] if parent else []), name))
    return dicts, ghosts


@register("merge.all_none_key_skipped", level="strict", strategy=lambda s: _with_all_none_keys())
def all_none_key_skipped(subject: MergeSubject, case: tuple[list[dict[str, Any]], list[tuple[str, ...]]]) -> None:
    """A key whose values are all None must be left out of the result, not raise (at the top level and
    inside nested mappings)."""
    dicts, ghosts = case
    # Every function records its calls: one called with no values (min() and max() raise there,
    # numpy.mean warns) did not leave the key out. The all-None keys' own functions sit at their paths.
    funcs: dict[str, Any] = {}
    ghost_funcs: dict[tuple[str, ...], Recorder] = {}
    for path in ghosts:
        level = funcs
        for part in path[:-1]:
            level = level.setdefault(part, {})
        level[path[-1]] = ghost_funcs[path] = Recorder(0.0)
    default = Recorder(0.0)
    got = subject.merge(dicts, funcs, default)
    shown = ", ".join(" -> ".join(map(repr, path)) for path in ghosts)
    problem = missing_or_extra(got, key_tree(dicts))
    expect(problem is None, f"{problem} (the all-None keys {shown} must be left out)")
    named = [(f"agg_key_funcs -> {' -> '.join(map(repr, p))}", f) for p, f in ghost_funcs.items()]
    for name, fn in [*named, ("default_func", default)]:
        expect(
            all(fn.calls),
            f"{name} was called with no values (an all-None key; min() would raise): calls {fn.calls!r} "
            f"(all-None keys {shown})",
        )


@st.composite
def _mismatched(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[str]]:
    path = draw(st.lists(PATH_KEYS, min_size=1, max_size=3, unique=True))
    as_mapping: dict[str, Any] = {"leaf": 1.0}
    as_number: Any = draw(cst.metric_values(allow_infinity=False))
    for part in reversed(path[1:]):
        as_mapping, as_number = {part: as_mapping}, {part: as_number}
    first, second = {path[0]: as_mapping}, {path[0]: as_number}
    padding = draw(st.lists(cst.metric_dicts(keys=st.sampled_from(("a", "b"))), max_size=2))
    dicts = [*padding, first, second] if draw(st.booleans()) else [*padding, second, first]
    return dicts, path


@register("merge.mismatched_nesting", level="strict", strategy=lambda s: _mismatched())
def mismatched_nesting(subject: MergeSubject, case: tuple[list[dict[str, Any]], list[str]]) -> None:
    """A key that is a mapping in one input and a non-mapping in another must raise TypeError whose
    message names the key path."""
    dicts, path = case
    try:
        got = subject.merge(dicts, None, zero)
    except TypeError as error:
        missing = [part for part in path if part not in str(error)]
        expect(not missing, f"the TypeError must name the key path {path}, but says {str(error)!r}")
        return
    except Exception as error:
        raise ConformanceFailure(
            f"expected TypeError naming key path {path}, got {type(error).__name__}: {error}"
        ) from error
    raise ConformanceFailure(f"expected TypeError naming key path {path}, got a result {got!r}")


def _first_seen(dicts: Sequence[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(k for d in dicts for k, v in d.items() if v is not None))


def _check_order(got: dict[str, Any], dicts: list[dict[str, Any]], where: str) -> None:
    want = _first_seen(dicts)
    expect(list(got) == want, f"{where}: keys must come in first-seen order {want}, got {list(got)}")
    for key in want:
        nested = [d[key] for d in dicts if isinstance(d.get(key), dict)]
        if nested:
            _check_order(got[key], nested, f"{where} -> {key!r}")


def _consistent_nesting(dicts: list[dict[str, Any]]) -> bool:
    """True when no key is a dict in one input and a value (not None) in another."""
    nested = {k for d in dicts for k, v in d.items() if isinstance(v, dict)}
    return all(v is None or isinstance(v, dict) == (k in nested) for d in dicts for k, v in d.items())


# With None values: a key's place is where it first has a value (a merge that orders keys by any
# appearance, None included, puts {'a': None, 'b': 1}, {'a': 2}'s 'a' first).
# (Few keys first: a failure there shrinks to a small example, and quickly.)
# Every key keeps a value somewhere: a key that is None everywhere is merge.all_none_key_skipped's
# matter (1.5 raises IndexError there, and its key order is what this property shows).
_ordered_lists = st.one_of(
    st.lists(cst.metric_dicts(keys=st.sampled_from(("a", "b", "c")), values=VALUE_OR_NONE), min_size=2, max_size=4),
    st.lists(st.one_of(cst.metric_dicts(values=VALUE_OR_NONE), cst.nested_metric_dicts()), min_size=1, max_size=4),
).filter(seen_everywhere) | nested_with_nones(4)


@register("merge.first_seen_order", level="strict", strategy=lambda s: _ordered_lists.filter(_consistent_nesting))
def first_seen_order(subject: MergeSubject, dicts: list[dict[str, Any]]) -> None:
    """The result's keys, at every level, must be in first-seen order: the order in which they first
    appear with a non-None value, scanning the inputs in order."""
    got = subject.merge(dicts, None, zero)
    _check_order(got, dicts, "result")
