"""What the rank properties share: experiments a getter returns, the holder class whose ``experiment``
property is the decorated getter (as a logger applies the decorator), and the ranks drawn.

Every rank property draws its ranks from :func:`conformance.strategies.nonzero_ranks` ("every rank
other than 0": negative ones, ranks past a node of 8 and past int32 too), and the earlier reads
that come first on the same holder from :data:`EARLIER_RANKS`.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._core import ConformanceFailure, RankSubject, expect
from conformance._launch import at_rank

__all__ = [
    "ANY_RANK",
    "EARLIER_RANKS",
    "EmptyRun",
    "Experiment",
    "RESULTS",
    "GetterError",
    "dummy_at",
    "experiment_at",
    "history",
    "holder",
    "read_at",
]

ANY_RANK = st.one_of(st.just(0), cst.nonzero_ranks())
"""Rank 0 or any other rank."""

# Reads at these ranks come first, on the same holder: a gate that keeps the rank (or the result) of
# its first read, per getter or per instance, must not pass.
EARLIER_RANKS = st.lists(ANY_RANK, max_size=3)


class Experiment:
    """A real experiment that the getter returns."""

    def __repr__(self) -> str:
        return "<real experiment>"


class EmptyRun:
    """A falsy experiment object: an empty container-like run."""

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "<empty run (falsy)>"


RESULTS: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from((0, "", None, False, 0.0)),
    st.builds(list[object]),
    st.builds(dict[object, object]),
    st.builds(EmptyRun),
    st.builds(Experiment),
    st.integers(min_value=1),
    st.text(min_size=1, max_size=6),
    st.lists(st.integers(), min_size=1, max_size=3),
)
"""What a wrapped function returns: falsy values (the wrapper must not take them for "no result") and others."""


class GetterError(Exception):
    """What a getter raises on purpose (its experiment cannot be built)."""


def holder(subject: RankSubject, value: Any, raises: Exception | None = None) -> tuple[Any, list[None]]:
    """An instance of a class whose ``experiment`` property is the decorated getter returning
    ``value`` (or raising ``raises``), and the list the getter appends to at each call."""
    calls: list[None] = []

    def experiment(self: Any) -> Any:
        calls.append(None)
        if raises is not None:
            raise raises
        return value

    try:
        gated = subject.decorator(experiment)
    except Exception as error:
        raise ConformanceFailure(f"decorating an experiment getter raised {type(error).__name__}: {error}") from error
    cls = type("Holder", (), {"experiment": property(gated)})
    return cls(), calls


def experiment_at(holder: Any, rank: int) -> Any:
    """``holder.experiment`` read on ``rank``; an exception is a failure."""
    try:
        return holder.experiment
    except Exception as error:
        raise ConformanceFailure(
            f"on rank {rank}, reading experiment raised {type(error).__name__}: {error}"
        ) from error


def dummy_at(subject: RankSubject, rank: int) -> Any:
    """What the decorated getter gives while the rank is set to ``rank`` (not 0): it must not be
    None, and the getter must not have been called."""
    made, calls = holder(subject, Experiment())
    got = experiment_at(made, rank)
    expect(got is not None, f"on rank {rank} the decorated getter must return a dummy experiment, got None")
    expect(not calls, f"on rank {rank} the wrapped getter must not be called, it was called {len(calls)} times")
    return got


def read_at(subject: RankSubject, made: Any, rank: int) -> Any:
    """``made.experiment`` read with the rank set to ``rank``."""
    with at_rank(subject.rank_source, rank):
        return experiment_at(made, rank)


def history(ranks: list[int]) -> str:
    """The earlier reads, for a message."""
    return f" (read before on ranks {ranks})" if ranks else ""
