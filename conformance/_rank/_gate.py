"""The gate itself: the dummy on every rank other than 0, the getter's own result on rank 0 (the
sentences of :class:`spec.ExperimentDecorator`)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._core import ConformanceFailure, RankSubject, expect, register
from conformance._launch import at_rank
from conformance._rank._holders import (
    ANY_RANK,
    EARLIER_RANKS,
    EmptyRun,
    Experiment,
    RESULTS,
    GetterError,
    history,
    holder,
    read_at,
)

__all__: list[str] = []


@register(
    "rank.dummy_off_rank_zero",
    level="core",
    strategy=lambda s: st.tuples(EARLIER_RANKS, cst.nonzero_ranks()),
)
def dummy_off_rank_zero(subject: RankSubject, case: tuple[list[int], int]) -> None:
    """On every rank other than 0 the wrapper must return an AbsorbingExperiment and must not call fn."""
    # Decorated on rank 0 and read on another, as a class is defined at import and the launcher sets
    # the rank later: a gate that reads the rank when it decorates must not pass.
    earlier, rank = case
    with at_rank(subject.rank_source, 0):
        made, calls = holder(subject, Experiment())
    for i, at in enumerate([*earlier, rank]):
        before = len(calls)
        got = read_at(subject, made, at)
        if at == 0:
            continue
        expect(
            got is not None,
            f"on rank {at} the decorated getter (decorated on rank 0){history(earlier[:i])} must return a "
            "dummy experiment, got None",
        )
        expect(
            not isinstance(got, Experiment),
            f"on rank {at} the decorated getter (decorated on rank 0){history(earlier[:i])} must return a "
            f"dummy experiment, got the real one {got!r}",
        )
        expect(
            len(calls) == before,
            f"on rank {at} the wrapped getter (decorated on rank 0){history(earlier[:i])} must not be called, "
            f"it was called {len(calls) - before} times",
        )


@register(
    "rank.result_on_rank_zero",
    level="core",
    strategy=lambda s: st.tuples(RESULTS, EARLIER_RANKS, ANY_RANK),
)
def result_on_rank_zero(subject: RankSubject, case: tuple[Any, list[int], int]) -> None:
    """On rank 0 the wrapper must call fn once and return its result unchanged, even when that result
    is falsy; an exception fn raises must come through."""
    # Decorated on a drawn rank (another one, mostly): the rank is read when the getter is called.
    value, earlier, decorated = case
    with at_rank(subject.rank_source, decorated):
        made, calls = holder(subject, value)
    for i, at in enumerate([*earlier, 0]):
        before = len(calls)
        got = read_at(subject, made, at)
        if at != 0:
            continue
        where = f"on rank 0 the decorated getter (decorated on rank {decorated}){history(earlier[:i])}"
        expect(got is value, f"{where} must return the getter's result {value!r} itself, got {got!r}")
        expect(len(calls) == before + 1, f"{where} must call the getter once, it called it {len(calls) - before} times")
    # A getter that cannot build its experiment: on rank 0 its error is the caller's to see.
    error = GetterError("the experiment cannot be built")
    with at_rank(subject.rank_source, decorated):
        failing, _ = holder(subject, value, raises=error)
    with at_rank(subject.rank_source, 0):
        try:
            got = failing.experiment
        except Exception as raised:
            expect(
                raised is error,
                f"on rank 0, a getter that raises {error!r} must let it through, the wrapper raised "
                f"{type(raised).__name__}: {raised}",
            )
        else:
            raise ConformanceFailure(
                f"on rank 0, a getter that raises {error!r} must let it through, the wrapper returned {got!r}"
            )
