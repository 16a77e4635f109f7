"""Run properties on subjects and collect a :class:`~conformance.Report`."""

from __future__ import annotations

import ast
import inspect
import multiprocessing
import platform
import random
import re
import shlex
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import attrs
import hypothesis
from hypothesis import given, settings

from conformance._catalogue import all_properties
from conformance._core import (
    ConformanceFailure,
    Kind,
    Level,
    LoggerSubject,
    NotApplicable,
    Property,
    RankSubject,
    Subject,
    kind_of,
)
from conformance._observe import CLEANUP_TIMEOUT, Cleanup, cleaning_up, fresh_logger
from conformance._profiles import (
    DEFAULT_PROFILE,
    derandomized,
    max_examples_of,
    profile_settings,
    settings_in_force,
    source_independent_draws,
)
from conformance._report import PropertyResult, Report, SubjectReport

__all__ = ["certify", "looks_like", "name_of", "run_property", "subject_words"]

_BLOB = re.compile(r"@reproduce_failure\('([^']+)', (b'[^']*'|b\"[^\"]*\")\)")


def _versions() -> dict[str, str]:
    # hypothesis.__version__ is computed, so pyright (strict) cannot type it: read the metadata.
    found: dict[str, str] = {"python": platform.python_version()}
    for dist in ("hypothesis", "loggerspec", "numpy", "attrs"):
        try:
            found[dist] = version(dist)
        except PackageNotFoundError:
            found[dist] = "not installed"
    return found


def _describe_error(error: BaseException) -> str:
    if isinstance(error, ConformanceFailure):
        return str(error)
    return f"raised {type(error).__name__}: {error}"


def run_property(
    prop: Property,
    subject: Subject,
    chosen: settings,
    *,
    seed: int | None = None,
    reproduce: str | None = None,
    replay_command: Callable[[Property, str | None], str] | None = None,
) -> PropertyResult:
    """Run ``prop`` on ``subject`` with the Hypothesis settings ``chosen`` and return its verdict.

    ``reproduce`` is a blob from an earlier failure's replay line: it replays exactly that example.
    """
    # RuntimeWarnings (numpy's overflow and invalid-value warnings on the extreme values the
    # strategies draw) come from the inputs, not the contract: they are not printed among the results.
    with warnings.catch_warnings(), source_independent_draws(), settings_in_force(chosen):
        warnings.simplefilter("ignore", RuntimeWarning)
        return _run_property(prop, subject, chosen, seed=seed, reproduce=reproduce, replay_command=replay_command)


def _run_property(
    prop: Property,
    subject: Subject,
    chosen: settings,
    *,
    seed: int | None,
    reproduce: str | None,
    replay_command: Callable[[Property, str | None], str] | None,
) -> PropertyResult:
    examples = 0
    last: list[Any] = [None]
    started = time.perf_counter()

    def result(status: Any, **extra: Any) -> PropertyResult:
        return PropertyResult(
            id=prop.id,
            kind=prop.kind,
            level=prop.level,
            status=status,
            examples=examples,
            seconds=round(time.perf_counter() - started, 4),
            contract=prop.doc,
            **extra,
        )

    try:
        strategy = prop.strategy(subject) if prop.strategy is not None else None
    except NotApplicable as reason:
        return result("not_applicable", reason=str(reason))
    except Exception as error:  # noqa: BLE001 (a subject that breaks while its examples are built fails, never escapes)
        replay = replay_command(prop, None) if replay_command else None
        return result("failed", message=f"building the examples: {_describe_error(error)}", replay=replay)

    if strategy is None:
        examples = 1
        try:
            prop.check(subject, None)
        except NotApplicable as reason:
            return result("not_applicable", reason=str(reason))
        except Exception as error:
            replay = replay_command(prop, None) if replay_command else None
            return result("failed", message=_describe_error(error), replay=replay)
        return result("passed")

    # NotApplicable says the subject lacks what the property needs, whatever the example: the first
    # one ends the checking (raised into Hypothesis, it would be shrunk as a failure, for seconds).
    not_applicable: list[tuple[NotApplicable, int]] = []
    prop = attrs.evolve(prop, check=_until_not_applicable(prop.check, not_applicable))

    # Keep body's source as it is: Hypothesis hashes it to seed a derandomized run, so an edit here
    # would change the examples, and some verdicts, of every property at the ci profile.
    def body(example: Any) -> None:
        nonlocal examples
        examples += 1
        last[0] = example
        prop.check(subject, example)

    test: Callable[[], None] = settings(chosen)(given(strategy)(body))
    if seed is not None:
        test = hypothesis.seed(seed)(test)
    if reproduce is not None:
        version_, _, encoded = reproduce.partition(":")
        test = hypothesis.reproduce_failure(version_, encoded.encode())(test)
    try:
        test()
        if not_applicable:
            first, examples = not_applicable[0]
            return result("not_applicable", reason=str(first))
    except NotApplicable as reason:
        return result("not_applicable", reason=str(reason))
    except Exception as error:
        notes = "\n".join(getattr(error, "__notes__", []))
        match = _BLOB.search(notes)
        blob: str | None = None
        if match:
            blob = f"{match.group(1)}:{ast.literal_eval(match.group(2)).decode()}"
        replay = replay_command(prop, blob or reproduce) if replay_command else None
        return result(
            "failed",
            message=_describe_error(error) + _diagnosis(prop, subject),
            falsifying_example=repr(last[0]),
            replay=replay,
        )
    return result("passed")


