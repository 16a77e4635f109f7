"""The contract of the rank gate: ``rank_zero_only``, ``rank_zero_experiment`` and the dummy experiment."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, Protocol, TypeVar

__all__ = ["AbsorbingExperiment", "ExperimentDecorator", "RankGate", "RankSource"]

_P = TypeVar("_P")
_T = TypeVar("_T")
_PS = ParamSpec("_PS")


class RankSource(Protocol):
    """The object whose ``rank`` attribute is the current process's global rank
    (pytorch_lightning's ``rank_zero_only``, impl's ``rank_zero_only``).

    - Setting ``rank`` (any int: 0, negative ones, ranks past int32) must take effect for every
      later gated call. Checked by: ``rank.dummy_off_rank_zero``, ``rank.result_on_rank_zero``.
    - Reading ``rank`` without a setting (none made, or dropped with ``del``) must give the rank
      from the environment as it is at that read: the first of ``RANK``, ``SLURM_PROCID``,
      ``LOCAL_RANK`` that is set, as an int, else 0 (pytorch_lightning 1.5.10's order). No other
      variable may change it (1.5.10 does not read ``JSM_NAMESPACE_RANK``), and a setting must win
      until it is dropped. Checked by: ``rank.environment_order``.
    - Strict: when the first of those that is set is not an integer (a variable set to ``""`` is
      set, and not an integer), reading ``rank`` without a setting must raise ``ValueError`` naming
      that variable. Checked by: ``rank.environment_malformed``.

    The environment sentences are checked on a rank object whose class gives ``rank`` a deleter
    (``del rank_object.rank`` drops a setting, as impl's does); on one with a plain ``rank``
    attribute (pytorch_lightning's, which reads the environment once, at import) they are not
    applicable, and such an object is checked in a fresh process.
    """

    # A settable property, not a bare ``rank: int``: against a bare attribute pyright rejects a
    # property with a setter (impl's RankZeroOnly) and mypy accepts it; against this one both accept
    # a property with a setter and a plain attribute.
    @property
    def rank(self) -> int: ...

    @rank.setter
    def rank(self, value: int) -> None: ...


class RankGate(RankSource, Protocol):
    """``rank_zero_only``: a decorator that runs the function on rank 0 only."""

    def __call__(self, fn: Callable[_PS, _T], /) -> Callable[_PS, _T | None]:
        """Wrap ``fn`` so that it runs, and returns its result, only while ``rank == 0``;
        on any other rank the wrapper must return ``None`` without calling ``fn``. The rank is read
        at each call. Checked by: ``rank.gate_runs_on_rank_zero_only``."""
        ...


class ExperimentDecorator(Protocol):
    """The type of ``rank_zero_experiment``: it keeps the decorated getter's type."""

    def __call__(self, fn: Callable[[_P], _T], /) -> Callable[[_P], _T]:
        """Wrap the getter of an ``experiment`` property.

        - On every rank other than 0 the wrapper must return an :class:`AbsorbingExperiment` and
          must not call ``fn``. Checked by: ``rank.dummy_off_rank_zero``.
        - On rank 0 it must call ``fn`` once and return its result unchanged, even when that result
          is falsy; an exception ``fn`` raises must come through. The rank is read at each call, not
          remembered from an earlier one. Checked by: ``rank.result_on_rank_zero``,
          ``rank.dummy_off_rank_zero``.
        - Applied to a logger given a rank object: on a rank other than 0 nothing may appear under
          the logger's save directory, whatever is called. The rank is what a launcher makes it: the
          rank object and the variables ``RANK``, ``LOCAL_RANK``, ``SLURM_PROCID``,
          ``JSM_NAMESPACE_RANK`` (each the rank) and ``WORLD_SIZE``, set before the logger is
          built. Checked by: ``logger.nothing_written_off_rank_zero``
          (a logger property: it needs the logger's factory and its rank object).
        """
        ...


class AbsorbingExperiment(Protocol):
    """What a logger's ``experiment`` is on a rank other than 0 (``DummyExperiment``).

    - Any chain of attribute accesses (any non-dunder name), calls with any arguments, indexing
      with any key, and assignments to its attributes and items must succeed (rank-0-only code
      such as ``experiment.config["lr"] = 0.1`` runs on every rank). Checked by: ``rank.dummy_absorbs``.
    - Strict: ``copy.copy``, ``copy.deepcopy`` and a pickle round trip must give a dummy again;
      iterating it must end (it is empty); ``bool()`` must not raise.
      Checked by: ``rank.dummy_copy_pickle``, ``rank.dummy_iter_ends``, ``rank.dummy_bool``.
    """

    def __getattr__(self, name: str) -> Any: ...

    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...

    def __getitem__(self, key: Any) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...
