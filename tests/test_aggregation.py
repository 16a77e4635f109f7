"""LightningLoggerBase's step aggregation, checked against the contract in spec.AggregatingLogger."""

from __future__ import annotations

import enum
import warnings
from argparse import Namespace
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from impl import InMemoryLogger, LightningLoggerBase


def logged(logger: InMemoryLogger) -> list[tuple[int | None, dict[str, Any]]]:
    return logger.metrics


class TestRuns:
    def test_a_run_is_logged_when_the_step_changes(self) -> None:
        """A run is logged once, merged, when a call with another step arrives, and not before."""
        lg = InMemoryLogger()
        lg.agg_and_log_metrics({"a": 1.0}, step=0)
        lg.agg_and_log_metrics({"a": 3.0}, step=0)
        assert logged(lg) == []
        lg.agg_and_log_metrics({"a": 5.0}, step=1)
        assert logged(lg) == [(0, {"a": 2.0})]

    def test_a_run_of_one_dict_is_logged_unchanged(self) -> None:
        """A run of one dict is logged as that dict, values untouched (no numpy.mean)."""
        lg = InMemoryLogger()
        metrics: dict[str, Any] = {"a": 1, "d": {"x": 2}}
        lg.agg_and_log_metrics(metrics, step=3)
        lg.save()
        assert logged(lg) == [(3, {"a": 1, "d": {"x": 2}})]
        assert type(logged(lg)[0][1]["a"]) is int

    def test_none_steps_form_one_run_and_steps_may_repeat_later(self) -> None:
        """Consecutive step=None calls are one run; a step seen before starts a new run later."""
        lg = InMemoryLogger()
        for step, value in [(None, 1.0), (None, 3.0), (0, 1.0), (None, 7.0), (0, 4.0), (0, 6.0)]:
            lg.agg_and_log_metrics({"a": value}, step=step)
        lg.finalize("success")
        assert logged(lg) == [(None, {"a": 2.0}), (0, {"a": 1.0}), (None, {"a": 7.0}), (0, {"a": 5.0})]

    @pytest.mark.parametrize("flush", ["save", "finalize", "close"])
    def test_every_flush_logs_the_pending_run_once(self, flush: str) -> None:
        """save(), finalize(status) and close() log the pending run; a second flush logs nothing."""
        lg = InMemoryLogger()
        lg.agg_and_log_metrics({"a": 1.0}, step=0)
        for _ in range(2):
            getattr(lg, flush)(*(["success"] if flush == "finalize" else []))
        assert logged(lg) == [(0, {"a": 1.0})]

    def test_log_metrics_bypasses_aggregation(self) -> None:
        """log_metrics logs at once and leaves the pending run alone."""
        lg = InMemoryLogger()
        lg.agg_and_log_metrics({"a": 1.0}, step=0)
        lg.log_metrics({"b": 2.0}, step=0)
        lg.save()
        assert logged(lg) == [(0, {"b": 2.0}), (0, {"a": 1.0})]

    def test_functions_in_force_when_the_run_is_logged_apply(self) -> None:
        """update_agg_funcs changes how the pending run is merged, not only later runs."""
        lg = InMemoryLogger(agg_key_funcs={"a": max})
        lg.agg_and_log_metrics({"a": 1.0, "b": 1.0}, step=0)
        lg.agg_and_log_metrics({"a": 3.0, "b": 5.0}, step=0)
        lg.update_agg_funcs({"b": min}, agg_default_func=sum)
        lg.save()
        assert logged(lg) == [(0, {"a": 3.0, "b": 1.0})]

    def test_update_agg_funcs_default_argument_restores_numpy_mean(self) -> None:
        """Calling update_agg_funcs() with no arguments makes numpy.mean the default again (as in 1.5)."""
        lg = InMemoryLogger(agg_default_func=max)
        lg.update_agg_funcs()
        lg.agg_and_log_metrics({"a": 1.0}, step=0)
        lg.agg_and_log_metrics({"a": 2.0}, step=0)
        lg.save()
        assert logged(lg) == [(0, {"a": np.mean([1.0, 2.0])})]