def _diagnosis(prop: Property, subject: Subject) -> str:
    """``prop``'s diagnosis of ``subject`` after a failure, as a sentence to add to the message."""
    if prop.diagnose is None:
        return ""
    try:
        found = prop.diagnose(subject)
    except Exception as error:  # noqa: BLE001 (the verdict stands; only the extra words are lost)
        return f"; (the diagnosis after the failure raised {type(error).__name__}: {error})"
    return f"; {found}" if found else ""


def _until_not_applicable(
    check: Callable[[Any, Any], None], seen: list[tuple[NotApplicable, int]]
) -> Callable[[Any, Any], None]:
    """``check``, which records the first :class:`NotApplicable` in ``seen`` instead of raising it
    (with the number of the example that raised it) and does nothing once one is recorded."""
    done = 0

    def checked(subject: Any, example: Any) -> None:
        nonlocal done
        if seen:
            return
        done += 1
        try:
            check(subject, example)
        except NotApplicable as reason:
            seen.append((reason, done))

    return checked


# --- what a subject is, before the run ---------------------------------------------------------

_DESCRIBED: dict[Kind, str] = {
    "merge": "merge function (it takes agg_key_funcs or default_func, as merge_dicts(dicts, agg_key_funcs, default_func))",
    "logger": "logger or a logger collection (it has log_metrics)",
    "collection": "logger collection",
    "rank": "rank decorator",
}
_GIVEN_AS: dict[Kind, str] = {
    "merge": "merge function",
    "logger": "logger factory",
    "collection": "collection factory",
    "rank": "rank decorator",
}
# The kinds a subject that looks like the key may be given as.
_COMPATIBLE: dict[Kind, tuple[Kind, ...]] = {"logger": ("logger", "collection"), "merge": ("merge",)}


def _parameters(obj: Any) -> list[inspect.Parameter] | None:
    try:
        return list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return None


def looks_like(obj: Any) -> Kind | None:
    """The kind ``obj`` plainly is by its shape: ``logger`` for a class or object with
    ``log_metrics`` (a logger or a collection), ``merge`` for a callable with a parameter named
    ``agg_key_funcs`` or ``default_func``; ``None`` when its shape does not say (a factory function,
    a decorator: only calling it tells)."""
    try:
        inspect.getattr_static(obj, "log_metrics")
        return "logger"
    except AttributeError:
        pass
    names = {p.name for p in _parameters(obj) or ()}
    return "merge" if {"agg_key_funcs", "default_func"} & names else None


def _subject_callable(subject: Subject) -> Any:
    if isinstance(subject, RankSubject):
        return subject.decorator
    return subject.merge if kind_of(subject) == "merge" else subject.factory  # type: ignore[union-attr]


def _wrong_kind(subject: Subject) -> str | None:
    """Why ``subject`` is plainly of another kind than it was given as, or None."""
    kind = kind_of(subject)
    seen = looks_like(_subject_callable(subject))
    if seen is None or kind in _COMPATIBLE[seen]:
        return None
    return f"it looks like a {_DESCRIBED[seen]}, not a {_GIVEN_AS[kind]}: give it as KIND {seen}"


