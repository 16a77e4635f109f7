"""Broken merge functions, one or more per merge property."""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from conformance._core import MergeSubject
from conformance._merge._cases import non_none_columns
from impl import _merge as impl_merge
from impl import merge_dicts
from tests.broken import Broken


def like_1_5(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """pytorch_lightning 1.5.10's algorithm: keys from a set, nesting judged by the first value."""
    agg_key_funcs = agg_key_funcs or {}
    keys = list(functools.reduce(operator.or_, [set(d.keys()) for d in dicts]))
    out: dict[str, Any] = {}
    for k in keys:
        fn = agg_key_funcs.get(k)
        values = [v for v in [d.get(k) for d in dicts] if v is not None]
        if isinstance(values[0], dict):
            out[k] = like_1_5(values, fn, default_func)
        else:
            out[k] = (fn or default_func)(values)
    return out


def _each_function(
    transform: Any, dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any, default_func: Any
) -> dict[str, Any]:
    """impl's merge with ``transform`` applied to every function: the default and each entry of
    ``agg_key_funcs``, nested ones too."""

    def each(funcs: Any) -> Any:
        return {k: each(f) if isinstance(f, Mapping) else transform(f) for k, f in (funcs or {}).items()}

    return merge_dicts(dicts, each(agg_key_funcs), transform(default_func))


def ignores_default(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Always numpy.mean where no key function is given."""
    return merge_dicts(dicts, agg_key_funcs, np.mean)


def first_dict_keys_only(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Drops keys that the first dict lacks."""
    merged = merge_dicts(dicts, agg_key_funcs, default_func)
    return {k: v for k, v in merged.items() if not dicts or k in dicts[0]}


def ignores_key_funcs(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Aggregates every key with the default function."""
    return merge_dicts(dicts, None, default_func)


def reversed_values(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Gives each function the values in reverse input order."""
    return merge_dicts(list(reversed(dicts)), agg_key_funcs, default_func)


def flat_key_funcs_only(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Uses only the top level of agg_key_funcs; nested mappings are replaced by the default."""
    flat = {k: f for k, f in (agg_key_funcs or {}).items() if callable(f)}
    return merge_dicts(dicts, flat, default_func)


def drops_nones_in_place(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Cleans the inputs by deleting their None values and their 'a' key, in place."""
    for d in dicts:
        for k in [k for k, v in d.items() if v is None or k == "a"]:
            del d[k]  # type: ignore[attr-defined]
    return merge_dicts(dicts, agg_key_funcs, default_func)


def missing_counts_as_zero(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Averages over every input, counting a missing key as 0."""
    keys = dict.fromkeys(k for d in dicts for k in d)
    return {k: float(sum(d.get(k) or 0 for d in dicts)) / len(dicts) for k in keys}


def sorted_keys(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Returns the right values with keys sorted at the top level."""
    merged = merge_dicts(dicts, agg_key_funcs, default_func)
    return {k: merged[k] for k in sorted(merged)}


def nameless_type_error(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Raises TypeError for mismatched nesting without naming the key."""
    try:
        return merge_dicts(dicts, agg_key_funcs, default_func)
    except TypeError:
        raise TypeError("cannot merge") from None


# --- found by the adversarial audit: subtler bugs ---------------------------------------------


def drops_last_input(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Loses the last input (an off-by-one slice, ``dicts[:-1]``)."""
    return merge_dicts(list(dicts)[:-1], agg_key_funcs, default_func)


def falsy_as_missing(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Skips falsy values (``if v`` instead of ``if v is not None``): a key whose values are all 0 is dropped."""
    cleaned = [{k: v for k, v in d.items() if v or isinstance(v, Mapping)} for d in dicts]
    return merge_dicts(cleaned, agg_key_funcs, default_func)


def calls_function_twice(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Calls each function twice per key (once to "check" the result)."""

    def twice(fn: Any) -> Any:
        def call(values: Any) -> Any:
            fn(values)
            return fn(values)

        return call

    return _each_function(twice, dicts, agg_key_funcs, default_func)


def single_value_unaggregated(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """A key with one value keeps it as is, without calling its function (an "optimisation")."""
    merged = merge_dicts(dicts, agg_key_funcs, default_func)
    for key, value in merged.items():
        present = [d[key] for d in dicts if d.get(key) is not None]
        if len(present) == 1 and not isinstance(value, Mapping):
            merged[key] = present[0]
    return merged


def sorted_values(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Hands each function its values sorted (min, max and mean cannot tell)."""

    def sorting(fn: Any) -> Any:
        return lambda values: fn(sorted(values))

    return _each_function(sorting, dicts, agg_key_funcs, default_func)


def floats_values(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Hands each function ``float(v)`` for every value (ints become floats; equal, but not the values)."""

    def floating(fn: Any) -> Any:
        return lambda values: fn([float(v) for v in values])

    return _each_function(floating, dicts, agg_key_funcs, default_func)


def nested_uses_top_level_funcs(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Nested levels look their keys up in the top-level agg_key_funcs instead of agg_key_funcs[key]."""
    top = agg_key_funcs or {}

    def level(inputs: list[Mapping[str, Any]]) -> dict[str, Any]:
        keys = dict.fromkeys(k for d in inputs for k in d)
        out: dict[str, Any] = {}
        for key in keys:
            values = [d[key] for d in inputs if d.get(key) is not None]
            if not values:
                continue
            if isinstance(values[0], Mapping):
                out[key] = level(values)
            else:
                fn = top.get(key)
                out[key] = (fn if callable(fn) else default_func)(values)
        return out

    return level(list(dicts))


def fills_missing_with_none(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Aligns the inputs first, writing None into each input for the keys it lacks (in place)."""
    keys = dict.fromkeys(k for d in dicts for k in d)
    for d in dicts:
        for key in keys:
            d.setdefault(key, None)  # type: ignore[attr-defined]
    return merge_dicts(dicts, agg_key_funcs, default_func)


def empty_input_is_none(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> Any:
    """Returns None, not {}, for no inputs."""
    return merge_dicts(dicts, agg_key_funcs, default_func) if dicts else None


def all_none_key_kept_as_none(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Keeps a key whose values are all None, as None."""
    merged = merge_dicts(dicts, agg_key_funcs, default_func)
    for key in dict.fromkeys(k for d in dicts for k in d):
        merged.setdefault(key, None)
    return merged


def mismatch_names_the_leaf(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Raises TypeError for mismatched nesting naming only the innermost key, not the path to it."""
    try:
        return merge_dicts(dicts, agg_key_funcs, default_func)
    except TypeError as error:
        leaf = str(error).rsplit("->", 1)[-1].strip().split()[0]
        raise TypeError(f"cannot merge key {leaf}") from None


def nested_keys_sorted(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """First-seen order at the top level, but nested keys sorted."""

    def sort_nested(d: dict[str, Any], top: bool) -> dict[str, Any]:
        items = d.items() if top else sorted(d.items())
        return {k: sort_nested(v, False) if isinstance(v, dict) else v for k, v in items}

    return sort_nested(merge_dicts(dicts, agg_key_funcs, default_func), True)


def drops_nan_results(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Leaves out a key whose aggregate is NaN (mean of inf and -inf, a function's NaN)."""
    merged = merge_dicts(dicts, agg_key_funcs, default_func)
    return {k: v for k, v in merged.items() if not (isinstance(v, float) and math.isnan(v))}


def drops_empty_nested(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Leaves out a nested key whose merge is empty ({'d': {}} merged with {'d': {}} loses 'd')."""

    def prune(d: dict[str, Any]) -> dict[str, Any]:
        return {k: prune(v) if isinstance(v, dict) else v for k, v in d.items() if v != {}}

    return prune(merge_dicts(dicts, agg_key_funcs, default_func))


def floats_results(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Makes every aggregate a float (min([1]) gives 1.0, not the function's result 1)."""

    def floating(d: dict[str, Any]) -> dict[str, Any]:
        return {k: floating(v) if isinstance(v, dict) else float(v) for k, v in d.items()}

    return floating(merge_dicts(dicts, agg_key_funcs, default_func))


# --- merge.numpy_mean_exact: fast paths for numpy.mean that are not numpy.mean -------------------


def _mean_replaced(
    replacement: Any, dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any, default_func: Any
) -> dict[str, Any]:
    """impl's merge with every numpy.mean (default or per key, nested too) replaced."""

    return _each_function(lambda fn: replacement if fn is np.mean else fn, dicts, agg_key_funcs, default_func)


def _left_to_right(values: Sequence[Any]) -> Any:
    array = np.asarray(values)
    total = array.dtype.type(0) if array.dtype.kind == "f" else np.float64(0)
    for x in array:
        total = total + x
    return total / len(array)


def left_to_right_mean(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """numpy.mean computed by a left-to-right sum in the array's dtype (numpy sums pairwise)."""
    return _mean_replaced(_left_to_right, dicts, agg_key_funcs, default_func)


def _down_a_table(values: Sequence[Any]) -> Any:
    table = np.stack([np.asarray(values)] * 2, axis=1)  # (values, 2): the sum runs down axis 0
    return np.add.reduce(table, axis=0)[0] / len(values)


def table_axis0_mean(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """A batched fast path that reduces a (values, keys) table along axis 0: numpy then adds row
    after row, not pairwise."""
    return _mean_replaced(_down_a_table, dicts, agg_key_funcs, default_func)


def float64_mean(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """numpy.mean of the values as float64 (numpy.mean of float32 values is a float32)."""
    return _mean_replaced(lambda v: np.mean(np.asarray(v, dtype=np.float64)), dicts, agg_key_funcs, default_func)


def fsum_mean(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """A correctly rounded sum (math.fsum) over the count, as a numpy.float64: more exact than numpy.mean."""
    return _mean_replaced(lambda v: np.float64(math.fsum(v) / len(v)), dicts, agg_key_funcs, default_func)


def batched_left_to_right(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """impl's merge whose batched numpy.mean path (only) sums each key's values left to right
    (``numpy.cumsum``'s order): wrong only when several keys of plain floats take that path."""
    original = impl_merge._row_sums
    impl_merge._row_sums = lambda table: np.cumsum(table, axis=1)[:, -1]
    try:
        return merge_dicts(dicts, agg_key_funcs, default_func)
    finally:
        impl_merge._row_sums = original


# --- found by the second adversarial audit ---------------------------------------------------


def mean_path_ignores_key_funcs(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """A fast path for the default numpy.mean on inputs with the same keys that means every key,
    agg_key_funcs forgotten (``merge_dicts(runs, {'loss': max})`` gives the mean loss)."""
    keys = list(dicts[0]) if dicts else []
    if (
        default_func is np.mean
        and len(keys) >= 2
        and all(list(d) == keys and all(isinstance(v, float) for v in d.values()) for d in dicts)
    ):
        return {k: np.mean([d[k] for d in dicts]) for k in keys}
    return merge_dicts(dicts, agg_key_funcs, default_func)


def none_beside_mapping_is_mismatch(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Judges nesting before dropping None: ``{'d': None}`` beside ``{'d': {...}}`` raises TypeError."""
    for key in dict.fromkeys(k for d in dicts for k in d):
        present = [d[key] for d in dicts if key in d]
        if any(isinstance(v, Mapping) for v in present) and not all(isinstance(v, Mapping) for v in present):
            raise TypeError(f"key path {key!r} is a mapping in some inputs and not in others")
    return merge_dicts(dicts, agg_key_funcs, default_func)


def order_counts_none(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Keys in order of first appearance, a None value included (``dict.fromkeys`` over every key)."""
    merged = merge_dicts(dicts, agg_key_funcs, default_func)
    return {k: merged[k] for k in dict.fromkeys(k for d in dicts for k in d) if k in merged}


def calls_function_on_no_values(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Calls the function on [] for an all-None key, then leaves the key out (min() raises there)."""
    merged = merge_dicts(dicts, agg_key_funcs, default_func)
    for key in dict.fromkeys(k for d in dicts for k in d):
        if key not in merged:
            ((agg_key_funcs or {}).get(key) or default_func)([])
    return merged


def first_dict_keys_on_long_runs(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """With more than 4 inputs (a "long run" path) the keys come from the first input only."""
    merged = merge_dicts(dicts, agg_key_funcs, default_func)
    return {k: v for k, v in merged.items() if k in dicts[0]} if len(dicts) > 4 else merged


def ints_made_floats_in_place(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Makes the inputs' int values floats, in place (1 == 1.0, so == cannot tell)."""

    def fix(d: Any) -> None:
        for k, v in list(d.items()):
            if isinstance(v, Mapping):
                fix(v)
            elif isinstance(v, int) and not isinstance(v, bool):
                d[k] = float(v)

    for d in dicts:
        fix(d)
    return merge_dicts(dicts, agg_key_funcs, default_func)


def generator_to_functions(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Hands every function but numpy.mean a generator of the values (``v[-1]`` and ``len(v)`` fail)."""

    def lazy(fn: Any) -> Any:
        return fn if fn is np.mean else lambda values: fn(v for v in values)

    return _each_function(lazy, dicts, agg_key_funcs, default_func)


def dispatch_by_name(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Takes any function named "mean" for numpy.mean (statistics.mean and torch.mean are not)."""

    def by_name(fn: Any) -> Any:
        return np.mean if getattr(fn, "__name__", "") == "mean" else fn

    return _each_function(by_name, dicts, agg_key_funcs, default_func)


def skips_non_dict_inputs(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """Skips inputs that are not dicts (meant for None; a read-only MappingProxyType is lost too)."""
    return merge_dicts([d for d in dicts if isinstance(d, dict)], agg_key_funcs, default_func)


# Found by the suite's mutation run (docs/mutation.md): fast paths for numpy.mean over a "table"
# (plain dicts of floats with the same keys) that the merge properties never took: their functions
# are never numpy.mean itself, and numpy.mean's own property seldom drew a table beside another function.


def _table(dicts: Sequence[Mapping[str, Any]]) -> bool:
    """Two or more plain dicts whose values are all floats, the first with two keys or more."""
    return (
        len(dicts) > 1
        and len(dicts[0]) > 1
        and all(type(d) is dict and all(type(v) is float for v in d.values()) for d in dicts)
    )


def mean_for_every_unlisted_key(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """On a table where some entry of ``agg_key_funcs`` is numpy.mean, the keys without an entry get
    numpy.mean too (the fast path asks "is numpy.mean wanted?" once, not per key)."""
    funcs = agg_key_funcs or {}
    if _table(dicts) and any(fn is np.mean for fn in funcs.values()):
        return merge_dicts(dicts, funcs, np.mean)
    return merge_dicts(dicts, agg_key_funcs, default_func)


def first_keys_when_all_have_them(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """On a table whose inputs all have the first one's keys, with numpy.mean the default, only those
    keys are merged: keys that later inputs add are lost (the table is read by the first row's keys)."""
    if default_func is np.mean and _table(dicts) and all(d.keys() >= dicts[0].keys() for d in dicts):
        return merge_dicts([{k: d[k] for k in dicts[0]} for d in dicts], agg_key_funcs, default_func)
    return merge_dicts(dicts, agg_key_funcs, default_func)


def batch_one_column_off(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """A batched numpy.mean for inputs that are no rectangle (a key missing or None somewhere): the keys
    meaned by numpy.mean whose values are equally many floats, three or more, are averaged as one table,
    built one column off (``columns[i + 1]`` for the key at ``i``); when a column read so is not as long
    or not all floats, the batch is given up and each key meaned by itself. Flat inputs only (nested
    ones are merged right)."""
    got = merge_dicts(dicts, agg_key_funcs, default_func)
    if any(isinstance(v, Mapping) for d in dicts for v in d.values()):
        return got
    if all(d.keys() == dicts[0].keys() and None not in d.values() for d in dicts):
        return got  # a rectangle: another path
    funcs = agg_key_funcs or {}
    columns = non_none_columns([dict(d) for d in dicts])
    keys = list(columns)
    by_length: dict[int, list[int]] = {}
    for i, k in enumerate(keys):
        meaned = funcs.get(k) is np.mean or (k not in funcs and default_func is np.mean)
        if meaned and all(type(v) is float for v in columns[k]):
            by_length.setdefault(len(columns[k]), []).append(i)
    for length, batch in by_length.items():
        if len(batch) < 3:
            continue
        read = [columns[keys[i + 1]] if i + 1 < len(keys) else [] for i in batch]
        if all(len(c) == length and all(type(v) is float for v in c) for c in read):
            for i, column in zip(batch, read):
                got[keys[i]] = np.mean(column)
    return got


def _subject(fn: Any) -> MergeSubject:
    return MergeSubject(fn, f"tests.broken.merges:{fn.__name__}")


BROKEN = [
    Broken("merge.seed_example", _subject(ignores_default), "the default function is ignored"),
    Broken("merge.result_keys", _subject(first_dict_keys_only), "keys missing from the first dict are dropped"),
    Broken("merge.result_keys", _subject(first_keys_when_all_have_them), "numpy.mean path: keys added later lost"),
    Broken("merge.numpy_mean_exact", _subject(mean_for_every_unlisted_key), "one numpy.mean entry: every key meaned"),
    Broken("merge.numpy_mean_exact", _subject(batch_one_column_off), "ragged inputs: a batch read one column off"),
    Broken("merge.dispatch", _subject(ignores_key_funcs), "agg_key_funcs is ignored"),
    Broken("merge.values_in_order", _subject(reversed_values), "values arrive in reverse order"),
    Broken("merge.nested_dispatch", _subject(flat_key_funcs_only), "nested agg_key_funcs are ignored"),
    Broken("merge.no_mutation", _subject(drops_nones_in_place), "inputs are cleaned in place"),
    Broken("merge.associative_on_disjoint_keys", _subject(missing_counts_as_zero), "a missing key counts as 0"),
    Broken("merge.empty_input", _subject(like_1_5), "1.5: reduce() of an empty list"),
    Broken("merge.all_none_key_skipped", _subject(like_1_5), "1.5: IndexError on an all-None key"),
    Broken("merge.mismatched_nesting", _subject(like_1_5), "1.5: nesting judged by the first value only"),
    Broken("merge.mismatched_nesting", _subject(nameless_type_error), "a TypeError that does not name the key"),
    Broken("merge.first_seen_order", _subject(like_1_5), "1.5: keys in set order"),
    Broken("merge.first_seen_order", _subject(sorted_keys), "keys sorted"),
    Broken("merge.seed_example", _subject(drops_last_input), "the last input is lost"),
    Broken("merge.result_keys", _subject(falsy_as_missing), "a key whose values are all 0 is dropped"),
    Broken("merge.dispatch", _subject(calls_function_twice), "each function is called twice"),
    Broken("merge.dispatch", _subject(single_value_unaggregated), "a single value skips its function"),
    Broken("merge.values_in_order", _subject(sorted_values), "values arrive sorted"),
    Broken("merge.values_in_order", _subject(floats_values), "values arrive as floats"),
    Broken("merge.nested_dispatch", _subject(nested_uses_top_level_funcs), "nested keys use top-level functions"),
    Broken("merge.no_mutation", _subject(fills_missing_with_none), "inputs are padded with None in place"),
    Broken("merge.associative_on_disjoint_keys", _subject(drops_last_input), "the last input is lost"),
    Broken("merge.empty_input", _subject(empty_input_is_none), "merge([]) is None"),
    Broken("merge.all_none_key_skipped", _subject(all_none_key_kept_as_none), "an all-None key is kept as None"),
    Broken("merge.mismatched_nesting", _subject(mismatch_names_the_leaf), "the TypeError names the leaf key only"),
    Broken("merge.first_seen_order", _subject(nested_keys_sorted), "nested keys sorted"),
    Broken("merge.result_keys", _subject(drops_nan_results), "a key whose aggregate is NaN is dropped"),
    Broken("merge.result_keys", _subject(drops_empty_nested), "a nested key whose merge is {} is dropped"),
    Broken("merge.seed_example", _subject(floats_results), "aggregates made floats"),
    Broken("merge.numpy_mean_exact", _subject(left_to_right_mean), "numpy.mean by a left-to-right sum"),
    Broken("merge.numpy_mean_exact", _subject(table_axis0_mean), "numpy.mean down axis 0 of a table"),
    Broken("merge.numpy_mean_exact", _subject(float64_mean), "numpy.mean of float32 values made float64"),
    Broken("merge.numpy_mean_exact", _subject(fsum_mean), "numpy.mean by math.fsum"),
    Broken("merge.numpy_mean_exact", _subject(batched_left_to_right), "the batched path sums left to right"),
    Broken("merge.numpy_mean_exact", _subject(floats_results), "aggregates made floats"),
    # Found by the second audit.
    Broken("merge.dispatch", _subject(mean_path_ignores_key_funcs), "the numpy.mean path ignores agg_key_funcs"),
    Broken("merge.dispatch", _subject(dispatch_by_name), "a function named mean taken for numpy.mean"),
    Broken("merge.nested_dispatch", _subject(none_beside_mapping_is_mismatch), "None beside a mapping raises"),
    Broken("merge.result_keys", _subject(first_dict_keys_on_long_runs), "long runs keep the first input's keys"),
    Broken("merge.result_keys", _subject(skips_non_dict_inputs), "Mapping inputs that are not dicts skipped"),
    Broken("merge.values_in_order", _subject(generator_to_functions), "functions given a generator"),
    Broken("merge.no_mutation", _subject(ints_made_floats_in_place), "int inputs made floats in place"),
    Broken("merge.all_none_key_skipped", _subject(calls_function_on_no_values), "the function called on []"),
    Broken("merge.first_seen_order", _subject(order_counts_none), "a None value counts as the key's first sight"),
]
