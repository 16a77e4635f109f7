"""Broken loggers, one or more per logger and aggregation property.

Each is a small subclass of ``impl.InMemoryLogger`` (so everything but its one bug is right), except
:class:`Lightning15`, which replays pytorch_lightning 1.5.10's aggregation code.
"""

from __future__ import annotations

import json
import math
import os
from argparse import Namespace
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import impl
import spec
from conformance._core import LoggerSubject
from impl._validate import check_metrics, check_step
from tests.broken import Broken


def _value(run: list[dict[str, Any]], logger: impl.InMemoryLogger) -> dict[str, Any]:
    """A run's value, as spec defines it, with the functions in force on ``logger``."""
    return run[0] if len(run) == 1 else impl.merge_dicts(run, logger._agg_key_funcs, logger._agg_default_func)


# --- aggregation as pytorch_lightning 1.5.10 wrote it ----------------------------------------


class Lightning15(impl.InMemoryLogger):
    """1.5.10's ``LightningLoggerBase`` aggregation, line for line: no input checks, the run is
    dropped before it is logged (so it is lost when logging raises), and a run of value ``{}`` is
    logged at a flush (but not at a step change). Everything core holds."""

    def __init__(self, save_dir: str | os.PathLike[str] | None = None) -> None:
        super().__init__(save_dir)
        self._prev_step: Any = -1
        self._metrics_to_agg: list[dict[str, Any]] = []

    def _reduce_agg_metrics(self) -> tuple[Any, dict[str, Any] | None]:
        if not self._metrics_to_agg:
            agg_mets = None
        elif len(self._metrics_to_agg) == 1:
            agg_mets = self._metrics_to_agg[0]
        else:
            agg_mets = impl.merge_dicts(self._metrics_to_agg, self._agg_key_funcs, self._agg_default_func)
        return self._prev_step, agg_mets

    def _aggregate_metrics(self, metrics: dict[str, float], step: Any = None) -> tuple[Any, dict[str, Any] | None]:
        if step == self._prev_step:
            self._metrics_to_agg.append(metrics)
            return step, None
        agg_step, agg_mets = self._reduce_agg_metrics()
        self._metrics_to_agg = [metrics]
        self._prev_step = step
        return agg_step, agg_mets

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        agg_step, metrics_to_log = self._aggregate_metrics(metrics=metrics, step=step)
        if metrics_to_log:
            self.log_metrics(metrics=metrics_to_log, step=agg_step)

    def _finalize_agg_metrics(self) -> None:
        agg_step, metrics_to_log = self._reduce_agg_metrics()
        self._metrics_to_agg = []
        if metrics_to_log is not None:
            self.log_metrics(metrics=metrics_to_log, step=agg_step)

    def save(self) -> None:
        self._finalize_agg_metrics()

    def finalize(self, status: str) -> None:
        self.save()

    def close(self) -> None:
        self.save()


# --- logger.protocol_conformance -------------------------------------------------------------


class NoStepParameter(impl.InMemoryLogger):
    """log_metrics takes no step (a logger that only ever logs "now")."""

    def log_metrics(self, metrics: dict[str, float]) -> None:  # type: ignore[override]
        super().log_metrics(metrics)


class RenamedMetricsParameter(impl.InMemoryLogger):
    """log_metrics names its first parameter ``values``: log_metrics(metrics=...) fails."""

    def log_metrics(self, values: dict[str, float], step: int | None = None) -> None:
        super().log_metrics(values, step)


class StepDefaultsToZero(impl.InMemoryLogger):
    """log_metrics(metrics) logs at step 0 instead of "no step"."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = 0) -> None:
        super().log_metrics(metrics, step)


class FinalizeWithoutStatus(impl.InMemoryLogger):
    """finalize() takes no status."""

    def finalize(self) -> None:  # type: ignore[override]
        super().finalize("success")


# --- logger.property_types -------------------------------------------------------------------


class IntName(impl.InMemoryLogger):
    """name is an int."""

    @property
    def name(self) -> Any:
        return 7


class FloatVersion(impl.InMemoryLogger):
    """version is a float."""

    @property
    def version(self) -> Any:
        return 1.0


class BoolVersion(impl.InMemoryLogger):
    """version is a bool (an int subclass, but not a version)."""

    @property
    def version(self) -> Any:
        return True


class PathSaveDir(impl.InMemoryLogger):
    """save_dir is a pathlib.Path, not a str."""

    @property
    def save_dir(self) -> Any:
        return Path(super().save_dir or ".")


# --- logger.hyperparams_dict_and_namespace ---------------------------------------------------


class RejectsNamespace(impl.InMemoryLogger):
    """log_hyperparams reads params with dict(), which a Namespace does not support."""

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        super().log_hyperparams(dict(params), *args, **kwargs)


class RejectsDict(impl.InMemoryLogger):
    """log_hyperparams reads params with vars(), which a dict does not support."""

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        super().log_hyperparams(vars(params), *args, **kwargs)


# --- logger.lifecycle_any_order --------------------------------------------------------------


class CloseRaisesAfterFinalize(impl.InMemoryLogger):
    """close() after finalize() raises: the experiment was already released."""

    def __init__(self, save_dir: str | os.PathLike[str] | None = None) -> None:
        super().__init__(save_dir)
        self._finalized = False

    def finalize(self, status: str) -> None:
        super().finalize(status)
        self._finalized = True

    def close(self) -> None:
        if self._finalized:
            raise RuntimeError("the experiment is already finalized")
        super().close()


class SaveTwiceRaises(impl.InMemoryLogger):
    """A second save() raises (the file was closed by the first)."""

    def __init__(self, save_dir: str | os.PathLike[str] | None = None) -> None:
        super().__init__(save_dir)
        self._saved = False

    def save(self) -> None:
        if self._saved:
            raise ValueError("I/O operation on closed file")
        self._saved = True
        super().save()


class LogGraphNeedsAModule(impl.InMemoryLogger):
    """log_graph calls model.named_parameters(): any model that is not a torch module raises."""

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        list(model.named_parameters())


class LogMetricsAfterCloseRaises(impl.InMemoryLogger):
    """log_metrics after close() raises (the writer is gone)."""

    def __init__(self, save_dir: str | os.PathLike[str] | None = None) -> None:
        super().__init__(save_dir)
        self._closed = False

    def close(self) -> None:
        super().close()
        self._closed = True

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if self._closed:
            raise ValueError("I/O operation on closed file")
        super().log_metrics(metrics, step)


# --- logger.log_metrics_no_mutation ----------------------------------------------------------


class PopsFirstKey(impl.InMemoryLogger):
    """log_metrics pops the first key of the caller's dict (as loggers that pop "epoch" do)."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if metrics:
            metrics.pop(next(iter(metrics)))
        super().log_metrics(metrics, step)