class TestDifferencesFrom15:
    def test_an_empty_run_is_not_logged_on_save(self) -> None:
        """A run whose merged value is {} is not logged, also when save() ends it (1.5 logs {})."""
        lg = InMemoryLogger()
        lg.agg_and_log_metrics({}, step=0)
        lg.save()
        lg.agg_and_log_metrics({}, step=1)
        lg.agg_and_log_metrics({}, step=1)
        lg.agg_and_log_metrics({"a": 1.0}, step=2)
        assert logged(lg) == []

    def test_update_agg_funcs_does_not_mutate_the_callers_mapping(self) -> None:
        """The agg_key_funcs given to the constructor is copied (1.5 mutates it in update_agg_funcs)."""
        funcs: dict[str, Any] = {"a": max}
        lg = InMemoryLogger(agg_key_funcs=funcs)
        lg.update_agg_funcs({"b": min})
        assert funcs == {"a": max}

    def test_a_run_survives_a_failing_log_metrics(self) -> None:
        """When logging a run raises, the run stays pending and the new call is not taken (1.5 loses the run)."""

        class Flaky(InMemoryLogger):
            fail = True

            def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
                if self.fail:
                    raise OSError("disk full")
                super().log_metrics(metrics, step)

        lg = Flaky()
        lg.agg_and_log_metrics({"a": 1.0}, step=0)
        with pytest.raises(OSError, match="disk full"):
            lg.agg_and_log_metrics({"a": 9.0}, step=1)
        with pytest.raises(OSError, match="disk full"):
            lg.save()
        lg.fail = False
        lg.agg_and_log_metrics({"a": 3.0}, step=0)
        lg.save()
        assert logged(lg) == [(0, {"a": 2.0})]

    def test_metrics_are_copied_when_accepted(self) -> None:
        """Changing a dict after passing it to agg_and_log_metrics does not change what is logged."""
        lg = InMemoryLogger()
        metrics: dict[str, Any] = {"a": 1.0, "d": {"x": 1.0}}
        lg.agg_and_log_metrics(metrics, step=0)
        metrics["a"] = 100.0
        metrics["d"]["x"] = 100.0
        lg.save()
        assert logged(lg) == [(0, {"a": 1.0, "d": {"x": 1.0}})]

    def test_a_subclass_that_skips_super_init_still_aggregates(self) -> None:
        """A subclass that never calls LightningLoggerBase.__init__ aggregates with the defaults (1.5 raises)."""
        got: list[tuple[int | None, dict[str, float]]] = []

        class NoInit(LightningLoggerBase):
            def __init__(self) -> None:
                pass

            name = "n"
            version = 0
            experiment = None

            def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
                got.append((step, metrics))

            def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
                pass

        first, second = NoInit(), NoInit()
        first.agg_and_log_metrics({"a": 1.0}, step=0)
        second.agg_and_log_metrics({"a": 5.0}, step=0)
        first.agg_and_log_metrics({"a": 3.0}, step=0)
        first.save()
        second.save()
        assert got == [(0, {"a": 2.0}), (0, {"a": 5.0})]


    def test_close_flushes_without_a_deprecation_warning(self) -> None:
        """close() logs the pending run and warns nothing (1.5 warns that close is deprecated)."""
        lg = InMemoryLogger()
        lg.agg_and_log_metrics({"a": 1.0}, step=0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            lg.close()
        assert logged(lg) == [(0, {"a": 1.0})]


class TestBadInput:
    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (([("a", 1.0)], 0), "metrics must be a mapping"),
            (({1: 1.0}, 0), "metrics: key 1 must be a str"),
            (({"a": 1.0, b"b": 2.0}, 0), "metrics: key b'b' must be a str"),
            (({"a": "1.0"}, 0), r"metrics\['a'\] must be a real number"),
            (({"d": {"x": [1.0]}}, 0), r"metrics\['d'\]\['x'\] must be a real number"),
            (({"a": 1j}, 0), r"metrics\['a'\] must be a real number"),
            (({"a": 1.0}, "0"), "step must be an int or None"),
            (({"a": 1.0}, 1.0), "step must be an int or None"),
            (({"a": 1.0}, True), "step must be an int or None"),
        ],
    )
    def test_bad_call_raises_and_leaves_the_pending_run(self, args: tuple[Any, Any], message: str) -> None:
        """A malformed call raises TypeError naming the argument and key path, and changes nothing."""
        lg = InMemoryLogger()
        lg.agg_and_log_metrics({"a": 1.0}, step=0)
        with pytest.raises(TypeError, match=message):
            lg.agg_and_log_metrics(*args)
        with pytest.raises(TypeError, match=message):
            lg.log_metrics(*args)
        lg.agg_and_log_metrics({"a": 3.0}, step=0)
        lg.save()
        assert logged(lg) == [(0, {"a": 2.0})]

    def test_str_subclass_keys_are_accepted(self) -> None:
        """A key that is a ``str`` subclass (a ``StrEnum`` member) is a ``str``: taken, by the fast and the full check."""

        class Metric(enum.StrEnum):
            LOSS = "loss"

        lg = InMemoryLogger()
        nested: dict[str, Any] = {Metric.LOSS: 3.0, "d": {Metric.LOSS: 1}}
        lg.agg_and_log_metrics({Metric.LOSS: 1.0}, step=0)
        lg.agg_and_log_metrics(nested, step=0)
        lg.save()
        assert logged(lg) == [(0, {"loss": 2.0, "d": {"loss": 1}})]

    def test_numpy_scalars_and_integral_steps_are_accepted(self) -> None:
        """numpy real scalars, 0-d arrays and numpy integer steps are valid input."""
        lg = InMemoryLogger()
        metrics: dict[str, Any] = {"a": np.float32(1.5), "b": np.array(2.0), "c": True}
        lg.agg_and_log_metrics(metrics, step=np.int64(4))  # type: ignore[arg-type]
        lg.save()
        assert logged(lg)[0][0] == 4 and type(logged(lg)[0][0]) is int

    @pytest.mark.parametrize(
        ("call", "message"),
        [
            (lambda lg: lg.update_agg_funcs({"a": 1}), r"agg_key_funcs\['a'\] must be callable"),
            (lambda lg: lg.update_agg_funcs(None, "mean"), "agg_default_func must be callable"),
            (lambda lg: lg.finalize(0), "status must be a str"),
            (lambda lg: InMemoryLogger(agg_key_funcs={"a": "max"}), r"agg_key_funcs\['a'\] must be callable"),  # type: ignore[dict-item]
            (lambda lg: InMemoryLogger(agg_default_func=None), "agg_default_func must be callable"),  # type: ignore[arg-type]
        ],
    )
    def test_bad_functions_and_status_raise_and_change_nothing(self, call: Any, message: str) -> None:
        """Non-callable functions and a non-str status raise TypeError naming them; the run stays pending."""
        lg = InMemoryLogger(agg_key_funcs={"a": max})
        lg.agg_and_log_metrics({"a": 1.0}, step=0)
        lg.agg_and_log_metrics({"a": 3.0}, step=0)
        with pytest.raises(TypeError, match=message):
            call(lg)
        lg.save()
        assert logged(lg) == [(0, {"a": 3.0})]


