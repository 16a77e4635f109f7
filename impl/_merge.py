"""The reference ``merge_dicts``."""

from __future__ import annotations

import marshal
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import countOf, itemgetter
from typing import TYPE_CHECKING, Any, Final, cast

import numpy as np

from impl._validate import MAX_DEPTH, check_agg_funcs, check_callable, describe, is_mapping, short_repr
from spec import AggregationFunction, NestedAggKeyFuncs

if TYPE_CHECKING:
    import numpy.typing as npt

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
        ValueError: the inputs or ``agg_key_funcs`` nest deeper than ``impl.MAX_DEPTH`` levels, or
            a mapping contains itself (the message names the key path).

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
    if countOf(map(type, inputs), dict) != len(inputs):  # (plain dicts are mappings: no ABC check each)
        for i, d in enumerate(inputs):
            if not isinstance(d, Mapping):
                raise TypeError(f"dicts[{i}] must be a mapping, got {describe(d)}")
    check_agg_funcs(agg_key_funcs)
    check_callable(default_func, "default_func")
    return _merge(inputs, agg_key_funcs or {}, default_func, (), inputs)


def _merge(
    dicts: list[Mapping[Any, Any]],
    funcs: Mapping[Any, object],  # checked by check_agg_funcs: functions, or nested such mappings
    default_func: AggregationFunction,
    path: tuple[Any, ...],
    top: list[Mapping[Any, Any]],  # the inputs of merge_dicts, for the message of a too-deep merge
) -> dict[Any, Any]:
    mean_wanted = default_func is _NUMPY_MEAN or any(fn is _NUMPY_MEAN for fn in funcs.values())
    rectangle = _rectangle(dicts) if mean_wanted else None
    if rectangle is not None:
        keys, rows = rectangle
        found = _means_of_rows(rows, len(keys))
        if found is not None:
            means, complete = found
            if complete and not funcs and default_func is _NUMPY_MEAN:
                return dict(zip(keys, means, strict=True))
            fns = [funcs.get(key) for key in keys] if funcs else [None] * len(keys)
            merged: dict[Any, object] = {}
            for j, key in enumerate(keys):
                fn = fns[j]
                if means[j] is not _MISSING and _is_mean(fn, default_func):
                    merged[key] = means[j]
                else:
                    merged[key] = _aggregate(list(map(itemgetter(j), rows)), fn, default_func, (*path, key), top)
            return merged

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

    fns = [funcs.get(key) for key in columns] if funcs else [None] * len(columns)
    batched = _means_of_columns(list(columns.values()), fns, default_func) if mean_wanted else {}
    merged = {}
    for i, (key, values) in enumerate(columns.items()):
        mean = batched.get(i, _MISSING)
        merged[key] = mean if mean is not _MISSING else _aggregate(values, fns[i], default_func, (*path, key), top)
    return merged


def _aggregate(
    values: list[Any],
    fn: object,
    default_func: AggregationFunction,
    key_path: tuple[Any, ...],
    top: list[Mapping[Any, Any]],
) -> Any:
    """One key's value in the merged dict: the plain definition, used for every key the fast path leaves out.

    ``fn`` is the key's entry in ``agg_key_funcs``: ``None`` (use ``default_func``), a function, or
    (for a key that holds mappings) a nested mapping of functions.
    """
    nested = [isinstance(v, Mapping) for v in values]
    if any(nested):
        shown = _shown(key_path)
        if not all(nested):
            # Note: 1.5 raises an unrelated AttributeError or numpy error here.
            raise TypeError(f"dicts: key path {shown} is a mapping in some inputs and not in others")
        if len(key_path) >= MAX_DEPTH:  # (a mapping at key path (k1, ..., kn) is at level n + 1)
            raise _too_deep(top, key_path)
        if fn is None:
            return _merge(values, {}, default_func, key_path, top)
        if not is_mapping(fn):
            raise TypeError(f"agg_key_funcs: key path {shown} holds mappings, so its entry must be a mapping too")
        return _merge(values, fn, default_func, key_path, top)
    if fn is None:
        func: Callable[[list[Any]], object] = default_func
    elif callable(fn) and not is_mapping(fn):
        func = fn
    else:
        raise TypeError(f"agg_key_funcs: key path {_shown(key_path)} holds numbers, so its entry must be a function")
    try:
        return func(values)
    except Exception as error:
        error.add_note(f"while aggregating key path {_shown(key_path)}")
        raise


