"""Properties of step aggregation: the sentences of :class:`spec.AggregatingLogger`.

Every property first asks for ``agg_and_log_metrics`` and ``update_agg_funcs`` (a Lightning 2.x
logger has neither: the properties are not applicable to it). What a logger *logs* is what reaches
its ``log_metrics`` (:func:`spy_log_metrics`); :class:`_Model` says what that must be, run by run.

Comparing values: a run of one call must be logged unchanged, so it is compared exactly, value types
included; a run of several calls is compared with ``impl.merge_dicts`` of the run and the functions in
force (on a fresh logger ``numpy.mean``, whose result is defined to the bit: ``merge.numpy_mean_exact``),
or by its keys where a property sets no functions of its own to compare with. A run whose value is
``{}`` may or may not be logged at core level (1.5 logs it at a flush); strict
``aggregation.empty_run_not_logged`` requires that it is not.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import math
from collections.abc import Callable, Generator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, TypeAlias, cast

import attrs
import numpy as np
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import impl
from conformance import strategies as cst
from conformance._core import ConformanceFailure, LoggerSubject, expect, register
from conformance._logger import (
    STATUSES,
    CallLog,
    _identical,
    bad_metrics,
    bad_steps,
    has_close,
    hyperparams,
    render_call,
)
from conformance._merge import _is_dict, _same, _same_typed
from conformance._observe import Emitted, _argument_reader, fresh_logger, require_methods, spy_log_metrics

__all__: list[str] = []

Metrics: TypeAlias = dict[str, Any]


def _require_aggregation(subject: LoggerSubject) -> None:
    require_methods(subject, "agg_and_log_metrics", "update_agg_funcs")


def _flush_kinds(subject: LoggerSubject) -> st.SearchStrategy[str]:
    """The flushes the subject's loggers have (NotApplicable without aggregation): ``save``,
    ``finalize`` (status "success"), ``finalize:<status>`` for the other statuses, ``close``."""
    _require_aggregation(subject)
    finalize = ["finalize", *(f"finalize:{s}" for s in STATUSES if s != "success")]
    return st.sampled_from(["save", *finalize, *(["close"] if has_close(subject) else [])])


def _status(kind: str) -> str | None:
    """The status of a finalize flush, None for another flush."""
    return (kind.partition(":")[2] or "success") if kind.startswith("finalize") else None


def _flush(calls: CallLog, kind: str) -> None:
    status = _status(kind)
    if status is not None:
        calls.run("finalize", status)
    else:
        calls.run(kind)


def _flush_text(kind: str) -> str:
    status = _status(kind)
    return f"finalize({status!r})" if status is not None else f"{kind}()"


def _name(fn: Any) -> str:
    """A function's name for messages (``max``, ``mean``), else its repr."""
    return str(getattr(fn, "__name__", None) or repr(fn))


class _Count:
    """An aggregation function with an exact result: the number of values, as a float."""

    def __call__(self, values: Sequence[float]) -> float:
        return len(values) * 1.0

    def __repr__(self) -> str:
        return "count"


_count = _Count()


class _Zero:
    """An aggregation function no property expects a run to be merged with."""

    def __call__(self, values: Sequence[float]) -> float:
        return -7.0

    def __repr__(self) -> str:
        return "minus_seven"


_zero_func = _Zero()
_EXACT_FUNCS: tuple[Callable[[Sequence[float]], Any], ...] = (max, min, _count)
"""Aggregation functions whose result does not depend on rounding (however the values are passed)."""


# --- the model -------------------------------------------------------------------------------


@attrs.frozen
class _Entry:
    """One ``log_metrics`` call the logger must make: a run, or a direct ``log_metrics`` call."""

    step: int | None
    run: tuple[Metrics, ...]
    direct: bool = False

    @property
    def optional(self) -> bool:
        """A run whose value is ``{}`` (may or may not be logged at core level)."""
        return not self.direct and not any(self.run)

    @property
    def single(self) -> bool:
        return len(self.run) == 1


Values: TypeAlias = Callable[[_Entry], Metrics] | None
"""How a run of several calls is compared: ``None`` by its keys, else with this expected value."""


