"""LoggerCollection: fan-out to every member, and every place it differs from 1.5."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from impl import InMemoryLogger, LoggerCollection, LoggerCollectionError


class Failing(InMemoryLogger):
    """A member whose every method raises after recording the call."""

    def _fail(self, method: str) -> None:
        raise RuntimeError(f"{self.name}.{method} failed")

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().log_metrics(metrics, step)
        self._fail("log_metrics")

    def save(self) -> None:
        super().save()
        self._fail("save")


def methods_of(logger: InMemoryLogger) -> list[str]:
    return [call.method for call in logger.calls]


class TestFanOut:
    def test_every_method_reaches_every_member_once_with_the_same_arguments(self) -> None:
        """Each call reaches each member exactly once, with the same arguments, in member order."""
        members = [InMemoryLogger(name="a"), InMemoryLogger(name="b")]
        col = LoggerCollection(members)
        metrics = {"x": 1.0}
        col.log_metrics(metrics, 3)
        col.agg_and_log_metrics(metrics, 4)
        col.update_agg_funcs({"x": max}, min)
        col.log_hyperparams({"lr": 0.1})
        col.log_graph("model", "input")
        col.after_save_checkpoint("ckpt")
        col.save()
        col.finalize("success")
        col.close()
        expected = [
            "log_metrics", "agg_and_log_metrics", "update_agg_funcs", "log_hyperparams", "log_graph",
            "after_save_checkpoint", "save", "log_metrics", "finalize", "close",
        ]  # fmt: skip
        for member in members:
            assert methods_of(member) == expected
            assert member.calls[0].arguments == {"metrics": metrics, "step": 3}
            assert member.calls[2].arguments == {"agg_key_funcs": {"x": max}, "agg_default_func": min}

    def test_properties_join_the_members(self) -> None:
        """name and version join the members' by '_', experiment lists theirs, save_dir is None."""
        members = [InMemoryLogger("/tmp/x", name="a", version=1), InMemoryLogger(name="b", version="v2")]
        col = LoggerCollection(members)
        assert (col.name, col.version, col.save_dir) == ("a_b", "1_v2", None)
        assert col.experiment == [members[0].calls, members[1].calls]

    def test_indexing_iteration_and_length(self) -> None:
        """Indexing returns members (negative and slices too); iteration yields them in order."""
        members = [InMemoryLogger(name="a"), InMemoryLogger(name="b")]
        col = LoggerCollection(members)
        assert (col[0], col[-1], col[0:2], list(col), len(col)) == (members[0], members[1], tuple(members), members, 2)


class TestDifferencesFrom15:
    def test_a_generator_of_members_serves_every_call(self) -> None:
        """A collection built from a generator forwards every call and keeps its name (1.5: first call only, name '')."""
        members = [InMemoryLogger(name="a"), InMemoryLogger(name="b")]
        col = LoggerCollection(m for m in members)
        col.log_metrics({"x": 1.0}, 0)
        col.log_metrics({"x": 2.0}, 1)
        assert (col.name, col.name) == ("a_b", "a_b")
        assert [len(m.metrics) for m in members] == [2, 2]

    def test_a_raising_member_does_not_stop_the_others(self) -> None:
        """Every member is reached; then one LoggerCollectionError carries every member's error (1.5 stops)."""
        members = [Failing(name="a"), InMemoryLogger(name="b"), Failing(name="c")]
        col = LoggerCollection(members)
        with pytest.raises(LoggerCollectionError) as info:
            col.log_metrics({"x": 1.0}, 0)
        assert [len(m.metrics) for m in members] == [1, 1, 1]
        assert [str(e) for e in info.value.exceptions] == ["a.log_metrics failed", "c.log_metrics failed"]
        assert "members 0, 2" in str(info.value)
        assert "member 2 (Failing).log_metrics" in info.value.exceptions[1].__notes__[0]

    def test_errors_can_be_handled_by_type(self) -> None:
        """LoggerCollectionError is an ExceptionGroup, so except* selects members' errors by type."""
        col = LoggerCollection([Failing(name="a"), InMemoryLogger(name="b")])
        caught: list[BaseException] = []
        try:
            col.save()
        except* RuntimeError as group:
            caught.extend(group.exceptions)
        assert [str(e) for e in caught] == ["a.save failed"]


class TestBadInput:
    @pytest.mark.parametrize(
        ("call", "message"),
        [
            (lambda c: c.log_metrics({"x": "1"}, 0), r"metrics\['x'\] must be a real number"),
            (lambda c: c.log_metrics({"x": 1.0, 2: 1.0}, 0), "metrics: key 2 must be a str"),
            (lambda c: c.agg_and_log_metrics({"x": 1.0, None: 1.0}, 0), "metrics: key None must be a str"),
            (lambda c: c.agg_and_log_metrics({"x": 1.0}, "0"), "step must be an int or None"),
            (lambda c: c.update_agg_funcs({"x": 1}), r"agg_key_funcs\['x'\] must be callable"),
            (lambda c: c.finalize(None), "status must be a str"),
        ],
    )
    def test_bad_input_reaches_no_member(self, call: Any, message: str) -> None:
        """A malformed call raises TypeError naming the argument before any member sees it."""
        members = [InMemoryLogger(name="a"), InMemoryLogger(name="b")]
        with pytest.raises(TypeError, match=message):
            call(LoggerCollection(members))
        assert [m.calls for m in members] == [[], []]

    @pytest.mark.parametrize("bad", [None, 3, "ab", {"a": 1}])
    def test_logger_iterable_must_be_an_iterable_of_loggers(self, bad: Any) -> None:
        """A non-iterable, a string or a mapping as logger_iterable raises TypeError naming it."""
        with pytest.raises(TypeError, match="logger_iterable must be an iterable of loggers"):
            LoggerCollection(bad)

    def test_numpy_step_is_forwarded_as_int(self) -> None:
        """An integral numpy step reaches the members as a plain int."""
        member = InMemoryLogger()
        LoggerCollection([member]).log_metrics({"x": 1.0}, np.int64(2))  # type: ignore[arg-type]
        assert member.metrics == [(2, {"x": 1.0})]