class FloatsInPlace(impl.InMemoryLogger):
    """log_metrics converts the caller's values to float in place."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        for key, value in metrics.items():
            metrics[key] = float(value)
        super().log_metrics(metrics, step)


# --- logger.rejects_bad_input ----------------------------------------------------------------


class AcceptsAnything(impl.InMemoryLogger):
    """No input checks: whatever comes is recorded."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self.metrics.append((step, metrics))

    def finalize(self, status: str) -> None:
        self.save()


class NamelessTypeError(impl.InMemoryLogger):
    """Bad input raises TypeError, but the message names neither the argument nor the key."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        try:
            super().log_metrics(metrics, step)
        except TypeError:
            raise TypeError("invalid input") from None

    def finalize(self, status: str) -> None:
        try:
            super().finalize(status)
        except TypeError:
            raise TypeError("invalid input") from None


class ChecksOnlyTopLevel(impl.InMemoryLogger):
    """Checks the top level of metrics only: a str inside a nested dict is accepted."""

    def log_metrics(self, metrics: Any, step: Any = None) -> None:
        top = (
            {k: 0.0 if isinstance(v, Mapping) else v for k, v in metrics.items()}
            if isinstance(metrics, Mapping)
            else metrics
        )
        check_metrics(top)
        self.metrics.append((check_step(step), dict(metrics)))


# --- aggregation.runs_logged_once ------------------------------------------------------------


class EmitsStepPlusOne(impl.InMemoryLogger):
    """A run is logged under its step + 1 (an off-by-one "global step")."""

    def _flush_run(self) -> None:
        run, step = self._agg_run, self._agg_step
        if run and isinstance(step, int):
            self._agg_step = step + 1
        super()._flush_run()


class LogsRunTwiceOnSave(impl.InMemoryLogger):
    """save() logs the pending run, then logs it again."""

    def save(self) -> None:
        run, step = self._agg_run, self._agg_step
        super().save()
        if run and isinstance(step, (int, type(None))):
            self.log_metrics(_value(run, self), step)


class MergesAcrossStepChanges(impl.InMemoryLogger):
    """A step change does not end the run: every call until a flush is merged into one run, logged
    under the last step."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if self._agg_run:
            self._agg_step = step
        super().agg_and_log_metrics(metrics, step)


# --- aggregation.run_value -------------------------------------------------------------------


class AlwaysMean(impl.InMemoryLogger):
    """Runs are merged with numpy.mean, whatever update_agg_funcs set."""

    def _flush_run(self) -> None:
        self._agg_key_funcs, self._agg_default_func = {}, np.mean
        super()._flush_run()


class MergesSingleCallRuns(impl.InMemoryLogger):
    """A run of one call is merged too (so a count or a sum changes it) instead of logged unchanged."""

    def _flush_run(self) -> None:
        run, step = self._agg_run, self._agg_step
        if len(run) == 1 and isinstance(step, (int, type(None))):
            self._agg_run = []
            self.log_metrics(impl.merge_dicts(run, self._agg_key_funcs, self._agg_default_func), step)
            return
        super()._flush_run()


# --- aggregation.deferred_until_step_change --------------------------------------------------


