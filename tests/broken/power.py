"""Broken implementations that issue 11's fixes of the merge, logger, aggregation and collection
inputs catch, beyond those of ``round3.py``, and issue 12's strict bad input (values that are not real
numbers, metrics that contain themselves or nest past Python's recursion limit): each was certified
by the suite before its fix."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

import impl
from conformance._core import LoggerSubject, MergeSubject
from conformance.harnesses import JSONL
from impl import merge_dicts
from impl._validate import check_step, describe, is_mapping, is_metric_value, short_repr, snapshot
from tests.broken import Broken

_MODULE = "tests.broken.power"


def prunes_deep_funcs(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """impl's merge, then agg_key_funcs' mappings two levels down emptied in place."""
    result = merge_dicts(dicts, copy.deepcopy(agg_key_funcs), default_func)
    for outer in (agg_key_funcs or {}).values():
        if isinstance(outer, dict):
            for inner in outer.values():
                if isinstance(inner, dict):
                    inner.clear()
    return result


class NoneFunctionMeansDefault(impl.InMemoryLogger):
    """update_agg_funcs takes a None entry of agg_key_funcs for "use the default" and drops it,
    where the contract has a value that is not callable, to be rejected."""

    def update_agg_funcs(self, agg_key_funcs: Any = None, agg_default_func: Any = np.mean) -> None:
        kept = {k: f for k, f in (agg_key_funcs or {}).items() if f is not None}
        super().update_agg_funcs(kept, agg_default_func)


# --- issue 12: strict bad input ------------------------------------------------------------------


def _check(
    metrics: Any,
    takes: Callable[[object], bool],
    keys: tuple[Any, ...] = (),
    ancestors: tuple[int, ...] = (),
) -> None:
    """impl's check of ``metrics``, except that a value ``takes`` is taken as a real number. (The key
    path is written out only for an error.)"""

    def path(*more: Any) -> str:
        return "metrics" + "".join(f"[{short_repr(k)}]" for k in (*keys, *more))

    if not is_mapping(metrics):
        raise TypeError(f"{path()} must be a mapping of str to numbers, got {describe(metrics)}")
    ancestors = (*ancestors, id(metrics))
    for key, value in metrics.items():
        if not isinstance(key, str):
            raise TypeError(f"{path()}: key {short_repr(key)} must be a str, got {type(key).__name__}")
        if is_metric_value(value) or takes(value):
            continue
        if not is_mapping(value):
            raise TypeError(f"{path(key)} must be a real number or a mapping, got {describe(value)}")
        if id(value) in ancestors:
            raise ValueError(f"{path(key)} contains itself")
        if len(ancestors) >= impl.MAX_DEPTH:
            raise ValueError(f"{path(key)} is nested deeper than MAX_DEPTH ({impl.MAX_DEPTH}) levels")
        _check(value, takes, (*keys, key), ancestors)


class _LooseValues(impl.InMemoryLogger):
    """impl's InMemoryLogger whose log_metrics takes what :meth:`takes` says is a number."""

    @staticmethod
    def takes(value: object) -> bool:
        return False

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        _check(metrics, self.takes)
        checked = check_step(step)
        with self._lock:
            self.metrics.append((checked, snapshot(metrics)))


class NumpyComplexTaken(_LooseValues):
    """log_metrics takes numpy complex scalars (``numpy.complex64(1j)``): its check asks for a numpy
    number, not a real one."""

    @staticmethod
    def takes(value: object) -> bool:
        return isinstance(value, np.complexfloating)


class DatetimeTaken(_LooseValues):
    """log_metrics takes ``numpy.datetime64`` and ``numpy.timedelta64`` values (a timestamp logged as a metric)."""

    @staticmethod
    def takes(value: object) -> bool:
        return isinstance(value, (np.datetime64, np.timedelta64))


