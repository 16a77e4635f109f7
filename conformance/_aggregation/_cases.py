"""What the aggregation properties draw: runs of agg_and_log_metrics calls (steps, values, long runs),
the aggregation functions they set, and malformed metrics."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._aggregation._model import Metrics
from conformance._inputs import bad_metrics

# Not listed: each name would be a new string literal, and Hypothesis draws from the literals of
# local source (DEVELOPERS.md): the ci profile's examples stay those of before the layering.
__all__: list[str] = []


class _Count:
    """An aggregation function with an exact result: the number of values, as a float."""

    def __call__(self, values: Sequence[float]) -> float:
        return len(values) * 1.0

    def __repr__(self) -> str:
        return "count"


count = _Count()


class _Zero:
    """An aggregation function no property expects a run to be merged with."""

    def __call__(self, values: Sequence[float]) -> float:
        return -7.0

    def __repr__(self) -> str:
        return "minus_seven"


zero_func = _Zero()
_EXACT_FUNCS: tuple[Callable[[Sequence[float]], Any], ...] = (max, min, count)
"""Aggregation functions whose result does not depend on rounding (however the values are passed)."""


AggCalls: TypeAlias = list[tuple[Metrics, int | None]]

# Steps: None and 0..3 (runs repeat, go back, and None meets 0), and ints past CPython's small-int
# cache and past int32, as a real global step becomes.
STEPS = st.one_of(cst.steps(), st.sampled_from((257, 10**6, 2**31)))
# Values: floats and ints, and (a third of the time) a NaN (numpy.nanmean is not numpy.mean) or an
# int a float cannot hold. (Not numpy scalars or bools: the seed types metrics as Dict[str, float].)
_UNUSUAL_VALUES = st.one_of(st.just(math.nan), st.sampled_from((2**53 + 1, -(2**60) - 1)))
_VALUES = st.one_of(cst.metric_values(), _UNUSUAL_VALUES)
_LONG_RUN_START = st.sampled_from((1e16, -3e15))
_LONG_RUN_VALUES = st.integers(-(10**6), 10**6).map(lambda n: n / 7)
_pool_keys = cst.pool_keys()


@st.composite
def agg_call_lists(draw: st.DrawFn, metrics: st.SearchStrategy[Metrics], max_size: int = 12) -> AggCalls:
    """Like ``strategies.agg_calls``, with the steps above, and about one time in four a run of 8 to
    12 calls with the same keys inserted anywhere: past numpy's 8-value summation block (a mean taken
    as sum/len shows) and past a buffer of fixed size."""
    calls: AggCalls = []
    for step, length in draw(st.lists(st.tuples(STEPS, st.integers(1, 4)), max_size=max_size // 2)):
        calls.extend((draw(metrics), step) for _ in range(length))
    calls = calls[:max_size]
    # (Two booleans, not one of eight integers: Hypothesis draws small integers far more often.)
    if draw(st.booleans()) and draw(st.booleans()):
        keys = draw(st.lists(_pool_keys, min_size=1, max_size=3, unique=True))
        step = draw(STEPS)
        # A large first value, then sevenths (every mantissa bit used): numpy's 8-way pairwise sum
        # keeps what a left-to-right sum rounds away.
        long = [({k: draw(_LONG_RUN_START) for k in keys}, step)]
        long += [({k: draw(_LONG_RUN_VALUES) for k in keys}, step) for _ in range(draw(st.integers(7, 11)))]
        at = draw(st.integers(0, len(calls)))
        calls[at:at] = long
    return calls


# Built once: drawing from a strategy built inside a draw costs much more.
METRICS = cst.metric_dicts(values=_VALUES)
NONEMPTY_METRICS = cst.metric_dicts(values=_VALUES, min_size=1)
AGG_CALLS = agg_call_lists(METRICS)
# Runs of nested metrics, drawn apart from flat ones: a key is a dict in every call or in none.
NESTED_AGG_CALLS = agg_call_lists(cst.nested_metric_dicts())


BAD_METRICS = bad_metrics()


exact_funcs = st.sampled_from(list[Callable[[Sequence[float]], Any]](_EXACT_FUNCS))
exact_key_funcs = st.dictionaries(_pool_keys, exact_funcs, max_size=4)


Update: TypeAlias = tuple[dict[str, Any], Any]
"""``update_agg_funcs(agg_key_funcs, agg_default_func)``'s arguments."""


_TAKES_EFFECT_FUNCS: tuple[Callable[[Sequence[float]], Any], ...] = (max, min, sum, count)
RUN_VALUES = (2.0, 9.0, 4.0)
"""One key's values in each run: max 9, min 2, sum 15, count 3, numpy.mean 5 (each exact and different)."""
takes_effect_funcs = st.sampled_from(_TAKES_EFFECT_FUNCS)
three_keys = st.lists(cst.pool_keys(), min_size=3, max_size=3, unique=True)
