"""Properties of every logger, aggregating or not: the sentences of :class:`spec.Logger`.

Each example builds a fresh logger in an empty directory; every call made on it is journaled
(:class:`~conformance._calls.CallLog`) so that a failure message says which calls led to it.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import os
import string
from argparse import Namespace
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from hypothesis import strategies as st

import spec
from conformance import strategies as cst
from conformance._calls import CallLog, render_call
from conformance._compare import as_dict, identical
from conformance._core import ConformanceFailure, LoggerSubject, expect, register
from conformance._harness import (
    Harness,
    ReadBack,
    Record,
    expected_observations,
    harness_for,
    match_observations,
    read_observations,
)
from conformance._inputs import (
    STATUSES,
    Unstorable,
    bad_metrics,
    bad_steps,
    non_real_values,
    over_deep_metrics,
    self_referencing_metrics,
)
from conformance._observe import fresh_logger

__all__: list[str] = []

OPTIONAL_MEMBERS = {"close": "Lightning 2.x loggers have no close()"}
"""Members of :class:`spec.Logger` that a logger may lack, and why."""


class _Opaque:
    """A model that is nothing a logger knows (like ``object()``), with a readable repr."""

    def __repr__(self) -> str:
        return "<opaque model>"


# --- logger.protocol_conformance -------------------------------------------------------------


def _protocol_members() -> dict[str, Any]:
    """The public members of :class:`spec.Logger` (with those it inherits from :class:`spec.CoreLogger`):
    name to the property or function."""
    members: dict[str, Any] = {}
    for cls in reversed(inspect.getmro(spec.Logger)):
        if cls.__module__.startswith("spec."):
            members.update((n, v) for n, v in vars(cls).items() if not n.startswith("_"))
    return members


def _same_default(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return bool(a == b)
    except Exception:
        return False


def _signature_problems(name: str, protocol_fn: Callable[..., Any], method: Any) -> list[str]:
    """How ``method`` (bound) fails to accept the calls ``protocol_fn`` (unbound) allows."""
    try:
        actual = inspect.signature(method)
    except (TypeError, ValueError):
        return []  # no signature to inspect (a builtin): nothing that can be shown to mismatch
    P = inspect.Parameter
    params = list(inspect.signature(protocol_fn).parameters.values())[1:]  # without self
    positional = [p for p in params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    keyword_only = [p for p in params if p.kind == P.KEYWORD_ONLY]
    problems: list[str] = []

    def try_bind(description: str, args: list[Any], kwargs: dict[str, Any]) -> None:
        try:
            actual.bind(*args, **kwargs)
        except TypeError as error:
            problems.append(f"{name}{actual} cannot be called as {description} ({error})")

    kw_only = {p.name: p.name for p in keyword_only}
    if positional:
        try_bind(f"{name}({', '.join(p.name for p in positional)}) positionally", [p.name for p in positional], kw_only)
    by_keyword = [p for p in positional if p.kind == P.POSITIONAL_OR_KEYWORD]
    if by_keyword:
        pos_only = [p.name for p in positional if p.kind == P.POSITIONAL_ONLY]
        keywords = {p.name: p.name for p in by_keyword} | kw_only
        try_bind(f"{name}({', '.join(f'{k}=...' for k in keywords)}) by keyword", pos_only, keywords)
    optional = [p for p in params if p.default is not P.empty]
    if optional:
        required_pos = [p.name for p in positional if p.default is P.empty]
        required_kw = {p.name: p.name for p in keyword_only if p.default is P.empty}
        try_bind(
            f"{name}({', '.join([*required_pos, *(f'{k}=...' for k in required_kw)])}): "
            f"{', '.join(p.name for p in optional)} must be optional",
            required_pos,
            required_kw,
        )
    for p in optional:
        q = actual.parameters.get(p.name)
        if q is None or q.kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD) or q.default is P.empty:
            continue
        if p.default is not Ellipsis and not _same_default(q.default, p.default):
            problems.append(f"{name}: {p.name} defaults to {q.default!r}, the protocol's default is {p.default!r}")
    return problems


@register("logger.protocol_conformance", level="core")
def protocol_conformance(subject: LoggerSubject, _: None) -> None:
    """The logger must be an instance of spec.Logger (of spec.CoreLogger when it has no close, as Lightning
    2.x's loggers): every property readable, every method (agg_and_log_metrics and update_agg_funcs too,
    when it has them) accepting the protocol's parameters by position and by name, with the protocol's
    defaults; a logger may accept more than this (extra optional parameters, *args, **kwargs)."""
    problems: list[str] = []
    with fresh_logger(subject) as (logger, _path):
        protocol: type[Any] = spec.Logger
        for name, member in _protocol_members().items():
            if isinstance(member, property):
                try:
                    getattr(logger, name)
                except Exception as error:
                    problems.append(f"{name}: reading the property raised {type(error).__name__}: {error}")
                continue
            if not callable(member):
                continue
            method = getattr(logger, name, None)
            if method is None and name in OPTIONAL_MEMBERS:
                protocol = spec.CoreLogger
                continue
            if not callable(method):
                problems.append(f"{name}: must be a method, got {method!r}")
                continue
            problems.extend(_signature_problems(name, member, method))
        # Lightning calls agg_and_log_metrics(metrics, step=step); 1.5's LoggerCollection calls
        # agg_and_log_metrics(metrics, step) and update_agg_funcs(agg_key_funcs, agg_default_func).
        for name in ("agg_and_log_metrics", "update_agg_funcs"):
            method = getattr(logger, name, None)
            if callable(method):
                problems.extend(_signature_problems(name, getattr(spec.AggregatingLogger, name), method))
        if not problems and not isinstance(logger, protocol):
            problems.append(f"isinstance(logger, spec.{protocol.__name__}) is False")
    expect(not problems, f"{type(logger).__name__} does not conform to spec.Logger: " + "; ".join(problems))


# --- valid calls in any order (logger.property_types, logger.lifecycle_any_order) ---------------

Script = list[tuple[str, tuple[Any, ...]]]
"""Calls to make on a logger, in order: each a method's name and its positional arguments."""

