"""aggregation.state_machine: random interleavings of every call, compared after each call with
``impl.InMemoryLogger``."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from typing import Any, Final, cast

import numpy as np
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis import stateful
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import impl
from conformance import strategies as cst
from conformance._aggregation._model import Metrics, require_aggregation
from conformance._calls import CallLog
from conformance._compare import same
from conformance._core import LoggerSubject, expect, register
from conformance._inputs import STATUSES, hyperparams
from conformance._observe import fresh_logger, has_close, spy_log_metrics
from conformance._profiles import in_force, max_examples_of, phases_of

__all__: list[str] = []

# --- aggregation.state_machine ---------------------------------------------------------------

_SM_VALUES = st.one_of(st.integers(-1000, 1000), st.floats(-1e3, 1e3, allow_nan=False))
# Keys from the pool that agg_key_funcs is drawn from too, so a run's keys meet the functions set for them.
_SM_METRICS = cst.metric_dicts(keys=cst.pool_keys(), values=_SM_VALUES, min_size=1)
_SM_FUNCS: tuple[Callable[..., Any], ...] = (max, min, sum, np.mean)
_NO_CALL = object()
STATE_MACHINE_SETTINGS = settings(
    max_examples=150,
    stateful_step_count=20,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    report_multiple_bugs=False,
    phases=tuple(p for p in Phase if p != Phase.explain),
    suppress_health_check=(HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much),
)
"""150 sequences of up to 20 calls each, derandomized (the same verdict every run), without the explain
phase (its output is not reported; the failure message lists the calls made instead). Within a run,
:func:`_settings` scales the count with the run's examples. About 1 s on ``impl.InMemoryLogger``."""

SEQUENCES_PER_EXAMPLE: Final = 1.5
# (Read with getattr: Hypothesis 6.170's run_state_machine_as_test is partially unknown to pyright.)
_run_as_test: Callable[..., None] = getattr(stateful, "run_state_machine_as_test")
"""Sequences per example of the run in force: 150 at the ci profile's 100 examples, so
``--max-examples`` and the profiles reach the machine as they reach every other property."""


def _settings() -> settings:
    """:data:`STATE_MACHINE_SETTINGS`, with the run's example count (scaled) and phases."""
    chosen = in_force()
    if chosen is None:
        return STATE_MACHINE_SETTINGS
    return settings(
        STATE_MACHINE_SETTINGS,
        max_examples=max(1, math.ceil(max_examples_of(chosen) * SEQUENCES_PER_EXAMPLE)),
        phases=tuple(p for p in phases_of(chosen) if p != Phase.explain),
    )


class _CheckpointCallback:
    """What after_save_checkpoint is given: nothing a logger knows, with a readable repr."""

    def __repr__(self) -> str:
        return "<checkpoint callback>"


_CHECKPOINT_CALLBACK = _CheckpointCallback()


def _same_pair(got: tuple[Any, Any], want: tuple[Any, Metrics]) -> bool:
    """The same (step, metrics), NaN equal to NaN."""
    return (
        same(got[0], want[0])
        and isinstance(got[1], Mapping)
        and same(dict(cast("Mapping[str, Any]", got[1])), want[1])
    )


def _machine(subject: LoggerSubject, with_close: bool) -> type[RuleBasedStateMachine]:
    """A state machine making random calls on a subject's logger and, in lockstep, on an
    ``impl.InMemoryLogger``; after each call, both must have logged the same (step, metrics) pairs."""

    flushes = ("save", *(f"finalize:{s}" for s in STATUSES), *(("close",) if with_close else ()))

    class LoggerMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.stack = ExitStack()
            logger, _path = self.stack.enter_context(fresh_logger(subject))
            self.emitted = spy_log_metrics(logger)
            self.calls = CallLog(logger)
            self.model = impl.InMemoryLogger()
            self.last_step: object = _NO_CALL

        def teardown(self) -> None:
            self.stack.close()

        def both(self, method: str, *args: Any, **kwargs: Any) -> None:
            self.calls.run(method, *copy.deepcopy(args), **copy.deepcopy(kwargs))
            getattr(self.model, method)(*copy.deepcopy(args), **copy.deepcopy(kwargs))

        @rule(metrics=_SM_METRICS, step=cst.steps())
        def agg_and_log_metrics(self, metrics: Metrics, step: int | None) -> None:
            self.last_step = step
            self.both("agg_and_log_metrics", metrics, step=step)

        @precondition(lambda self: self.last_step is not _NO_CALL)
        @rule(metrics=_SM_METRICS)
        def agg_and_log_metrics_same_step(self, metrics: Metrics) -> None:
            self.both("agg_and_log_metrics", metrics, step=self.last_step)

        @rule(metrics=cst.metric_dicts(keys=cst.pool_keys(), values=_SM_VALUES), step=cst.steps())
        def log_metrics(self, metrics: Metrics, step: int | None) -> None:
            self.both("log_metrics", metrics=metrics, step=step)

        @rule(flush=st.sampled_from(flushes))
        def flush(self, flush: str) -> None:
            if flush.startswith("finalize"):
                self.both("finalize", flush.partition(":")[2])
            else:
                self.both(flush)

        @rule(
            key_funcs=st.dictionaries(cst.pool_keys(), st.sampled_from(_SM_FUNCS), max_size=3),
            default=st.one_of(st.none(), st.sampled_from(_SM_FUNCS)),
        )
        def update_agg_funcs(self, key_funcs: dict[str, Any], default: Any) -> None:
            if default is None:
                self.both("update_agg_funcs")
            else:
                self.both("update_agg_funcs", key_funcs, default)

        def own_records(self, method: str, *args: Any) -> None:
            """Make a call that records something of its own. What it logs through log_metrics (1.5's
            TensorBoardLogger logs an ``hp_metric`` from log_hyperparams) is set aside: it is not a run.
            It must not be the pending run, which stays pending."""
            probe = copy.deepcopy(self.model)
            start = len(probe.metrics)
            probe.save()
            pending = probe.metrics[start:]
            start = len(self.emitted)
            self.both(method, *args)
            own = self.emitted[start:]
            del self.emitted[start:]
            leaked = [pair for pair in own if any(_same_pair(pair, run) for run in pending)]
            expect(
                not leaked,
                f"{self.calls.made[-1]} logged the pending run {leaked!r}: nothing of a run may be logged "
                f"before a call with a different step or a flush. Calls made: {self.calls}",
            )

        @rule(params=hyperparams())
        def log_hyperparams(self, params: Any) -> None:
            self.own_records("log_hyperparams", params)

        @rule()
        def log_graph(self) -> None:
            self.own_records("log_graph", "model")

        @rule()
        def after_save_checkpoint(self) -> None:
            self.own_records("after_save_checkpoint", _CHECKPOINT_CALLBACK)

        @invariant()
        def logged_like_the_model(self) -> None:
            got, want = self.emitted, self.model.metrics
            same = len(got) == len(want) and all(_same_pair(g, w) for g, w in zip(got, want, strict=True))
            expect(
                same,
                f"after the calls {self.calls}, the logger logged (step, metrics) {got!r}; "
                f"impl.InMemoryLogger logged {want!r}",
            )

    return LoggerMachine


@register("aggregation.state_machine", level="core")
def state_machine(subject: LoggerSubject, _: None) -> None:
    """Every run must be logged exactly once, in order, under its own step, with its value, by the time a
    flush returns."""
    # Random interleavings of every call, compared after each call with impl.InMemoryLogger.
    require_aggregation(subject)
    _run_as_test(_machine(subject, has_close(subject)), settings=_settings())
