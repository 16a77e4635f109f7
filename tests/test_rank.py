"""The rank gate: rank_zero_only, rank_zero_experiment, and the rank's sources."""

from __future__ import annotations

import pytest

import impl
from impl import DummyExperiment, rank_from_environment, rank_zero_experiment, rank_zero_only


class Holder:
    def __init__(self, experiment: object) -> None:
        self.calls = 0
        self._experiment = experiment

    @property
    @rank_zero_experiment
    def experiment(self) -> object:
        self.calls += 1
        return self._experiment


class TestRankZeroExperiment:
    @pytest.mark.parametrize("real", [0, "", [], {}, None, False, object()])
    def test_rank_zero_returns_the_real_experiment_even_when_falsy(self, real: object) -> None:
        """On rank 0 the getter's result is returned unchanged, falsy or not (1.5 swaps falsy ones for a dummy)."""
        assert Holder(real).experiment is real

    @pytest.mark.parametrize("rank", [1, 3, -1])
    def test_other_ranks_get_a_dummy_and_never_call_the_getter(self, rank: int) -> None:
        """On a rank other than 0 the result is a DummyExperiment and the getter is not called."""
        rank_zero_only.rank = rank
        holder = Holder("real")
        assert isinstance(holder.experiment, DummyExperiment)
        assert holder.calls == 0

    def test_decorator_keeps_the_getters_name_and_doc(self) -> None:
        """The wrapper keeps the getter's __name__ and __doc__ (functools.wraps)."""

        def experiment(self: object) -> int:
            """Doc."""
            return 1

        wrapped = rank_zero_experiment(experiment)
        assert (wrapped.__name__, wrapped.__doc__) == ("experiment", "Doc.")


class TestRankZeroOnly:
    def test_gated_function_runs_only_on_rank_zero(self) -> None:
        """The wrapped function runs on rank 0 and returns None without running on any other rank."""
        calls: list[int] = []

        @rank_zero_only
        def work(x: int) -> int:
            calls.append(x)
            return x * 2

        assert work(2) == 4
        rank_zero_only.rank = 1
        assert work(3) is None
        assert calls == [2]

    def test_explicit_rank_wins_over_the_environment_and_can_be_dropped(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A set rank overrides the environment; deleting it goes back to the environment."""
        monkeypatch.setenv("RANK", "2")
        assert rank_zero_only.rank == 2
        rank_zero_only.rank = 0
        assert rank_zero_only.rank == 0
        del rank_zero_only.rank
        assert rank_zero_only.rank == 2

    @pytest.mark.parametrize("bad", [True, 1.0, "0", None])
    def test_rank_must_be_an_int(self, bad: object) -> None:
        """Setting a rank that is not an int raises TypeError naming rank."""
        with pytest.raises(TypeError, match="rank must be an int"):
            rank_zero_only.rank = bad  # type: ignore[assignment]

    def test_each_instance_is_independent(self) -> None:
        """A RankZeroOnly of one's own does not change the process-wide gate."""
        own = impl.RankZeroOnly()
        own.rank = 5
        assert rank_zero_only.rank == 0


class TestEnvironment:
    @pytest.mark.parametrize(
        ("env", "rank"),
        [
            ({}, 0),
            ({"LOCAL_RANK": "3"}, 3),
            ({"SLURM_PROCID": "2", "LOCAL_RANK": "3"}, 2),
            ({"RANK": "1", "SLURM_PROCID": "2", "LOCAL_RANK": "3"}, 1),
            ({"JSM_NAMESPACE_RANK": "4"}, 0),
        ],
    )
    def test_variables_are_read_in_1_5_10s_order(
        self, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], rank: int
    ) -> None:
        """The rank is the first of RANK, SLURM_PROCID, LOCAL_RANK that is set, else 0 (JSM_NAMESPACE_RANK is not read)."""
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert rank_from_environment() == rank == rank_zero_only.rank

    def test_the_environment_is_read_at_each_call(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A variable set after import takes effect at the next gated call (1.5.10 reads it once, at import)."""
        holder = Holder("real")
        monkeypatch.setenv("SLURM_PROCID", "1")
        assert isinstance(holder.experiment, DummyExperiment)

    @pytest.mark.parametrize("name", ["RANK", "SLURM_PROCID", "LOCAL_RANK"])
    def test_a_malformed_variable_raises_naming_it(self, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        """A rank variable that is not an integer raises ValueError naming the variable."""
        monkeypatch.setenv(name, "abc")
        with pytest.raises(ValueError, match=f"environment variable {name} must be an integer rank, got 'abc'"):
            rank_from_environment()