class LogsEachCallAtOnce(impl.InMemoryLogger):
    """agg_and_log_metrics logs each call at once: nothing is aggregated."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self.log_metrics(metrics, step)


class LogsOnlyAtFlush(impl.InMemoryLogger):
    """A step change queues the finished run; queued runs are logged at the next flush."""

    def __init__(self, save_dir: str | os.PathLike[str] | None = None) -> None:
        super().__init__(save_dir)
        self._queue: list[tuple[int | None, dict[str, Any]]] = []

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if self._agg_run and step != self._agg_step and isinstance(self._agg_step, (int, type(None))):
            self._queue.append((self._agg_step, _value(self._agg_run, self)))
            self._agg_run = []
        super().agg_and_log_metrics(metrics, step)

    def _log_queue(self) -> None:
        queued, self._queue = self._queue, []
        for step, value in queued:
            if value:
                self.log_metrics(value, step)

    def save(self) -> None:
        self._log_queue()
        super().save()

    def finalize(self, status: str) -> None:
        self._log_queue()
        super().finalize(status)

    def close(self) -> None:
        self._log_queue()
        super().close()


# --- aggregation.second_flush_logs_nothing ---------------------------------------------------


class SaveKeepsTheRun(impl.InMemoryLogger):
    """save() logs the pending run but forgets to clear it: the next flush logs it again."""

    def save(self) -> None:
        run, step = self._agg_run, self._agg_step
        super().save()
        self._agg_run, self._agg_step = run, step


# --- aggregation.update_agg_funcs_takes_effect -----------------------------------------------


class UpdateReplacesKeyFuncs(impl.InMemoryLogger):
    """update_agg_funcs replaces the key functions in force instead of adding to them."""

    def update_agg_funcs(
        self,
        agg_key_funcs: Mapping[str, spec.AggregationFunction] | None = None,
        agg_default_func: spec.AggregationFunction = np.mean,
    ) -> None:
        super().update_agg_funcs(agg_key_funcs, agg_default_func)
        self._agg_key_funcs = dict(agg_key_funcs or {})


class UpdateKeepsOldDefault(impl.InMemoryLogger):
    """update_agg_funcs changes the default only when one is given: update_agg_funcs() keeps the old one."""

    def update_agg_funcs(
        self,
        agg_key_funcs: Mapping[str, spec.AggregationFunction] | None = None,
        agg_default_func: spec.AggregationFunction | None = None,
    ) -> None:
        super().update_agg_funcs(agg_key_funcs, agg_default_func or self._agg_default_func)


# --- aggregation.log_metrics_bypasses --------------------------------------------------------


class DirectLogDropsTheRun(impl.InMemoryLogger):
    """log_metrics called directly clears the pending run (it "resets the accumulator")."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().log_metrics(metrics, step)
        self._agg_run = []


class DirectLogIsAggregated(impl.InMemoryLogger):
    """log_metrics called directly joins the pending run when the step is the same (logged later,
    merged)."""

    def __init__(self, save_dir: str | os.PathLike[str] | None = None) -> None:
        super().__init__(save_dir)
        self._inside_flush = False

    def _flush_run(self) -> None:
        self._inside_flush = True
        try:
            super()._flush_run()
        finally:
            self._inside_flush = False

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if not self._inside_flush and self._agg_run and step == self._agg_step:
            self._agg_run = [*self._agg_run, dict(metrics)]
            return
        super().log_metrics(metrics, step)


# --- aggregation.state_machine ---------------------------------------------------------------


class CloseForgetsTheRun(impl.InMemoryLogger):
    """close() drops the pending run instead of logging it."""

    def close(self) -> None:
        self._agg_run = []
        super().close()


class HyperparamsEndTheRun(impl.InMemoryLogger):
    """log_hyperparams logs the pending run first (so a run is logged before its step changes)."""

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        self._flush_run()
        super().log_hyperparams(params, *args, **kwargs)


class UpdateEndsTheRun(impl.InMemoryLogger):
    """update_agg_funcs logs the pending run with the old functions before changing them."""

    def update_agg_funcs(
        self,
        agg_key_funcs: Mapping[str, spec.AggregationFunction] | None = None,
        agg_default_func: spec.AggregationFunction = np.mean,
    ) -> None:
        self._flush_run()
        super().update_agg_funcs(agg_key_funcs, agg_default_func)


# --- aggregation.empty_run_not_logged --------------------------------------------------------


class LogsEmptyRuns(impl.InMemoryLogger):
    """A run whose value is {} is logged like any other (at a step change and at a flush)."""

    def _flush_run(self) -> None:
        run, step = self._agg_run, self._agg_step
        if run and not any(run) and isinstance(step, (int, type(None))):
            self._agg_run = []
            self.log_metrics({}, step)
            return
        super()._flush_run()


# --- aggregation.rejected_call_keeps_state ---------------------------------------------------


class LosesRunWhenLoggingRaises(impl.InMemoryLogger):
    """Checks its input, but drops the pending run before logging it (1.5's order): when
    log_metrics raises, the run is lost."""

    def _flush_run(self) -> None:
        run, step = self._agg_run, self._agg_step
        self._agg_run = []
        if run and isinstance(step, (int, type(None))):
            value = _value(run, self)
            if value:
                self.log_metrics(value, step)


class FlushesBeforeCheckingStep(impl.InMemoryLogger):
    """A call with a new step logs the pending run before checking that step: agg(m, step="1")
    raises TypeError, but the pending run was already logged."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        check_metrics(metrics)
        if step != self._agg_step:
            self._flush_run()
        super().agg_and_log_metrics(metrics, step)


class TakesHalfAMalformedCall(impl.InMemoryLogger):
    """Checks metrics after adding them to the run: a rejected call still joins the pending run."""

    def agg_and_log_metrics(self, metrics: Any, step: Any = None) -> None:
        if self._agg_run and step == self._agg_step and isinstance(metrics, Mapping):
            self._agg_run = [*self._agg_run, {k: v for k, v in metrics.items() if isinstance(v, (int, float))}]
            check_metrics(metrics)
            self._agg_run = self._agg_run[:-1]
        super().agg_and_log_metrics(metrics, step)


# --- found by the adversarial audit: subtler bugs ---------------------------------------------


class StepKeywordOnly(impl.InMemoryLogger):
    """log_metrics takes step by keyword only: log_metrics(metrics, 3) fails."""

    def log_metrics(self, metrics: dict[str, float], *, step: int | None = None) -> None:  # type: ignore[override]
        super().log_metrics(metrics, step)


class LogGraphNeedsInputArray(impl.InMemoryLogger):
    """log_graph's input_array has no default."""

    def log_graph(self, model: Any, input_array: Any) -> None:  # type: ignore[override]
        super().log_graph(model, input_array)


