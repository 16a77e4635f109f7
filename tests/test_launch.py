"""Simulating a rank as a launcher does (``conformance._launch``), and the rank object's environment
properties: a logger that reads the environment when it is built is judged as in a real job, and
everything the suite changes (variables, the rank object's state) is put back exactly."""

from __future__ import annotations

import os
import types
from argparse import Namespace
from pathlib import Path
from typing import Any

import pytest

import conformance
import impl
from conformance import LoggerSubject, RankSubject
from conformance._launch import (
    LAUNCHER_VARIABLES,
    RANK_VARIABLES,
    at_rank,
    environment,
    launched_at,
    launcher_environment,
    object_state,
)
from conformance._report import PropertyResult
from impl._validate import check_metrics
from tests.broken.ranks import EnvironmentRankIgnoredLogger
from tests.conftest import Tier
from tests.independent import ranks as independent_ranks

WRITTEN = "logger.nothing_written_off_rank_zero"
ENVIRONMENT_IDS = ["rank.environment_order", "rank.environment_malformed"]


class RankFromEnvironmentLogger(impl.LightningLoggerBase):
    """A stand-in for CometLogger: it decides when it is built, from ``os.environ[variable]`` (unset:
    0), whether it is the process that writes, and then writes ``metrics.csv`` and ``hparams.txt``
    only if so. It never looks at the rank object."""

    variable = "RANK"

    def __init__(self, save_dir: str | os.PathLike[str]) -> None:
        super().__init__()
        self._dir = Path(save_dir)
        self._writes = int(os.environ.get(self.variable, "0")) == 0

    @property
    def name(self) -> str:
        return "from_environment"

    @property
    def version(self) -> int:
        return 0

    @property
    def save_dir(self) -> str:
        return str(self._dir)

    @property
    def experiment(self) -> list[str]:
        return []

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        check_metrics(metrics)
        if self._writes:
            with open(self._dir / "metrics.csv", "a") as file:
                file.write(f"{step},{metrics}\n")

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        if self._writes:
            (self._dir / "hparams.txt").write_text(repr(params))


def _reading(variable: str) -> type[RankFromEnvironmentLogger]:
    return type(f"{variable.title().replace('_', '')}Logger", (RankFromEnvironmentLogger,), {"variable": variable})


