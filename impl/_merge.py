"""The reference ``merge_dicts``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, cast

import numpy as np

from impl._validate import check_agg_funcs, check_callable, describe
from spec import AggregationFunction, NestedAggKeyFuncs

__all__ = ["merge_dicts"]

_NUMPY_MEAN: Final = cast(AggregationFunction, np.mean)


def merge_dicts(
    dicts: Iterable[Mapping[str, Any]],
    agg_key_funcs: NestedAggKeyFuncs | None = None,
    default_func: AggregationFunction = _NUMPY_MEAN,
) -> dict[str, Any]:
    """Merge a sequence with dictionaries into one dictionary by aggregating the same keys with some given function.

    Implements :meth:`spec.MergeFunction.__call__`: each key's non-``None`` values, in input
    order, go to ``agg_key_funcs[key]`` or else ``default_func``; nested mappings merge
    recursively with the nested ``agg_key_funcs``; keys come out in first-seen order.

    Raises:
        TypeError: ``dicts`` is not an iterable of mappings; a function is not callable; a key
            is a mapping in one input and not in another (the message names the key path).

    Examples:
        >>> import pprint
        >>> d1 = {'a': 1.7, 'b': 2.0, 'c': 1, 'd': {'d1': 1, 'd3': 3}}
        >>> d2 = {'a': 1.1, 'b': 2.2, 'v': 1, 'd': {'d1': 2, 'd2': 3}}
        >>> d3 = {'a': 1.1, 'v': 2.3, 'd': {'d3': 3, 'd4': {'d5': 1}}}
        >>> dflt_func = min
        >>> agg_funcs = {'a': np.mean, 'v': max, 'd': {'d1': sum}}
        >>> pprint.pprint(merge_dicts([d1, d2, d3], agg_funcs, dflt_func))
        {'a': 1.3,
         'b': 2.0,
         'c': 1,
         'd': {'d1': 3, 'd2': 3, 'd3': 3, 'd4': {'d5': 1}},
         'v': 2.3}
    """
    if isinstance(dicts, (Mapping, str, bytes)) or not isinstance(dicts, Iterable):
        raise TypeError(f"dicts must be a sequence of mappings, got {describe(dicts)}")
    # Note: a generator is accepted and read once (1.5 reads it twice and loses values).
    inputs = list(dicts)
    for i, d in enumerate(inputs):
        if not isinstance(d, Mapping):
            raise TypeError(f"dicts[{i}] must be a mapping, got {describe(d)}")
    check_agg_funcs(agg_key_funcs)
    check_callable(default_func, "default_func")
    return _merge(inputs, agg_key_funcs or {}, default_func, ())


def _merge(
    dicts: list[Mapping[Any, Any]],
    funcs: NestedAggKeyFuncs,
    default_func: AggregationFunction,
    path: tuple[Any, ...],
) -> dict[Any, Any]:
    # Note: keys are gathered in first-seen order (1.5 iterates a set: the order changes between
    # runs) and None values are dropped here, so an all-None key is skipped (1.5 raises IndexError).
    columns: dict[Any, list[Any]] = {}
    for d in dicts:
        for key, value in d.items():
            if value is not None:
                column = columns.get(key)
                if column is None:
                    columns[key] = [value]
                else:
                    column.append(value)

    merged: dict[Any, Any] = {}
    for key, values in columns.items():
        fn = funcs.get(key)
        nested = [isinstance(v, Mapping) for v in values]
        if any(nested):
            key_path = " -> ".join(repr(k) for k in (*path, key))
            if not all(nested):
                # Note: 1.5 raises an unrelated AttributeError or numpy error here.
                raise TypeError(f"dicts: key path {key_path} is a mapping in some inputs and not in others")
            if fn is not None and not isinstance(fn, Mapping):
                raise TypeError(f"agg_key_funcs: key path {key_path} holds mappings, so its entry must be a mapping too")
            merged[key] = _merge(values, fn or {}, default_func, (*path, key))
        elif isinstance(fn, Mapping):
            key_path = " -> ".join(repr(k) for k in (*path, key))
            raise TypeError(f"agg_key_funcs: key path {key_path} holds numbers, so its entry must be a function")
        else:
            try:
                merged[key] = (fn or default_func)(values)
            except Exception as error:
                error.add_note(f"while aggregating key path {' -> '.join(repr(k) for k in (*path, key))}")
                raise
    return merged