class VersionNoneUntilLogged(impl.InMemoryLogger):
    """version is None until something is logged (it is "decided lazily")."""

    @property
    def version(self) -> Any:
        return super().version if self.metrics else None


class RejectsEmptyHyperparams(impl.InMemoryLogger):
    """log_hyperparams raises for no hyperparameters ({} or an empty Namespace)."""

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        if not (vars(params) if isinstance(params, Namespace) else params):
            raise ValueError("no hyperparameters to log")
        super().log_hyperparams(params, *args, **kwargs)


class SaveAfterCloseRaises(impl.InMemoryLogger):
    """save() after close() raises (the file is closed)."""

    def __init__(self, save_dir: str | os.PathLike[str] | None = None) -> None:
        super().__init__(save_dir)
        self._closed = False

    def close(self) -> None:
        super().close()
        self._closed = True

    def save(self) -> None:
        if self._closed:
            raise ValueError("I/O operation on closed file")
        super().save()


class LogGraphRunsTheModel(impl.InMemoryLogger):
    """log_graph calls model(input_array) when an input array is given: a model that is not callable raises."""

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        if input_array is not None:
            model(input_array)


class NestedFloatsInPlace(impl.InMemoryLogger):
    """log_metrics converts the values of nested dicts to float in place (the top level is left alone)."""

    def log_metrics(self, metrics: dict[str, Any], step: int | None = None) -> None:
        for value in metrics.values():
            if isinstance(value, dict):
                for key in value:
                    if isinstance(value[key], int):
                        value[key] = float(value[key])
        super().log_metrics(metrics, step)


class AddsStepKey(impl.InMemoryLogger):
    """log_metrics adds "step" to the caller's dict."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if step is not None:
            metrics.setdefault("step", step)
        super().log_metrics(metrics, step)


class StepCoercedToInt(impl.InMemoryLogger):
    """log_metrics turns a float step into an int (1.0 -> 1, 0.5 -> 0) instead of rejecting it."""

    def log_metrics(self, metrics: dict[str, float], step: Any = None) -> None:
        super().log_metrics(metrics, int(step) if isinstance(step, float) else step)


class StatusCoercedToStr(impl.InMemoryLogger):
    """finalize turns any status into a str."""

    def finalize(self, status: Any) -> None:
        super().finalize(str(status))


class StepNoneIsZero(impl.InMemoryLogger):
    """agg_and_log_metrics treats step None as step 0 (a run of None and a run of 0 are one run, logged at 0)."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().agg_and_log_metrics(metrics, 0 if step is None else step)


class FinalizeDoesNotFlush(impl.InMemoryLogger):
    """Only save() and close() log the pending run; finalize() forgets it."""

    def finalize(self, status: str) -> None:
        self._agg_run = []


class FlushesOnlyOnSuccess(impl.InMemoryLogger):
    """finalize() logs the pending run only for status "success" ("failed" and "aborted" keep it)."""

    def finalize(self, status: str) -> None:
        if status == "success":
            super().finalize(status)


class BoundaryOffByOne(impl.InMemoryLogger):
    """A call with a new step is added to the run it ends (an off-by-one at run boundaries)."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if self._agg_run and step != self._agg_step:
            check_metrics(metrics)
            self._agg_run = [*self._agg_run, dict(metrics)]
            self._flush_run()
            self._agg_run, self._agg_step = [], check_step(step)
            return
        super().agg_and_log_metrics(metrics, step)


class FuncsAtCallTime(impl.InMemoryLogger):
    """A run is merged with the functions in force when its first call was made, not when it is logged."""

    def __init__(self, save_dir: str | os.PathLike[str] | None = None) -> None:
        super().__init__(save_dir)
        self._run_funcs: tuple[Any, Any] = (self._agg_key_funcs, self._agg_default_func)

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        starts = not self._agg_run or step != self._agg_step
        if starts and self._agg_run:
            self._flush_run()
        if starts:
            self._run_funcs = (self._agg_key_funcs, self._agg_default_func)
        super().agg_and_log_metrics(metrics, step)

    def _flush_run(self) -> None:
        in_force = self._agg_key_funcs, self._agg_default_func
        self._agg_key_funcs, self._agg_default_func = self._run_funcs
        try:
            super()._flush_run()
        finally:
            self._agg_key_funcs, self._agg_default_func = in_force


class RunningAggregate(impl.InMemoryLogger):
    """Aggregates a run as it grows: f([f([a, b]), c]) instead of f([a, b, c]) (max and min cannot tell)."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().agg_and_log_metrics(metrics, step)
        if len(self._agg_run) == 2:
            self._agg_run = [impl.merge_dicts(self._agg_run, self._agg_key_funcs, self._agg_default_func)]


class LogsEveryTwoCalls(impl.InMemoryLogger):
    """A run is logged as soon as it has two calls, and the step's later calls start a new run."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().agg_and_log_metrics(metrics, step)
        if len(self._agg_run) == 2:
            self._flush_run()


class CloseRelogsTheLast(impl.InMemoryLogger):
    """close() logs the last logged metrics again, as "final" values."""

    def close(self) -> None:
        super().close()
        if self.metrics:
            step, last = self.metrics[-1]
            self.log_metrics(dict(last), step)


class NoArgUpdateClearsKeyFuncs(impl.InMemoryLogger):
    """update_agg_funcs() with no arguments also drops the key functions in force."""

    def update_agg_funcs(
        self,
        agg_key_funcs: Mapping[str, spec.AggregationFunction] | None = None,
        agg_default_func: spec.AggregationFunction = np.mean,
    ) -> None:
        super().update_agg_funcs(agg_key_funcs, agg_default_func)
        if agg_key_funcs is None:
            self._agg_key_funcs = {}


class DirectLogEndsTheRun(impl.InMemoryLogger):
    """log_metrics at the pending run's step logs that run first (it "closes the step")."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if self._agg_run and step == self._agg_step and not getattr(self, "_flushing", False):
            self._flushing = True
            try:
                self._flush_run()
            finally:
                self._flushing = False
        super().log_metrics(metrics, step)