def _certify_one(subject: conformance.Subject, property_id: str, tier: Tier, *, fails: bool = False) -> PropertyResult:
    """One property's result, at 60 examples (20 in the fast tier; a run that must fail, unshrunk there)."""
    profile = tier.rejection_profile() if fails else "ci"
    report = conformance.certify(subject, only=[property_id], profile=profile, max_examples=tier.pick(20, 60))
    (result,) = report.subjects[0].results
    return result


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No launcher variable set (as in a process started by hand)."""
    for name in (*LAUNCHER_VARIABLES, "NODE_RANK", "GROUP_RANK"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("clean_environment")
class TestALoggerThatReadsTheEnvironment:
    @pytest.mark.parametrize("variable", ["RANK", "LOCAL_RANK", "SLURM_PROCID", "JSM_NAMESPACE_RANK"])
    def test_is_judged_as_in_a_real_job(self, variable: str, tier: Tier) -> None:
        """A logger that decides at construction from a rank variable, and writes only on rank 0, writes
        nothing off rank 0 in a launched job: it passes (before the launcher's variables were set, the
        suite set the rank object only and this logger wrote: a false failure)."""
        subject = LoggerSubject(_reading(variable), f"tests.test_launch:{variable}", rank_source=impl.rank_zero_only)
        result = _certify_one(subject, WRITTEN, tier)
        assert result.status == "passed", f"{result.message} (example: {result.falsifying_example})"

    def test_that_writes_anyway_still_fails(self, tier: Tier) -> None:
        """A logger that reads RANK when built but writes whatever it read is rejected."""
        subject = LoggerSubject(EnvironmentRankIgnoredLogger, "tests:EnvironmentRankIgnoredLogger", impl.rank_zero_only)
        result = _certify_one(subject, WRITTEN, tier, fails=True)
        assert result.status == "failed"
        assert result.message is not None and "metrics.csv" in result.message

    def test_the_environment_is_unset_again_afterwards(self, tier: Tier) -> None:
        subject = LoggerSubject(RankFromEnvironmentLogger, "tests:RankFromEnvironmentLogger", impl.rank_zero_only)
        _certify_one(subject, WRITTEN, tier)
        assert [n for n in LAUNCHER_VARIABLES if n in os.environ] == []
        assert impl.rank_zero_only._rank is None


class TestLaunchedAt:
    def test_sets_the_rank_object_and_every_launcher_variable(self, clean_environment: None) -> None:
        with launched_at(impl.rank_zero_only, 9):
            assert impl.rank_zero_only.rank == 9
            assert {n: os.environ[n] for n in LAUNCHER_VARIABLES} == launcher_environment(9)
        assert launcher_environment(9) == {
            "RANK": "9",
            "LOCAL_RANK": "9",
            "SLURM_PROCID": "9",
            "JSM_NAMESPACE_RANK": "9",
            "WORLD_SIZE": "10",
        }
        assert launcher_environment(-1)["WORLD_SIZE"] == "2"

    def test_puts_back_set_and_unset_variables_and_the_rank_even_on_error(self, clean_environment: None) -> None:
        os.environ["RANK"] = "3"
        os.environ["WORLD_SIZE"] = "4"
        impl.rank_zero_only._rank = 5
        try:
            with pytest.raises(KeyError), launched_at(impl.rank_zero_only, 2**63):
                assert os.environ["LOCAL_RANK"] == str(2**63)
                raise KeyError("boom")
            assert (os.environ.get("RANK"), os.environ.get("WORLD_SIZE")) == ("3", "4")
            assert [n for n in ("LOCAL_RANK", "SLURM_PROCID", "JSM_NAMESPACE_RANK") if n in os.environ] == []
            assert impl.rank_zero_only._rank == 5
        finally:
            impl.rank_zero_only._rank = None
            del os.environ["RANK"], os.environ["WORLD_SIZE"]

    def test_at_rank_leaves_the_environment_alone(self, clean_environment: None) -> None:
        """The gate properties set the rank object only: a gate that reads $RANK instead must fail them."""
        with at_rank(impl.rank_zero_only, 4):
            assert [n for n in LAUNCHER_VARIABLES if n in os.environ] == []


class TestEnvironmentAndObjectState:
    def test_environment_sets_unsets_and_restores(self, clean_environment: None) -> None:
        os.environ["RANK"] = "1"
        try:
            with environment({"RANK": None, "LOCAL_RANK": "2"}):
                assert "RANK" not in os.environ and os.environ["LOCAL_RANK"] == "2"
            assert os.environ["RANK"] == "1" and "LOCAL_RANK" not in os.environ
        finally:
            del os.environ["RANK"]

    def test_object_state_restores_the_instance_dict_exactly(self) -> None:
        source = types.SimpleNamespace(rank=1, cache=None)
        restore = object_state(source)
        source.rank = 2
        del source.cache
        source.added = True
        restore()
        assert vars(source) == {"rank": 1, "cache": None}


@pytest.mark.usefixtures("clean_environment")
class TestTheEnvironmentProperties:
    @pytest.mark.parametrize("property_id", ENVIRONMENT_IDS)
    def test_impl_passes_and_is_left_as_it_was(self, property_id: str, tier: Tier) -> None:
        impl.rank_zero_only._rank = 6
        os.environ["LOCAL_RANK"] = "2"
        try:
            result = _certify_one(RankSubject(impl.rank_zero_experiment, impl.rank_zero_only), property_id, tier)
            assert result.status == "passed", f"{result.message} (example: {result.falsifying_example})"
            assert impl.rank_zero_only._rank == 6
            assert [(n, os.environ.get(n)) for n in RANK_VARIABLES] == [("RANK", None), ("SLURM_PROCID", None), ("LOCAL_RANK", "2")]
        finally:
            impl.rank_zero_only._rank = None

    @pytest.mark.parametrize("property_id", ENVIRONMENT_IDS)
    def test_an_independent_rank_object_that_reads_the_environment_passes(self, property_id: str, tier: Tier) -> None:
        subject = RankSubject(independent_ranks.environment_gated, independent_ranks.ENVIRONMENT_RANK)
        result = _certify_one(subject, property_id, tier)
        assert result.status == "passed", f"{result.message} (example: {result.falsifying_example})"

    @pytest.mark.parametrize("property_id", ENVIRONMENT_IDS)
    @pytest.mark.parametrize("kind", ["plain attribute", "function object"])
    def test_a_rank_object_without_a_deleter_is_not_applicable(self, property_id: str, kind: str, tier: Tier) -> None:
        """pytorch_lightning's rank_zero_only (a function with a rank attribute) and a plain attribute
        have no state without a setting that can be reached in this process."""
        if kind == "plain attribute":
            source: Any = independent_ranks.RANK
        else:
            source = lambda: None  # noqa: E731
            source.rank = 0
        result = _certify_one(RankSubject(impl.rank_zero_experiment, source), property_id, tier)
        assert result.status == "not_applicable"
        assert result.reason is not None and "no deleter" in result.reason

    def test_a_malformed_value_names_the_variable(self, tier: Tier) -> None:
        """The message a failing rank object gets says which variable and what it read."""
        from tests.broken.round3 import gate_malformed_is_zero, malformed_is_zero

        result = _certify_one(RankSubject(gate_malformed_is_zero, malformed_is_zero), "rank.environment_malformed", tier, fails=True)
        assert result.status == "failed"
        assert result.message is not None and "must raise ValueError naming" in result.message
        assert "it returned 0" in result.message


class _Slotted:
    __slots__ = ("kept", "unset")
    kept: int
    unset: int

    def __init__(self) -> None:
        self.kept = 1


class TestObjectStateWithSlots:
    def test_slot_values_are_put_back_and_unset_slots_unset_again(self) -> None:
        source = _Slotted()
        restore = object_state(source)
        source.kept = 2
        source.unset = 3
        restore()
        assert source.kept == 1
        assert not hasattr(source, "unset")
