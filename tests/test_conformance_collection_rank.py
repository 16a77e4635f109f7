"""The collection and rank properties: the reference passes them, they leave the rank as they found
it, and they do not ask for more than the contract says."""

from __future__ import annotations

import types
from argparse import Namespace
from collections.abc import Callable, Mapping
from typing import Any

import pytest

import conformance
import impl
import spec
from conformance import CollectionSubject, LoggerSubject, RankSubject
from conformance._catalogue import all_properties
from conformance._collection._members import METHODS
from conformance._collection._members import Delivery as _Delivery
from conformance._collection._members import Member as _Member
from conformance._rank import at_rank
from conformance._report import PropertyResult
from tests.broken.ranks import AbsorbingDummy, _gate
from tests.conftest import examples

COLLECTION_IDS = [
    "collection.fan_out",
    "collection.properties",
    "collection.indexing",
    "collection.length",
    "collection.one_shot_iterator",
    "collection.error_isolation",
]
RANK_IDS = [
    "rank.dummy_off_rank_zero",
    "rank.result_on_rank_zero",
    "rank.dummy_absorbs",
    "rank.dummy_copy_pickle",
    "rank.dummy_iter_ends",
    "rank.dummy_bool",
    "rank.environment_order",
    "rank.environment_malformed",
    "rank.gate_runs_on_rank_zero_only",
]
LOGGER_IDS = ["logger.nothing_written_off_rank_zero"]
OWNED = COLLECTION_IDS + RANK_IDS + LOGGER_IDS

def _subjects() -> tuple[CollectionSubject, RankSubject, LoggerSubject]:
    return (
        CollectionSubject(impl.LoggerCollection, "impl:LoggerCollection"),
        RankSubject(impl.rank_zero_experiment, impl.rank_zero_only, "impl:rank_zero_experiment"),
        LoggerSubject(impl.InMemoryLogger, "impl:InMemoryLogger", rank_source=impl.rank_zero_only),
    )


REFERENCE_EXAMPLES = examples(25, 100)
"""Examples per property for the subjects that must pass (the ci profile's 100 in the exhaustive tier)."""


def _impl_result(property_id: str) -> PropertyResult:
    """The reference certified on one property, at strict, with the ci profile: each test certifies
    what it checks itself (no result cached across tests, so each test runs the code it judges)."""
    kind = property_id.partition(".")[0]
    collection, rank, logger = _subjects()
    subjects: dict[str, conformance.Subject] = {"collection": collection, "rank": rank, "logger": logger}
    subject = subjects[kind]
    report = conformance.certify(subject, level="strict", profile="ci", only=[property_id], max_examples=REFERENCE_EXAMPLES)
    (result,) = report.subjects[0].results
    return result


def _certify_one(subject: conformance.Subject, property_id: str) -> PropertyResult:
    report = conformance.certify(subject, only=[property_id], profile="ci")
    (result,) = report.subjects[0].results
    return result


class TestTheReferencePasses:
    def test_every_owned_property_is_registered_with_its_kind_and_level(self) -> None:
        registered = {p.id: p for p in all_properties()}
        assert [i for i in OWNED if i not in registered] == []
        strict = {
            "collection.length",
            "collection.one_shot_iterator",
            "collection.error_isolation",
            "rank.dummy_copy_pickle",
            "rank.dummy_iter_ends",
            "rank.dummy_bool",
            "rank.environment_malformed",
        }
        for pid in OWNED:
            prop = registered[pid]
            assert prop.level == ("strict" if pid in strict else "core"), pid
            assert prop.kind == pid.partition(".")[0]
            assert prop.doc
        mine = [p.id for p in all_properties() if p.kind in ("collection", "rank")]
        assert sorted(mine) == sorted(COLLECTION_IDS + RANK_IDS)

    @pytest.mark.parametrize(
        "property_id",
        OWNED,
    )
    def test_impl_passes(self, property_id: str) -> None:
        """impl passes the property, having run at least one example of it (speed is measured by benchmarks/run.py)."""
        result = _impl_result(property_id)
        assert result.status == "passed", f"{result.message}\nexample: {result.falsifying_example}"
        assert result.examples >= 1

    def test_a_correct_dummy_passes_every_rank_property(self) -> None:
        """The rank properties can all be satisfied (a dummy written apart from impl's)."""
        gate = _gate(AbsorbingDummy)
        report = conformance.certify(
            RankSubject(gate, impl.rank_zero_only, "tests:gate"), profile="ci", max_examples=REFERENCE_EXAMPLES
        )
        failed = {r.id: r.message for r in report.subjects[0].results if r.status != "passed"}
        assert failed == {}