class LogsEmptyMergedRuns(impl.InMemoryLogger):
    """A run of several empty dicts is logged as {} (a run of one {} is not)."""

    def _flush_run(self) -> None:
        run, step = self._agg_run, self._agg_step
        if len(run) > 1 and not any(run) and isinstance(step, (int, type(None))):
            self._agg_run = []
            self.log_metrics({}, step)
            return
        super()._flush_run()


class SaveDropsRunFirst(impl.InMemoryLogger):
    """save() (and so finalize() and close()) drops the pending run before logging it: if log_metrics
    raises there, the run is lost (a step change keeps it)."""

    def save(self) -> None:
        run, step = self._agg_run, self._agg_step
        self._agg_run = []
        if run and isinstance(step, (int, type(None))):
            value = _value(run, self)
            if value:
                self.log_metrics(value, step)


class AggChecksTopLevelOnly(impl.InMemoryLogger):
    """agg_and_log_metrics checks the top level of metrics only: a str in a nested dict joins the run."""

    def agg_and_log_metrics(self, metrics: Any, step: Any = None) -> None:
        if isinstance(metrics, Mapping) and any(isinstance(v, Mapping) for v in metrics.values()):
            check_metrics({k: 0.0 if isinstance(v, Mapping) else v for k, v in metrics.items()})
            check_step(step)
            if step == self._agg_step:
                self._agg_run = [*self._agg_run, dict(metrics)]
                return
        super().agg_and_log_metrics(metrics, step)


class StoresAnyFunction(impl.InMemoryLogger):
    """update_agg_funcs stores whatever it is given: a name such as "max" fails only when a run is merged."""

    def update_agg_funcs(self, agg_key_funcs: Any = None, agg_default_func: Any = np.mean) -> None:
        self._agg_key_funcs = {**self._agg_key_funcs, **(agg_key_funcs or {})}
        self._agg_default_func = agg_default_func


class UpdatesKeysBeforeCheckingDefault(impl.InMemoryLogger):
    """update_agg_funcs adds the key functions, then checks the default: a bad default leaves the
    new key functions in force."""

    def update_agg_funcs(self, agg_key_funcs: Any = None, agg_default_func: Any = np.mean) -> None:
        self._agg_key_funcs = {**self._agg_key_funcs, **(agg_key_funcs or {})}
        super().update_agg_funcs(None, agg_default_func)


class AggStepKeywordOnly(impl.InMemoryLogger):
    """agg_and_log_metrics takes step by keyword only: 1.5's LoggerCollection, which passes it by
    position, fails."""

    def agg_and_log_metrics(self, metrics: dict[str, float], *, step: int | None = None) -> None:  # type: ignore[override]
        super().agg_and_log_metrics(metrics, step)


class UpdateParametersRenamed(impl.InMemoryLogger):
    """update_agg_funcs names its parameters key_funcs and default_func."""

    def update_agg_funcs(self, key_funcs: Any = None, default_func: Any = np.mean) -> None:
        super().update_agg_funcs(key_funcs, default_func)


class FlattensNestedRuns(impl.InMemoryLogger):
    """agg_and_log_metrics flattens nested metrics ({'d': {'a': 1}} -> {'d/a': 1}) when it takes them."""

    def agg_and_log_metrics(self, metrics: dict[str, Any], step: int | None = None) -> None:
        super().agg_and_log_metrics(impl.LightningLoggerBase._flatten_dict(metrics), step)



# --- found by the second adversarial audit ---------------------------------------------------


class _OwnDefaultMerge(impl.InMemoryLogger):
    """Merges a run of several calls with ``_mean`` where numpy.mean is in force."""

    @staticmethod
    def _mean(values: Sequence[float]) -> Any:
        return np.mean(values)

    def _flush_run(self) -> None:
        run, step = self._agg_run, self._agg_step
        if len(run) > 1 and self._agg_default_func is np.mean and isinstance(step, (int, type(None))):
            value = impl.merge_dicts(run, self._agg_key_funcs, self._mean)
            if value:
                self.log_metrics(value, step)
            self._agg_run = []
            return
        super()._flush_run()


class MeanBySumOverLen(_OwnDefaultMerge):
    """The default mean is computed as sum(values) / len(values): exact for ints, summed in order for
    floats, so it differs from numpy.mean near 2**53 and from 8 values on."""

    @staticmethod
    def _mean(values: Sequence[float]) -> Any:
        return sum(values) / len(values)


class NanMean(_OwnDefaultMerge):
    """numpy.nanmean in place of numpy.mean: a NaN in a run is skipped instead of giving NaN."""

    @staticmethod
    def _mean(values: Sequence[float]) -> Any:
        return np.nanmean(values)


