"""Broken merge functions, one or more per merge property."""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from conformance._core import MergeSubject
from impl import merge_dicts
from tests.broken import Broken


def like_1_5(dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean) -> dict[str, Any]:
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


def ignores_default(dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean) -> dict[str, Any]:
    """Always numpy.mean where no key function is given."""
    return merge_dicts(dicts, agg_key_funcs, np.mean)


def first_dict_keys_only(dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean) -> dict[str, Any]:
    """Drops keys that the first dict lacks."""
    merged = merge_dicts(dicts, agg_key_funcs, default_func)
    return {k: v for k, v in merged.items() if not dicts or k in dicts[0]}


def ignores_key_funcs(dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean) -> dict[str, Any]:
    """Aggregates every key with the default function."""
    return merge_dicts(dicts, None, default_func)


def reversed_values(dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean) -> dict[str, Any]:
    """Gives each function the values in reverse input order."""
    return merge_dicts(list(reversed(dicts)), agg_key_funcs, default_func)


def flat_key_funcs_only(dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean) -> dict[str, Any]:
    """Uses only the top level of agg_key_funcs; nested mappings are replaced by the default."""
    flat = {k: f for k, f in (agg_key_funcs or {}).items() if callable(f)}
    return merge_dicts(dicts, flat, default_func)


def drops_nones_in_place(dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean) -> dict[str, Any]:
    """Cleans the inputs by deleting their None values and their 'a' key, in place."""
    for d in dicts:
        for k in [k for k, v in d.items() if v is None or k == "a"]:
            del d[k]  # type: ignore[attr-defined]
    return merge_dicts(dicts, agg_key_funcs, default_func)


def missing_counts_as_zero(dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean) -> dict[str, Any]:
    """Averages over every input, counting a missing key as 0."""
    keys = dict.fromkeys(k for d in dicts for k in d)
    return {k: float(sum(d.get(k) or 0 for d in dicts)) / len(dicts) for k in keys}


def sorted_keys(dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean) -> dict[str, Any]:
    """Returns the right values with keys sorted at the top level."""
    merged = merge_dicts(dicts, agg_key_funcs, default_func)
    return {k: merged[k] for k in sorted(merged)}


def nameless_type_error(dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean) -> dict[str, Any]:
    """Raises TypeError for mismatched nesting without naming the key."""
    try:
        return merge_dicts(dicts, agg_key_funcs, default_func)
    except TypeError:
        raise TypeError("cannot merge") from None


def _subject(fn: Any) -> MergeSubject:
    return MergeSubject(fn, f"tests.broken.merges:{fn.__name__}")


BROKEN = [
    Broken("merge.seed_example", _subject(ignores_default), "the default function is ignored"),
    Broken("merge.result_keys", _subject(first_dict_keys_only), "keys missing from the first dict are dropped"),
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
]