_OPTIONAL_METHODS = ("close", "agg_and_log_metrics", "update_agg_funcs")
_finite_metrics = cst.metric_dicts(values=cst.metric_values(allow_infinity=False))
_models = st.sampled_from((_Opaque(), None, "model", {"layer": 1}))
_agg_functions = st.sampled_from((max, min))


def _optional_methods(subject: LoggerSubject) -> frozenset[str]:
    """Which of ``close``, ``agg_and_log_metrics`` and ``update_agg_funcs`` the subject's loggers have
    (Lightning 2.x's have none of them)."""
    with fresh_logger(subject) as (logger, _):
        return frozenset(name for name in _OPTIONAL_METHODS if callable(getattr(logger, name, None)))


def _any_calls(methods: frozenset[str], max_size: int = 12) -> st.SearchStrategy[Script]:
    """1 to ``max_size`` valid calls in any order, any of them repeated, after finalize and close too:
    save, finalize(status), close, log_graph(model[, input_array]), log_metrics(finite flat metrics,
    step), agg_and_log_metrics and update_agg_funcs where the logger has them (``methods``), and half
    the time one log_hyperparams call (nested dicts and Namespaces) somewhere among them: the seed
    documents one call recording the hyperparameters, and storages differ on a second (MLflow refuses
    to change a value)."""
    ends = ["save", *(["close"] if "close" in methods else [])]
    options: list[st.SearchStrategy[tuple[str, tuple[Any, ...]]]] = [
        st.sampled_from(ends).map(lambda m: (m, ())),
        st.sampled_from(STATUSES).map(lambda s: ("finalize", (s,))),
        st.tuples(st.just("log_graph"), st.one_of(st.tuples(_models), st.tuples(_models, _models))),
        st.tuples(st.just("log_metrics"), st.tuples(_finite_metrics, cst.steps())),
    ]
    if "agg_and_log_metrics" in methods:
        options.append(st.tuples(st.just("agg_and_log_metrics"), st.tuples(_finite_metrics, cst.steps())))
    if "update_agg_funcs" in methods:
        funcs = st.dictionaries(cst.pool_keys(), _agg_functions, max_size=2)
        options.append(st.tuples(st.just("update_agg_funcs"), st.tuples(funcs, _agg_functions)))

    @st.composite
    def build(draw: st.DrawFn) -> Script:
        calls: Script = draw(st.lists(st.one_of(options), min_size=1, max_size=max_size))
        if draw(st.booleans()):
            params = draw(_hyperparams_any_depth())
            calls.insert(draw(st.integers(0, len(calls))), ("log_hyperparams", (params,)))
        return calls

    return build()


