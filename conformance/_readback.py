"""Read-back: what a finalized logger persisted, read from its own storage, against what was logged.

``logger.persisted_read_back`` logs, finalizes, reads back with the subject's :class:`Harness`
(:mod:`conformance._harness`) and compares; without a harness the property is not applicable.
"""

from __future__ import annotations

import copy
from argparse import Namespace
from collections.abc import Mapping
from typing import Any, cast

import attrs
from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._calls import CallLog, render_call
from conformance._core import ConformanceFailure, LoggerSubject, NotApplicable, expect, register
from conformance._harness import (
    ANY_STEP,
    Harness,
    Observation,
    ReadBack,
    Record,
    canon,
    expected_observations,
    harness_for,
    match_observations,
    read_observations,
    steps_match,
)
from conformance._observe import fresh_logger

__all__: list[str] = []


# --- the calls a run makes ---------------------------------------------------------------------


@attrs.frozen(repr=False)
class _Run:
    """The calls of one example (finalize('success') follows them), with the harness that reads them back."""

    harness: Harness
    calls: tuple[tuple[str, tuple[Any, ...]], ...]

    def __repr__(self) -> str:
        return "; ".join(render_call(method, args) for method, args in self.calls) or "(no calls)"


def _runs(harness: Harness) -> st.SearchStrategy[_Run]:
    """log_metrics calls (steps repeat, go back, include 0 and None) with at most one log_hyperparams
    call somewhere among them: the seed documents one call recording the hyperparameters, and
    storages differ on a second one (MLflow refuses to change a value, TensorBoard shows the last)."""

    @st.composite
    def build(draw: st.DrawFn) -> _Run:
        logged = draw(st.lists(st.tuples(harness.metrics, cst.steps()), max_size=8))
        calls: list[tuple[str, tuple[Any, ...]]] = [("log_metrics", (m, s)) for m, s in logged]
        params = draw(st.one_of(st.none(), harness.hyperparams))
        if params is not None:
            calls.insert(draw(st.integers(min_value=0, max_value=len(calls))), ("log_hyperparams", (params,)))
        return _Run(harness, tuple(calls))

    return build()


def _cases(subject: LoggerSubject) -> st.SearchStrategy[_Run]:
    harness = harness_for(subject)
    if harness is None:
        raise NotApplicable(
            "no read-back harness given (--harness MODULE:ATTR, LoggerSuite.harness, LoggerSubject.harness) "
            "and none is shipped for this logger's class"
        )
    return _runs(harness)


# --- comparing (the observations and their matching: conformance._harness) --------------------


def _in_order(expected: list[Observation], read: list[Observation]) -> bool:
    """Each key's (or the records') read observations match the expected ones position by position."""
    keys = {o.key for o in expected} | {o.key for o in read}
    for key in keys:
        mine = [o for o in expected if o.key == key]
        theirs = [o for o in read if o.key == key]
        if len(mine) != len(theirs):
            return False
        if not all(e.value == r.value and steps_match(e, r) for e, r in zip(mine, theirs, strict=True)):
            return False
    return True


def _show(obs: Observation) -> str:
    step, metrics, _ = obs.shown
    return f"({step!r}, {metrics!r})"


