"""``InMemoryLogger``: a complete aggregating logger that records every call, in order.

It is the model the conformance suite compares other loggers with, and an oracle for users' tests.
"""

from __future__ import annotations

import os
from argparse import Namespace
from collections.abc import Mapping
from typing import Any

import attrs

import spec
from impl._logger import LightningLoggerBase
from impl._merge import _NUMPY_MEAN
from impl._rank import rank_zero_experiment
from impl._validate import check_metrics, check_params, check_status, check_step, describe, snapshot

__all__ = ["Call", "InMemoryLogger"]


@attrs.frozen
class Call:
    """One call to an ``InMemoryLogger``: the method's name and its arguments by name."""

    method: str
    # dict[str, Any], not dict: pyright's strict mode reports a bare dict factory as dict[Unknown, Unknown].
    arguments: Mapping[str, Any] = attrs.field(factory=dict[str, Any])


class InMemoryLogger(LightningLoggerBase):
    """An aggregating logger that keeps everything in memory.

    - ``calls``: every public call, in order (``Call("log_metrics", {"metrics": ..., "step": ...})``);
      a run that ``agg_and_log_metrics`` logs appears as a ``log_metrics`` call after the call that
      logged it.
    - ``metrics``: the ``(step, metrics)`` pairs that ``log_metrics`` recorded, as copies.
    - ``hyperparams``: the hyperparameters logged, each as a dict.

    Every method holds the logger's lock while it records, so calls from several threads are
    recorded one at a time, each call's entries together.
    """

    def __init__(
        self,
        save_dir: str | os.PathLike[str] | None = None,
        name: str = "in_memory",
        version: int | str = 0,
        agg_key_funcs: Mapping[str, spec.AggregationFunction] | None = None,
        agg_default_func: spec.AggregationFunction = _NUMPY_MEAN,
    ) -> None:
        super().__init__(agg_key_funcs, agg_default_func)
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {describe(name)}")
        if isinstance(version, bool) or not isinstance(version, (int, str)):
            raise TypeError(f"version must be an int or a str, got {describe(version)}")
        self._save_dir = None if save_dir is None else os.fspath(save_dir)
        self._name = name
        self._version = version
        self.calls: list[Call] = []
        self.metrics: list[tuple[int | None, dict[str, Any]]] = []
        self.hyperparams: list[dict[str, Any]] = []

    @property
    def name(self) -> str:
        return self._name

    @property
    def version(self) -> int | str:
        return self._version

    @property
    def save_dir(self) -> str | None:
        return self._save_dir

    @property
    @rank_zero_experiment
    def experiment(self) -> list[Call]:
        """The list of calls (a ``DummyExperiment`` on a rank other than 0)."""
        return self.calls

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        check_metrics(metrics)
        step = check_step(step)
        copy = snapshot(metrics)
        with self._lock:
            self.calls.append(Call("log_metrics", {"metrics": copy, "step": step}))
            self.metrics.append((step, copy))

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        """Record ``params`` (a shallow copy, as a dict).

        Raises:
            TypeError: ``params`` is not a mapping or an ``argparse.Namespace``.
            ValueError: ``params`` nests deeper than ``impl.MAX_DEPTH`` levels, contains itself, or
                has two keys equal as ``str`` (``1`` and ``'1'``); nothing is recorded.
        """
        if not isinstance(params, (Mapping, Namespace)):
            raise TypeError(f"params must be a dict or an argparse.Namespace, got {describe(params)}")
        values = dict(vars(params) if isinstance(params, Namespace) else params)
        # Note: nesting, self-reference and keys that collide as str are rejected (1.5 does not
        # check); README, differences table.
        check_params(values)
        with self._lock:
            self.calls.append(Call("log_hyperparams", {"params": values, "args": args, "kwargs": kwargs}))
            self.hyperparams.append(values)

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        check_metrics(metrics)
        call = Call("agg_and_log_metrics", {"metrics": snapshot(metrics), "step": check_step(step)})
        with self._lock:
            self.calls.append(call)
            try:
                super().agg_and_log_metrics(metrics, step)
            except BaseException:
                self.calls.pop()  # the call was not taken, so it is not recorded
                raise

    def update_agg_funcs(
        self,
        agg_key_funcs: Mapping[str, spec.AggregationFunction] | None = None,
        agg_default_func: spec.AggregationFunction = _NUMPY_MEAN,
    ) -> None:
        with self._lock:
            super().update_agg_funcs(agg_key_funcs, agg_default_func)
            self.calls.append(
                Call("update_agg_funcs", {"agg_key_funcs": agg_key_funcs, "agg_default_func": agg_default_func})
            )

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        with self._lock:
            self.calls.append(Call("log_graph", {"model": model, "input_array": input_array}))

    def save(self) -> None:
        with self._lock:
            self.calls.append(Call("save"))
            self._flush_run()

    def finalize(self, status: str) -> None:
        check_status(status)
        with self._lock:
            self.calls.append(Call("finalize", {"status": status}))
            self._flush_run()

    def close(self) -> None:
        with self._lock:
            self.calls.append(Call("close"))
            self._flush_run()

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        with self._lock:
            self.calls.append(Call("after_save_checkpoint", {"checkpoint_callback": checkpoint_callback}))