class _Model:
    """What a logger must have logged so far, from the calls made on it (spec's definition of a run)."""

    def __init__(self) -> None:
        self.logged: list[_Entry] = []
        self.step: int | None = None
        self.run: list[Metrics] = []

    def agg(self, metrics: Metrics, step: int | None) -> None:
        if self.run and step == self.step:
            self.run.append(copy.deepcopy(metrics))
            return
        self.flush()
        self.run, self.step = [copy.deepcopy(metrics)], step

    def flush(self) -> None:
        if self.run:
            self.logged.append(_Entry(self.step, tuple(self.run)))
        self.run = []

    def log(self, metrics: Metrics, step: int | None) -> None:
        self.logged.append(_Entry(step, (copy.deepcopy(metrics),), direct=True))


def _describe(entry: _Entry, values: Values) -> str:
    if entry.direct:
        return f"(step {entry.step!r}, {entry.run[0]!r}) [direct]"
    if entry.single:
        return f"(step {entry.step!r}, {entry.run[0]!r})"
    if values is not None:
        return f"(step {entry.step!r}, {values(entry)!r}) [run of {len(entry.run)}]"
    keys = list(dict.fromkeys(k for d in entry.run for k in d))
    return f"(step {entry.step!r}, keys {keys}) [run of {len(entry.run)}]"


def _matches(pair: tuple[Any, Any], entry: _Entry, values: Values) -> bool:
    step, metrics = pair
    if not _same(step, entry.step) or not isinstance(metrics, Mapping):
        return False
    metrics = dict(cast("Mapping[str, Any]", metrics))
    if entry.single:
        return _same_typed(metrics, entry.run[0])
    if values is not None:
        return bool(_same(metrics, values(entry)))
    return set(metrics) == {k for d in entry.run for k in d}


def _difference(emitted: Emitted, want: Sequence[_Entry], values: Values) -> str | None:
    """None when ``emitted`` is exactly ``want``, where a run of value ``{}`` may be missing; else
    where they first differ. (To forbid runs of value ``{}``, leave them out of ``want``.)"""

    # Each optional run is tried both ways: taken greedily, a run of {} could take a later direct
    # log_metrics({}) call that matches it and leave that call "missing".
    @functools.cache
    def fits(i: int, j: int) -> bool:
        """emitted[i:] is want[j:]."""
        if j == len(want):
            return i == len(emitted)
        if want[j].optional and fits(i, j + 1):
            return True
        return i < len(emitted) and _matches(emitted[i], want[j], values) and fits(i + 1, j + 1)

    if fits(0, 0):
        return None
    i = 0
    for entry in want:
        if entry.optional:
            if i < len(emitted) and _matches(emitted[i], entry, values):
                i += 1
            continue
        if i >= len(emitted):
            return f"missing {_describe(entry, values)}"
        if not _matches(emitted[i], entry, values):
            return f"log_metrics call {i} should be {_describe(entry, values)}, was {emitted[i]!r}"
        i += 1
    if i < len(emitted):
        return f"unexpected log_metrics calls {emitted[i:]!r}"
    return None


def _expect_logged(
    emitted: Emitted,
    model: _Model,
    calls: CallLog,
    when: str,
    values: Values = None,
    *,
    empty_ok: bool = True,
) -> None:
    want = model.logged if empty_ok else [e for e in model.logged if not e.optional]
    difference = _difference(emitted, want, values)
    if difference is None:
        return
    expected = ", ".join(_describe(e, values) + (" [optional: value {}]" if e.optional else "") for e in want)
    raise ConformanceFailure(
        f"{when}: {difference}. Expected log_metrics calls (step, metrics): [{expected}]; "
        f"got {emitted!r}. Calls made: {calls}"
    )


@contextmanager
def _watched(subject: LoggerSubject) -> Generator[tuple[Any, Emitted, CallLog, _Model], None, None]:
    """A fresh logger with a spy on its log_metrics, its call log, and a fresh model."""
    with fresh_logger(subject) as (logger, _path):
        yield logger, spy_log_metrics(logger), CallLog(logger), _Model()


def _fresh(step: int | None) -> int | None:
    """An int equal to ``step`` but a new object (for steps past CPython's small-int cache): a
    logger must compare steps by value, and callers rarely pass the same int object twice."""
    return None if step is None else int(repr(step))