class TensorItemUnchecked(_LooseValues):
    """log_metrics takes any 0-d tensor-like with an ``item()`` method, without asking what ``item()`` gives."""

    @staticmethod
    def takes(value: object) -> bool:
        return getattr(value, "shape", None) == () and callable(getattr(value, "item", None))


class TensorItemAttribute(_LooseValues):
    """log_metrics asks a 0-d tensor-like what it holds, taking ``item`` as the value when it is not a
    method (as if it were a property): a tensor-like whose ``item`` is 0.5, not callable, is taken,
    though its ``.item()`` raises."""

    @staticmethod
    def takes(value: object) -> bool:
        if getattr(value, "shape", None) != ():
            return False
        item = getattr(value, "item", None)
        try:
            held = item() if callable(item) else item
        except Exception:  # (a tensor-like whose item() raises is refused)
            return False
        return type(held) in (int, float, bool)


def _plain(metrics: Any) -> Any:
    """``metrics`` with its nested mappings made plain dicts, by recursion (no cycle or depth check)."""
    if not is_mapping(metrics):
        return metrics
    return {key: _plain(value) for key, value in metrics.items()}


class RecursesIntoSelf(impl.InMemoryLogger):
    """log_metrics first makes nested mappings plain dicts by recursion, with no cycle or depth check:
    a metrics that contains itself, or nests 2000 deep, raises RecursionError."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().log_metrics(_plain(metrics), step)


class ZeroDimArraysTaken(_LooseValues):
    """log_metrics takes any 0-d numpy array (``numpy.array("x")``, ``numpy.array(1j)``) as a number."""

    @staticmethod
    def takes(value: object) -> bool:
        return isinstance(value, np.ndarray) and value.shape == ()


class JsonlRecordsThenRejects(impl.JsonlLogger):
    """A rejected log_metrics call leaves the valid top-level values of its metrics in the file (a
    writer that streams the keys and stops at the bad one), then raises the right TypeError."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        try:
            super().log_metrics(metrics, step)
        except TypeError:
            given: object = metrics
            if is_mapping(given):
                valid = {k: v for k, v in given.items() if isinstance(k, str) and is_metric_value(v)}
                if valid:
                    written = {"kind": "metrics", "step": step if type(step) is int else None, "metrics": valid}
                    self._get_writer().append(written)
            raise


def _merge(fn: Any) -> MergeSubject:
    return MergeSubject(fn, f"{_MODULE}:{fn.__name__}")


def _logger(cls: type[Any]) -> LoggerSubject:
    return LoggerSubject(cls, f"{_MODULE}:{cls.__name__}")


BROKEN = [
    Broken("logger.rejects_bad_input", _logger(NumpyComplexTaken), "numpy.complex64(1j) is taken as a number"),
    Broken("logger.rejects_bad_input", _logger(DatetimeTaken), "numpy.datetime64 values are taken"),
    Broken("logger.rejects_bad_input", _logger(TensorItemUnchecked), "a tensor-like whose item() is complex is taken"),
    Broken("logger.rejects_bad_input", _logger(TensorItemAttribute), "a tensor-like whose item is no method is taken"),
    Broken("logger.rejects_bad_input", _logger(RecursesIntoSelf), "a metrics that contains itself: RecursionError"),
    Broken("logger.rejects_bad_input", _logger(ZeroDimArraysTaken), "numpy.array('x') is taken as a number"),
    Broken(
        "logger.rejects_bad_input",
        LoggerSubject(JsonlRecordsThenRejects, f"{_MODULE}:JsonlRecordsThenRejects", harness=JSONL),
        "the valid part of a rejected call is written to the file",
    ),
    Broken("merge.no_mutation", _merge(prunes_deep_funcs), "agg_key_funcs' mappings two levels down emptied"),
    Broken(
        "aggregation.update_agg_funcs_rejects_non_callable",
        _logger(NoneFunctionMeansDefault),
        "a None entry of agg_key_funcs is dropped, not rejected",
    ),
]
