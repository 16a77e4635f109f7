"""InMemoryLogger as an oracle: what it records for each call, its defaults, and its error messages."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import impl
from impl import Call, DummyExperiment, InMemoryLogger


class TestDefaults:
    def test_name_version_and_save_dir_default(self) -> None:
        """A logger made without arguments is named 'in_memory', has version 0 and no save_dir."""
        logger = InMemoryLogger()
        assert ("in_memory", 0, None) == (logger.name, logger.version, logger.save_dir)

    def test_metrics_without_a_step_are_recorded_with_step_none(self) -> None:
        """log_metrics and agg_and_log_metrics without a step record step None."""
        logger = InMemoryLogger()
        logger.log_metrics({"a": 1.0})
        logger.agg_and_log_metrics({"b": 2.0})
        logger.save()
        assert [(None, {"a": 1.0}), (None, {"b": 2.0})] == logger.metrics
        assert None is logger.calls[1].arguments["step"]

    def test_a_path_save_dir_is_kept_as_a_str(self) -> None:
        """A PathLike save_dir is stored as its str path."""
        assert "/tmp/runs" == InMemoryLogger(Path("/tmp/runs")).save_dir


class TestRecordedCalls:
    def test_log_hyperparams_records_params_and_extra_arguments(self) -> None:
        """log_hyperparams records the params as a dict, and the extra positional and keyword arguments."""
        logger = InMemoryLogger()
        logger.log_hyperparams(Namespace(lr=0.1), {"acc": 1.0}, metric="acc")
        logger.log_hyperparams({"layers": 2})
        assert [
            Call("log_hyperparams", {"params": {"lr": 0.1}, "args": ({"acc": 1.0},), "kwargs": {"metric": "acc"}}),
            Call("log_hyperparams", {"params": {"layers": 2}, "args": (), "kwargs": {}}),
        ] == logger.calls
        assert [{"lr": 0.1}, {"layers": 2}] == logger.hyperparams

    def test_agg_and_log_metrics_records_its_step_as_an_int(self) -> None:
        """agg_and_log_metrics is recorded with its metrics and its step, an integral numpy step as an int."""
        logger = InMemoryLogger()
        logger.agg_and_log_metrics({"a": 1.0}, np.int64(5))  # type: ignore[arg-type]
        logger.agg_and_log_metrics({"a": 3.0})
        assert [
            Call("agg_and_log_metrics", {"metrics": {"a": 1.0}, "step": 5}),
            Call("agg_and_log_metrics", {"metrics": {"a": 3.0}, "step": None}),
            Call("log_metrics", {"metrics": {"a": 1.0}, "step": 5}),
        ] == logger.calls
        assert int is type(logger.calls[0].arguments["step"])
        assert [(5, {"a": 1.0})] == logger.metrics

    def test_log_graph_records_model_and_input_array_by_name(self) -> None:
        """log_graph is recorded with the arguments named model and input_array (None when not given)."""
        logger = InMemoryLogger()
        logger.log_graph("net", input_array=[1])
        logger.log_graph("net2")
        assert [
            Call("log_graph", {"model": "net", "input_array": [1]}),
            Call("log_graph", {"model": "net2", "input_array": None}),
        ] == logger.calls

    def test_the_ends_and_checkpoints_are_recorded_in_order(self) -> None:
        """save, finalize (with its status), close and after_save_checkpoint are recorded as called."""
        logger = InMemoryLogger()
        logger.after_save_checkpoint("ckpt")
        logger.save()
        logger.finalize("success")
        logger.close()
        assert [
            Call("after_save_checkpoint", {"checkpoint_callback": "ckpt"}),
            Call("save"),
            Call("finalize", {"status": "success"}),
            Call("close"),
        ] == logger.calls

    def test_update_agg_funcs_records_what_it_was_given(self) -> None:
        """update_agg_funcs is recorded with the mapping and default function it was given."""
        logger = InMemoryLogger()
        logger.update_agg_funcs({"a": max}, min)
        assert [Call("update_agg_funcs", {"agg_key_funcs": {"a": max}, "agg_default_func": min})] == logger.calls

    def test_a_rejected_agg_call_is_not_recorded(self) -> None:
        """An agg_and_log_metrics call that raises (its previous run failed to log) leaves no record."""

        class FailingOnce(InMemoryLogger):
            failed = False

            def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
                if not self.failed:
                    self.failed = True
                    raise RuntimeError("disk full")
                super().log_metrics(metrics, step)

        logger = FailingOnce()
        logger.agg_and_log_metrics({"a": 1.0}, 0)
        with pytest.raises(RuntimeError):
            logger.agg_and_log_metrics({"a": 2.0}, 1)
        assert [Call("agg_and_log_metrics", {"metrics": {"a": 1.0}, "step": 0})] == logger.calls

    def test_experiment_is_the_call_list_on_rank_zero_only(self) -> None:
        """experiment is the list of calls itself on rank 0, a DummyExperiment on another rank."""
        logger = InMemoryLogger()
        assert logger.experiment is logger.calls
        impl.rank_zero_only.rank = 1
        off_rank: object = logger.experiment
        assert isinstance(off_rank, DummyExperiment)


class TestErrorMessages:
    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"name": 3}, "name must be a str, got 3 (int)"),
            ({"version": True}, "version must be an int or a str, got True (bool)"),
            ({"version": 1.5}, "version must be an int or a str, got 1.5 (float)"),
        ],
    )
    def test_bad_constructor_arguments_are_named_with_their_value(self, kwargs: dict[str, Any], message: str) -> None:
        """A name or version of the wrong type raises TypeError naming the argument and describing the value."""
        with pytest.raises(TypeError) as info:
            InMemoryLogger(**kwargs)
        assert message == str(info.value)

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ([("lr", 0.1)], "params must be a dict or an argparse.Namespace, got [('lr', 0.1)] (list)"),
            (None, "params must be a dict or an argparse.Namespace, got None (NoneType)"),
        ],
    )
    def test_bad_hyperparams_are_named_with_their_value(self, params: Any, message: str) -> None:
        """log_hyperparams given neither a mapping nor a Namespace raises TypeError naming params; nothing is recorded."""
        logger = InMemoryLogger()
        with pytest.raises(TypeError) as info:
            logger.log_hyperparams(params)
        assert (message, []) == (str(info.value), logger.calls)

    def test_bad_metrics_to_log_metrics_are_named_and_not_recorded(self) -> None:
        """log_metrics with a bad value or step raises TypeError naming it; nothing is recorded."""
        logger = InMemoryLogger()
        with pytest.raises(TypeError, match=r"^metrics\['a'\] must be a real number or a mapping, got 'x' \(str\)$"):
            logger.log_metrics({"a": "x"})  # type: ignore[dict-item]
        with pytest.raises(TypeError, match=r"^step must be an int or None, got '1' \(str\)$"):
            logger.log_metrics({"a": 1.0}, "1")  # type: ignore[arg-type]
        assert ([], []) == (logger.calls, logger.metrics)
