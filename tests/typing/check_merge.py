"""spec.MergeFunction and spec.AggregationFunction accept merge_dicts-like functions and reject others."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any, assert_type

import impl
import spec


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def label(values: Sequence[float]) -> str:
    return f"{len(values)} values"


def merge_from_scratch(
    dicts: Sequence[Mapping[str, Any]],
    agg_key_funcs: Mapping[str, spec.AggregationFunction] | None = None,
    default_func: spec.AggregationFunction = mean,
) -> dict[str, Any]:
    return {}


def merge_without_funcs(dicts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {}


def merge_of_lists(
    dicts: list[dict[str, float]],
    agg_key_funcs: Mapping[str, spec.AggregationFunction] | None = None,
    default_func: spec.AggregationFunction = mean,
) -> dict[str, Any]:
    return {}


# Accepted.
reference_merge: spec.MergeFunction = impl.merge_dicts
scratch_merge: spec.MergeFunction = merge_from_scratch
by_mean: spec.AggregationFunction = mean
by_max: spec.AggregationFunction = max
by_sum: spec.AggregationFunction = sum
by_median: spec.AggregationFunction = statistics.median
assert_type(impl.merge_dicts([{"a": 1.0}, {"a": 2.0}]), dict[str, Any])
assert_type(impl.merge_dicts([{"a": 1.0}], {"a": max, "d": {"x": min}}, mean), dict[str, Any])
assert_type(reference_merge([{"a": 1.0}], {"a": max}), dict[str, Any])
impl.InMemoryLogger(agg_key_funcs={"loss": max}, agg_default_func=mean).update_agg_funcs({"acc": min}, mean)

# Rejected: a merge function with the wrong signature, an aggregation function that returns str.
no_funcs_merge: spec.MergeFunction = merge_without_funcs  # type: ignore[assignment]
list_merge: spec.MergeFunction = merge_of_lists  # type: ignore[assignment]
by_label: spec.AggregationFunction = label  # type: ignore[assignment]
impl.merge_dicts([{"a": 1.0}], default_func=label)  # type: ignore[arg-type]
impl.merge_dicts([{"a": 1.0}], {"a": label})  # type: ignore[dict-item]
impl.InMemoryLogger(agg_default_func=label)  # type: ignore[arg-type]
impl.InMemoryLogger().update_agg_funcs({"loss": label})  # type: ignore[dict-item]