def _agg(calls: CallLog, model: _Model, metrics: Metrics, step: int | None) -> None:
    calls.run("agg_and_log_metrics", copy.deepcopy(metrics), step=_fresh(step))
    model.agg(metrics, step)


AggCalls: TypeAlias = list[tuple[Metrics, int | None]]

# Steps: None and 0..3 (runs repeat, go back, and None meets 0), and ints past CPython's small-int
# cache and past int32, as a real global step becomes.
_STEPS = st.one_of(cst.steps(), st.sampled_from((257, 10**6, 2**31)))
# Values: floats and ints, and (a third of the time) a NaN (numpy.nanmean is not numpy.mean) or an
# int a float cannot hold. (Not numpy scalars or bools: the seed types metrics as Dict[str, float].)
_UNUSUAL_VALUES = st.one_of(st.just(math.nan), st.sampled_from((2**53 + 1, -(2**60) - 1)))
_VALUES = st.one_of(cst.metric_values(), _UNUSUAL_VALUES)
_LONG_RUN_START = st.sampled_from((1e16, -3e15))
_LONG_RUN_VALUES = st.integers(-(10**6), 10**6).map(lambda n: n / 7)
_pool_keys = st.sampled_from(list[str](cst.KEY_POOL))


@st.composite
def _agg_calls(draw: st.DrawFn, metrics: st.SearchStrategy[Metrics], max_size: int = 12) -> AggCalls:
    """Like ``strategies.agg_calls``, with the steps above, and about one time in four a run of 8 to
    12 calls with the same keys inserted anywhere: past numpy's 8-value summation block (a mean taken
    as sum/len shows) and past a buffer of fixed size."""
    calls: AggCalls = []
    for step, length in draw(st.lists(st.tuples(_STEPS, st.integers(1, 4)), max_size=max_size // 2)):
        calls.extend((draw(metrics), step) for _ in range(length))
    calls = calls[:max_size]
    # (Two booleans, not one of eight integers: Hypothesis draws small integers far more often.)
    if draw(st.booleans()) and draw(st.booleans()):
        keys = draw(st.lists(_pool_keys, min_size=1, max_size=3, unique=True))
        step = draw(_STEPS)
        # A large first value, then sevenths (every mantissa bit used): numpy's 8-way pairwise sum
        # keeps what a left-to-right sum rounds away.
        long = [({k: draw(_LONG_RUN_START) for k in keys}, step)]
        long += [({k: draw(_LONG_RUN_VALUES) for k in keys}, step) for _ in range(draw(st.integers(7, 11)))]
        at = draw(st.integers(0, len(calls)))
        calls[at:at] = long
    return calls


# Built once: drawing from a strategy built inside a draw costs much more.
_METRICS = cst.metric_dicts(values=_VALUES)
_NONEMPTY_METRICS = cst.metric_dicts(values=_VALUES, min_size=1)
_AGG_CALLS = _agg_calls(_METRICS)
# Runs of nested metrics, drawn apart from flat ones: a key is a dict in every call or in none.
_NESTED_AGG_CALLS = _agg_calls(cst.nested_metric_dicts())


def _mean_value(entry: _Entry) -> Metrics:
    """The value of a run of several calls on a logger whose functions are the defaults (numpy.mean)."""
    return impl.merge_dicts(entry.run, None, np.mean)


_BAD_METRICS = bad_metrics()


# --- core ------------------------------------------------------------------------------------


@register(
    "aggregation.runs_logged_once",
    level="core",
    strategy=lambda s: st.tuples(st.one_of(_AGG_CALLS, _NESTED_AGG_CALLS), _flush_kinds(s)),
)
def runs_logged_once(subject: LoggerSubject, example: tuple[AggCalls, str]) -> None:
    """Every run must be logged exactly once, in order, under its own step, with its value, by the time a
    flush returns."""
    agg_calls, flush = example
    if any(_is_dict(v) for metrics, _ in agg_calls for v in metrics.values()):
        _runs_of_nested_metrics(subject, agg_calls, flush)
        return
    with _watched(subject) as (_logger, emitted, calls, model):
        for metrics, step in agg_calls:
            _agg(calls, model, metrics, step)
        _flush(calls, flush)
        model.flush()
        _expect_logged(emitted, model, calls, f"after {_flush_text(flush)}", _mean_value)


def _runs_of_nested_metrics(subject: LoggerSubject, agg_calls: AggCalls, flush: str) -> None:
    """runs_logged_once for nested metrics. The seed types metrics as Dict[str, float], so at core a
    logger may refuse them (1.5's TensorBoardLogger stores one level only): what reaches log_metrics
    is recorded and not passed on, and a call that raises ends the example. What is logged is judged."""
    with fresh_logger(subject) as (logger, _path):
        read = _argument_reader(logger.log_metrics)
        emitted: Emitted = []

        def record(*args: Any, **kwargs: Any) -> None:
            metrics, step = read(args, kwargs)
            emitted.append((step, copy.deepcopy(metrics)))

        logger.log_metrics = record
        calls, model = CallLog(logger), _Model()
        try:
            for metrics, step in agg_calls:
                _agg(calls, model, metrics, step)
            _flush(calls, flush)
        except ConformanceFailure:
            return
        model.flush()
        when = f"after {_flush_text(flush)} (metrics recorded, not stored)"
        _expect_logged(emitted, model, calls, when, _mean_value)


_exact_funcs = st.sampled_from(list[Callable[[Sequence[float]], Any]](_EXACT_FUNCS))
_exact_key_funcs = st.dictionaries(_pool_keys, _exact_funcs, max_size=4)


Update: TypeAlias = tuple[dict[str, Any], Any]
"""``update_agg_funcs(agg_key_funcs, agg_default_func)``'s arguments."""


@st.composite
def _run_value_cases(
    draw: st.DrawFn, flushes: st.SearchStrategy[str]
) -> tuple[Update, AggCalls, tuple[Update, int] | None, str]:
    """Functions set first, calls, and maybe a second update before the call at an index (often in
    the middle of a run), then a flush."""
    first: Update = (draw(_exact_key_funcs), draw(_exact_funcs))
    agg_calls = draw(_AGG_CALLS)
    later: tuple[Update, int] | None = None
    if draw(st.booleans()):
        later = ((draw(_exact_key_funcs), draw(_exact_funcs)), draw(st.integers(0, len(agg_calls))))
    return first, agg_calls, later, draw(flushes)


@register("aggregation.run_value", level="core", strategy=lambda s: _run_value_cases(_flush_kinds(s)))
def run_value(
    subject: LoggerSubject, example: tuple[Update, AggCalls, tuple[Update, int] | None, str]
) -> None:
    """The value of a run is its one dict, unchanged, when it has one call, and otherwise
    merge_dicts(run, agg_key_funcs, agg_default_func) with the functions in force when the run is logged."""
    (funcs, default), agg_calls, later, flush = example
    # The functions in force when each run the model logs was logged, by its position in model.logged.
    logged_with: list[Update] = []
    with _watched(subject) as (_logger, emitted, calls, model):

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
            _agg(calls, model, metrics, step)
            note_logged()
        update_before(len(agg_calls))
        _flush(calls, flush)
        model.flush()
        note_logged()

        def values(entry: _Entry) -> Metrics:
            position = next(i for i, logged in enumerate(model.logged) if logged is entry)
            return impl.merge_dicts(entry.run, *logged_with[position])

        _expect_logged(emitted, model, calls, f"after {_flush_text(flush)}", values)


@st.composite
def _interleaved(
    draw: st.DrawFn, flushes: st.SearchStrategy[str], extra: st.SearchStrategy[list[tuple[str, Any]]]
) -> list[tuple[str, Any]]:
    """agg_calls() as ("agg", (metrics, step)) events, with the events drawn from ``extra`` (a list)
    inserted anywhere, then a flush."""
    events: list[tuple[str, Any]] = [("agg", call) for call in draw(_AGG_CALLS)]
    for event in draw(extra):
        events.insert(draw(st.integers(0, len(events))), event)
    return [*events, ("flush", draw(flushes))]


def _play_event(event: tuple[str, Any], calls: CallLog, model: _Model) -> None:
    kind, payload = event
    if kind == "agg":
        _agg(calls, model, *payload)
    elif kind == "log":
        metrics, step = payload
        calls.run("log_metrics", metrics=copy.deepcopy(metrics), step=_fresh(step))
        model.log(metrics, step)
    else:
        _flush(calls, payload)
        model.flush()


def _flush_events(subject: LoggerSubject) -> st.SearchStrategy[list[tuple[str, Any]]]:
    flushes = _flush_kinds(subject)
    return _interleaved(flushes, st.lists(flushes.map(lambda kind: ("flush", kind)), max_size=4))


@register("aggregation.deferred_until_step_change", level="core", strategy=_flush_events)
def deferred_until_step_change(subject: LoggerSubject, events: list[tuple[str, Any]]) -> None:
    """Nothing of a run may be logged before a call with a different step or a flush."""
    with _watched(subject) as (_logger, emitted, calls, model):
        for event in events:
            _play_event(event, calls, model)
            _expect_logged(emitted, model, calls, f"right after {calls.made[-1]}", _mean_value)


@register(
    "aggregation.second_flush_logs_nothing",
    level="core",
    strategy=lambda s: st.tuples(_AGG_CALLS, _flush_kinds(s), _flush_kinds(s)),
)
def second_flush_logs_nothing(subject: LoggerSubject, example: tuple[AggCalls, str, str]) -> None:
    """A second flush with no call in between must log nothing."""
    agg_calls, first, second = example
    with _watched(subject) as (_logger, emitted, calls, model):
        for metrics, step in agg_calls:
            _agg(calls, model, metrics, step)
        _flush(calls, first)
        before = list(emitted)
        _flush(calls, second)
        expect(
            emitted == before,
            f"the second flush {calls.made[-1]} logged {emitted[len(before) :]!r}; it must log nothing. "
            f"Calls made: {calls}",
        )


_TAKES_EFFECT_FUNCS: tuple[Callable[[Sequence[float]], Any], ...] = (max, min, sum, _count)
_RUN_VALUES = (2.0, 9.0, 4.0)
"""One key's values in each run: max 9, min 2, sum 15, count 3, numpy.mean 5 (each exact and different)."""
_takes_effect_funcs = st.sampled_from(_TAKES_EFFECT_FUNCS)
_three_keys = st.lists(st.sampled_from(cst.KEY_POOL), min_size=3, max_size=3, unique=True)


@st.composite
def _takes_effect_cases(draw: st.DrawFn, flushes: st.SearchStrategy[str]) -> dict[str, Any]:
    keys = draw(_three_keys)
    funcs = _takes_effect_funcs
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
    strategy=lambda s: _takes_effect_cases(_flush_kinds(s)),
)
def update_agg_funcs_takes_effect(subject: LoggerSubject, case: dict[str, Any]) -> None:
    """Entries of agg_key_funcs must be added to (replacing same-named) entries in force (a later change to
    the caller's mapping must not change them); agg_default_func must replace the default function (so
    calling with no arguments restores numpy.mean)."""
    keys, flush = case["keys"], case["flush"]
    in_force: dict[str, Any] = {}
    default: Any = np.mean
    with _watched(subject) as (_logger, emitted, calls, model):
        for step, update in enumerate(case["updates"]):
            if update is None:
                calls.run("update_agg_funcs")
                default = np.mean
            else:
                given = dict(update[0])
                calls.run("update_agg_funcs", agg_key_funcs=given, agg_default_func=update[1])
                in_force, default = {**in_force, **update[0]}, update[1]
                # The caller may reuse its mapping: the entries in force are those it held at the call.
                given.update(dict.fromkeys([*keys, "loss"], _zero_func))
                calls.note(f"(the caller then set every key of that agg_key_funcs to {_zero_func!r})")
            run = [dict.fromkeys(keys, value) for value in _RUN_VALUES]
            for metrics in run:
                _agg(calls, model, metrics, step)
            _flush(calls, flush)
            model.flush()
            want = impl.merge_dicts(run, in_force, default)
            funcs = {k: _name(in_force.get(k, default)) for k in keys}
            expect(
                len(emitted) == step + 1 and _matches(emitted[-1], _Entry(step, (want,)), None),
                f"with functions {funcs} in force, the run {run} must be logged as (step {step}, {want}); "
                f"the logger logged {emitted[step:]!r}. Calls made: {calls}",
            )


def _direct_log_events(subject: LoggerSubject) -> st.SearchStrategy[list[tuple[str, Any]]]:
    return _interleaved(_flush_kinds(subject), _DIRECT_LOGS)


def _as_log(call: tuple[Metrics, int | None]) -> tuple[str, Any]:
    return ("log", call)


_DIRECT_LOGS = st.lists(st.tuples(_METRICS, _STEPS).map(_as_log), max_size=4)


@register("aggregation.log_metrics_bypasses", level="core", strategy=_direct_log_events)
def log_metrics_bypasses(subject: LoggerSubject, events: list[tuple[str, Any]]) -> None:
    """log_metrics called directly must log at once and must not touch the pending run."""
    with _watched(subject) as (_logger, emitted, calls, model):
        for event in events:
            _play_event(event, calls, model)
            if event[0] != "agg":
                _expect_logged(emitted, model, calls, f"right after {calls.made[-1]}", _mean_value)


# --- aggregation.state_machine ---------------------------------------------------------------

_SM_VALUES = st.one_of(st.integers(-1000, 1000), st.floats(-1e3, 1e3, allow_nan=False))
_SM_METRICS = cst.metric_dicts(values=_SM_VALUES, min_size=1)
_SM_FUNCS: tuple[Callable[..., Any], ...] = (max, min, sum, np.mean)
_NO_CALL = object()
STATE_MACHINE_SETTINGS = settings(
    max_examples=100,
    stateful_step_count=20,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    report_multiple_bugs=False,
    phases=tuple(p for p in Phase if p != Phase.explain),
    suppress_health_check=(HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much),
)
"""Fixed, because the runner's profile does not reach ``check``: 100 sequences of up to 20 calls
each, derandomized (the same verdict every run), without the explain phase (its output is not
reported; the failure message lists the calls made instead). About 1 s on ``impl.InMemoryLogger``."""


class _CheckpointCallback:
    """What after_save_checkpoint is given: nothing a logger knows, with a readable repr."""

    def __repr__(self) -> str:
        return "<checkpoint callback>"


_CHECKPOINT_CALLBACK = _CheckpointCallback()


def _same_pair(got: tuple[Any, Any], want: tuple[Any, Metrics]) -> bool:
    """The same (step, metrics), NaN equal to NaN."""
    return (
        _same(got[0], want[0])
        and isinstance(got[1], Mapping)
        and _same(dict(cast("Mapping[str, Any]", got[1])), want[1])
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

        @rule(metrics=cst.metric_dicts(values=_SM_VALUES), step=cst.steps())
        def log_metrics(self, metrics: Metrics, step: int | None) -> None:
            self.both("log_metrics", metrics=metrics, step=step)

        @rule(flush=st.sampled_from(flushes))
        def flush(self, flush: str) -> None:
            if flush.startswith("finalize"):
                self.both("finalize", flush.partition(":")[2])
            else:
                self.both(flush)

        @rule(
            key_funcs=st.dictionaries(st.sampled_from(cst.KEY_POOL), st.sampled_from(_SM_FUNCS), max_size=3),
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
    _require_aggregation(subject)
    run_state_machine_as_test(_machine(subject, has_close(subject)), settings=STATE_MACHINE_SETTINGS)


# --- strict ----------------------------------------------------------------------------------


@register(
    "aggregation.empty_run_not_logged",
    level="strict",
    strategy=lambda s: st.tuples(
        _agg_calls(st.one_of(st.just(dict[str, Any]()), _NONEMPTY_METRICS)), _flush_kinds(s)
    ),
)
def empty_run_not_logged(subject: LoggerSubject, example: tuple[AggCalls, str]) -> None:
    """A run whose value is empty ({}) must not be logged."""
    agg_calls, flush = example
    with _watched(subject) as (_logger, emitted, calls, model):
        for metrics, step in agg_calls:
            _agg(calls, model, metrics, step)
            _expect_logged(emitted, model, calls, f"right after {calls.made[-1]}", _mean_value, empty_ok=False)
        _flush(calls, flush)
        model.flush()
        _expect_logged(emitted, model, calls, f"after {_flush_text(flush)}", _mean_value, empty_ok=False)



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
    strategy=lambda s: st.tuples(st.one_of(_AGG_CALLS, _NESTED_AGG_CALLS), _flush_kinds(s)),
)
def metrics_not_shared(subject: LoggerSubject, example: tuple[AggCalls, str]) -> None:
    """agg_and_log_metrics must not mutate metrics, and a change the caller makes to metrics (or to a
    mapping nested in it) after the call returns must not change what is logged."""
    agg_calls, flush = example
    with _watched(subject) as (_logger, emitted, calls, model):
        for metrics, step in agg_calls:
            given = copy.deepcopy(metrics)
            calls.run("agg_and_log_metrics", given, step=_fresh(step))
            model.agg(metrics, step)
            expect(
                _identical(given, metrics),
                f"{calls.made[-1]} changed its metrics argument to {given!r} (same keys in the same order, "
                f"same values of the same types expected). Calls made: {calls}",
            )
            _scribble(given)
            calls.note("(the caller then changed every value of that dict, removed a key and added one)")
        _flush(calls, flush)
        model.flush()
        _expect_logged(emitted, model, calls, f"after {_flush_text(flush)}", _mean_value)


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
        return f"bad call: before={self.before!r}, {bad}, after={self.after!r}, then {_flush_text(self.flush)}"


@attrs.frozen(repr=False)
class _FailedLog:
    """Valid calls ending in a pending run; log_metrics raises once during ``trigger``; then a flush."""

    before: AggCalls
    trigger: tuple[Metrics, int | None] | str
    flush: str

    def __repr__(self) -> str:
        if isinstance(self.trigger, str):
            trigger = _flush_text(self.trigger)
        else:
            trigger = render_call("agg_and_log_metrics", self.trigger[:1], {"step": self.trigger[1]})
        then = _flush_text(self.flush)
        return f"failed log: before={self.before!r}, log_metrics raises once during {trigger}, then {then}"


@st.composite
def _rejected_cases(draw: st.DrawFn, flushes: st.SearchStrategy[str]) -> _BadAggCall | _FailedLog:
    before = draw(_AGG_CALLS)
    if draw(st.booleans()):
        metrics: Any
        step: Any
        names: tuple[str, ...]
        if draw(st.booleans()):
            # As often as not at the pending run's step: a malformed call there must not join the run.
            same_step = st.just(before[-1][1]) if before else _STEPS
            (metrics, names), step = draw(_BAD_METRICS), draw(st.one_of(same_step, _STEPS))
        else:
            metrics, step, names = draw(_METRICS), draw(bad_steps), ("step",)
        return _BadAggCall(before, metrics, step, names, draw(_AGG_CALLS), draw(flushes))
    pending_step = draw(_STEPS)
    before += [(draw(_NONEMPTY_METRICS), pending_step) for _ in range(draw(st.integers(1, 3)))]
    if draw(st.booleans()):
        trigger: tuple[Metrics, int | None] | str = (
            draw(_NONEMPTY_METRICS),
            draw(_STEPS.filter(lambda s: s != pending_step)),
        )
    else:
        trigger = draw(flushes)
    return _FailedLog(before, trigger, draw(flushes))


@register(
    "aggregation.rejected_call_keeps_state",
    level="strict",
    strategy=lambda s: _rejected_cases(_flush_kinds(s)),
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
    values: Values = lambda entry: impl.merge_dicts(entry.run, None, _count)  # noqa: E731
    with _watched(subject) as (logger, emitted, calls, model):
        calls.run("update_agg_funcs", None, _count)
        for metrics, step in case.before:
            _agg(calls, model, metrics, step)
        bad = render_call("agg_and_log_metrics", (case.metrics,), {"step": case.step})
        calls.note(f"{bad} [malformed]")
        named = ", ".join(case.names)
        _expect_type_error(
            lambda: logger.agg_and_log_metrics(copy.deepcopy(case.metrics), step=case.step), bad, case.names, named, calls
        )
        _expect_logged(emitted, model, calls, f"right after the malformed {bad}", values)
        for metrics, step in case.after:
            _agg(calls, model, metrics, step)
        _flush(calls, case.flush)
        model.flush()
        when = f"after {_flush_text(case.flush)} (the malformed call must change nothing)"
        _expect_logged(emitted, model, calls, when, values)


def _check_failed_log(subject: LoggerSubject, case: _FailedLog) -> None:
    # Runs are merged with a count, so a run that lost a call, or took the new one, shows it.
    values: Values = lambda entry: impl.merge_dicts(entry.run, None, _count)  # noqa: E731
    with _watched(subject) as (logger, emitted, calls, model):
        calls.run("update_agg_funcs", None, _count)
        for metrics, step in case.before:
            _agg(calls, model, metrics, step)
        pending = _Entry(model.step, tuple(model.run))
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
            text, status = _flush_text(case.trigger), _status(case.trigger)
            trigger: Callable[[], Any] = (
                (lambda: logger.finalize(status)) if status is not None else getattr(logger, case.trigger)
            )
            taken: list[_Entry] = []
        else:
            metrics, step = case.trigger
            text = render_call("agg_and_log_metrics", (metrics,), {"step": step})
            trigger = lambda: logger.agg_and_log_metrics(copy.deepcopy(metrics), step=_fresh(step))  # noqa: E731
            taken = [_Entry(step, (metrics,))]
        calls.note(f"{text} [log_metrics raises {_InjectedError.__name__} once]")
        with contextlib.suppress(Exception):  # the injected error may propagate, or not
            trigger()
        _flush(calls, case.flush)
        options = [[*logged_before, pending], [*logged_before, pending, *taken]]
        if any(_difference(emitted, want, values) is None for want in options):
            return
        raise ConformanceFailure(
            f"log_metrics raised once while logging the run {_describe(pending, values)} "
            f"(the call that raised: {failures[0] if failures else 'none was made'}); "
            f"the run must be kept and logged exactly once by the later {_flush_text(case.flush)}. "
            f"Expected log_metrics calls [{', '.join(_describe(e, values) for e in options[0])}]"
            + (f" (or with {_describe(taken[0], values)} after it)" if taken else "")
            + f"; got {emitted!r}. Calls made: {calls}"
        )


_not_callables = st.sampled_from(("max", "numpy.mean", 3, 0.5))


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
    keys = draw(_three_keys)
    funcs = _takes_effect_funcs
    first = ({keys[0]: draw(funcs), keys[1]: draw(funcs)}, draw(funcs))
    # A valid entry or default beside the bad one shows an update applied in part.
    if draw(st.booleans()):
        bad: tuple[dict[str, Any], Any] = ({keys[1]: draw(funcs), keys[2]: draw(_not_callables)}, draw(funcs))
        names: tuple[str, ...] = ("agg_key_funcs", keys[2])
    else:
        bad, names = ({keys[1]: draw(funcs)}, draw(_not_callables)), ("agg_default_func",)
    return _BadUpdate(keys, first, bad, names, draw(flushes))


@register(
    "aggregation.update_agg_funcs_rejects_non_callable",
    level="strict",
    strategy=lambda s: _bad_updates(_flush_kinds(s)),
)
def update_agg_funcs_rejects_non_callable(subject: LoggerSubject, case: _BadUpdate) -> None:
    """A function that is not callable must raise TypeError naming it, changing nothing."""
    (funcs, default), (bad_funcs, bad_default) = case.first, case.bad
    run = [dict.fromkeys(case.keys, value) for value in _RUN_VALUES]
    with _watched(subject) as (logger, emitted, calls, model):
        calls.run("update_agg_funcs", dict(funcs), default)
        for metrics in run:
            _agg(calls, model, metrics, 0)
        bad = render_call("update_agg_funcs", (bad_funcs, bad_default))
        calls.note(f"{bad} [not callable]")
        named = ", ".join(repr(n) for n in case.names)
        _expect_type_error(lambda: logger.update_agg_funcs(dict(bad_funcs), bad_default), bad, case.names, named, calls)
        _flush(calls, case.flush)
        model.flush()
        want = impl.merge_dicts(run, funcs, default)
        expect(
            len(emitted) == 1 and _matches(emitted[0], _Entry(0, (want,)), None),
            f"the rejected {bad} must change nothing: the run {run} must be logged as (step 0, {want}) with "
            f"the functions in force before it; the logger logged {emitted!r}. Calls made: {calls}",
        )
