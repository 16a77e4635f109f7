"""The reference base class: ``LightningLoggerBase``, with 1.5's step aggregation."""

from __future__ import annotations

import _thread
import abc
from argparse import Namespace
from collections.abc import Mapping, MutableMapping
from types import MappingProxyType
from typing import Any, Final, cast

import numpy as np

import spec
from impl._merge import _NUMPY_MEAN, merge_dicts
from impl._validate import accept_metrics, check_agg_funcs, check_callable, check_status, check_step, is_plain_metrics

__all__ = ["LightningLoggerBase", "ReentrantLock"]


class _NoStep:
    """The step of "no pending run": equal to no step, ``None`` included."""

    def __repr__(self) -> str:
        return "<no step>"


_NO_STEP: Final = _NoStep()


class ReentrantLock(_thread.RLock):  # type: ignore[misc]  # (typeshed marks RLock final; CPython allows subclasses)
    """``threading.RLock`` that copies, deep-copies and pickles as a new, unheld lock, so a logger
    holding one copies and pickles as before (1.5 subclasses' own ``__getstate__`` included)."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type[ReentrantLock], tuple[()]]:
        return (type(self), ())


class LightningLoggerBase(spec.AggregatingLoggerABC):
    """Base class for experiment loggers.

    Implements :class:`spec.AggregatingLogger`: subclasses write ``name``, ``version``,
    ``experiment``, ``log_metrics`` and ``log_hyperparams``; aggregation, ``save``, ``finalize``
    and ``close`` come from here.

    Args:
        agg_key_funcs: Dictionary which maps a metric name to a function, which will aggregate the
            metric values for the same steps.
        agg_default_func: Default function to aggregate metric values. If some metric name is not
            presented in the ``agg_key_funcs`` dictionary, then the ``agg_default_func`` will be
            used for aggregation.

    Raises:
        TypeError: a function is not callable (the message names it).

    Note:
        The ``agg_key_funcs`` and ``agg_default_func`` arguments are used only when one logs
        metrics with the :meth:`agg_and_log_metrics` method.

    Threads: ``agg_and_log_metrics``, ``update_agg_funcs``, ``save``, ``finalize`` and ``close``
    hold the logger's lock (a reentrant lock, ``_lock``), so calls from several threads are
    taken one at a time: no run is lost, logged twice or mixed with another. A subclass's own
    methods may take the same lock (it is reentrant).
    """

    # Class-level defaults, so a subclass that forgets super().__init__() still aggregates
    # (1.5 raises AttributeError). Every change assigns a new object: nothing here is mutated.
    _agg_key_funcs: Mapping[str, Any] = MappingProxyType({})
    _agg_default_func: spec.AggregationFunction = staticmethod(_NUMPY_MEAN)  # not bound to the instance
    _agg_step: int | _NoStep | None = _NO_STEP
    _agg_run: list[dict[str, Any]] = []  # noqa: RUF012 - never mutated: a run starts as a new list
    # Note: aggregation is thread-safe (1.5 loses and duplicates runs when threads call it);
    # README, differences table. A subclass that skips super().__init__() shares this class-wide lock.
    _lock: ReentrantLock = ReentrantLock()

    def __init__(
        self,
        agg_key_funcs: Mapping[str, spec.AggregationFunction] | None = None,
        agg_default_func: spec.AggregationFunction = _NUMPY_MEAN,
    ) -> None:
        check_agg_funcs(agg_key_funcs)
        check_callable(agg_default_func, "agg_default_func")
        # Note: the mapping is copied (1.5 keeps it and update_agg_funcs mutates the caller's dict).
        self._agg_key_funcs = dict(agg_key_funcs or {})
        self._agg_default_func = agg_default_func
        self._agg_step = _NO_STEP
        self._agg_run = []
        self._lock = ReentrantLock()

    def update_agg_funcs(
        self,
        agg_key_funcs: Mapping[str, spec.AggregationFunction] | None = None,
        agg_default_func: spec.AggregationFunction = _NUMPY_MEAN,
    ) -> None:
        """Update aggregation methods: entries of ``agg_key_funcs`` are added to those in force,
        and ``agg_default_func`` replaces the default function (as in 1.5).

        Raises:
            TypeError: a function is not callable; nothing is changed.
        """
        check_agg_funcs(agg_key_funcs)
        check_callable(agg_default_func, "agg_default_func")
        with self._lock:
            if agg_key_funcs:
                self._agg_key_funcs = {**self._agg_key_funcs, **agg_key_funcs}
            self._agg_default_func = agg_default_func

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        """Aggregates and records metrics: ``metrics`` joins the run of ``step``, and the previous
        run is logged first when ``step`` differs from its step.

        See :meth:`spec.AggregatingLogger.agg_and_log_metrics` for the exact contract.

        Raises:
            TypeError: ``metrics`` or ``step`` is malformed; the pending run is unchanged.
            Exception: whatever logging the previous run raised; that run stays pending and
                ``metrics`` is not taken.
        """
        # Checked, and copied as it was when checked: the common metrics in C (this runs at every step).
        accepted = metrics.copy() if is_plain_metrics(metrics) else accept_metrics(metrics)
        if step is not None and type(step) is not int:
            step = check_step(step)
        with self._lock:
            if step == self._agg_step:
                self._agg_run.append(accepted)
                return
            if self._agg_run:
                self._flush_run()
            self._agg_run = [accepted]
            self._agg_step = step

    def _flush_run(self) -> None:
        """Log the pending run, if any; it is dropped only once ``log_metrics`` has returned.

        The caller holds ``self._lock``.
        """
        run = self._agg_run
        if not run:
            return
        step = self._agg_step
        assert not isinstance(step, _NoStep)  # a pending run always has a step
        metrics = run[0] if len(run) == 1 else merge_dicts(run, self._agg_key_funcs, self._agg_default_func)
        # Note: an empty result is never logged (1.5 logs {} when the run ends by save()).
        if metrics:
            self.log_metrics(metrics=metrics, step=step)
        self._agg_run = []
        self._agg_step = _NO_STEP

    def save(self) -> None:
        """Save log data: log the pending aggregation run, if any."""
        with self._lock:
            self._flush_run()

    def finalize(self, status: str) -> None:
        """Do any processing that is necessary to finalize an experiment.

        Args:
            status: Status that the experiment finished with (e.g. success, failed, aborted).
        """
        check_status(status)
        self.save()

    def close(self) -> None:
        """Do any cleanup that is necessary to close an experiment: here, :meth:`save`.

        Note: 1.5 warns that ``close`` is deprecated; this reference keeps it without a warning.
        """
        self.save()

    @property
    def group_separator(self) -> str:
        """Return the default separator used by the logger to group the data into subfolders."""
        return "/"

    def log_text(self, *args: Any, **kwargs: Any) -> None:
        """Log text; loggers that support it override this."""
        raise NotImplementedError(f"{type(self).__name__} does not log text")

    def log_image(self, *args: Any, **kwargs: Any) -> None:
        """Log an image; loggers that support it override this."""
        raise NotImplementedError(f"{type(self).__name__} does not log images")

    # Helpers that 1.5 subclasses call (kept so they run by changing one import).

    @staticmethod
    def _convert_params(params: dict[str, Any] | Namespace | None) -> dict[str, Any]:
        """Return ``params`` as a dict: a Namespace becomes ``vars(params)``, ``None`` becomes ``{}``."""
        if isinstance(params, Namespace):
            return vars(params)
        return {} if params is None else params

    @staticmethod
    def _flatten_dict(params: Mapping[Any, Any], delimiter: str = "/") -> dict[str, Any]:
        """Flatten hierarchical dict, e.g. ``{'a': {'b': 'c'}} -> {'a/b': 'c'}``.

        >>> LightningLoggerBase._flatten_dict({'a': {'b': 'c'}, 5: {'x': None}, 'e': {}})
        {'a/b': 'c', '5/x': 'None'}
        """
        flat: dict[str, Any] = {}

        def walk(value: Any, prefix: str) -> None:
            if isinstance(value, Namespace):
                value = vars(value)
            if isinstance(value, MutableMapping):  # an empty nested mapping adds no key, as in 1.5
                # Read through Mapping[Any, Any]: isinstance narrows Any to MutableMapping[Any, Any] for
                # mypy but to MutableMapping[Unknown, Unknown] for pyright, whose strict mode rejects that.
                for key, item in cast("Mapping[Any, Any]", value).items():
                    walk(item, f"{prefix}{delimiter}{key}" if prefix else str(key))
            else:
                flat[prefix] = str(None) if value is None else value

        walk(params, "")
        return flat

    @staticmethod
    def _sanitize_params(params: dict[str, Any]) -> dict[str, Any]:
        """Return ``params`` with numpy scalars as Python numbers and other non-primitives as strings."""
        sanitized: dict[str, Any] = {}
        for key, value in params.items():
            if isinstance(value, (np.bool_, np.integer, np.floating)):
                sanitized[key] = value.item()
            elif type(value) in (bool, int, float, str) or type(value).__name__ == "Tensor":
                sanitized[key] = value
            else:
                sanitized[key] = str(value)
        return sanitized

    @abc.abstractmethod
    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        """Records metrics. This method logs metrics as soon as it received them. If you want to
        aggregate metrics for one specific step, use the :meth:`agg_and_log_metrics` method."""

    @abc.abstractmethod
    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        """Record hyperparameters (a dict or an ``argparse.Namespace``)."""
