"""The core properties of runs: each logged once, with its value, not before a step change or a
flush, once only; update_agg_funcs taking effect; log_metrics bypassing the pending run."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from hypothesis import strategies as st

import impl
from conformance._aggregation._cases import (
    AGG_CALLS,
    METRICS,
    NESTED_AGG_CALLS,
    RUN_VALUES,
    STEPS,
    AggCalls,
    Update,
    exact_funcs,
    exact_key_funcs,
    takes_effect_funcs,
    three_keys,
    zero_func,
)
from conformance._aggregation._model import (
    Entry,
    Metrics,
    Model,
    agg,
    expect_logged,
    flush_kinds,
    flush_text,
    fresh_int,
    matches,
    mean_value,
    name_of,
    run_flush,
    watched,
)
from conformance._calls import CallLog
from conformance._compare import is_dict
from conformance._core import ConformanceFailure, LoggerSubject, expect, register
from conformance._observe import Emitted, argument_reader, fresh_logger

__all__: list[str] = []

# --- core ------------------------------------------------------------------------------------


@register(
    "aggregation.runs_logged_once",
    level="core",
    strategy=lambda s: st.tuples(st.one_of(AGG_CALLS, NESTED_AGG_CALLS), flush_kinds(s)),
)
def runs_logged_once(subject: LoggerSubject, example: tuple[AggCalls, str]) -> None:
    """Every run must be logged exactly once, in order, under its own step, with its value, by the time a
    flush returns."""
    agg_calls, flush = example
    if any(is_dict(v) for metrics, _ in agg_calls for v in metrics.values()):
        _runs_of_nested_metrics(subject, agg_calls, flush)
        return
    with watched(subject) as (_logger, emitted, calls, model):
        for metrics, step in agg_calls:
            agg(calls, model, metrics, step)
        run_flush(calls, flush)
        model.flush()
        expect_logged(emitted, model, calls, f"after {flush_text(flush)}", mean_value)


def _runs_of_nested_metrics(subject: LoggerSubject, agg_calls: AggCalls, flush: str) -> None:
    """runs_logged_once for nested metrics. The seed types metrics as Dict[str, float], so at core a
    logger may refuse them (1.5's TensorBoardLogger stores one level only): what reaches log_metrics
    is recorded and not passed on, and a call that raises ends the example. What is logged is judged."""
    with fresh_logger(subject) as (logger, _path):
        read = argument_reader(logger.log_metrics)
        emitted: Emitted = []

        def record(*args: Any, **kwargs: Any) -> None:
            metrics, step = read(args, kwargs)
            emitted.append((step, copy.deepcopy(metrics)))

        logger.log_metrics = record
        calls, model = CallLog(logger), Model()
        try:
            for metrics, step in agg_calls:
                agg(calls, model, metrics, step)
            run_flush(calls, flush)
        except ConformanceFailure:
            return
        model.flush()
        when = f"after {flush_text(flush)} (metrics recorded, not stored)"
        expect_logged(emitted, model, calls, when, mean_value)


@st.composite
def _run_value_cases(
    draw: st.DrawFn, flushes: st.SearchStrategy[str]
) -> tuple[Update, AggCalls, tuple[Update, int] | None, str]:
    """Functions set first, calls, and maybe a second update before the call at an index (often in
    the middle of a run), then a flush."""
    first: Update = (draw(exact_key_funcs), draw(exact_funcs))
    agg_calls = draw(AGG_CALLS)
    later: tuple[Update, int] | None = None
    if draw(st.booleans()):
        later = ((draw(exact_key_funcs), draw(exact_funcs)), draw(st.integers(0, len(agg_calls))))
    return first, agg_calls, later, draw(flushes)


@register("aggregation.run_value", level="core", strategy=lambda s: _run_value_cases(flush_kinds(s)))
def run_value(
    subject: LoggerSubject, example: tuple[Update, AggCalls, tuple[Update, int] | None, str]
) -> None:
    """The value of a run is its one dict, unchanged, when it has one call, and otherwise
    merge_dicts(run, agg_key_funcs, agg_default_func) with the functions in force when the run is logged."""
    (funcs, default), agg_calls, later, flush = example
    # The functions in force when each run the model logs was logged, by its position in model.logged.
    logged_with: list[Update] = []
    with watched(subject) as (_logger, emitted, calls, model):

        def note_logged() -> None:
            logged_with.extend([(dict(funcs), default)] * (len(model.logged) - len(logged_with)))

        def update_before(index: int) -> None:
            nonlocal funcs, default
            if later is not None and later[1] == index:
                (more, default), _ = later
                calls.run("update_agg_funcs", dict(more), default)
                funcs = {**funcs, **more}

        calls.run("update_agg_funcs", dict(funcs), default)
        for i, (metrics, step) in enumerate(agg_calls):
            update_before(i)
            agg(calls, model, metrics, step)
            note_logged()
        update_before(len(agg_calls))
        run_flush(calls, flush)
        model.flush()
        note_logged()

        def values(entry: Entry) -> Metrics:
            position = next(i for i, logged in enumerate(model.logged) if logged is entry)
            return impl.merge_dicts(entry.run, *logged_with[position])

        expect_logged(emitted, model, calls, f"after {flush_text(flush)}", values)


@st.composite
def _interleaved(
    draw: st.DrawFn, flushes: st.SearchStrategy[str], extra: st.SearchStrategy[list[tuple[str, Any]]]
) -> list[tuple[str, Any]]:
    """agg_calls() as ("agg", (metrics, step)) events, with the events drawn from ``extra`` (a list)
    inserted anywhere, then a flush."""
    events: list[tuple[str, Any]] = [("agg", call) for call in draw(AGG_CALLS)]
    for event in draw(extra):
        events.insert(draw(st.integers(0, len(events))), event)
    return [*events, ("flush", draw(flushes))]


def _play_event(event: tuple[str, Any], calls: CallLog, model: Model) -> None:
    kind, payload = event
    if kind == "agg":
        agg(calls, model, *payload)
    elif kind == "log":
        metrics, step = payload
        calls.run("log_metrics", metrics=copy.deepcopy(metrics), step=fresh_int(step))
        model.log(metrics, step)
    else:
        run_flush(calls, payload)
        model.flush()


def _flush_events(subject: LoggerSubject) -> st.SearchStrategy[list[tuple[str, Any]]]:
    flushes = flush_kinds(subject)
    return _interleaved(flushes, st.lists(flushes.map(lambda kind: ("flush", kind)), max_size=4))


@register("aggregation.deferred_until_step_change", level="core", strategy=_flush_events)
def deferred_until_step_change(subject: LoggerSubject, events: list[tuple[str, Any]]) -> None:
    """Nothing of a run may be logged before a call with a different step or a flush."""
    with watched(subject) as (_logger, emitted, calls, model):
        for event in events:
            _play_event(event, calls, model)
            expect_logged(emitted, model, calls, f"right after {calls.made[-1]}", mean_value)


@register(
    "aggregation.second_flush_logs_nothing",
    level="core",
    strategy=lambda s: st.tuples(AGG_CALLS, flush_kinds(s), flush_kinds(s)),
)
def second_flush_logs_nothing(subject: LoggerSubject, example: tuple[AggCalls, str, str]) -> None:
    """A second flush with no call in between must log nothing."""
    agg_calls, first, second = example
    with watched(subject) as (_logger, emitted, calls, model):
        for metrics, step in agg_calls:
            agg(calls, model, metrics, step)
        run_flush(calls, first)
        before = list(emitted)
        run_flush(calls, second)
        expect(
            emitted == before,
            f"the second flush {calls.made[-1]} logged {emitted[len(before) :]!r}; it must log nothing. "
            f"Calls made: {calls}",
        )


@st.composite
def _takes_effect_cases(draw: st.DrawFn, flushes: st.SearchStrategy[str]) -> dict[str, Any]:
    keys = draw(three_keys)
    funcs = takes_effect_funcs
    return {
        "keys": keys,
        "updates": [
            ({keys[0]: draw(funcs)}, draw(funcs)),
            ({keys[1]: draw(funcs)}, draw(funcs)),
            ({keys[0]: draw(funcs)}, draw(funcs)),
            None,  # update_agg_funcs() with no arguments
        ],
        "flush": draw(flushes),
    }


@register(
    "aggregation.update_agg_funcs_takes_effect",
    level="core",
    strategy=lambda s: _takes_effect_cases(flush_kinds(s)),
)
def update_agg_funcs_takes_effect(subject: LoggerSubject, case: dict[str, Any]) -> None:
    """Entries of agg_key_funcs must be added to (replacing same-named) entries in force (a later change to
    the caller's mapping must not change them); agg_default_func must replace the default function (so
    calling with no arguments restores numpy.mean)."""
    keys, flush = case["keys"], case["flush"]
    in_force: dict[str, Any] = {}
    default: Any = np.mean
    with watched(subject) as (_logger, emitted, calls, model):
        for step, update in enumerate(case["updates"]):
            if update is None:
                calls.run("update_agg_funcs")
                default = np.mean
            else:
                given = dict(update[0])
                calls.run("update_agg_funcs", agg_key_funcs=given, agg_default_func=update[1])
                in_force, default = {**in_force, **update[0]}, update[1]
                # The caller may reuse its mapping: the entries in force are those it held at the call.
                given.update(dict.fromkeys([*keys, "loss"], zero_func))
                calls.note(f"(the caller then set every key of that agg_key_funcs to {zero_func!r})")
            run = [dict.fromkeys(keys, value) for value in RUN_VALUES]
            for metrics in run:
                agg(calls, model, metrics, step)
            run_flush(calls, flush)
            model.flush()
            want = impl.merge_dicts(run, in_force, default)
            funcs = {k: name_of(in_force.get(k, default)) for k in keys}
            expect(
                len(emitted) == step + 1 and matches(emitted[-1], Entry(step, (want,)), None),
                f"with functions {funcs} in force, the run {run} must be logged as (step {step}, {want}); "
                f"the logger logged {emitted[step:]!r}. Calls made: {calls}",
            )


def _direct_log_events(subject: LoggerSubject) -> st.SearchStrategy[list[tuple[str, Any]]]:
    return _interleaved(flush_kinds(subject), _DIRECT_LOGS)


def _as_log(call: tuple[Metrics, int | None]) -> tuple[str, Any]:
    return ("log", call)


_DIRECT_LOGS = st.lists(st.tuples(METRICS, STEPS).map(_as_log), max_size=4)


@register("aggregation.log_metrics_bypasses", level="core", strategy=_direct_log_events)
def log_metrics_bypasses(subject: LoggerSubject, events: list[tuple[str, Any]]) -> None:
    """log_metrics called directly must log at once and must not touch the pending run."""
    with watched(subject) as (_logger, emitted, calls, model):
        for event in events:
            _play_event(event, calls, model)
            if event[0] != "agg":
                expect_logged(emitted, model, calls, f"right after {calls.made[-1]}", mean_value)