def _shown(key_path: tuple[Any, ...]) -> str:
    """A key path for a message: ``'d' -> 'x'``, each key's repr cut to 80 characters."""
    return " -> ".join(short_repr(k) for k in key_path)


def _too_deep(top: list[Mapping[Any, Any]], key_path: tuple[Any, ...]) -> ValueError:
    """The error for inputs nested deeper than MAX_DEPTH at ``key_path``: it says whether an input
    contains itself (followed from the inputs along the key path, a mapping comes back)."""
    for i, d in enumerate(top):
        seen = {id(d)}
        node: object = d
        for depth, key in enumerate(key_path):
            node = node.get(key) if is_mapping(node) else None
            if not is_mapping(node):
                break
            if id(node) in seen:
                return ValueError(f"dicts[{i}]: key path {_shown(key_path[: depth + 1])} contains itself: it cannot be merged")
            seen.add(id(node))
    return ValueError(f"dicts: key path {_shown(key_path)} is nested deeper than MAX_DEPTH ({MAX_DEPTH}) levels")


# The fast path for numpy.mean. merge_dicts must give exactly what numpy.mean gives on each key's
# list of values: the same numpy.float64, bit for bit, and the same warnings and errors. numpy.mean
# turns a list of Python floats into a float64 array and reduces it with numpy.add.reduce (pairwise
# summation), then divides by the count. Reducing a C-ordered (keys, values) float64 array along
# axis 1 runs that same summation on each row, so many keys cost one numpy call instead of one
# each (docs/benchmarks.md). tests/test_merge_exactness.py checks that it is bit-identical.
#
# Only keys whose function is numpy.mean itself (by identity) and whose values are all exact
# Python floats take it; everything else (ints, bools, numpy scalars, None, nested dicts, any
# other function) goes through _aggregate, the plain definition. The values are checked and
# converted in one C-level pass with marshal (format version 2): it writes an exact float, and
# nothing else, as the byte b"g" followed by its 8 IEEE bytes, and a list or tuple of n items as a
# 5-byte header followed by its items. So when every tag byte sits where n floats put it, every
# item is an exact float, and the payloads are the floats' bits (a float subclass, numpy scalar or
# int is written with another tag or length, and the check fails).
#
# The sums run with numpy's floating-point errors ignored; a key whose mean is not finite, or so
# small that computing it may underflow, is recomputed with numpy.mean itself, so it warns or
# raises exactly as the plain definition does, in key order.

_MISSING: Final = object()
_FLOAT_TAG: Final = b"g"  # marshal's TYPE_BINARY_FLOAT
_MARSHAL_VERSION: Final = 2  # binary floats, no back-references: a fixed 9-byte record per float
_HEADER: Final = 5  # a marshalled list or tuple: its type byte and a 4-byte length
_ITEM: Final = 9  # a marshalled float: its tag and 8 bytes
_SMALLEST_SAFE: Final = 2.0**-1020  # means at least this large cannot have underflowed
_LARGEST: Final = sys.float_info.max
_MIN_BATCH: Final = 3  # fewer keys than this are cheaper one numpy.mean call at a time


def _is_mean(fn: object, default_func: AggregationFunction) -> bool:
    """True when the plain definition would call numpy.mean itself for a key whose entry is ``fn``."""
    return fn is _NUMPY_MEAN or (fn is None and default_func is _NUMPY_MEAN)


def _rectangle(dicts: list[Mapping[Any, Any]]) -> tuple[list[str], list[tuple[Any, ...]]] | None:
    """The keys and the rows of values when every input is a plain ``dict`` with the first one's
    ``str`` keys and no other (the common case); ``None`` otherwise."""
    if not dicts or countOf(map(type, dicts), dict) != len(dicts):
        return None
    first = dicts[0]
    n_keys = len(first)
    if n_keys < 2:  # (itemgetter of one key gives the value, not a tuple)
        return None
    keys = list(first)
    if countOf(map(type, keys), str) != n_keys or sum(map(len, dicts)) != n_keys * len(dicts):
        return None
    try:
        # Every dict has n_keys keys and each of the first dict's keys, so the same keys.
        rows = list(map(itemgetter(*keys), dicts))
    except KeyError:
        return None
    return keys, rows


