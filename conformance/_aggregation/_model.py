"""The model of what an aggregating logger must log: runs, from the calls made (spec's definition of
a run), and the comparison of what it logged with the model; the flushes and the call that adds to a run."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Generator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeAlias, cast

import attrs
import numpy as np
from hypothesis import strategies as st

import impl
from conformance._calls import CallLog
from conformance._compare import same, same_typed
from conformance._core import ConformanceFailure, LoggerSubject
from conformance._inputs import STATUSES
from conformance._observe import Emitted, fresh_logger, has_close, require_methods, spy_log_metrics

# Not listed: each name would be a new string literal, and Hypothesis draws from the literals of
# local source (DEVELOPERS.md): the ci profile's examples stay those of before the layering.
__all__: list[str] = []

Metrics: TypeAlias = dict[str, Any]


def require_aggregation(subject: LoggerSubject) -> None:
    """Raise NotApplicable unless the subject's loggers have agg_and_log_metrics and update_agg_funcs."""
    require_methods(subject, "agg_and_log_metrics", "update_agg_funcs")


def flush_kinds(subject: LoggerSubject) -> st.SearchStrategy[str]:
    """The flushes the subject's loggers have (NotApplicable without aggregation): ``save``,
    ``finalize`` (status "success"), ``finalize:<status>`` for the other statuses, ``close``."""
    require_aggregation(subject)
    finalize = ["finalize", *(f"finalize:{s}" for s in STATUSES if s != "success")]
    return st.sampled_from(["save", *finalize, *(["close"] if has_close(subject) else [])])


def status_of(kind: str) -> str | None:
    """The status of a finalize flush, None for another flush."""
    return (kind.partition(":")[2] or "success") if kind.startswith("finalize") else None


def run_flush(calls: CallLog, kind: str) -> None:
    """Make the flush ``kind`` (one of :func:`flush_kinds`) through ``calls``."""
    status = status_of(kind)
    if status is not None:
        calls.run("finalize", status)
    else:
        calls.run(kind)


def flush_text(kind: str) -> str:
    """The flush ``kind`` as a call, for messages (``save()``, ``finalize('failed')``)."""
    status = status_of(kind)
    return f"finalize({status!r})" if status is not None else f"{kind}()"


def name_of(fn: Any) -> str:
    """A function's name for messages (``max``, ``mean``), else its repr."""
    return str(getattr(fn, "__name__", None) or repr(fn))


@attrs.frozen
class Entry:
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


Values: TypeAlias = Callable[[Entry], Metrics] | None
"""How a run of several calls is compared: ``None`` by its keys, else with this expected value."""


class Model:
    """What a logger must have logged so far, from the calls made on it (spec's definition of a run)."""

    def __init__(self) -> None:
        self.logged: list[Entry] = []
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
            self.logged.append(Entry(self.step, tuple(self.run)))
        self.run = []

    def log(self, metrics: Metrics, step: int | None) -> None:
        self.logged.append(Entry(step, (copy.deepcopy(metrics),), direct=True))


def describe(entry: Entry, values: Values) -> str:
    """``entry`` for messages: its step and its value (or its keys, when ``values`` is ``None``)."""
    if entry.direct:
        return f"(step {entry.step!r}, {entry.run[0]!r}) [direct]"
    if entry.single:
        return f"(step {entry.step!r}, {entry.run[0]!r})"
    if values is not None:
        return f"(step {entry.step!r}, {values(entry)!r}) [run of {len(entry.run)}]"
    keys = list(dict.fromkeys(k for d in entry.run for k in d))
    return f"(step {entry.step!r}, keys {keys}) [run of {len(entry.run)}]"


def matches(pair: tuple[Any, Any], entry: Entry, values: Values) -> bool:
    """True when the logged ``(step, metrics)`` ``pair`` is ``entry`` (compared as :data:`Values` says)."""
    step, metrics = pair
    if not same(step, entry.step) or not isinstance(metrics, Mapping):
        return False
    metrics = dict(cast("Mapping[str, Any]", metrics))
    if entry.single:
        return same_typed(metrics, entry.run[0])
    if values is not None:
        return bool(same(metrics, values(entry)))
    return set(metrics) == {k for d in entry.run for k in d}


def first_difference(emitted: Emitted, want: Sequence[Entry], values: Values) -> str | None:
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
        return i < len(emitted) and matches(emitted[i], want[j], values) and fits(i + 1, j + 1)

    if fits(0, 0):
        return None
    i = 0
    for entry in want:
        if entry.optional:
            if i < len(emitted) and matches(emitted[i], entry, values):
                i += 1
            continue
        if i >= len(emitted):
            return f"missing {describe(entry, values)}"
        if not matches(emitted[i], entry, values):
            return f"log_metrics call {i} should be {describe(entry, values)}, was {emitted[i]!r}"
        i += 1
    if i < len(emitted):
        return f"unexpected log_metrics calls {emitted[i:]!r}"
    return None


def expect_logged(
    emitted: Emitted,
    model: Model,
    calls: CallLog,
    when: str,
    values: Values = None,
    *,
    empty_ok: bool = True,
) -> None:
    """Raise :class:`ConformanceFailure` unless ``emitted`` is what ``model`` logged (see :func:`first_difference`),
    with the calls made."""
    want = model.logged if empty_ok else [e for e in model.logged if not e.optional]
    difference = first_difference(emitted, want, values)
    if difference is None:
        return
    expected = ", ".join(describe(e, values) + (" [optional: value {}]" if e.optional else "") for e in want)
    raise ConformanceFailure(
        f"{when}: {difference}. Expected log_metrics calls (step, metrics): [{expected}]; "
        f"got {emitted!r}. Calls made: {calls}"
    )


@contextmanager
def watched(subject: LoggerSubject) -> Generator[tuple[Any, Emitted, CallLog, Model], None, None]:
    """A fresh logger with a spy on its log_metrics, its call log, and a fresh model."""
    with fresh_logger(subject) as (logger, _path):
        yield logger, spy_log_metrics(logger), CallLog(logger), Model()


def fresh_int(step: int | None) -> int | None:
    """An int equal to ``step`` but a new object (for steps past CPython's small-int cache): a
    logger must compare steps by value, and callers rarely pass the same int object twice."""
    return None if step is None else int(repr(step))


def agg(calls: CallLog, model: Model, metrics: Metrics, step: int | None) -> None:
    """Call agg_and_log_metrics through ``calls`` (a copy of ``metrics``, a fresh ``step``), and on ``model``."""
    calls.run("agg_and_log_metrics", copy.deepcopy(metrics), step=fresh_int(step))
    model.agg(metrics, step)


def mean_value(entry: Entry) -> Metrics:
    """The value of a run of several calls on a logger whose functions are the defaults (numpy.mean)."""
    return impl.merge_dicts(entry.run, None, np.mean)
