"""The reference rank gate: ``rank_zero_only`` and ``rank_zero_experiment``."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from typing import Final, ParamSpec, TypeVar, cast

from impl._dummy import DummyExperiment
from impl._validate import describe, short_repr

__all__ = ["RANK_ENV_VARS", "RankZeroOnly", "rank_from_environment", "rank_zero_experiment", "rank_zero_only"]

_PS = ParamSpec("_PS")
_S = TypeVar("_S")
_T = TypeVar("_T")

RANK_ENV_VARS: Final[tuple[str, str, str]] = ("RANK", "SLURM_PROCID", "LOCAL_RANK")
"""The variables pytorch_lightning 1.5.10 reads for the rank, in its order (not JSM_NAMESPACE_RANK:
1.5.10 reads that only in its LSF cluster environment, which then sets the rank explicitly)."""

# Note: a rank is ASCII digits with an optional sign (1.5.10's int() also takes "1_0" as 10,
# surrounding whitespace and non-ASCII digits); README, differences table.
_RANK_PATTERN: Final = re.compile(r"[+-]?[0-9]+")


def rank_from_environment() -> int:
    """The first of ``RANK``, ``SLURM_PROCID``, ``LOCAL_RANK`` that is set, as an int; else 0.

    Raises:
        ValueError: the first variable that is set is not an integer: ASCII digits with an optional
            sign, nothing else (the message names it).
    """
    for name in RANK_ENV_VARS:
        value = os.environ.get(name)
        if value is not None:
            if _RANK_PATTERN.fullmatch(value) is None:
                raise ValueError(f"environment variable {name} must be an integer rank, got {short_repr(value)}")
            return int(value)
    return 0


class RankZeroOnly:
    """A decorator that runs the function on rank 0 only; its ``rank`` attribute sets the rank.

    Implements :class:`spec.RankGate`. Without a setting, the rank is read from the environment at
    every gated call (1.5.10 reads it once, at import). ``del rank_zero_only.rank`` drops the setting.
    """

    def __init__(self) -> None:
        self._rank: int | None = None

    @property
    def rank(self) -> int:
        """The explicit setting if there is one, else :func:`rank_from_environment`."""
        return self._rank if self._rank is not None else rank_from_environment()

    @rank.setter
    def rank(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"rank must be an int, got {describe(value)}")
        self._rank = value

    @rank.deleter
    def rank(self) -> None:
        self._rank = None

    def __call__(self, fn: Callable[_PS, _T], /) -> Callable[_PS, _T | None]:
        """Wrap ``fn`` to run, and return its result, only while ``rank == 0``; else return ``None``."""

        @functools.wraps(fn)
        def wrapped(*args: _PS.args, **kwargs: _PS.kwargs) -> _T | None:
            if self.rank == 0:
                return fn(*args, **kwargs)
            return None

        return wrapped


rank_zero_only = RankZeroOnly()
"""The process-wide rank gate (like ``pytorch_lightning.utilities.rank_zero_only``)."""


def rank_zero_experiment(fn: Callable[[_S], _T]) -> Callable[[_S], _T]:
    """Returns the real experiment on rank 0 and otherwise the DummyExperiment.

    Implements :class:`spec.ExperimentDecorator`; the dummy is typed as the real experiment
    because it absorbs every use of it.
    """

    @functools.wraps(fn)
    def experiment(self: _S) -> _T:
        if rank_zero_only.rank != 0:
            return cast(_T, DummyExperiment())
        # Note: the result is returned even when falsy (1.5 replaces it with a DummyExperiment).
        return fn(self)

    return experiment