class StepComparedByIdentity(impl.InMemoryLogger):
    """Steps are compared with ``is``: equal steps past CPython's small-int cache (257...) never form a run."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        check_metrics(metrics)
        check_step(step)
        if self._agg_run and step is not self._agg_step:
            self._flush_run()
        if not self._agg_run:
            self._agg_step = step
        self._agg_run = [*self._agg_run, dict(metrics)]


class SingleRunIntsAsFloats(impl.InMemoryLogger):
    """A run of one call is logged with its ints made floats (so it is not logged unchanged, and an
    int past 2**53 loses digits)."""

    def _flush_run(self) -> None:
        if len(self._agg_run) == 1:
            self._agg_run = [{k: float(v) if type(v) is int else v for k, v in self._agg_run[0].items()}]
        super()._flush_run()


class KeepsCallersMetrics(impl.InMemoryLogger):
    """agg_and_log_metrics keeps the caller's dict in the run (as 1.5 does): a caller reusing it changes
    what is logged."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().agg_and_log_metrics(metrics, step)
        self._agg_run[-1] = metrics


class AggPopsFirstKey(impl.InMemoryLogger):
    """agg_and_log_metrics pops the first key of the caller's dict (an "epoch" it handles apart)."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        check_metrics(metrics)
        check_step(step)
        taken = dict(metrics)
        if metrics:
            metrics.pop(next(iter(metrics)))
        super().agg_and_log_metrics(taken, step)


class SaveDirBecomesPath(impl.InMemoryLogger):
    """save_dir becomes a pathlib.Path once something is logged (the experiment directory is made lazily)."""

    @property
    def save_dir(self) -> Any:
        base = super().save_dir
        return Path(base or ".") / "version_0" if self.metrics else base


class NameNoneAfterFinalize(impl.InMemoryLogger):
    """name is None once the logger is finalized (the run object it read the name from is released)."""

    def __init__(self, save_dir: str | os.PathLike[str] | None = None) -> None:
        super().__init__(save_dir)
        self._finalized = False

    @property
    def name(self) -> Any:
        return None if self._finalized else super().name

    def finalize(self, status: str) -> None:
        super().finalize(status)
        self._finalized = True


class HyperparamsAsJson(impl.InMemoryLogger):
    """log_hyperparams writes params with json.dumps: a nested Namespace raises TypeError."""

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        json.dumps(vars(params) if isinstance(params, Namespace) else params)
        super().log_hyperparams(params, *args, **kwargs)


class RejectsNestedHyperparams(impl.InMemoryLogger):
    """log_hyperparams takes flat params only: a nested dict or Namespace raises ValueError."""

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        values = vars(params) if isinstance(params, Namespace) else params
        for key, value in values.items():
            if isinstance(value, (Mapping, Namespace)):
                raise ValueError(f"hyperparameter {key!r} is nested")
        super().log_hyperparams(params, *args, **kwargs)


class HyperparamsPopsFirstKey(impl.InMemoryLogger):
    """log_hyperparams pops the first key of the caller's params (one it logs apart)."""

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        values = vars(params) if isinstance(params, Namespace) else params
        if values:
            values.pop(next(iter(values)))
        super().log_hyperparams(params, *args, **kwargs)


class BoolStepTaken(impl.InMemoryLogger):
    """The step check is isinstance(step, int): step=True is taken as step 1."""

    def log_metrics(self, metrics: dict[str, float], step: Any = None) -> None:
        super().log_metrics(metrics, int(step) if isinstance(step, bool) else step)

    def agg_and_log_metrics(self, metrics: dict[str, float], step: Any = None) -> None:
        super().agg_and_log_metrics(metrics, int(step) if isinstance(step, bool) else step)


class RejectsOnlyStrValues(impl.InMemoryLogger):
    """log_metrics checks values by refusing strs only: None, lists and complex numbers are recorded."""

    def log_metrics(self, metrics: Any, step: Any = None) -> None:
        if not isinstance(metrics, Mapping):
            raise TypeError(f"metrics must be a mapping, got {type(metrics).__name__}")
        for key, value in metrics.items():
            if not isinstance(key, str):
                raise TypeError(f"metrics: key {key!r} must be a str")
            inner = value.items() if isinstance(value, Mapping) else [(None, value)]
            for sub, leaf in inner:
                if isinstance(leaf, str):
                    raise TypeError(f"metrics[{key!r}]{'' if sub is None else f'[{sub!r}]'} must not be a str")
        self.metrics.append((check_step(step), dict(metrics)))


class NanZeroedInPlace(impl.InMemoryLogger):
    """log_metrics replaces NaN values with 0.0 in the caller's dict."""

    def log_metrics(self, metrics: Any, step: Any = None) -> None:
        if isinstance(metrics, dict):
            for key, value in metrics.items():
                if isinstance(value, float) and math.isnan(value):
                    metrics[key] = 0.0
        super().log_metrics(metrics, step)


class CheckpointSaves(impl.InMemoryLogger):
    """after_save_checkpoint calls save(): the pending run is logged before its step ends."""

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        super().after_save_checkpoint(checkpoint_callback)
        self.save()


class UpdateKeepsCallersFuncs(impl.InMemoryLogger):
    """update_agg_funcs keeps the caller's mapping when no key functions are in force: a later change
    to it changes the functions."""

    def update_agg_funcs(
        self,
        agg_key_funcs: Mapping[str, spec.AggregationFunction] | None = None,
        agg_default_func: spec.AggregationFunction = np.mean,
    ) -> None:
        had_funcs = bool(self._agg_key_funcs)
        super().update_agg_funcs(agg_key_funcs, agg_default_func)
        if agg_key_funcs and not had_funcs:
            self._agg_key_funcs = agg_key_funcs

def _subject(cls: type[Any]) -> LoggerSubject:
    return LoggerSubject(cls, f"tests.broken.loggers:{cls.__name__}")