def _float_block(buf: bytes, start: int, count: int, width: int) -> npt.NDArray[np.float64] | None:
    """The ``(count, width)`` float64 values of ``count`` marshalled sequences of ``width`` items that
    follow each other in ``buf`` from ``start``, or ``None`` unless every item is an exact float."""
    stride = _HEADER + _ITEM * width
    if len(buf) != start + count * stride:
        return None
    tags = np.ndarray((count, width), np.uint8, buf, start + _HEADER, (stride, _ITEM))
    if tags.tobytes() != _FLOAT_TAG * (count * width):
        return None
    return np.ndarray((count, width), "<f8", buf, start + _HEADER + 1, (stride, _ITEM))


def _row_sums(table: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The sum of each row of a C-ordered float64 table, in numpy.mean's own order of addition.

    numpy.mean(values) is ``numpy.add.reduce(numpy.asarray(values, float64)) / len(values)``, and
    reducing a C-ordered table along its last axis runs that same pairwise summation on each row
    (tests/test_merge_exactness.py replaces this function with other orders and fails).
    """
    sums: npt.NDArray[np.float64] = np.add.reduce(table, axis=1)
    return sums


def _means(values: npt.NDArray[np.float64]) -> tuple[list[Any], bool]:
    """numpy.mean of each row of ``values``, as numpy.float64, or ``_MISSING`` where the plain
    definition has to compute it (it may warn or raise); and whether none is ``_MISSING``."""
    table = np.ascontiguousarray(values, dtype=np.float64)
    count = table.shape[1]
    with np.errstate(all="ignore"):
        sums = _row_sums(table)
        means = sums / count
    magnitudes = np.abs(means)
    result: list[Any] = list(means)
    # (NaN fails both comparisons: numpy's minimum and maximum propagate it.)
    if np.minimum.reduce(magnitudes) >= _SMALLEST_SAFE and np.maximum.reduce(magnitudes) <= _LARGEST:
        return result, True  # the common case: every mean is safe
    complete = True
    for i, mean in enumerate(result):
        if not (_SMALLEST_SAFE <= abs(mean) <= _LARGEST or (mean == 0 and sums[i] == 0)):
            result[i] = _MISSING
            complete = False
    return result, complete


def _means_of_rows(rows: list[tuple[Any, ...]], width: int) -> tuple[list[Any], bool] | None:
    """The means of each column of ``rows`` (see :func:`_means`), or ``None`` unless every value is
    an exact float."""
    try:
        buf = marshal.dumps(rows, _MARSHAL_VERSION)
    except Exception:  # an unmarshallable value: not all floats
        return None
    block = _float_block(buf, _HEADER, len(rows), width)
    return None if block is None else _means(block.T)


def _means_of_columns(
    columns: list[list[Any]], fns: Sequence[object], default_func: AggregationFunction
) -> dict[int, Any]:
    """Index -> mean for the columns that take the fast path (see the comment above)."""
    by_length: dict[int, list[int]] = {}
    for i, values in enumerate(columns):
        if _is_mean(fns[i], default_func):
            by_length.setdefault(len(values), []).append(i)
    batched: dict[int, Any] = {}
    for width, chosen in by_length.items():
        if len(chosen) < _MIN_BATCH:
            continue
        try:
            buf = marshal.dumps([columns[i] for i in chosen], _MARSHAL_VERSION)
        except Exception:
            buf = b""
        block = _float_block(buf, _HEADER, len(chosen), width)
        if block is None:  # some column is not all floats: keep the ones that are
            kept: list[int] = []
            parts: list[bytes] = []
            tags = _FLOAT_TAG * width
            for i in chosen:
                try:
                    part = marshal.dumps(columns[i], _MARSHAL_VERSION)
                except Exception:
                    continue
                if len(part) == _HEADER + _ITEM * width and part[_HEADER :: _ITEM] == tags:
                    kept.append(i)
                    parts.append(part)
            if len(kept) < _MIN_BATCH:
                continue
            chosen = kept
            block = _float_block(b"".join(parts), 0, len(kept), width)
            assert block is not None
        for i, mean in zip(chosen, _means(block)[0], strict=True):
            if mean is not _MISSING:
                batched[i] = mean
    return batched
