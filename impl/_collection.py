"""The reference ``LoggerCollection``: one logger that forwards every call to its members."""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, cast, overload

import spec
from impl._logger import LightningLoggerBase
from impl._merge import _NUMPY_MEAN
from impl._validate import (
    check_agg_funcs,
    check_callable,
    check_metrics,
    check_params,
    check_status,
    check_step,
    describe,
    is_plain_metrics,
)

__all__ = ["LoggerCollection", "LoggerCollectionError"]


class LoggerCollectionError(ExceptionGroup[Exception]):
    """Raised by a ``LoggerCollection`` call after it reached every member, carrying each member's
    error in member order; each error has a note naming the member's index and type."""


_MEMBER_METHODS = ("log_metrics", "log_hyperparams", "agg_and_log_metrics", "save", "finalize")
"""What a member must have: the methods every training loop calls on it through the collection."""


class LoggerCollection(LightningLoggerBase):
    """The LoggerCollection class is used to iterate all logging actions over the given ``logger_iterable``.

    Implements :class:`spec.Collection`.

    Args:
        logger_iterable: An iterable collection of loggers; it is read once, here.

    Raises:
        TypeError: ``logger_iterable`` is not an iterable, or a member is not a logger (it lacks
            ``log_metrics``, ``log_hyperparams``, ``agg_and_log_metrics``, ``save`` or
            ``finalize``); the message names the member's index.

    Threads: every call holds the collection's lock while it reaches the members, so calls from
    several threads reach every member in the same order.
    """

    def __init__(self, logger_iterable: Iterable[spec.Logger]) -> None:
        super().__init__()
        if isinstance(logger_iterable, (str, bytes, Mapping)) or not isinstance(logger_iterable, Iterable):
            # cast to object: narrowed, its type is Mapping[Logger, Unknown] to pyright, which strict mode rejects
            given = type(cast(object, logger_iterable)).__name__
            raise TypeError(f"logger_iterable must be an iterable of loggers, got {given}")
        # Note: the members are read once (1.5 re-reads the iterable at every call, so a
        # generator reaches its loggers once and later calls reach none).
        self._loggers: tuple[spec.Logger, ...] = tuple(logger_iterable)
        # Note: members are checked here (1.5 accepts LoggerCollection([1, None]), and every call
        # then fails inside); README, differences table.
        for index, member in enumerate(self._loggers):
            missing = [m for m in _MEMBER_METHODS if not callable(getattr(member, m, None))]
            if missing:
                raise TypeError(
                    f"logger_iterable[{index}] must be a logger, got {describe(member)} without {', '.join(missing)}"
                )
        # (index, member) pairs built once: the per-call loops unpack them instead of running enumerate.
        self._members: tuple[tuple[int, spec.Logger], ...] = tuple(enumerate(self._loggers))

    def _forward(self, method: str, *args: Any, **kwargs: Any) -> None:
        # Note: every member is reached even when one raises (1.5 stops at the first error).
        failures: list[tuple[int, Exception]] = []
        with self._lock:
            for index, logger in self._members:
                try:
                    getattr(logger, method)(*args, **kwargs)
                except Exception as error:
                    self._failed(failures, method, index, logger, error)
        if failures:
            self._raise(method, failures)

    # log_metrics and agg_and_log_metrics, called at every step, run the same loop as _forward
    # with the method named directly: no getattr and no packing of arguments.

    @staticmethod
    def _failed(failures: list[tuple[int, Exception]], method: str, index: int, logger: Any, error: Exception) -> None:
        """Record that member ``index`` raised ``error``, with a note naming it."""
        error.add_note(f"raised by LoggerCollection member {index} ({type(logger).__name__}).{method}")
        failures.append((index, error))

    def _raise(self, method: str, failures: list[tuple[int, Exception]]) -> None:
        """Raise the LoggerCollectionError carrying every member's error, in member order."""
        failed = ", ".join(str(index) for index, _ in failures)
        raise LoggerCollectionError(
            f"{method} failed in {len(failures)} of {len(self._loggers)} loggers (members {failed})",
            [error for _, error in failures],
        )

    @overload
    def __getitem__(self, index: int) -> spec.Logger: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[spec.Logger, ...]: ...

    def __getitem__(self, index: int | slice) -> spec.Logger | tuple[spec.Logger, ...]:
        return self._loggers[index]

    def __iter__(self) -> Iterator[spec.Logger]:
        return iter(self._loggers)

    def __len__(self) -> int:
        return len(self._loggers)

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        self._forward("after_save_checkpoint", checkpoint_callback)

    def update_agg_funcs(
        self,
        agg_key_funcs: Mapping[str, spec.AggregationFunction] | None = None,
        agg_default_func: spec.AggregationFunction = _NUMPY_MEAN,
    ) -> None:
        check_agg_funcs(agg_key_funcs)
        check_callable(agg_default_func, "agg_default_func")
        self._forward("update_agg_funcs", agg_key_funcs, agg_default_func)

    @property
    def experiment(self) -> list[Any]:
        """Returns a list of experiment objects for all the loggers in the logger collection."""
        return [logger.experiment for logger in self._loggers]

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if not is_plain_metrics(metrics):  # (the common metrics: one call, checked in C)
            check_metrics(metrics)  # once, here, so a bad call reaches no member
        if step is not None and type(step) is not int:
            step = check_step(step)
        failures: list[tuple[int, Exception]] = []
        with self._lock:
            for index, logger in self._members:
                try:
                    logger.agg_and_log_metrics(metrics, step)  # type: ignore[attr-defined]
                except Exception as error:
                    self._failed(failures, "agg_and_log_metrics", index, logger, error)
        if failures:
            self._raise("agg_and_log_metrics", failures)

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if not is_plain_metrics(metrics):  # (the common metrics: one call, checked in C)
            check_metrics(metrics)  # once, here, so a bad call reaches no member
        if step is not None and type(step) is not int:
            step = check_step(step)
        failures: list[tuple[int, Exception]] = []
        with self._lock:
            for index, logger in self._members:
                try:
                    logger.log_metrics(metrics, step)
                except Exception as error:
                    self._failed(failures, "log_metrics", index, logger, error)
        if failures:
            self._raise("log_metrics", failures)

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        if isinstance(params, (Mapping, Namespace)):  # (anything else: each member says what it accepts)
            check_params(vars(params) if isinstance(params, Namespace) else params)  # once, before any member
        self._forward("log_hyperparams", params, *args, **kwargs)

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        self._forward("log_graph", model, input_array)

    def save(self) -> None:
        self._forward("save")

    def finalize(self, status: str) -> None:
        check_status(status)
        self._forward("finalize", status)

    def close(self) -> None:
        self._forward("close")

    @property
    def save_dir(self) -> str | None:
        """Returns ``None`` as checkpoints should be saved to default / chosen location when using
        multiple loggers."""
        return None

    @property
    def name(self) -> str:
        """Returns the experiment names for all the loggers in the logger collection joined by an underscore."""
        return "_".join(str(logger.name) for logger in self._loggers)

    @property
    def version(self) -> str:
        """Returns the experiment versions for all the loggers in the logger collection joined by an underscore."""
        return "_".join(str(logger.version) for logger in self._loggers)
