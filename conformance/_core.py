"""The vocabulary of the suite: subjects (what is certified), properties (what is checked), the
registry and failures.

The registry is filled from above: each topic module registers its properties as it is imported,
and :mod:`conformance._catalogue` imports them all (this module imports none).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import attrs
from hypothesis import strategies as st

if TYPE_CHECKING:
    from conformance._harness import Harness

# (kind_of and registered are not listed: a new string literal changes what Hypothesis draws; DEVELOPERS.md.)
__all__ = [
    "KINDS",
    "LEVELS",
    "CollectionSubject",
    "ConformanceFailure",
    "Kind",
    "Level",
    "LoggerSubject",
    "MergeSubject",
    "NotApplicable",
    "Property",
    "RankSubject",
    "Subject",
    "expect",
    "register",
]

Kind: TypeAlias = Literal["merge", "logger", "collection", "rank"]
Level: TypeAlias = Literal["core", "strict"]
KINDS: tuple[Kind, ...] = ("merge", "logger", "collection", "rank")
LEVELS: tuple[Level, ...] = ("core", "strict")


class ConformanceFailure(AssertionError):
    """A subject broke a contract sentence; the message says what was expected and what came."""


class NotApplicable(Exception):
    """A property does not apply to this subject (say, aggregation on a logger without it)."""


def expect(condition: bool, message: str) -> None:
    """Raise :class:`ConformanceFailure` with ``message`` unless ``condition`` holds.

    (Not ``assert``: the suite must keep checking under ``python -O``.)
    """
    if not condition:
        raise ConformanceFailure(message)


@attrs.frozen
class MergeSubject:
    """A function with ``merge_dicts``' signature."""

    merge: Callable[..., Any]
    target: str = "<python object>"


@attrs.frozen
class LoggerSubject:
    """A factory that takes an empty directory and returns a fresh logger.

    ``rank_source`` is the object whose ``rank`` attribute gates the logger (``None``: the rank
    properties that need it are not applicable). ``harness`` reads back what the logger persisted
    (``None``: a shipped harness is picked by the logger's class, if there is one; else the
    read-back property is not applicable).
    """

    factory: Callable[[Path], Any]
    target: str = "<python object>"
    rank_source: Any = None
    harness: Harness | None = None


@attrs.frozen
class CollectionSubject:
    """A callable that takes an iterable of loggers and returns a collection logger."""

    factory: Callable[[Iterable[Any]], Any]
    target: str = "<python object>"


@attrs.frozen
class RankSubject:
    """A ``rank_zero_experiment``-style decorator and the object whose ``rank`` sets the rank."""

    # Returns Any, as the other subjects' callables do: what it returns is what the suite checks.
    decorator: Callable[[Callable[[Any], Any]], Any]
    rank_source: Any
    target: str = "<python object>"


Subject: TypeAlias = MergeSubject | LoggerSubject | CollectionSubject | RankSubject
_SUBJECT_KIND: dict[type[Any], Kind] = {
    MergeSubject: "merge",
    LoggerSubject: "logger",
    CollectionSubject: "collection",
    RankSubject: "rank",
}


@attrs.frozen
class Property:
    """One contract sentence, checked on one kind of subject.

    ``check(subject, example)`` raises :class:`ConformanceFailure` when the subject breaks the
    sentence and :class:`NotApplicable` when the sentence does not apply to it; ``strategy``
    builds the examples for a subject (``None``: the check runs once, with ``example=None``).
    ``diagnose(subject)``, once a run has failed, tells what else the subject gets wrong that a
    shrunk example cannot show (``None``: nothing more); it is added to the failure's message.
    """

    id: str
    kind: Kind
    level: Level
    doc: str
    check: Callable[[Any, Any], None]
    strategy: Callable[[Any], st.SearchStrategy[Any]] | None = None
    diagnose: Callable[[Any], str | None] | None = None

    @property
    def name(self) -> str:
        """The id without its kind prefix (``associative_on_disjoint_keys``)."""
        return self.id.partition(".")[2]


_REGISTRY: dict[str, Property] = {}


def register(
    id: str,
    *,
    level: Level,
    strategy: Callable[[Any], st.SearchStrategy[Any]] | None = None,
    diagnose: Callable[[Any], str | None] | None = None,
) -> Callable[[Callable[[Any, Any], None]], Callable[[Any, Any], None]]:
    """Register the decorated ``check(subject, example)`` as property ``id``; its docstring is the contract."""
    group = id.partition(".")[0]
    kind: Kind = "logger" if group in ("aggregation", "logger") else group  # type: ignore[assignment]
    if kind not in KINDS or level not in LEVELS:
        raise ValueError(f"property {id!r}: unknown kind or level {level!r}")

    def decorate(check: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
        if id in _REGISTRY:
            raise ValueError(f"property {id!r} is registered twice")
        doc = " ".join((check.__doc__ or "").split())
        if not doc:
            raise ValueError(f"property {id!r} needs a docstring: the contract sentence it checks")
        _REGISTRY[id] = Property(id, kind, level, doc, check, strategy, diagnose)
        return check

    return decorate


def registered(kind: Kind | None = None, level: Level = "strict") -> list[Property]:
    """The properties registered so far of ``kind`` (all kinds if ``None``) up to ``level``, in
    registration order; :func:`conformance._catalogue.all_properties` gives them all."""
    return [
        p
        for p in _REGISTRY.values()
        if (kind is None or p.kind == kind) and (level == "strict" or p.level == "core")
    ]


def kind_of(subject: Subject) -> Kind:
    """The kind of ``subject``."""
    return _SUBJECT_KIND[type(subject)]
