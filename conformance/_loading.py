"""Load subjects named ``module:attribute`` (the CLI's and the pytest options' way to name them)."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from conformance._core import CollectionSubject, Kind, LoggerSubject, MergeSubject, RankSubject, Subject
from conformance._harness import Harness, as_harness

__all__ = ["LoadError", "load_harness", "load_object", "load_subject", "reference_subjects"]


class LoadError(Exception):
    """A subject could not be loaded; the message says which name and why."""


def load_object(target: str) -> Any:
    """Import ``module:attribute`` (the attribute may be dotted) and return the object.

    The current directory is searched first, as ``python -m`` does, so a module next to the
    caller loads from a console script too.

    Raises:
        LoadError: the name is not of that form, the module does not import, or the attribute is missing.
    """
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise LoadError(f"{target!r} must be of the form module:attribute (for example impl:merge_dicts)")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as error:
        raise LoadError(f"cannot import module {module_name!r} of {target!r}: {type(error).__name__}: {error}") from error
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise LoadError(f"module {module_name!r} has no attribute {attribute!r}") from None
    return obj


def load_harness(target: str) -> Harness:
    """Load the read-back harness named ``module:attribute``: a :class:`~conformance.Harness`, or a
    callable ``read(logger, directory)`` (which gets the default harness settings).

    Raises:
        LoadError: the name does not load, or names neither.
    """
    obj = load_object(target)
    try:
        return as_harness(obj, target)
    except TypeError as error:
        raise LoadError(f"--harness {target!r}: {error}") from None


def load_subject(kind: Kind, target: str, rank_object: str | None = None, harness: str | None = None) -> Subject:
    """Build the subject of ``kind`` named ``target``; ``rank_object`` names the rank source and
    ``harness`` the read-back harness (logger subjects only).

    A rank subject without ``rank_object`` uses ``impl:rank_zero_only``.
    """
    if harness is not None and kind != "logger":
        raise LoadError(f"--harness applies to logger subjects only, not to a {kind} subject")
    obj = load_object(target)
    if not callable(obj):
        raise LoadError(f"{target!r} must be callable, got {type(obj).__name__}")
    rank_source = load_object(rank_object) if rank_object else None
    if kind == "merge":
        return MergeSubject(obj, target)
    if kind == "logger":
        return LoggerSubject(obj, target, rank_source, load_harness(harness) if harness is not None else None)
    if kind == "collection":
        return CollectionSubject(obj, target)
    if kind == "rank":
        return RankSubject(obj, rank_source if rank_source is not None else load_object("impl:rank_zero_only"), target)
    raise LoadError(f"kind must be one of merge, logger, collection, rank; got {kind!r}")


def reference_subjects() -> list[tuple[Subject, list[str]]]:
    """impl's subjects, each with the CLI words that name it: what ``python -m conformance`` certifies by default."""
    import impl

    subjects: list[tuple[Subject, list[str]]] = [
        (MergeSubject(impl.merge_dicts, "impl:merge_dicts"), ["merge", "impl:merge_dicts"]),
    ]
    # impl's logger is InMemoryLogger, the suite's model. The durable JsonlLogger is certified on its
    # own (`python -m conformance logger impl:JsonlLogger`, in CI and in the matrix): it fsyncs at
    # every flush, which would double the default run's time.
    subjects.append(
        (
            LoggerSubject(impl.InMemoryLogger, "impl:InMemoryLogger", impl.rank_zero_only),
            ["logger", "impl:InMemoryLogger", "--rank-object", "impl:rank_zero_only"],
        )
    )
    subjects += [
        (CollectionSubject(impl.LoggerCollection, "impl:LoggerCollection"), ["collection", "impl:LoggerCollection"]),
        (
            RankSubject(impl.rank_zero_experiment, impl.rank_zero_only, "impl:rank_zero_experiment"),
            ["rank", "impl:rank_zero_experiment", "--rank-object", "impl:rank_zero_only"],
        ),
    ]
    return subjects
