"""Suite classes for pytest: subclass one, say what to certify, and get one test per property.

    class TestMyLogger(conformance.LoggerSuite):
        factory = MyLogger                       # called with an empty directory
        opt_out = {"logger.rejects_bad_input": "we coerce strings on purpose"}

Opting out of a property needs a reason; it shows as a skip with that reason, and the plugin lists
every opt-out at the end of the run.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, cast

from conformance._catalogue import all_properties
from conformance._core import CollectionSubject, Kind, Level, LoggerSubject, MergeSubject, RankSubject, Subject
from conformance._harness import as_harness
from conformance._profiles import DEFAULT_PROFILE
from conformance._runner import certify, subject_words

__all__ = ["CollectionSuite", "LoggerSuite", "MergeSuite", "RankSuite"]

OPTED_OUT_ATTRIBUTE = "_loggerspec_opted_out"
"""Where a pytest config keeps (suite, property id, reason) of the run's opt-outs; the plugin lists them."""


def _target_of(obj: Any) -> str:
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None)
    return f"{module}:{name}" if module and name and "<" not in name else repr(obj)


class _Suite:
    kind: ClassVar[Kind]
    level: ClassVar[Level] = "strict"
    profile: ClassVar[str] = DEFAULT_PROFILE
    max_examples: ClassVar[int | None] = None
    opt_out: ClassVar[Mapping[str, str]] = {}

    def _attribute(self, name: str, *, required: bool = True) -> Any:
        """A class attribute as written: a plain function set on the class is not bound to the instance."""
        value = inspect.getattr_static(type(self), name, None)
        if isinstance(value, (staticmethod, classmethod)):
            # isinstance gives no type arguments, which pyright's strict mode reports as Unknown.
            value = cast("staticmethod[..., Any] | classmethod[Any, ..., Any]", value).__func__
        if value is None and required:
            raise TypeError(f"{type(self).__name__} must set {name!r}")
        return value

    def subject(self) -> Subject:
        """The subject this suite certifies."""
        raise NotImplementedError

    def _words(self, subject: Subject) -> list[str]:
        return subject_words(subject)

    def pytest_generate_tests(self, metafunc: Any) -> None:
        """One test per property of this suite's kind and level."""
        if "property_id" in metafunc.fixturenames:
            level = metafunc.config.getoption("conformance_level", default=None) or self.level
            ids = [p.id for p in all_properties(self.kind, level)]
            metafunc.parametrize("property_id", ids, ids=ids)

    def test_property(self, property_id: str, request: Any) -> None:
        """The subject satisfies the contract sentence of ``property_id``."""
        import pytest

        suite = type(self).__qualname__
        known = {p.id for p in all_properties(self.kind)}
        unknown = sorted(pid for pid in self.opt_out if pid not in known)
        if unknown:
            pytest.fail(
                f"{suite}.opt_out names {', '.join(map(repr, unknown))}, not a {self.kind} property "
                f"(`python -m conformance --list {self.kind}` lists them)",
                pytrace=False,
            )
        if property_id in self.opt_out:
            reason: object = self.opt_out[property_id]  # checked: callers may not type-check
            if not isinstance(reason, str) or not reason.strip():
                pytest.fail(f"{suite}.opt_out[{property_id!r}]: opting out of a property needs a reason", pytrace=False)
            request.config.__dict__.setdefault(OPTED_OUT_ATTRIBUTE, []).append((suite, property_id, reason))
            pytest.skip(f"opted out: {reason}")
        config = request.config
        subject = self.subject()
        report = certify(
            subject,
            only=[property_id],
            level="strict",
            profile=config.getoption("conformance_profile", default=None) or self.profile,
            max_examples=config.getoption("conformance_max_examples", default=None) or self.max_examples,
            command=self._words,
        )
        (result,) = report.subjects[0].results
        if result.status == "not_applicable":
            pytest.skip(f"not applicable: {result.reason}")
        if result.status == "failed":
            lines = [f"{property_id}: {result.contract}", f"problem: {result.message}"]
            if result.falsifying_example is not None:
                lines.append(f"minimal falsifying example: {result.falsifying_example}")
            if result.replay:
                lines.append(f"replay: {result.replay}")
            pytest.fail("\n".join(lines), pytrace=False)


class MergeSuite(_Suite):
    """Certifies ``merge``, a function with ``merge_dicts``' signature."""

    kind = "merge"
    merge: ClassVar[Callable[..., Any]]

    def subject(self) -> Subject:
        fn = self._attribute("merge")
        return MergeSubject(fn, _target_of(fn))


class LoggerSuite(_Suite):
    """Certifies the loggers ``factory`` builds (called with an empty directory); ``rank_object``
    (the object whose ``.rank`` gates the logger) turns on the rank-gating property, and ``harness``
    (a :class:`~conformance.Harness`, or a callable ``read(logger, directory)``) reads back what the
    logger persisted (default: a shipped harness picked by the logger's class, if any)."""

    kind = "logger"
    # Called with the directory (a Path). Typed with `...`: mypy binds a function set in a class body
    # as a method (dropping its first parameter) but not a class, so no narrower type takes both
    # `factory = MyLogger` and `factory = make_logger` (tests/typing/check_suites.py).
    factory: Callable[..., Any]
    rank_object: ClassVar[Any] = None
    harness: ClassVar[Any] = None

    def subject(self) -> Subject:
        fn = self._attribute("factory")
        given = self._attribute("harness", required=False)
        harness = as_harness(given, _target_of(given)) if given is not None else None
        return LoggerSubject(fn, _target_of(fn), self.rank_object, harness)


class CollectionSuite(_Suite):
    """Certifies ``factory``, which takes an iterable of loggers and returns a collection logger."""

    kind = "collection"
    factory: Callable[..., Any]  # called with an iterable of loggers (typed as LoggerSuite.factory is)

    def subject(self) -> Subject:
        fn = self._attribute("factory")
        return CollectionSubject(fn, _target_of(fn))


class RankSuite(_Suite):
    """Certifies ``decorator`` (``rank_zero_experiment``-style) with ``rank_object`` (default impl's)."""

    kind = "rank"
    decorator: ClassVar[Callable[..., Any]]
    rank_object: ClassVar[Any] = None

    def subject(self) -> Subject:
        import impl

        fn = self._attribute("decorator")
        source = self.rank_object if self.rank_object is not None else impl.rank_zero_only
        return RankSubject(fn, source, _target_of(fn))