# --- logger.property_types -------------------------------------------------------------------


def _read(logger: Any, name: str) -> Any:
    try:
        return getattr(logger, name)
    except Exception as error:
        raise ConformanceFailure(f"reading logger.{name} raised {type(error).__name__}: {error}") from error


_PROPERTIES = ("name", "version", "save_dir")


def _property_reads(subject: LoggerSubject, script: Script) -> list[tuple[str, dict[str, Any]]]:
    """name, version and save_dir of a fresh logger, read when it is new and after each call of
    ``script``. A call that raises ends the script (a valid call that raises is
    logger.lifecycle_any_order's matter, not this property's)."""
    reads: list[tuple[str, dict[str, Any]]] = []
    with fresh_logger(subject) as (logger, _path):
        calls = CallLog(logger)

        def read(when: str) -> None:
            reads.append((when, {n: _read(logger, n) for n in _PROPERTIES}))

        read("on a new logger")
        for method, args in script:
            try:
                calls.run(method, *copy.deepcopy(args))
            except ConformanceFailure:
                break
            read(f"after {calls}")
    return reads


@register("logger.property_types", level="core", strategy=lambda s: _any_calls(_optional_methods(s)))
def property_types(subject: LoggerSubject, script: Script) -> None:
    """name must be a str; version must be an int or a str (not a bool); save_dir must be a str, or None
    when the logger keeps nothing locally: on a new logger and after any calls. (Read on a new logger
    and after each call of a drawn script of valid calls in any order: log_metrics, log_hyperparams,
    log_graph, save, finalize, close, and agg_and_log_metrics and update_agg_funcs where the logger
    has them.)"""
    reads = _property_reads(subject, script)
    if any(isinstance(values["save_dir"], os.PathLike) for _, values in reads):
        # The suite hands the factory a pathlib.Path; a logger documented to take ``save_dir: str``
        # (pytorch_lightning 1.5's CSVLogger, TensorBoardLogger) gives back what it was given. Judge it
        # as it is meant to be used: built with a str.
        reads = _reads_given_a_str(subject, script, reads)
    for when, values in reads:
        name, version, save_dir = (values[n] for n in _PROPERTIES)
        expect(isinstance(name, str), f"{when}: logger.name must be a str, got {name!r} ({type(name).__name__})")
        expect(
            isinstance(version, (int, str)) and not isinstance(version, bool),
            f"{when}: logger.version must be an int or a str, got {version!r} ({type(version).__name__})",
        )
        expect(
            save_dir is None or isinstance(save_dir, str),
            f"{when}: logger.save_dir must be a str or None, got {save_dir!r} ({type(save_dir).__name__})"
            + (" (also when the factory is given the directory as a str)" if isinstance(save_dir, os.PathLike) else ""),
        )


