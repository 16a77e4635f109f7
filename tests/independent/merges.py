"""Merge functions written from :class:`spec.MergeFunction`'s docstring, three different ways."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

Funcs = Mapping[str, Any]


def _path(keys: list[str]) -> str:
    return " -> ".join(repr(k) for k in keys)


def plain_merge(
    dicts: Iterable[Mapping[str, Any]],
    agg_key_funcs: Funcs | None = None,
    default_func: Callable[[list[Any]], Any] = np.mean,
) -> dict[str, Any]:
    """Plain loops: one pass gathers each key's non-None values, a second aggregates them."""
    return _plain(list(dicts), agg_key_funcs or {}, default_func, [])


def _plain(
    dicts: list[Mapping[str, Any]], funcs: Funcs, default: Callable[[list[Any]], Any], where: list[str]
) -> dict[str, Any]:
    keys: list[str] = []
    columns: dict[str, list[Any]] = {}
    for d in dicts:
        for key in d:
            if d[key] is None:
                continue  # a key's place is where it first has a value (spec: first-seen order)
            if key not in columns:
                keys.append(key)
                columns[key] = []
            columns[key].append(d[key])
    result: dict[str, Any] = {}
    for key in keys:
        values = columns[key]
        if not values:
            continue
        mappings = 0
        for value in values:
            if isinstance(value, Mapping):
                mappings += 1
        if mappings == len(values):
            nested = funcs.get(key)
            result[key] = _plain(values, nested if isinstance(nested, Mapping) else {}, default, [*where, key])
        elif mappings == 0:
            fn = funcs.get(key)
            result[key] = (fn if callable(fn) else default)(values)
        else:
            raise TypeError(f"merge: key {_path([*where, key])} is a mapping in some inputs and a value in others")
    return result


def iterable_merge(
    dicts: Iterable[Mapping[str, Any]],
    agg_key_funcs: Funcs | None = None,
    default_func: Callable[[tuple[Any, ...]], Any] = statistics.fmean,
) -> dict[str, Any]:
    """Reads any iterable once (a generator too), recurses on a tree of columns, hands each function
    a tuple, and defaults to ``statistics.fmean`` (the protocol leaves the default open)."""
    tree: dict[str, list[Any]] = {}
    for d in dicts:
        for key, value in d.items():
            if value is not None:  # a key's place is where it first has a value (spec: first-seen order)
                tree.setdefault(key, []).append(value)
    return _from_tree(tree, agg_key_funcs, default_func, ())


def _from_tree(
    tree: dict[str, list[Any]], funcs: Funcs | None, default: Callable[[tuple[Any, ...]], Any], where: tuple[str, ...]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, values in tree.items():
        if not values:
            continue
        kinds = {isinstance(v, Mapping) for v in values}
        if kinds == {True, False}:
            raise TypeError(f"cannot merge {' -> '.join(map(repr, (*where, key)))}: mixes mappings and values")
        own = (funcs or {}).get(key)
        if True in kinds:
            subtree: dict[str, list[Any]] = {}
            for value in values:
                for k, v in value.items():
                    if v is not None:
                        subtree.setdefault(k, []).append(v)
            out[key] = _from_tree(subtree, own if isinstance(own, Mapping) else None, default, (*where, key))
        else:
            out[key] = (own if callable(own) else default)(tuple(values))
    return out


class Merged(dict[str, Any]):
    """The result type of :func:`subclass_merge`: a dict subclass (the seed's return type is ``Dict``)."""


def subclass_merge(
    dicts: Iterable[Mapping[str, Any]],
    agg_key_funcs: Funcs | None = None,
    default_func: Callable[[Any], Any] = np.mean,
) -> Merged:
    """Returns :class:`Merged` at every level, built key by key from a first-seen key list."""
    inputs = list(dicts)
    order = list(dict.fromkeys(key for d in inputs for key, value in d.items() if value is not None))
    merged = Merged()
    for key in order:
        present = [d[key] for d in inputs if key in d and d[key] is not None]
        if not present:
            continue
        nested = [isinstance(v, Mapping) for v in present]
        own = (agg_key_funcs or {}).get(key)
        if all(nested):
            try:
                merged[key] = subclass_merge(present, own if isinstance(own, Mapping) else None, default_func)
            except TypeError as error:
                raise TypeError(f"{key!r} -> {error}") from None
        elif any(nested):
            raise TypeError(f"{key!r}: mapping and non-mapping values cannot be merged")
        else:
            merged[key] = (own if callable(own) else default_func)(present)
    return merged
