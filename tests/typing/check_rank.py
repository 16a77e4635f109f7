"""The rank gate keeps types: rank_zero_experiment keeps the property's type, rank_zero_only adds None."""

from __future__ import annotations

from typing import assert_type

import impl
import spec


class Run:
    """A backend object."""

    def log(self, value: float) -> None: ...


class RankedLogger:
    @property
    @impl.rank_zero_experiment
    def experiment(self) -> Run:
        return Run()

    @impl.rank_zero_only
    def describe(self, prefix: str) -> str:
        return prefix


assert_type(RankedLogger().experiment, Run)
assert_type(RankedLogger().describe("x"), str | None)
assert_type(impl.rank_zero_only(len)([1]), int | None)
assert_type(impl.rank_zero_only.rank, int)
assert_type(impl.rank_from_environment(), int)
assert_type(impl.RANK_ENV_VARS, tuple[str, str, str])

gate: spec.RankGate = impl.rank_zero_only
source: spec.RankSource = impl.rank_zero_only


class PlainRank:
    """A rank source whose rank is a plain attribute."""

    def __init__(self) -> None:
        self.rank = 0


class ReadOnlyRank:
    """Not a rank source: its rank cannot be set."""

    @property
    def rank(self) -> int:
        return 0


plain_source: spec.RankSource = PlainRank()
read_only_source: spec.RankSource = ReadOnlyRank()  # type: ignore[assignment]
decorator: spec.ExperimentDecorator = impl.rank_zero_experiment
absorbing: spec.AbsorbingExperiment = impl.DummyExperiment()
impl.rank_zero_only.rank = 1

# Rejected: a rank is an int; the decorated getter takes only self; the gated call may give None.
impl.rank_zero_only.rank = "1"  # type: ignore[assignment]
RankedLogger().describe()  # type: ignore[call-arg]
length: int = impl.rank_zero_only(len)([1])  # type: ignore[assignment]


def two_argument_getter(logger: object, extra: int) -> Run:
    return Run()


impl.rank_zero_experiment(two_argument_getter)  # type: ignore[arg-type]
