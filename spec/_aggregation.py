"""The contract of step aggregation: ``agg_and_log_metrics`` and ``update_agg_funcs``."""

from __future__ import annotations

import abc
from typing import Protocol, runtime_checkable

from spec._logger import Logger, LoggerABC
from spec._merge import AggKeyFuncs, AggregationFunction

__all__ = ["AggregatingLogger", "AggregatingLoggerABC"]


@runtime_checkable
class AggregatingLogger(Logger, Protocol):
    """A logger that aggregates the metrics of consecutive calls with the same step (the 1.5 API).

    Definitions used below. A *run* is a maximal sequence of consecutive ``agg_and_log_metrics``
    calls with equal ``step`` (``None`` equals ``None``), not interrupted by a *flush*: a call to
    ``save()``, ``finalize(status)`` or ``close()``. The *value* of a run is its one dict, unchanged
    (the same values of the same types), when it has one call, and otherwise ``merge_dicts(run, agg_key_funcs, agg_default_func)`` with
    the functions in force when the run is logged. To *log* a run is to call
    ``self.log_metrics(metrics=value, step=step)`` once.
    """

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        """Add ``metrics`` to the run of ``step``, logging the previous run if ``step`` differs.

        - Every run must be logged exactly once, in order, under its own step, with its value,
          by the time a flush returns. Checked by: ``aggregation.runs_logged_once``,
          ``aggregation.run_value``, ``aggregation.state_machine``.
        - Nothing of a run may be logged before a call with a different step or a flush.
          Checked by: ``aggregation.deferred_until_step_change``, ``aggregation.state_machine``.
        - A second flush with no call in between must log nothing.
          Checked by: ``aggregation.second_flush_logs_nothing``.
        - ``log_metrics`` called directly must log at once and must not touch the pending run.
          Checked by: ``aggregation.log_metrics_bypasses``.
        - Strict: a run whose value is empty (``{}``) must not be logged.
          Checked by: ``aggregation.empty_run_not_logged``.
        - Strict: bad ``metrics`` or ``step`` must raise ``TypeError`` naming the argument and key
          path, and leave the pending run exactly as it was. A run must be kept, not lost, when
          logging it raises. Checked by: ``aggregation.rejected_call_keeps_state``.
        - Strict: ``metrics`` must not be mutated, and a change the caller makes to it (or to a
          mapping nested in it) after the call returns must not change what is logged (1.5 keeps
          the caller's dict). Checked by: ``aggregation.metrics_not_shared``.
        """
        ...

    def update_agg_funcs(
        self,
        agg_key_funcs: AggKeyFuncs | None = None,
        agg_default_func: AggregationFunction = ...,
    ) -> None:
        """Change the aggregation functions for runs logged from now on.

        Entries of ``agg_key_funcs`` must be added to (replacing same-named) entries in force, as
        the mapping holds them at the call (a later change to it must not change them);
        ``agg_default_func`` must replace the default function (so calling with no arguments
        restores ``numpy.mean``). Checked by: ``aggregation.update_agg_funcs_takes_effect``.
        Strict: a function that is not callable must raise ``TypeError`` naming it, changing nothing.
        Checked by: ``aggregation.update_agg_funcs_rejects_non_callable``.
        """
        ...


class AggregatingLoggerABC(LoggerABC):
    """Nominal base for aggregating loggers; ``impl.LightningLoggerBase`` derives from it."""

    @abc.abstractmethod
    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        """See :meth:`AggregatingLogger.agg_and_log_metrics`."""

    @abc.abstractmethod
    def update_agg_funcs(
        self,
        agg_key_funcs: AggKeyFuncs | None = None,
        agg_default_func: AggregationFunction = ...,
    ) -> None:
        """See :meth:`AggregatingLogger.update_agg_funcs`."""
