"""The rank gate's own state and messages, and the dummy experiment's absorbing of names."""

from __future__ import annotations

import pytest

import impl
from impl import DummyExperiment, DummyLogger, RankZeroOnly, rank_from_environment, rank_zero_experiment


class TestAFreshGate:
    def test_a_fresh_gate_reads_rank_zero_from_an_empty_environment(self) -> None:
        """A new RankZeroOnly, never set, has rank 0 when no rank variable is set."""
        rank = RankZeroOnly().rank
        assert (0, int) == (rank, type(rank))

    def test_a_fresh_gate_reads_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A new RankZeroOnly, never set, has the rank the environment gives."""
        monkeypatch.setenv("LOCAL_RANK", "3")
        assert 3 == RankZeroOnly().rank

    def test_a_setting_then_its_deletion(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A set rank wins over the environment until it is deleted; a gate of one's own included."""
        monkeypatch.setenv("RANK", "4")
        gate = RankZeroOnly()
        gate.rank = 0
        assert 0 == gate.rank
        del gate.rank
        assert 4 == gate.rank

    @pytest.mark.parametrize(("bad", "shown"), [(True, "True (bool)"), ("1", "'1' (str)"), (None, "None (NoneType)")])
    def test_a_bad_rank_is_named_with_its_value(self, bad: object, shown: str) -> None:
        """Setting a rank that is not an int raises TypeError naming rank and describing the value."""
        with pytest.raises(TypeError) as info:
            RankZeroOnly().rank = bad  # type: ignore[assignment]
        assert f"rank must be an int, got {shown}" == str(info.value)


class TestTheGate:
    @pytest.mark.parametrize(("rank", "expected"), [(0, ("ran", (1,), {"k": 2})), (1, None), (-1, None), (2, None)])
    def test_the_function_runs_with_its_arguments_on_rank_zero_only(self, rank: int, expected: object) -> None:
        """A gated function gets its arguments and returns its result on rank 0; elsewhere it returns None."""
        gate = RankZeroOnly()
        gate.rank = rank

        @gate
        def work(*args: int, **kwargs: int) -> tuple[str, tuple[int, ...], dict[str, int]]:
            return "ran", args, kwargs

        assert expected == work(1, k=2)

    @pytest.mark.parametrize("rank", [1, -1, 2])
    def test_the_experiment_is_a_dummy_on_every_other_rank(self, rank: int) -> None:
        """rank_zero_experiment gives a DummyExperiment on any rank but 0, negative ones included."""

        class Holder:
            @property
            @rank_zero_experiment
            def experiment(self) -> str:
                return "real"

        impl.rank_zero_only.rank = rank
        assert isinstance(Holder().experiment, DummyExperiment)
        impl.rank_zero_only.rank = 0
        assert "real" == Holder().experiment


class TestTheEnvironment:
    def test_the_variables_in_order(self) -> None:
        """RANK_ENV_VARS lists RANK, SLURM_PROCID and LOCAL_RANK, in 1.5.10's order."""
        assert ("RANK", "SLURM_PROCID", "LOCAL_RANK") == impl.RANK_ENV_VARS

    def test_a_set_variable_gives_an_int(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A rank variable's text is returned as an int."""
        monkeypatch.setenv("SLURM_PROCID", "12")
        rank = rank_from_environment()
        assert (12, int) == (rank, type(rank))

    def test_a_malformed_variable_raises_without_the_parse_error_attached(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A malformed variable raises ValueError naming it and its text, not chained to int()'s error."""
        monkeypatch.setenv("RANK", "x1")
        with pytest.raises(ValueError) as info:
            rank_from_environment()
        shown_context = info.value.__context__ if not info.value.__suppress_context__ else None
        assert ("environment variable RANK must be an integer rank, got 'x1'", None, None) == (
            str(info.value),
            info.value.__cause__,
            shown_context,
        )


class TestDummyExperimentNames:
    @pytest.mark.parametrize("name", ["x__", "__x", "_", "x", "__x_", "_x__"])
    def test_names_that_are_not_dunders_are_absorbed(self, name: str) -> None:
        """A name that does not both start and end with '__' gives the dummy back."""
        exp = DummyExperiment()
        assert getattr(exp, name) is exp

    @pytest.mark.parametrize("name", ["__x__", "__deepcopy__", "____"])
    def test_dunder_names_raise_attribute_error_naming_them(self, name: str) -> None:
        """A name that starts and ends with '__' raises AttributeError carrying the name."""
        with pytest.raises(AttributeError) as info:
            getattr(DummyExperiment(), name)
        assert (name,) == info.value.args

    def test_assignment_deletion_and_items_change_nothing(self) -> None:
        """Setting, deleting and indexing with assignment are absorbed; the dummy stays as it was."""
        exp = DummyExperiment()
        exp.x = 1
        exp["k"] = 2
        del exp.y
        assert (exp, exp, "DummyExperiment()", []) == (exp.x, exp["k"], repr(exp), list(exp))

    def test_a_dummy_logger_has_one_experiment_and_empty_names(self) -> None:
        """DummyLogger's experiment is one DummyExperiment; its name and version are empty strings."""
        logger = DummyLogger()
        assert isinstance(logger.experiment, DummyExperiment)
        assert ("", "") == (logger.name, logger.version)
        assert logger.experiment is logger.experiment