BROKEN = [
    Broken("logger.protocol_conformance", _subject(NoStepParameter), "log_metrics has no step parameter"),
    Broken("logger.protocol_conformance", _subject(RenamedMetricsParameter), "log_metrics(metrics=...) fails"),
    Broken("logger.protocol_conformance", _subject(StepDefaultsToZero), "step defaults to 0, not None"),
    Broken("logger.protocol_conformance", _subject(FinalizeWithoutStatus), "finalize takes no status"),
    Broken("logger.property_types", _subject(IntName), "name is an int"),
    Broken("logger.property_types", _subject(FloatVersion), "version is a float"),
    Broken("logger.property_types", _subject(BoolVersion), "version is a bool"),
    Broken("logger.property_types", _subject(PathSaveDir), "save_dir is a Path"),
    Broken("logger.hyperparams_dict_and_namespace", _subject(RejectsNamespace), "a Namespace raises"),
    Broken("logger.hyperparams_dict_and_namespace", _subject(RejectsDict), "a dict raises"),
    Broken("logger.lifecycle_any_order", _subject(CloseRaisesAfterFinalize), "close() after finalize() raises"),
    Broken("logger.lifecycle_any_order", _subject(SaveTwiceRaises), "a second save() raises"),
    Broken("logger.lifecycle_any_order", _subject(LogGraphNeedsAModule), "log_graph raises for a non-module"),
    Broken("logger.lifecycle_any_order", _subject(LogMetricsAfterCloseRaises), "log_metrics after close() raises"),
    Broken("logger.log_metrics_no_mutation", _subject(PopsFirstKey), "log_metrics pops a key of the caller's dict"),
    Broken("logger.log_metrics_no_mutation", _subject(FloatsInPlace), "log_metrics converts values in place"),
    Broken("logger.rejects_bad_input", _subject(AcceptsAnything), "bad input is recorded silently"),
    Broken("logger.rejects_bad_input", _subject(NamelessTypeError), "the TypeError does not name the argument"),
    Broken("logger.rejects_bad_input", _subject(ChecksOnlyTopLevel), "a str in a nested dict is accepted"),
    Broken("aggregation.runs_logged_once", _subject(EmitsStepPlusOne), "runs are logged under step + 1"),
    Broken("aggregation.runs_logged_once", _subject(LogsRunTwiceOnSave), "save() logs the run twice"),
    Broken("aggregation.runs_logged_once", _subject(MergesAcrossStepChanges), "runs are merged across step changes"),
    Broken("aggregation.runs_logged_once", _subject(LogsEachCallAtOnce), "every call is logged, unaggregated"),
    Broken("aggregation.run_value", _subject(AlwaysMean), "update_agg_funcs has no effect"),
    Broken("aggregation.run_value", _subject(MergesSingleCallRuns), "a run of one call is merged"),
    Broken("aggregation.deferred_until_step_change", _subject(LogsEachCallAtOnce), "every call is logged at once"),
    Broken("aggregation.deferred_until_step_change", _subject(LogsOnlyAtFlush), "finished runs wait for a flush"),
    Broken("aggregation.second_flush_logs_nothing", _subject(SaveKeepsTheRun), "save() does not clear the run"),
    Broken("aggregation.update_agg_funcs_takes_effect", _subject(UpdateReplacesKeyFuncs), "key functions are replaced"),
    Broken(
        "aggregation.update_agg_funcs_takes_effect",
        _subject(UpdateKeepsOldDefault),
        "update_agg_funcs() keeps the default",
    ),
    Broken("aggregation.update_agg_funcs_takes_effect", _subject(AlwaysMean), "update_agg_funcs has no effect"),
    Broken("aggregation.log_metrics_bypasses", _subject(DirectLogDropsTheRun), "log_metrics clears the pending run"),
    Broken("aggregation.log_metrics_bypasses", _subject(DirectLogIsAggregated), "log_metrics joins the pending run"),
    Broken("aggregation.state_machine", _subject(CloseForgetsTheRun), "close() drops the pending run"),
    Broken("aggregation.state_machine", _subject(HyperparamsEndTheRun), "log_hyperparams logs the pending run"),
    Broken("aggregation.state_machine", _subject(UpdateEndsTheRun), "update_agg_funcs logs the pending run"),
    Broken("aggregation.state_machine", _subject(LogsEachCallAtOnce), "every call is logged at once"),
    Broken("aggregation.empty_run_not_logged", _subject(Lightning15), "1.5: a run of {} is logged at a flush"),
    Broken("aggregation.empty_run_not_logged", _subject(LogsEmptyRuns), "runs of {} are logged"),
    Broken(
        "aggregation.rejected_call_keeps_state",
        _subject(Lightning15),
        "1.5: no checks, and a run is lost when logging raises",
    ),
    Broken(
        "aggregation.rejected_call_keeps_state",
        _subject(LosesRunWhenLoggingRaises),
        "a run is lost when logging raises",
    ),
    Broken(
        "aggregation.rejected_call_keeps_state", _subject(FlushesBeforeCheckingStep), "a bad step logs the pending run"
    ),
    Broken("aggregation.rejected_call_keeps_state", _subject(TakesHalfAMalformedCall), "a rejected call joins the run"),
    # Found by the adversarial audit.
    Broken("logger.protocol_conformance", _subject(StepKeywordOnly), "step is keyword-only"),
    Broken("logger.protocol_conformance", _subject(LogGraphNeedsInputArray), "input_array has no default"),
    Broken("logger.property_types", _subject(VersionNoneUntilLogged), "version is None until something is logged"),
    Broken("logger.hyperparams_dict_and_namespace", _subject(RejectsEmptyHyperparams), "no hyperparameters raises"),
    Broken("logger.lifecycle_any_order", _subject(SaveAfterCloseRaises), "save() after close() raises"),
    Broken("logger.lifecycle_any_order", _subject(LogGraphRunsTheModel), "log_graph calls the model"),
    Broken("logger.log_metrics_no_mutation", _subject(NestedFloatsInPlace), "nested values made floats in place"),
    Broken("logger.log_metrics_no_mutation", _subject(AddsStepKey), "a 'step' key added to the caller's dict"),
    Broken("logger.rejects_bad_input", _subject(StepCoercedToInt), "a float step is made an int"),
    Broken("logger.rejects_bad_input", _subject(StatusCoercedToStr), "a status is made a str"),
    Broken("aggregation.runs_logged_once", _subject(StepNoneIsZero), "step None is step 0"),
    Broken("aggregation.runs_logged_once", _subject(FinalizeDoesNotFlush), "finalize() forgets the run"),
    Broken("aggregation.runs_logged_once", _subject(BoundaryOffByOne), "a new step's first call ends the old run"),
    Broken("aggregation.runs_logged_once", _subject(FlushesOnlyOnSuccess), "finalize('failed') keeps the run"),
    Broken("aggregation.run_value", _subject(FuncsAtCallTime), "functions in force at the run's first call"),
    Broken("aggregation.run_value", _subject(RunningAggregate), "f([f([a, b]), c]) instead of f([a, b, c])"),
    Broken("aggregation.deferred_until_step_change", _subject(LogsEveryTwoCalls), "a run is logged at two calls"),
    Broken("aggregation.second_flush_logs_nothing", _subject(CloseRelogsTheLast), "close() logs the last metrics"),
    Broken(
        "aggregation.update_agg_funcs_takes_effect",
        _subject(NoArgUpdateClearsKeyFuncs),
        "update_agg_funcs() drops the key functions",
    ),
    Broken("aggregation.log_metrics_bypasses", _subject(DirectLogEndsTheRun), "log_metrics logs the pending run first"),
    Broken("aggregation.state_machine", _subject(FuncsAtCallTime), "functions in force at the run's first call"),
    Broken("aggregation.state_machine", _subject(StepNoneIsZero), "step None is step 0"),
    Broken("aggregation.empty_run_not_logged", _subject(LogsEmptyMergedRuns), "a run of several {} is logged"),
    Broken("aggregation.rejected_call_keeps_state", _subject(SaveDropsRunFirst), "a run is lost when save() fails"),
    Broken("aggregation.rejected_call_keeps_state", _subject(AggChecksTopLevelOnly), "a nested str joins the run"),
    Broken("logger.protocol_conformance", _subject(AggStepKeywordOnly), "agg_and_log_metrics: step keyword-only"),
    Broken("logger.protocol_conformance", _subject(UpdateParametersRenamed), "update_agg_funcs' parameters renamed"),
    Broken("aggregation.runs_logged_once", _subject(FlattensNestedRuns), "nested metrics flattened in runs"),
    Broken("aggregation.update_agg_funcs_rejects_non_callable", _subject(StoresAnyFunction), "non-callables stored"),
    Broken(
        "aggregation.update_agg_funcs_rejects_non_callable",
        _subject(UpdatesKeysBeforeCheckingDefault),
        "a bad default leaves new key functions in force",
    ),
    # Found by the second adversarial audit.
    Broken("aggregation.runs_logged_once", _subject(MeanBySumOverLen), "the mean is sum/len, not numpy.mean"),
    Broken("aggregation.runs_logged_once", _subject(NanMean), "numpy.nanmean, not numpy.mean"),
    Broken("aggregation.runs_logged_once", _subject(StepComparedByIdentity), "steps compared with is"),
    Broken("aggregation.runs_logged_once", _subject(SingleRunIntsAsFloats), "a run of one call: ints made floats"),
    Broken("aggregation.metrics_not_shared", _subject(KeepsCallersMetrics), "the caller's dict is kept"),
    Broken("aggregation.metrics_not_shared", _subject(AggPopsFirstKey), "the caller's dict loses a key"),
    Broken("logger.property_types", _subject(SaveDirBecomesPath), "save_dir is a Path once logged"),
    Broken("logger.property_types", _subject(NameNoneAfterFinalize), "name is None once finalized"),
    Broken("logger.hyperparams_dict_and_namespace", _subject(HyperparamsAsJson), "a nested Namespace raises"),
    Broken("logger.hyperparams_dict_and_namespace", _subject(RejectsNestedHyperparams), "nested params raise"),
    Broken("logger.hyperparams_dict_and_namespace", _subject(HyperparamsPopsFirstKey), "params lose a key"),
    Broken("logger.rejects_bad_input", _subject(BoolStepTaken), "step=True is taken as 1"),
    Broken("aggregation.rejected_call_keeps_state", _subject(BoolStepTaken), "step=True is taken as 1"),
    Broken("logger.rejects_bad_input", _subject(RejectsOnlyStrValues), "None, lists, complex are recorded"),
    Broken("logger.log_metrics_no_mutation", _subject(NanZeroedInPlace), "NaN made 0.0 in the caller's dict"),
    Broken("aggregation.state_machine", _subject(CheckpointSaves), "after_save_checkpoint logs the pending run"),
    Broken(
        "aggregation.update_agg_funcs_takes_effect",
        _subject(UpdateKeepsCallersFuncs),
        "a later change to the caller's agg_key_funcs takes effect",
    ),
]