def _metric_problems(harness: Harness, logged: list[Record], back: ReadBack) -> list[str]:
    expected = expected_observations(harness, logged)
    read = read_observations(harness, back.metrics)
    what = "record" if harness.layout == "records" else "observation"
    pairs, lost, extra = match_observations(expected, read)
    if harness.merges_identical:
        # An identical observation may be stored once: lost is fine when its twin was read back.
        matched = {expected[i] for i in pairs}
        lost = [i for i in lost if expected[i] not in matched]
    if not lost and not extra:
        if harness.ordered and not _in_order(expected, read):
            order = "records" if harness.layout == "records" else "each key's observations"
            return [
                f"every {what} was read back, but the storage keeps the logging order of {order} and they "
                f"came back in another: logged {[_show(o) for o in expected]}, read back {[_show(o) for o in read]}"
            ]
        return []
    problems: list[str] = []
    for i in lost:
        e = expected[i]
        twin = next((j for j in extra if read[j].key == e.key and read[j].value == e.value), None)
        if twin is not None:
            extra.remove(twin)
            problems.append(f"step changed: the {what} logged as {_show(e)} was read back at step {read[twin].step!r}")
            continue
        twin = next((j for j in extra if read[j].key == e.key and steps_match(e, read[j])), None)
        if twin is not None and (e.key is not None or _same_keys(e, read[twin])):
            extra.remove(twin)
            narrowing = "" if harness.narrow is None else f", expected back as {e.shown[2]!r} after the storage's narrowing"
            problems.append(f"value changed: logged {_show(e)}{narrowing}, read back {_show(read[twin])}")
            continue
        problems.append(f"{what} lost: {_show(e)} was logged and is not in what was read back")
    for j in extra:
        r = read[j]
        logged_times = sum(1 for e in expected if e == r or (e.step == ANY_STEP and (e.key, e.value) == (r.key, r.value)))
        if logged_times:
            times = sum(1 for o in read if o == r)
            problems.append(f"{what} duplicated: {_show(r)} was read back {times} times, logged {logged_times}")
        else:
            problems.append(f"{what} never logged was read back: {_show(r)}")
    return problems


def _same_keys(expected: Observation, read: Observation) -> bool:
    a: object = expected.shown[1]
    b: object = read.shown[1]
    return isinstance(a, dict) and isinstance(b, dict) and set(cast("Mapping[object, object]", a)) == set(
        cast("Mapping[object, object]", b)
    )


def _hyperparam_problems(harness: Harness, logged: dict[str, Any] | None, back: ReadBack) -> list[str]:
    expected = harness.flatten(copy.deepcopy(logged)) if logged is not None else {}
    read = back.hyperparams
    problems: list[str] = []
    for key, value in expected.items():
        if key not in read:
            problems.append(f"hyperparameter lost: {key!r} (expected back as {value!r}) is not in {dict(read)!r}")
        elif canon(read[key]) != canon(value):
            problems.append(f"hyperparameter changed: {key!r} expected back as {value!r}, read back as {read[key]!r}")
    problems.extend(
        f"hyperparameter never logged was read back: {key!r} = {read[key]!r}" for key in read if key not in expected
    )
    return problems


@register("logger.persisted_read_back", level="core", strategy=_cases)
def persisted_read_back(subject: LoggerSubject, run: _Run) -> None:
    """After log_metrics and log_hyperparams calls and finalize('success'), the logger's storage, read
    with its own reader, must give back every record logged exactly once (none lost, none duplicated),
    each under the step it was logged at (a step of None may be numbered by the storage), with the
    values logged (up to the storage's documented narrowing, such as float32 in TensorBoard), in the
    logging order where the storage keeps it, and the hyperparameters logged, equal after the
    storage's documented flattening; not applicable without a read-back harness for the logger."""
    harness = run.harness
    logged: list[Record] = []
    params: dict[str, Any] | None = None
    with fresh_logger(subject) as (logger, path):
        calls = CallLog(logger)
        for method, args in run.calls:
            if method == "log_metrics":
                logged.append((args[1], copy.deepcopy(args[0])))
            else:
                given = args[0]
                params = copy.deepcopy(dict(vars(given)) if isinstance(given, Namespace) else dict(given))
            calls.run(method, *copy.deepcopy(args))
        calls.run("finalize", "success")
        try:
            back = harness.read(logger, path)
        except Exception as error:
            raise ConformanceFailure(
                f"reading back with {harness.name} raised {type(error).__name__}: {error}; calls made: {calls}"
            ) from error
    if not isinstance(back, ReadBack):
        raise ConformanceFailure(f"the harness {harness.name} returned {back!r}, not a conformance.ReadBack")
    problems = _metric_problems(harness, logged, back) + _hyperparam_problems(harness, params, back)
    shown = problems[:4] + ([f"and {len(problems) - 4} more"] if len(problems) > 4 else [])
    expect(not problems, f"read back with {harness.name}: " + "; ".join(shown) + f"; calls made: {calls}")