def _reads_given_a_str(
    subject: LoggerSubject, script: Script, otherwise: list[tuple[str, dict[str, Any]]]
) -> list[tuple[str, dict[str, Any]]]:
    """The reads of a logger whose factory is given its directory as a ``str``; ``otherwise`` if the
    factory does not take a ``str``."""
    factory: Callable[[Any], Any] = subject.factory  # (it is given a str here)

    def given_a_str(path: Path) -> Any:
        return factory(str(path))

    try:
        return _property_reads(attrs.evolve(subject, factory=given_a_str), script)
    except Exception:
        return otherwise


# --- logger.hyperparams_dict_and_namespace ---------------------------------------------------


_hp_names = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8).filter(lambda n: not n.startswith("__"))


def _nested_hp(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    level = st.dictionaries(_hp_names, children, max_size=3)
    return st.one_of(level, level.map(cst.namespace))


def _hyperparams_any_depth() -> st.SearchStrategy[dict[str, Any] | Namespace]:
    """``strategies.hyperparams()``, and as often hyperparameters holding nested dicts and Namespaces
    (an optimizer's settings, a sub-parser's arguments): the seed flattens both (``_flatten_dict``)."""
    nested_values = st.recursive(st.one_of(st.integers(-5, 5), st.floats(-1, 1), st.text(max_size=3)), _nested_hp, max_leaves=6)
    params = st.dictionaries(_hp_names, nested_values, max_size=4)
    return st.one_of(cst.hyperparams(), params, params.map(cst.namespace))


@register("logger.hyperparams_dict_and_namespace", level="core", strategy=lambda s: _hyperparams_any_depth())
def hyperparams_dict_and_namespace(subject: LoggerSubject, params: dict[str, Any] | Namespace) -> None:
    """log_hyperparams must accept both a dict and an argparse.Namespace (whose values may be nested dicts
    and Namespaces), a save() and finalize() after it must not raise, and it must not mutate params."""
    values = dict(vars(params)) if isinstance(params, Namespace) else dict(params)
    forms: list[dict[str, Any] | Namespace] = [copy.deepcopy(values), cst.namespace(copy.deepcopy(values))]
    if isinstance(params, Namespace):
        forms.reverse()
    with fresh_logger(subject) as (logger, _path):
        calls = CallLog(logger)
        for form in forms:
            given = copy.deepcopy(form)
            calls.run("log_hyperparams", given)
            expect(
                _same_params(given, form),
                f"{calls.made[-1]} changed its params argument to {given!r}; it must not mutate it. Calls made: {calls}",
            )
        calls.run("save")
        calls.run("finalize", "success")


def _same_params(a: object, b: object) -> bool:
    """Equal hyperparameters: the same kind (dict or Namespace), keys in the same order, equal values."""
    if isinstance(a, Namespace) and isinstance(b, Namespace):
        return _same_params(vars(a), vars(b))
    x, y = as_dict(a), as_dict(b)
    if x is not None and y is not None:
        return list(x) == list(y) and all(_same_params(x[k], y[k]) for k in x)
    return type(a) is type(b) and bool(a == b)


# --- logger.lifecycle_any_order --------------------------------------------------------------


@register("logger.lifecycle_any_order", level="core", strategy=lambda s: _any_calls(_optional_methods(s)))
def lifecycle_any_order(subject: LoggerSubject, calls_to_make: Script) -> None:
    """save, finalize(status) and close (when the logger has it) must not raise when called in any order,
    any number of times, interleaved with any other valid calls (log_metrics, log_hyperparams, and
    agg_and_log_metrics and update_agg_funcs where the logger has them); log_graph must not raise for
    any model."""
    with fresh_logger(subject) as (logger, _path):
        calls = CallLog(logger)
        for method, args in calls_to_make:
            calls.run(method, *copy.deepcopy(args))


# --- logger.log_metrics_no_mutation ----------------------------------------------------------


# NaN too: a logger that "cleans" NaN values in place mutates the caller's dict.
_values_with_nan = cst.metric_values(allow_nan=True)
_no_mutation_metrics = st.one_of(cst.metric_dicts(values=_values_with_nan), cst.nested_metric_dicts(values=_values_with_nan))


@register(
    "logger.log_metrics_no_mutation",
    level="core",
    strategy=lambda s: st.tuples(_no_mutation_metrics, cst.steps()),
)
def log_metrics_no_mutation(subject: LoggerSubject, example: tuple[dict[str, Any], int | None]) -> None:
    """log_metrics must not mutate metrics."""
    metrics, step = example
    given = copy.deepcopy(metrics)
    with fresh_logger(subject) as (logger, _path):
        if any(isinstance(v, dict) for v in metrics.values()):
            # The seed types metrics as Dict[str, float]: a logger may refuse nested dicts at core
            # (strict logger.rejects_bad_input holds it to taking them), but not change them.
            with contextlib.suppress(Exception):
                logger.log_metrics(given, step)
        else:
            CallLog(logger).run("log_metrics", given, step)
    expect(
        identical(given, metrics),
        f"log_metrics({metrics!r}, {step!r}) changed its metrics argument to {given!r} "
        "(same keys in the same order, same values of the same types expected)",
    )


# --- logger.rejects_bad_input (strict) -------------------------------------------------------


@attrs.frozen(repr=False)
class BadCall:
    """A call with one malformed argument: the words its error's message must contain, the errors
    allowed (TypeError, or also ValueError for metrics no logger can take as given) and whether a
    logger may take it (metrics nested deeper than Python's recursion limit, which a logger that can
    store it may take)."""

    method: str
    args: tuple[Any, ...]
    names: tuple[str, ...]
    errors: tuple[type[Exception], ...] = (TypeError,)
    unstorable: Unstorable | None = None

    def fresh_args(self) -> tuple[Any, ...]:
        """The arguments, afresh for one call (a metrics that contains itself or nests 3000 deep is
        rebuilt: it cannot be deep-copied)."""
        if self.unstorable is not None:
            return (self.unstorable.build(), *self.args[1:])
        return copy.deepcopy(self.args)

    def __repr__(self) -> str:
        return render_call(self.method, self.args)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # (Hypothesis' pretty printer: the short form, never the metrics itself)


_bad_statuses = st.sampled_from((0, 1, None, b"success", ("success",)))


def _bad_calls() -> st.SearchStrategy[BadCall]:
    """A malformed metrics (as often, one holding a value that is not a real number though a loose check
    takes it), a metrics that contains itself, one nested past Python's recursion limit, a bad step, or a
    bad status."""
    metrics_case = st.tuples(bad_metrics(), cst.steps()).map(lambda c: BadCall("log_metrics", (c[0][0], c[1]), c[0][1]))
    # Values that are not real numbers though a loose check takes them, as often as any other case.
    non_real_case = st.tuples(bad_metrics(non_real_values), cst.steps()).map(
        lambda c: BadCall("log_metrics", (c[0][0], c[1]), c[0][1])
    )
    unstorable_cases = [
        st.tuples(metrics, cst.steps()).map(lambda c: BadCall("log_metrics", c, c[0].names, (TypeError, ValueError), c[0]))
        for metrics in (self_referencing_metrics(), over_deep_metrics())
    ]
    step_case = st.tuples(cst.metric_dicts(), bad_steps).map(lambda c: BadCall("log_metrics", c, ("step",)))
    status_case = _bad_statuses.map(lambda s: BadCall("finalize", (s,), ("status",)))
    # (Weighted by sampling the strategies: one_of draws each distinct branch alike.)
    cases = (metrics_case, non_real_case, non_real_case, *unstorable_cases, step_case, status_case)
    return st.sampled_from(cases).flatmap(lambda case: case)


Valid = tuple[dict[str, Any], Any]
"""A valid ``log_metrics(metrics, step)`` call's arguments."""


@attrs.frozen(repr=False)
class BadScript:
    """One to four malformed calls among up to three valid log_metrics calls; the harness (if any)
    that reads back what was recorded."""

    calls: tuple[BadCall | Valid, ...]
    harness: Harness | None

    def __repr__(self) -> str:
        shown = [repr(c) if isinstance(c, BadCall) else render_call("log_metrics", c) for c in self.calls]
        return "; ".join(shown)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


_BAD_CALLS: list[st.SearchStrategy[list[BadCall]]] = []  # built once, at first use: a strategy built in a draw costs much more


def _bad_scripts(subject: LoggerSubject) -> st.SearchStrategy[BadScript]:
    harness = harness_for(subject)
    valid = st.lists(st.tuples(harness.metrics if harness is not None else cst.metric_dicts(), cst.steps()), max_size=3)
    if not _BAD_CALLS:
        _BAD_CALLS.append(st.lists(_bad_calls(), min_size=1, max_size=4))

    @st.composite
    def build(draw: st.DrawFn) -> BadScript:
        calls: list[BadCall | Valid] = list(draw(valid))
        for bad in draw(_BAD_CALLS[0]):
            calls.insert(draw(st.integers(0, len(calls))), bad)
        return BadScript(tuple(calls), harness)

    return build()


def _cut(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _bad_call_problem(logger: Any, call: BadCall) -> tuple[str | None, bool]:
    """What is wrong with how ``logger`` took the malformed ``call`` (None: nothing), and whether it took it."""
    allowed = " or ".join(e.__name__ for e in call.errors)
    expected = f"{call!r}: expected {allowed} naming {', '.join(call.names)}"
    try:
        getattr(logger, call.method)(*call.fresh_args())
    except call.errors as error:
        missing = [n for n in call.names if n not in str(error)]
        if missing:
            return f"{expected}, but {type(error).__name__} says {_cut(str(error))!r}", False
        return None, False
    except Exception as error:
        return f"{expected}, got {type(error).__name__}: {_cut(str(error))}", False
    if call.unstorable is not None and call.unstorable.may_accept:
        return None, True  # a logger that can store it may take it
    return f"{expected}, but it returned", True


def _recorded_by_rejected_calls(
    harness: Harness, logger: Any, path: Path, logged: list[Record], calls: CallLog
) -> None:
    """What ``harness`` reads back holds no record that a valid call did not log."""
    try:
        back = harness.read(logger, path)
    except Exception as error:
        raise ConformanceFailure(
            f"reading back with {harness.name} after the rejected calls raised {type(error).__name__}: "
            f"{_cut(str(error))}; calls made: {calls}"
        ) from error
    if not isinstance(back, ReadBack):
        raise ConformanceFailure(f"the harness {harness.name} returned {back!r}, not a conformance.ReadBack")
    try:
        read = read_observations(harness, back.metrics)
    except RecursionError:
        raise ConformanceFailure(
            f"read back with {harness.name}: a record contains itself or nests too deep to compare, which "
            f"only a rejected call can have recorded (a rejected call must record nothing); calls made: {calls}"
        ) from None
    _, _, extra = match_observations(expected_observations(harness, logged), read)
    shown = ", ".join(_cut(f"({read[j].shown[0]!r}, {read[j].shown[1]!r})", 120) for j in extra[:3])
    expect(
        not extra,
        f"read back with {harness.name}: {shown}{' and more' if len(extra) > 3 else ''} was never logged by a "
        f"valid call (a rejected call must record nothing); calls made: {calls}",
    )


# One bad input of each kind the sentence names, tried after a failure: a shrunk example shows one
# call, and a user fixing it should learn at once what else the logger lets through.
_EACH_KIND: tuple[tuple[str, BadCall], ...] = (
    ("metrics not a mapping", BadCall("log_metrics", ([("loss", 1.0)], 0), ("metrics",))),
    ("a key that is not a str", BadCall("log_metrics", ({"loss": 1.0, 7: 1.0}, 0), ("metrics",))),
    ("a str value", BadCall("log_metrics", ({"loss": 1.0, "acc": "0.5"}, 0), ("metrics", "acc"))),
    (
        "a str value one mapping down",
        BadCall("log_metrics", ({"loss": 1.0, "grp_val": {"x": 1.0, "acc": "0.5"}}, 0), ("metrics", "grp_val", "acc")),
    ),
    ("a complex value", BadCall("log_metrics", ({"loss": 1.0, "acc": 1j}, 0), ("metrics", "acc"))),
    ("a numpy complex value", BadCall("log_metrics", ({"loss": 1.0, "acc": np.complex128(1j)}, 0), ("metrics", "acc"))),
    (
        "a numpy datetime64 value",
        BadCall("log_metrics", ({"loss": 1.0, "acc": np.datetime64("2026-01-01")}, 0), ("metrics", "acc")),
    ),
    ("a float step", BadCall("log_metrics", ({"loss": 1.0}, 1.5), ("step",))),
    ("a str step", BadCall("log_metrics", ({"loss": 1.0}, "1"), ("step",))),
    ("a bool step", BadCall("log_metrics", ({"loss": 1.0}, True), ("step",))),
    ("a status that is not a str", BadCall("finalize", (0,), ("status",))),
    ("a status of None", BadCall("finalize", (None,), ("status",))),
)


def _each_kind_let_through(subject: LoggerSubject) -> str | None:
    """Which kinds of bad input (one of each, on one fresh logger) ``subject``'s logger mishandles."""
    with fresh_logger(subject) as (logger, _):
        wrong = [kind for kind, call in _EACH_KIND if _bad_call_problem(logger, call)[0] is not None]
    if not wrong:
        return None
    return f"of each kind of bad input tried once on a fresh logger, it mishandled: {', '.join(wrong)}"


@register("logger.rejects_bad_input", level="strict", strategy=_bad_scripts, diagnose=_each_kind_let_through)
def rejects_bad_input(subject: LoggerSubject, script: BadScript) -> None:
    """A metrics that is not a mapping of str to real numbers (or to nested such mappings), or a step
    that is not an int or None (a bool is not a step), must raise TypeError naming the argument and key
    path; a metrics that contains itself must raise TypeError or ValueError naming the argument and
    key path, and one nested deeper than Python's recursion limit must raise TypeError or ValueError
    naming the argument, or be stored (never RecursionError); a status that is not a str must raise
    TypeError naming status. A rejected call must record nothing: with a read-back harness, what is read
    back after the script and finalize('success') holds no record that the valid log_metrics calls
    around the rejected ones did not log; without one, those valid calls and finalize('success') must
    still succeed (nothing else a logger records is observable)."""
    logged: list[Record] = []
    problems: list[str] = []
    took_deep = False
    with fresh_logger(subject) as (logger, path):
        calls = CallLog(logger)
        try:
            for call in script.calls:
                if isinstance(call, BadCall):
                    calls.note(f"{call!r} [malformed]")
                    problem, took = _bad_call_problem(logger, call)
                    problems += [problem] if problem else []
                    took_deep = took_deep or (took and problem is None)
                    continue
                metrics, step = call
                logged.append((step, copy.deepcopy(metrics)))
                calls.run("log_metrics", copy.deepcopy(metrics), step)
            calls.run("finalize", "success")
        except ConformanceFailure as failure:
            if problems:
                raise ConformanceFailure("; ".join([*problems, str(failure)])) from failure
            raise
        expect(not problems, "; ".join(problems) + (f" (calls made: {calls})" if len(script.calls) > 1 else ""))
        if script.harness is not None and not took_deep:  # (what a logger made of metrics it took is not compared)
            _recorded_by_rejected_calls(script.harness, logger, path, logged, calls)