class TestTheRankIsRestored:
    @pytest.mark.parametrize("property_id", ["rank.dummy_off_rank_zero", "logger.nothing_written_off_rank_zero"])
    def test_after_certifying_impl(self, property_id: str) -> None:
        """Certifying impl on a property that sets the rank leaves no rank set."""
        assert "passed" == _impl_result(property_id).status
        assert impl.rank_zero_only._rank is None

    def test_after_a_failing_run(self) -> None:
        from tests.broken.ranks import rank_zero_experiment_15

        result = _certify_one(RankSubject(rank_zero_experiment_15, impl.rank_zero_only), "rank.result_on_rank_zero")
        assert result.status == "failed"
        assert impl.rank_zero_only._rank is None

    def test_an_explicit_setting_is_kept(self) -> None:
        impl.rank_zero_only.rank = 5
        result = _certify_one(_subjects()[1], "rank.dummy_off_rank_zero")
        assert result.status == "passed"
        assert impl.rank_zero_only._rank == 5

    @pytest.mark.parametrize("before", [None, 0, 3])
    def test_at_rank_restores_impl_exactly_even_on_error(self, before: int | None) -> None:
        impl.rank_zero_only._rank = before
        with pytest.raises(KeyError), at_rank(impl.rank_zero_only, 2):
            assert impl.rank_zero_only.rank == 2
            raise KeyError("inside")
        assert impl.rank_zero_only._rank == before

    def test_at_rank_on_a_function_object_without_rank_removes_it(self) -> None:
        def source() -> None: ...

        with at_rank(source, 4):
            assert vars(source)["rank"] == 4
        assert "rank" not in vars(source)

    def test_at_rank_on_a_function_object_puts_the_value_back(self) -> None:
        def source() -> None: ...

        vars(source)["rank"] = 0
        with at_rank(source, 4):
            assert vars(source)["rank"] == 4
        assert vars(source)["rank"] == 0

    def test_at_rank_on_a_plain_object_without_rank_removes_it(self) -> None:
        holder = types.SimpleNamespace()
        with at_rank(holder, 1):
            assert holder.rank == 1
        assert not hasattr(holder, "rank")

    def test_a_rank_object_that_rejects_the_rank_is_a_failure(self) -> None:
        class Fixed:
            @property
            def rank(self) -> int:
                return 0

        result = _certify_one(RankSubject(impl.rank_zero_experiment, Fixed()), "rank.dummy_off_rank_zero")
        assert result.status == "failed"
        assert result.message is not None and "setting the rank object's rank" in result.message


class TestTheFakesAreSound:
    def test_the_recording_member_is_an_aggregating_logger(self) -> None:
        member = _Member(0, [])
        assert isinstance(member, spec.AggregatingLogger)
        assert all(callable(getattr(member, m)) for m in METHODS)

    def test_the_member_records_by_parameter_name(self) -> None:
        journal: list[_Delivery] = []
        member = _Member(3, journal)
        member.log_metrics(step=2, metrics={"a": 1.0})
        member.log_graph("model")
        assert journal == [
            _Delivery(3, "log_metrics", {"metrics": {"a": 1.0}, "step": 2}),
            _Delivery(3, "log_graph", {"model": "model", "input_array": None}),
        ]

    def test_a_logger_subject_without_a_rank_object_is_not_applicable(self) -> None:
        result = _certify_one(
            LoggerSubject(impl.InMemoryLogger, "impl:InMemoryLogger"), "logger.nothing_written_off_rank_zero"
        )
        assert result.status == "not_applicable"
        assert result.reason == "no rank object given"


class KeywordsAndCopies(impl.LoggerCollection):
    """Forwards every argument by keyword, metrics and hyperparameters as equal copies."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self._forward("log_metrics", metrics=dict(metrics), step=step)

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self._forward("agg_and_log_metrics", step=step, metrics=dict(metrics))

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        copied = Namespace(**vars(params)) if isinstance(params, Namespace) else dict(params)
        self._forward("log_hyperparams", params=copied)

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        self._forward("log_graph", model=model, input_array=input_array)

    def update_agg_funcs(
        self,
        agg_key_funcs: Mapping[str, spec.AggregationFunction] | None = None,
        agg_default_func: spec.AggregationFunction = max,
    ) -> None:
        self._forward("update_agg_funcs", agg_key_funcs=agg_key_funcs, agg_default_func=agg_default_func)

    def finalize(self, status: str) -> None:
        self._forward("finalize", status=status)

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        self._forward("after_save_checkpoint", checkpoint_callback=checkpoint_callback)


class BareSingleError(impl.LoggerCollection):
    """Raises a lone member error as it is, and an ExceptionGroup only for several."""

    def _forward(self, method: str, *args: Any, **kwargs: Any) -> None:
        try:
            super()._forward(method, *args, **kwargs)
        except impl.LoggerCollectionError as group:
            if len(group.exceptions) == 1:
                raise group.exceptions[0] from None
            raise


class NestedGroups(impl.LoggerCollection):
    """Wraps each member error in its own one-error group, inside an outer group."""

    def _forward(self, method: str, *args: Any, **kwargs: Any) -> None:
        try:
            super()._forward(method, *args, **kwargs)
        except impl.LoggerCollectionError as group:
            raise ExceptionGroup(
                "outer", [ExceptionGroup(f"member {i}", [e]) for i, e in enumerate(group.exceptions)]
            ) from None


class TestNoMoreThanTheContract:
    @pytest.mark.parametrize(
        ("factory", "property_id"),
        [
            (KeywordsAndCopies, "collection.fan_out"),
            (KeywordsAndCopies, "collection.one_shot_iterator"),
            (BareSingleError, "collection.error_isolation"),
            (NestedGroups, "collection.error_isolation"),
        ],
    )
    def test_a_collection_that_differs_from_impl_within_the_contract_passes(
        self, factory: Callable[..., Any], property_id: str
    ) -> None:
        result = _certify_one(CollectionSubject(factory, f"tests:{factory.__name__}"), property_id)
        assert result.status == "passed", result.message

    def test_a_falsy_real_experiment_on_rank_zero_is_returned_by_impl(self) -> None:
        """The reference returns falsy experiments unchanged (the 1.5 difference result_on_rank_zero checks)."""

        class Holder:
            @property
            @impl.rank_zero_experiment
            def experiment(self) -> list[int]:
                return []

        impl.rank_zero_only.rank = 0
        assert Holder().experiment == []
        impl.rank_zero_only.rank = 1
        assert isinstance(Holder().experiment, impl.DummyExperiment)
