"""LoggerCollection's error reports, argument checks and forwarding, as a user of impl relies on them."""

from __future__ import annotations

from argparse import Namespace
from typing import Any

import numpy as np
import pytest

from impl import Call, InMemoryLogger, LoggerCollection, LoggerCollectionError


class Broken(InMemoryLogger):
    """A member whose every method named in ``failing`` records the call, then raises."""

    def __init__(self, *failing: str) -> None:
        super().__init__(name="broken")
        self.failing = failing

    def _check(self, method: str) -> None:
        if method in self.failing:
            raise RuntimeError(f"{method} broke")

    def save(self) -> None:
        super().save()
        self._check("save")

    def finalize(self, status: str) -> None:
        super().finalize(status)
        self._check("finalize")

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().agg_and_log_metrics(metrics, step)
        self._check("agg_and_log_metrics")

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().log_metrics(metrics, step)
        self._check("log_metrics")


class TakesAnyParams(InMemoryLogger):
    """A member that records any hyperparameters, unchecked."""

    def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
        self.calls.append(Call("log_hyperparams", {"params": params}))


class HalfALogger:
    """Has some of a member's methods; agg_and_log_metrics is an attribute that cannot be called."""

    agg_and_log_metrics = None

    def log_metrics(self, metrics: Any, step: Any = None) -> None: ...

    def log_hyperparams(self, params: Any) -> None: ...

    def save(self) -> None: ...

    def __repr__(self) -> str:
        return "<half>"


def call(collection: LoggerCollection, method: str) -> None:
    if method == "save":
        collection.save()
    elif method == "finalize":
        collection.finalize("failed")
    elif method == "agg_and_log_metrics":
        collection.agg_and_log_metrics({"a": 1.0}, 2)
    else:
        collection.log_metrics({"a": 1.0}, 2)


METHODS = ["save", "finalize", "agg_and_log_metrics", "log_metrics"]


class TestTheErrorReport:
    @pytest.mark.parametrize("method", METHODS)
    def test_the_group_message_names_the_method_the_counts_and_the_members(self, method: str) -> None:
        """The LoggerCollectionError says which method failed, in how many of how many members, and which."""
        members = [Broken(method), InMemoryLogger(), Broken(method)]
        with pytest.raises(LoggerCollectionError) as info:
            call(LoggerCollection(members), method)
        assert f"{method} failed in 2 of 3 loggers (members 0, 2)" == info.value.message

    @pytest.mark.parametrize("method", METHODS)
    def test_each_error_carries_a_note_naming_the_member_and_method(self, method: str) -> None:
        """Each member's error, in member order, has a note with the member's index, type and the method."""
        members = [InMemoryLogger(), Broken(method), Broken(method)]
        with pytest.raises(LoggerCollectionError) as info:
            call(LoggerCollection(members), method)
        assert [f"{method} broke"] * 2 == [str(e) for e in info.value.exceptions]
        assert [
            [f"raised by LoggerCollection member 1 (Broken).{method}"],
            [f"raised by LoggerCollection member 2 (Broken).{method}"],
        ] == [e.__notes__ for e in info.value.exceptions]

    def test_one_failing_member_of_one_is_reported_too(self) -> None:
        """A lone failing member still gives a LoggerCollectionError holding its error."""
        with pytest.raises(LoggerCollectionError) as info:
            LoggerCollection([Broken("save")]).save()
        assert ("save failed in 1 of 1 loggers (members 0)", 1) == (info.value.message, len(info.value.exceptions))

    @pytest.mark.parametrize("method", METHODS)
    def test_members_after_a_failing_one_are_reached(self, method: str) -> None:
        """A member's failure does not keep the call from the members after it."""
        last = InMemoryLogger()
        with pytest.raises(LoggerCollectionError):
            call(LoggerCollection([Broken(method), last]), method)
        assert [method] == [c.method for c in last.calls if c.method == method]


class TestSteps:
    @pytest.mark.parametrize("method", ["log_metrics", "agg_and_log_metrics"])
    @pytest.mark.parametrize(
        ("step", "message"),
        [("1", "step must be an int or None, got '1' (str)"), (False, "step must be an int or None, got False (bool)")],
    )
    def test_a_bad_step_raises_naming_it_before_any_member(self, method: str, step: Any, message: str) -> None:
        """A step that is not an int or None raises TypeError naming step and the value; no member is called."""
        members = [InMemoryLogger(), InMemoryLogger()]
        with pytest.raises(TypeError) as info:
            getattr(LoggerCollection(members), method)({"a": 1.0}, step)
        assert message == str(info.value)
        assert [[], []] == [m.calls for m in members]

    @pytest.mark.parametrize("method", ["log_metrics", "agg_and_log_metrics"])
    def test_a_numpy_step_reaches_members_as_an_int(self, method: str) -> None:
        """An integral numpy step is given to every member as a plain int."""
        members = [InMemoryLogger(), InMemoryLogger()]
        getattr(LoggerCollection(members), method)({"a": 1.0}, np.int32(4))
        steps = [m.calls[0].arguments["step"] for m in members]
        assert [(4, int), (4, int)] == [(s, type(s)) for s in steps]

    @pytest.mark.parametrize("method", ["log_metrics", "agg_and_log_metrics"])
    def test_nested_metrics_are_checked_and_forwarded(self, method: str) -> None:
        """Metrics with a nested dict and a numpy value are accepted and reach every member."""
        members = [InMemoryLogger(), InMemoryLogger()]
        metrics: dict[str, Any] = {"d": {"x": 1.0}, "n": np.float32(0.5)}
        getattr(LoggerCollection(members), method)(metrics, 1)
        assert [metrics, metrics] == [m.calls[0].arguments["metrics"] for m in members]

    @pytest.mark.parametrize("method", ["log_metrics", "agg_and_log_metrics"])
    def test_bad_nested_metrics_raise_before_any_member(self, method: str) -> None:
        """A bad value inside nested metrics raises TypeError naming its key path; no member is called."""
        members = [InMemoryLogger()]
        with pytest.raises(TypeError) as info:
            getattr(LoggerCollection(members), method)({"d": {"x": "1"}}, 1)
        assert "metrics['d']['x'] must be a real number or a mapping, got '1' (str)" == str(info.value)
        assert [] == members[0].calls


