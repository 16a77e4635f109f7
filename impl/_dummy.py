"""The reference dummies: ``DummyExperiment`` and ``DummyLogger``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Self

from impl._logger import LightningLoggerBase

__all__ = ["DummyExperiment", "DummyLogger"]


class DummyExperiment:
    """Dummy experiment: absorbs every attribute access, call, index and assignment.

    Implements :class:`spec.AbsorbingExperiment`. Any non-dunder attribute, any call and any index
    give the same dummy back, so ``exp.a.b(1)[2].c()`` works.
    """

    __slots__ = ()

    # Note: no ``nop`` method (1.5 has one): a real method would end a chain, as ``exp.nop.x``
    # would raise. ``exp.nop(...)`` still works, through __getattr__, and gives the dummy back.

    def __getattr__(self, name: str) -> Self:
        # Note: dunder names are not absorbed, so copy, deepcopy and pickle find no hooks and
        # copy the dummy as a plain object (1.5's deepcopy returns None).
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        pass

    def __delattr__(self, name: str) -> None:
        pass

    # ``self`` is positional-only here and below, so ``exp(self=1)`` is absorbed like any keyword.
    def __call__(self, /, *args: Any, **kwargs: Any) -> Self:
        return self

    def __getitem__(self, key: Any) -> Self:
        # enables self.logger.experiment[0].add_image(...)
        return self

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        # Note: an empty iterator; 1.5 iterates forever through __getitem__.
        return iter(())

    def __repr__(self) -> str:
        return "DummyExperiment()"


class DummyLogger(LightningLoggerBase):
    """Dummy logger for internal use: absorbs every call, so user code runs with logging disabled.

    ``DummyLogger()[i]`` is the logger itself and iterating it yields nothing, so it can stand in
    for a ``LoggerCollection``.
    """

    def __init__(self) -> None:
        super().__init__()
        self._experiment = DummyExperiment()

    @property
    def experiment(self) -> DummyExperiment:
        """Return the experiment object associated with this logger."""
        return self._experiment

    def log_metrics(self, *args: Any, **kwargs: Any) -> None:
        """Do nothing."""

    def log_hyperparams(self, *args: Any, **kwargs: Any) -> None:
        """Do nothing."""

    def agg_and_log_metrics(self, *args: Any, **kwargs: Any) -> None:
        """Do nothing (nothing is aggregated, so nothing is checked)."""

    @property
    def name(self) -> str:
        """Return the experiment name: ``""``."""
        return ""

    @property
    def version(self) -> str:
        """Return the experiment version: ``""``."""
        return ""

    def __getitem__(self, idx: int) -> DummyLogger:
        # enables self.logger[0].experiment.add_image(...)
        return self

    def __iter__(self) -> Iterator[Any]:
        # if DummyLogger is substituting a logger collection, pretend it is empty
        return iter(())
