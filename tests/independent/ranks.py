"""A rank gate written from :class:`spec.ExperimentDecorator` and :class:`spec.AbsorbingExperiment`:
its own rank object, its own decorator (a class, not a function) and its own dummy."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator
from typing import Any


class Rank:
    """The current process's rank: a plain attribute, 0 until set."""

    rank: int = 0


RANK = Rank()
"""The rank object :class:`gated` reads at every call (the subject's ``rank_source``)."""


class Nothing:
    """The dummy experiment: every non-dunder attribute, call and index gives a new ``Nothing``; it is
    empty and falsy. (It keeps no state: any non-dunder name, ``_trail`` too, must absorb.)"""

    __slots__ = ()

    def __getattr__(self, name: str) -> Nothing:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Nothing()

    def __call__(self, /, *args: Any, **kwargs: Any) -> Nothing:
        return Nothing()

    def __getitem__(self, key: Any, /) -> Nothing:
        return Nothing()

    def __setattr__(self, name: str, value: Any, /) -> None:
        pass  # experiment.name = ... runs on every rank

    def __setitem__(self, key: Any, value: Any, /) -> None:
        pass  # experiment.config["lr"] = ... runs on every rank

    def __iter__(self) -> Iterator[Any]:
        yield from ()

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "<nothing>"


class gated:
    """``@property @gated``: the getter runs on rank 0 only; elsewhere the experiment is a :class:`Nothing`."""

    def __init__(self, getter: Callable[[Any], Any]) -> None:
        self._getter = getter
        functools.update_wrapper(self, getter)

    def __call__(self, owner: Any) -> Any:
        if RANK.rank != 0:
            return Nothing()
        return self._getter(owner)


class EnvironmentRank:
    """A rank object as :class:`spec.RankSource` describes it: a setting if one was made, else read
    from the environment at each read (``RANK``, then ``SLURM_PROCID``, then ``LOCAL_RANK``; else 0).
    ``del`` drops the setting."""

    ORDER = ("RANK", "SLURM_PROCID", "LOCAL_RANK")

    def __init__(self) -> None:
        self._setting: int | None = None

    @property
    def rank(self) -> int:
        if self._setting is not None:
            return self._setting
        for name in self.ORDER:
            if name in os.environ:
                value = os.environ[name]
                if re.fullmatch(r"-?[0-9]+", value) is None:
                    raise ValueError(f"${name} is not an integer: {value!r}")
                return int(value)
        return 0

    @rank.setter
    def rank(self, value: int) -> None:
        self._setting = value

    @rank.deleter
    def rank(self) -> None:
        self._setting = None


ENVIRONMENT_RANK = EnvironmentRank()
"""The rank object :class:`environment_gated` reads."""


class environment_gated(gated):
    """:class:`gated` on :data:`ENVIRONMENT_RANK`."""

    def __call__(self, owner: Any) -> Any:
        if ENVIRONMENT_RANK.rank != 0:
            return Nothing()
        return self._getter(owner)
