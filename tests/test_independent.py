"""The suite certifies correct implementations it has never seen (``tests/independent``, written from
spec's docstrings, not from impl): it must never fail a correct implementation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import pytest

import conformance
from conformance import CollectionSubject, LoggerSubject, MergeSubject, RankSubject, Subject
from tests.conftest import Tier
from tests.independent import collections, loggers, merges, ranks

MAX_EXAMPLES = 60
"""Examples per property in the exhaustive tier (the ci profile, derandomized; the aggregation state
machine runs its own fixed 100 sequences)."""
FAST_MAX_EXAMPLES = 15
"""Examples per property in the fast tier."""


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
    if isinstance(subject, RankSubject) and property_id == "rank.gate_runs_on_rank_zero_only":
        return not callable(subject.rank_source)  # these rank objects hold the rank, none is a decorator
    if isinstance(subject, LoggerSubject):
        if property_id.startswith("aggregation."):
            return subject.factory not in AGGREGATING
        if property_id == "logger.nothing_written_off_rank_zero":
            return subject.rank_source is None
    return False


KINDS: dict[type[Subject], Literal["merge", "logger", "collection", "rank"]] = {
    MergeSubject: "merge",
    LoggerSubject: "logger",
    CollectionSubject: "collection",
    RankSubject: "rank",
}
# One test per subject and property (so that pytest -v says which property runs): every property of
# the subject's kind, at strict.
CASES = [(s, p.id) for s in SUBJECTS for p in conformance.all_properties(KINDS[type(s)], "strict")]


class TestIndependentImplementations:
    @pytest.mark.parametrize(
        ("subject", "property_id"), CASES, ids=[f"{s.target.rpartition(':')[2]}-{p}" for s, p in CASES]
    )
    def test_is_certified_at_strict(self, subject: Subject, property_id: str, tier: Tier) -> None:
        """A correct implementation written from scratch passes every property that applies to it, at strict."""
        report = conformance.certify(
            subject, level="strict", profile="ci", only=[property_id], max_examples=tier.pick(FAST_MAX_EXAMPLES, MAX_EXAMPLES)
        )
        (result,) = report.subjects[0].results
        assert result.status != "failed", f"{result.message} (example: {result.falsifying_example})"
        if result.status == "not_applicable":
            assert _may_not_apply(subject, property_id), result.reason
        else:
            assert result.status == "passed", result

    def test_every_subject_has_properties(self) -> None:
        """Each subject is certified on at least one property (the cases above are not empty)."""
        assert {s.target for s, _ in CASES} == {s.target for s in SUBJECTS}

    def test_every_kind_is_covered(self) -> None:
        """There is an independent implementation of each kind of subject."""
        kinds = {type(s) for s in SUBJECTS}
        assert kinds == {MergeSubject, LoggerSubject, CollectionSubject, RankSubject}

    def test_the_iterable_merge_reads_a_generator_once(self) -> None:
        """iterable_merge takes a one-shot generator (the seed's Sequence is not required of it)."""
        dicts = [{"a": 1.0, "d": {"x": 2}}, {"a": 3.0, "d": {"x": 4}}]
        assert merges.iterable_merge(d for d in dicts) == merges.plain_merge(dicts) == {"a": 2.0, "d": {"x": 3.0}}