def _constructor_hint(factory: Any) -> str:
    """A hint when ``factory`` needs more arguments than the directory."""
    parameters = _parameters(factory) or []
    if parameters and "logger" in parameters[0].name:
        return f" (its first parameter is {parameters[0].name}: it looks like a logger collection, give it as KIND collection)"
    required = [p.name for p in parameters if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if len(required) < 2:
        return ""
    name = getattr(factory, "__name__", "X")
    return (
        f" (its constructor needs more than a directory: also {', '.join(required[1:])}; "
        f"write a factory, def make(directory): return {name}(directory, ...))"
    )


def _probe_logger(subject: LoggerSubject) -> tuple[str | None, str | None]:
    """Build one logger (ended and removed as every other): (why the subject is unusable, or None;
    the protocol its loggers can be certified as, or None)."""
    try:
        with fresh_logger(subject) as (logger, _):
            if not callable(getattr(logger, "log_metrics", None)):
                made = f"{type(logger).__name__} {logger!r}"[:120]
                hint = ": it looks like a rank decorator" if callable(logger) else ""
                return f"the factory returned {made}, which has no log_metrics: not a logger factory{hint}", None
            has_close = callable(getattr(logger, "close", None))
    except ConformanceFailure as failure:
        return f"{failure}{_constructor_hint(subject.factory)}", None
    return None, ("spec.Logger" if has_close else "spec.CoreLogger")


def _probe(subject: Subject) -> tuple[str | None, str | None]:
    """(why ``subject`` cannot be run, or None; the protocol a logger subject is certified as)."""
    wrong = _wrong_kind(subject)
    if wrong is not None:
        return wrong, None
    if isinstance(subject, LoggerSubject):
        return _probe_logger(subject)
    return None, None


# --- replay commands -----------------------------------------------------------------------------


def name_of(obj: Any) -> str | None:
    """``module:name`` that loads ``obj`` (a function, a class, or an object bound to a name in the
    module of its class), or None."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str) and "<" not in qualname:
        return f"{module}:{qualname}"
    home = sys.modules.get(type(obj).__module__)
    if home is None:
        return None
    for attribute, value in vars(home).items():
        if value is obj and not attribute.startswith("_"):
            return f"{home.__name__}:{attribute}"
    return None


def subject_words(subject: Subject) -> list[str]:
    """The CLI words that select ``subject``: its kind and target (the callable's name when the target
    is no ``module:attribute``), with ``--rank-object`` and ``--harness`` where they can be named."""
    target = subject.target if ":" in subject.target else (name_of(_subject_callable(subject)) or subject.target)
    words = [kind_of(subject), target]
    if isinstance(subject, (LoggerSubject, RankSubject)) and subject.rank_source is not None:
        source = name_of(subject.rank_source)
        words += ["--rank-object", source] if source is not None else []
    if isinstance(subject, LoggerSubject) and subject.harness is not None and ":" in subject.harness.name:
        words += ["--harness", subject.harness.name]
    return words


# --- certify -------------------------------------------------------------------------------------


def certify(
    *subjects: Subject,
    level: Level = "strict",
    profile: str = DEFAULT_PROFILE,
    max_examples: int | None = None,
    seed: int | None = None,
    only: Iterable[str] = (),
    opt_out: Mapping[str, str] | None = None,
    reproduce: str | None = None,
    on_result: Callable[[Subject, PropertyResult], None] | None = None,
    command: Callable[[Subject], list[str]] | None = None,
    cleanup_timeout: float = CLEANUP_TIMEOUT,
    jobs: int = 1,
) -> Report:
    """Run every property of each subject's kind up to ``level`` and return the report.

    Each subject is probed first: one that plainly looks like another kind, or a logger factory
    that raises or returns no logger, is reported ``unusable`` with the reason, and not run. Every
    logger the run builds is finalized (unless the property did), closed (if it can be), and its
    directory removed; all the directories live under one temporary directory, removed at the end.

    Args:
        subjects: what to certify (:class:`MergeSubject`, :class:`LoggerSubject`, ...).
        level: ``"core"`` (the seed's contract) or ``"strict"`` (core plus loggerspec's robustness).
        profile: a Hypothesis profile name from :data:`conformance.PROFILES`.
        max_examples: overrides the profile's number of examples per property.
        seed: a Hypothesis seed (turns the ``ci`` profile's derandomizing off).
        only: property ids to run (all if empty).
        opt_out: property id -> reason, for properties the caller chose not to run; each shows
            in the report as ``opted_out`` with its reason. An empty reason is an error.
        reproduce: a replay blob from a failure, with exactly one id in ``only``.
        on_result: called after each property, for progress output.
        command: gives the CLI words that select a subject, for replay lines (default:
            :func:`subject_words`).
        cleanup_timeout: seconds each logger's finalize and close may take; a longer one is left
            running in a daemon thread and reported in the result's ``warnings``.
        jobs: run each subject's properties in this many worker processes (forked, so the subject
            need not pickle; POSIX only). Each property's verdict is a sequential run's (the
            settings are per property), and the results come in registration order.

    Raises:
        ValueError: a bad level, profile, property id or opt-out (the message names it).
    """
    if level not in ("core", "strict"):
        raise ValueError(f"level must be 'core' or 'strict', got {level!r}")
    only = tuple(only)
    opt_out = dict(opt_out or {})
    known = {p.id for p in all_properties()}
    for pid in (*only, *opt_out):
        if pid not in known:
            raise ValueError(f"unknown property id {pid!r}; `python -m conformance --list` lists them")
    for pid, why in opt_out.items():
        if not why.strip():
            raise ValueError(f"opt_out[{pid!r}]: opting out of a property needs a reason")
    if reproduce is not None and len(only) != 1:
        raise ValueError("reproduce needs exactly one property id in only")
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if jobs > 1 and "fork" not in multiprocessing.get_all_start_methods():
        raise ValueError("jobs above 1 need the fork start method (POSIX)")
    chosen = profile_settings(profile, max_examples, seed)
    if seed is None and not derandomized(chosen):
        seed = random.getrandbits(32)
    words_of = command if command is not None else subject_words

    run_directory = Path(tempfile.mkdtemp(prefix="loggerspec-"))
    try:
        with cleaning_up(run_directory, cleanup_timeout) as cleanup:
            reports: list[SubjectReport] = []
            for subject in subjects:

                def replay(prop: Property, blob: str | None, subject: Subject = subject) -> str:
                    words = ["python", "-m", "conformance", *words_of(subject)]
                    words += ["--only", prop.id, "--level", level, "--profile", profile]
                    if max_examples is not None:
                        words += ["--max-examples", str(max_examples)]
                    if seed is not None:
                        words += ["--seed", str(seed)]
                    if blob is not None:
                        words += ["--reproduce", blob]
                    return shlex.join(words)

                def run(prop: Property, replay: Callable[[Property, str | None], str] = replay) -> PropertyResult:
                    return run_property(prop, subject, chosen, seed=seed, reproduce=reproduce, replay_command=replay)

                reports.append(_certify_one(subject, level, only, opt_out, cleanup, run, on_result, jobs))
    finally:
        shutil.rmtree(run_directory, ignore_errors=True)
    return Report(level, profile, seed, max_examples_of(chosen), _versions(), tuple(reports))


def _certify_one(
    subject: Subject,
    level: Level,
    only: tuple[str, ...],
    opt_out: Mapping[str, str],
    cleanup: Cleanup,
    run: Callable[[Property], PropertyResult],
    on_result: Callable[[Subject, PropertyResult], None] | None,
    jobs: int,
) -> SubjectReport:
    """Probe ``subject``, then run its properties with ``run`` (in ``jobs`` processes); its report."""
    error, protocol = _probe(subject)
    probed = tuple(cleanup.take_problems())
    if error is not None:
        return SubjectReport(kind_of(subject), subject.target, (), error=error, warnings=probed)
    selected = [p for p in all_properties(kind_of(subject), level) if not only or p.id in only]
    to_run = [p for p in selected if p.id not in opt_out]

    def run_here(prop: Property) -> PropertyResult:
        res = run(prop)
        problems = cleanup.take_problems()
        return attrs.evolve(res, warnings=tuple(problems)) if problems else res

    results: list[PropertyResult] = []
    with _workers(run_here, jobs if len(to_run) > 1 else 1) as run_all:
        ran = run_all(to_run)
        for prop in selected:
            if prop.id in opt_out:
                res = PropertyResult(prop.id, prop.kind, prop.level, "opted_out", 0, 0.0, prop.doc, reason=opt_out[prop.id])
            else:
                res = next(ran)
            results.append(res)
            if on_result is not None:
                on_result(subject, res)
    return SubjectReport(kind_of(subject), subject.target, tuple(results), protocol=protocol, warnings=probed)


_FORKED: list[Callable[[Property], PropertyResult]] = []
"""The property runner a forked worker inherits (a closure need not pickle across a fork)."""


def _run_in_worker(property_id: str) -> PropertyResult:
    (prop,) = [p for p in all_properties() if p.id == property_id]
    return _FORKED[-1](prop)


@contextmanager
def _workers(
    run: Callable[[Property], PropertyResult], jobs: int
) -> Generator[Callable[[list[Property]], Iterator[PropertyResult]], None, None]:
    """A function running properties in order, each by ``run``: here, or in ``jobs`` forked processes."""
    if jobs == 1:
        yield lambda props: (run(p) for p in props)
        return
    _FORKED.append(run)
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            yield lambda props: pool.imap(_run_in_worker, [p.id for p in props])
    finally:
        _FORKED.remove(run)
