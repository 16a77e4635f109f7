"""The suite certifies correct implementations it has never seen (``tests/independent``, written from
spec's docstrings, not from impl): it must never fail a correct implementation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import conformance
from conformance import CollectionSubject, LoggerSubject, MergeSubject, RankSubject, Subject
from tests.independent import collections, loggers, merges, ranks

MAX_EXAMPLES = 60
"""Examples per property (the ci profile, derandomized; the aggregation state machine runs its own
fixed 100 sequences): the whole file took 42 s (18 s of CPU) on the shared 2-core machine."""


def _merge(fn: Callable[..., Any]) -> MergeSubject:
    return MergeSubject(fn, f"tests.independent.merges:{fn.__name__}")


def _logger(cls: type[Any], *, gated: bool = False) -> LoggerSubject:
    return LoggerSubject(cls, f"tests.independent.loggers:{cls.__name__}", ranks.RANK if gated else None)


def _collection(cls: type[Any]) -> CollectionSubject:
    return CollectionSubject(cls, f"tests.independent.collections:{cls.__name__}")


SUBJECTS: list[Subject] = [
    _merge(merges.plain_merge),
    _merge(merges.iterable_merge),
    _merge(merges.subclass_merge),
    _logger(loggers.MinimalLogger),
    _logger(loggers.KwargsLogger),
    _logger(loggers.FileLogger, gated=True),
    _logger(loggers.Lightning2StyleLogger),
    _logger(loggers.AggregatingLogger, gated=True),
    _collection(collections.FanOut),
    _collection(collections.ListCollection),
    RankSubject(ranks.gated, ranks.RANK, "tests.independent.ranks:gated"),
    RankSubject(ranks.environment_gated, ranks.ENVIRONMENT_RANK, "tests.independent.ranks:environment_gated"),
]

AGGREGATING: set[Any] = {loggers.AggregatingLogger}


def _may_not_apply(subject: Subject, property_id: str) -> bool:
    """Whether ``property_id`` is allowed to be not applicable to ``subject`` (by construction)."""
    if property_id == "logger.persisted_read_back":
        return True  # needs a read-back harness, and these loggers ship none
    if isinstance(subject, RankSubject) and property_id.startswith("rank.environment_"):
        return subject.rank_source is ranks.RANK  # a plain attribute: no state without a setting
    if isinstance(subject, LoggerSubject):
        if property_id.startswith("aggregation."):
            return subject.factory not in AGGREGATING
        if property_id == "logger.nothing_written_off_rank_zero":
            return subject.rank_source is None
    return False


class TestIndependentImplementations:
    @pytest.mark.parametrize("subject", SUBJECTS, ids=[s.target.rpartition(":")[2] for s in SUBJECTS])
    def test_is_certified_at_strict(self, subject: Subject) -> None:
        """A correct implementation written from scratch passes every property that applies to it, at strict."""
        report = conformance.certify(subject, level="strict", profile="ci", max_examples=MAX_EXAMPLES)
        results = report.subjects[0].results
        failed = {r.id: f"{r.message} (example: {r.falsifying_example})" for r in results if r.status == "failed"}
        assert failed == {}
        skipped = [r.id for r in results if r.status == "not_applicable" and not _may_not_apply(subject, r.id)]
        assert skipped == []
        assert results, "no property ran"

    def test_every_kind_is_covered(self) -> None:
        """There is an independent implementation of each kind of subject."""
        kinds = {type(s) for s in SUBJECTS}
        assert kinds == {MergeSubject, LoggerSubject, CollectionSubject, RankSubject}

    def test_the_iterable_merge_reads_a_generator_once(self) -> None:
        """iterable_merge takes a one-shot generator (the seed's Sequence is not required of it)."""
        dicts = [{"a": 1.0, "d": {"x": 2}}, {"a": 3.0, "d": {"x": 4}}]
        assert merges.iterable_merge(d for d in dicts) == merges.plain_merge(dicts) == {"a": 2.0, "d": {"x": 3.0}}
