"""The strict properties of aggregation: empty runs, metrics not shared with the caller, rejected
calls and failed logs keeping the pending run, non-callable functions rejected."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Sequence
from typing import Any, cast

import attrs
from hypothesis import strategies as st

import impl
from conformance._aggregation._cases import (
    AGG_CALLS,
    BAD_METRICS,
    METRICS,
    NESTED_AGG_CALLS,
    NONEMPTY_METRICS,
    RUN_VALUES,
    STEPS,
    AggCalls,
    agg_call_lists,
    count,
    takes_effect_funcs,
    three_keys,
)
from conformance._aggregation._model import (
    Entry,
    Metrics,
    Values,
    agg,
    describe,
    expect_logged,
    first_difference,
    flush_kinds,
    flush_text,
    fresh_int,
    matches,
    mean_value,
    run_flush,
    status_of,
    watched,
)
from conformance._calls import CallLog, render_call
from conformance._compare import identical
from conformance._core import ConformanceFailure, LoggerSubject, expect, register
from conformance._inputs import bad_steps

__all__: list[str] = []

# --- strict ----------------------------------------------------------------------------------


@register(
    "aggregation.empty_run_not_logged",
    level="strict",
    strategy=lambda s: st.tuples(
        agg_call_lists(st.one_of(st.just(dict[str, Any]()), NONEMPTY_METRICS)), flush_kinds(s)
    ),
)
def empty_run_not_logged(subject: LoggerSubject, example: tuple[AggCalls, str]) -> None:
    """A run whose value is empty ({}) must not be logged."""
    agg_calls, flush = example
    with watched(subject) as (_logger, emitted, calls, model):
        for metrics, step in agg_calls:
            agg(calls, model, metrics, step)
            expect_logged(emitted, model, calls, f"right after {calls.made[-1]}", mean_value, empty_ok=False)
        run_flush(calls, flush)
        model.flush()
        expect_logged(emitted, model, calls, f"after {flush_text(flush)}", mean_value, empty_ok=False)



def _scribble(metrics: Metrics) -> None:
    """Change ``metrics`` in place as a caller reusing its dict does: every value (nested ones too)
    replaced, the first key removed, a key added."""
    for key, value in list(metrics.items()):
        if isinstance(value, dict):
            _scribble(cast("Metrics", value))
        else:
            metrics[key] = -123.25
    if metrics:
        del metrics[next(iter(metrics))]
    metrics["scribbled"] = 0.5


@register(
    "aggregation.metrics_not_shared",
    level="strict",
    strategy=lambda s: st.tuples(st.one_of(AGG_CALLS, NESTED_AGG_CALLS), flush_kinds(s)),
)
def metrics_not_shared(subject: LoggerSubject, example: tuple[AggCalls, str]) -> None:
    """agg_and_log_metrics must not mutate metrics, and a change the caller makes to metrics (or to a
    mapping nested in it) after the call returns must not change what is logged."""
    agg_calls, flush = example
    with watched(subject) as (_logger, emitted, calls, model):
        for metrics, step in agg_calls:
            given = copy.deepcopy(metrics)
            calls.run("agg_and_log_metrics", given, step=fresh_int(step))
            model.agg(metrics, step)
            expect(
                identical(given, metrics),
                f"{calls.made[-1]} changed its metrics argument to {given!r} (same keys in the same order, "
                f"same values of the same types expected). Calls made: {calls}",
            )
            _scribble(given)
            calls.note("(the caller then changed every value of that dict, removed a key and added one)")
        run_flush(calls, flush)
        model.flush()
        expect_logged(emitted, model, calls, f"after {flush_text(flush)}", mean_value)


def _expect_type_error(call: Callable[[], object], bad: str, names: Sequence[str], named: str, calls: CallLog) -> None:
    """``call()`` must raise ``TypeError`` whose message contains every one of ``names``."""
    try:
        call()
    except TypeError as error:
        missing = [n for n in names if n not in str(error)]
        expect(not missing, f"{bad}: the TypeError must name {named}, but says {str(error)!r}. Calls made: {calls}")
    except Exception as error:
        raise ConformanceFailure(
            f"{bad}: expected TypeError naming {named}, got {type(error).__name__}: {error}. Calls made: {calls}"
        ) from error
    else:
        raise ConformanceFailure(f"{bad}: expected TypeError naming {named}, but it returned. Calls made: {calls}")

class _InjectedError(RuntimeError):
    """Raised by log_metrics once, on purpose."""


@attrs.frozen(repr=False)
class _BadAggCall:
    """Valid calls, one malformed agg_and_log_metrics call, more valid calls, a flush."""

    before: AggCalls
    metrics: Any
    step: Any
    names: tuple[str, ...]
    after: AggCalls
    flush: str

    def __repr__(self) -> str:
        bad = render_call("agg_and_log_metrics", (self.metrics,), {"step": self.step})
        return f"bad call: before={self.before!r}, {bad}, after={self.after!r}, then {flush_text(self.flush)}"


@attrs.frozen(repr=False)
class _FailedLog:
    """Valid calls ending in a pending run; log_metrics raises once during ``trigger``; then a flush."""

    before: AggCalls
    trigger: tuple[Metrics, int | None] | str
    flush: str

    def __repr__(self) -> str:
        if isinstance(self.trigger, str):
            trigger = flush_text(self.trigger)
        else:
            trigger = render_call("agg_and_log_metrics", self.trigger[:1], {"step": self.trigger[1]})
        then = flush_text(self.flush)
        return f"failed log: before={self.before!r}, log_metrics raises once during {trigger}, then {then}"


@st.composite
def _rejected_cases(draw: st.DrawFn, flushes: st.SearchStrategy[str]) -> _BadAggCall | _FailedLog:
    before = draw(AGG_CALLS)
    if draw(st.booleans()):
        metrics: Any
        step: Any
        names: tuple[str, ...]
        # Bad metrics three times in four: they come in more shapes (kinds of fault, depths) than bad steps.
        if draw(st.integers(0, 3)) > 0:
            # Three times in four at the pending run's step: a malformed call there must not join the run.
            (metrics, names), step = draw(BAD_METRICS), draw(STEPS)
            if before and draw(st.integers(0, 3)) > 0:
                step = before[-1][1]
        else:
            metrics, step, names = draw(METRICS), draw(bad_steps), ("step",)
        return _BadAggCall(before, metrics, step, names, draw(AGG_CALLS), draw(flushes))
    pending_step = draw(STEPS)
    before += [(draw(NONEMPTY_METRICS), pending_step) for _ in range(draw(st.integers(1, 3)))]
    if draw(st.booleans()):
        trigger: tuple[Metrics, int | None] | str = (
            draw(NONEMPTY_METRICS),
            draw(STEPS.filter(lambda s: s != pending_step)),
        )
    else:
        trigger = draw(flushes)
    return _FailedLog(before, trigger, draw(flushes))


@register(
    "aggregation.rejected_call_keeps_state",
    level="strict",
    strategy=lambda s: _rejected_cases(flush_kinds(s)),
)
def rejected_call_keeps_state(subject: LoggerSubject, case: _BadAggCall | _FailedLog) -> None:
    """Bad metrics or step must raise TypeError naming the argument and key path, and leave the pending
    run exactly as it was. A run must be kept, not lost, when logging it raises."""
    if isinstance(case, _BadAggCall):
        _check_bad_call(subject, case)
    else:
        _check_failed_log(subject, case)


def _check_bad_call(subject: LoggerSubject, case: _BadAggCall) -> None:
    # Runs are merged with a count, so a run that took (part of) the malformed call shows it.
    values: Values = lambda entry: impl.merge_dicts(entry.run, None, count)  # noqa: E731
    with watched(subject) as (logger, emitted, calls, model):
        calls.run("update_agg_funcs", None, count)
        for metrics, step in case.before:
            agg(calls, model, metrics, step)
        bad = render_call("agg_and_log_metrics", (case.metrics,), {"step": case.step})
        calls.note(f"{bad} [malformed]")
        named = ", ".join(case.names)
        _expect_type_error(
            lambda: logger.agg_and_log_metrics(copy.deepcopy(case.metrics), step=case.step), bad, case.names, named, calls
        )
        expect_logged(emitted, model, calls, f"right after the malformed {bad}", values)
        for metrics, step in case.after:
            agg(calls, model, metrics, step)
        run_flush(calls, case.flush)
        model.flush()
        when = f"after {flush_text(case.flush)} (the malformed call must change nothing)"
        expect_logged(emitted, model, calls, when, values)


def _check_failed_log(subject: LoggerSubject, case: _FailedLog) -> None:
    # Runs are merged with a count, so a run that lost a call, or took the new one, shows it.
    values: Values = lambda entry: impl.merge_dicts(entry.run, None, count)  # noqa: E731
    with watched(subject) as (logger, emitted, calls, model):
        calls.run("update_agg_funcs", None, count)
        for metrics, step in case.before:
            agg(calls, model, metrics, step)
        pending = Entry(model.step, tuple(model.run))
        logged_before = list(model.logged)
        spy = logger.log_metrics
        failures: list[str] = []

        def fail_once(*args: Any, **kwargs: Any) -> Any:
            if not failures:
                failures.append(render_call("log_metrics", args, kwargs))
                raise _InjectedError("log_metrics failed (injected by the conformance suite)")
            return spy(*args, **kwargs)

        logger.log_metrics = fail_once
        if isinstance(case.trigger, str):
            text, status = flush_text(case.trigger), status_of(case.trigger)
            trigger: Callable[[], Any] = (
                (lambda: logger.finalize(status)) if status is not None else getattr(logger, case.trigger)
            )
            taken: list[Entry] = []
        else:
            metrics, step = case.trigger
            text = render_call("agg_and_log_metrics", (metrics,), {"step": step})
            trigger = lambda: logger.agg_and_log_metrics(copy.deepcopy(metrics), step=fresh_int(step))  # noqa: E731
            taken = [Entry(step, (metrics,))]
        calls.note(f"{text} [log_metrics raises {_InjectedError.__name__} once]")
        with contextlib.suppress(Exception):  # the injected error may propagate, or not
            trigger()
        run_flush(calls, case.flush)
        options = [[*logged_before, pending], [*logged_before, pending, *taken]]
        if any(first_difference(emitted, want, values) is None for want in options):
            return
        raise ConformanceFailure(
            f"log_metrics raised once while logging the run {describe(pending, values)} "
            f"(the call that raised: {failures[0] if failures else 'none was made'}); "
            f"the run must be kept and logged exactly once by the later {flush_text(case.flush)}. "
            f"Expected log_metrics calls [{', '.join(describe(e, values) for e in options[0])}]"
            + (f" (or with {describe(taken[0], values)} after it)" if taken else "")
            + f"; got {emitted!r}. Calls made: {calls}"
        )


_not_callables = st.sampled_from(("max", "numpy.mean", 3, 0.5))
# An entry may also be None (not "keep the default": 1.5 reads a None default so, never a None entry).
_not_callable_entries = st.one_of(_not_callables, st.none())


@attrs.frozen
class _BadUpdate:
    """Functions in force, a pending run, then update_agg_funcs with one value that is not callable."""

    keys: Sequence[str]
    first: tuple[dict[str, Any], Any]
    bad: tuple[dict[str, Any], Any]
    names: tuple[str, ...]
    flush: str


@st.composite
def _bad_updates(draw: st.DrawFn, flushes: st.SearchStrategy[str]) -> _BadUpdate:
    keys = draw(three_keys)
    funcs = takes_effect_funcs
    first = ({keys[0]: draw(funcs), keys[1]: draw(funcs)}, draw(funcs))
    # A valid entry or default beside the bad one shows an update applied in part.
    # The message must name the key quoted, as a key (a bare letter such as "a" is in "agg_key_funcs").
    # (Flat only: update_agg_funcs takes spec.AggKeyFuncs, names to functions.)
    if draw(st.booleans()):
        bad: tuple[dict[str, Any], Any] = ({keys[1]: draw(funcs), keys[2]: draw(_not_callable_entries)}, draw(funcs))
        names: tuple[str, ...] = ("agg_key_funcs", repr(keys[2]))
    else:
        bad, names = ({keys[1]: draw(funcs)}, draw(_not_callables)), ("agg_default_func",)
    return _BadUpdate(keys, first, bad, names, draw(flushes))


@register(
    "aggregation.update_agg_funcs_rejects_non_callable",
    level="strict",
    strategy=lambda s: _bad_updates(flush_kinds(s)),
)
def update_agg_funcs_rejects_non_callable(subject: LoggerSubject, case: _BadUpdate) -> None:
    """A function that is not callable must raise TypeError naming it, changing nothing."""
    (funcs, default), (bad_funcs, bad_default) = case.first, case.bad
    run = [dict.fromkeys(case.keys, value) for value in RUN_VALUES]
    with watched(subject) as (logger, emitted, calls, model):
        calls.run("update_agg_funcs", dict(funcs), default)
        for metrics in run:
            agg(calls, model, metrics, 0)
        bad = render_call("update_agg_funcs", (bad_funcs, bad_default))
        calls.note(f"{bad} [not callable]")
        named = ", ".join(case.names)
        _expect_type_error(lambda: logger.update_agg_funcs(dict(bad_funcs), bad_default), bad, case.names, named, calls)
        run_flush(calls, case.flush)
        model.flush()
        want = impl.merge_dicts(run, funcs, default)
        expect(
            len(emitted) == 1 and matches(emitted[0], Entry(0, (want,)), None),
            f"the rejected {bad} must change nothing: the run {run} must be logged as (step 0, {want}) with "
            f"the functions in force before it; the logger logged {emitted!r}. Calls made: {calls}",
        )