class TestForwarding:
    def test_log_hyperparams_forwards_extra_positional_and_keyword_arguments(self) -> None:
        """log_hyperparams gives each member the params and every extra argument, positional and keyword."""
        members = [InMemoryLogger(), InMemoryLogger()]
        LoggerCollection(members).log_hyperparams(Namespace(lr=0.1), {"acc": 0.5}, 7, metric="acc")
        expected = {"params": {"lr": 0.1}, "args": ({"acc": 0.5}, 7), "kwargs": {"metric": "acc"}}
        assert [expected, expected] == [dict(m.calls[0].arguments) for m in members]

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({1: "a", "1": "b"}, "params: keys 1 and '1' are both stored as '1'"),
            (Namespace(d={None: 0, "None": 1}), "params['d']: keys None and 'None' are both stored as 'None'"),
        ],
        ids=["dict", "namespace"],
    )
    def test_bad_hyperparams_raise_before_any_member(self, params: Any, message: str) -> None:
        """Hyperparameters that cannot be stored as given raise ValueError once, naming the keys, and reach
        no member (not even one that would take them)."""
        members = [TakesAnyParams(), InMemoryLogger()]
        with pytest.raises(ValueError) as info:
            LoggerCollection(members).log_hyperparams(params)
        assert message == str(info.value)
        assert [[], []] == [m.calls for m in members]

    def test_log_graph_and_after_save_checkpoint_forward_their_arguments(self) -> None:
        """log_graph gives each member the model and input array; after_save_checkpoint the callback."""
        member = InMemoryLogger()
        collection = LoggerCollection([member])
        collection.log_graph("model", "input")
        collection.log_graph("model2")
        collection.after_save_checkpoint("ckpt")
        assert [
            {"model": "model", "input_array": "input"},
            {"model": "model2", "input_array": None},
            {"checkpoint_callback": "ckpt"},
        ] == [dict(c.arguments) for c in member.calls]

    def test_update_agg_funcs_forwards_both_functions(self) -> None:
        """update_agg_funcs gives each member the mapping and the default function."""
        member = InMemoryLogger()
        LoggerCollection([member]).update_agg_funcs({"a": max}, min)
        assert {"agg_key_funcs": {"a": max}, "agg_default_func": min} == dict(member.calls[0].arguments)

    def test_the_defaults_reach_the_members(self) -> None:
        """Called without the optional arguments, the members get step None and update_agg_funcs' defaults."""
        member = InMemoryLogger()
        collection = LoggerCollection([member])
        collection.log_metrics({"a": 1.0})
        collection.agg_and_log_metrics({"a": 2.0})
        collection.update_agg_funcs()
        assert [
            {"metrics": {"a": 1.0}, "step": None},
            {"metrics": {"a": 2.0}, "step": None},
            {"agg_key_funcs": None, "agg_default_func": np.mean},
        ] == [dict(c.arguments) for c in member.calls]

    def test_a_bad_default_function_raises_naming_it_before_any_member(self) -> None:
        """An agg_default_func that is not callable raises TypeError naming it and its value."""
        member = InMemoryLogger()
        with pytest.raises(TypeError) as info:
            LoggerCollection([member]).update_agg_funcs(None, 3)  # type: ignore[arg-type]
        assert "agg_default_func must be callable, got 3 (int)" == str(info.value)
        assert [] == member.calls

    def test_save_dir_is_none_and_experiment_lists_the_members(self) -> None:
        """save_dir is None whatever the members say; experiment is the list of the members' experiments."""
        members = [InMemoryLogger("/tmp/a"), InMemoryLogger("/tmp/b")]
        collection = LoggerCollection(members)
        assert (None, [members[0].calls, members[1].calls]) == (collection.save_dir, collection.experiment)

    def test_a_member_that_is_not_a_logger_is_named_with_what_it_lacks(self) -> None:
        """A member without the methods every call needs raises TypeError naming its index, the value and the
        methods it lacks (a member that lacks only some is named too)."""
        with pytest.raises(TypeError) as info:
            LoggerCollection([InMemoryLogger(), 5])  # type: ignore[list-item]
        assert (
            "logger_iterable[1] must be a logger, got 5 (int) without "
            "log_metrics, log_hyperparams, agg_and_log_metrics, save, finalize"
        ) == str(info.value)
        with pytest.raises(TypeError) as partly:
            LoggerCollection([HalfALogger()])  # type: ignore[list-item]
        assert "logger_iterable[0] must be a logger, got <half> (HalfALogger) without agg_and_log_metrics, finalize" == str(
            partly.value
        )

    @pytest.mark.parametrize(("bad", "given"), [(3, "int"), ("ab", "str"), ({"a": 1}, "dict"), (None, "NoneType")])
    def test_a_bad_logger_iterable_is_named_with_its_type(self, bad: Any, given: str) -> None:
        """A logger_iterable that is not an iterable of loggers raises TypeError naming it and its type."""
        with pytest.raises(TypeError) as info:
            LoggerCollection(bad)
        assert f"logger_iterable must be an iterable of loggers, got {given}" == str(info.value)
