"""Run properties on subjects and collect a :class:`~conformance.Report`."""

from __future__ import annotations

import ast
import platform
import random
import re
import shlex
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import hypothesis
from hypothesis import given, settings

from conformance._catalogue import all_properties
from conformance._core import ConformanceFailure, Level, NotApplicable, Property, Subject, kind_of
from conformance._profiles import DEFAULT_PROFILE, profile_settings
from conformance._report import PropertyResult, Report, SubjectReport

__all__ = ["certify", "run_property"]

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
    with warnings.catch_warnings():
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
            message=_describe_error(error),
            falsifying_example=repr(last[0]),
            replay=replay,
        )
    return result("passed")


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
) -> Report:
    """Run every property of each subject's kind up to ``level`` and return the report.

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
        command: gives the CLI words that select a subject, for replay lines.

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
    chosen = profile_settings(profile, max_examples, seed)
    if seed is None and not chosen.derandomize:
        seed = random.getrandbits(32)

    reports: list[SubjectReport] = []
    for subject in subjects:

        def replay(prop: Property, blob: str | None, subject: Subject = subject) -> str:
            words = ["python", "-m", "conformance", *(command(subject) if command else [kind_of(subject), "..."])]
            words += ["--only", prop.id, "--level", level, "--profile", profile]
            if max_examples is not None:
                words += ["--max-examples", str(max_examples)]
            if seed is not None:
                words += ["--seed", str(seed)]
            if blob is not None:
                words += ["--reproduce", blob]
            return shlex.join(words)

        results: list[PropertyResult] = []
        for prop in all_properties(kind_of(subject), level):
            if only and prop.id not in only:
                continue
            if prop.id in opt_out:
                res = PropertyResult(
                    prop.id, prop.kind, prop.level, "opted_out", 0, 0.0, prop.doc, reason=opt_out[prop.id]
                )
            else:
                res = run_property(prop, subject, chosen, seed=seed, reproduce=reproduce, replay_command=replay)
            results.append(res)
            if on_result is not None:
                on_result(subject, res)
        reports.append(SubjectReport(kind_of(subject), subject.target, tuple(results)))
    return Report(level, profile, seed, chosen.max_examples, _versions(), tuple(reports))
