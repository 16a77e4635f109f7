"""The logger and aggregation properties: the reference passes them all at strict, a Lightning
2.x-style logger gets "not applicable" for aggregation, a logger written from scratch is certified
(so no property asks for impl's internals), and 1.5's aggregation passes core and fails strict only
where 1.5 is documented to be wrong."""

from __future__ import annotations

import copy
import numbers
from argparse import Namespace
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import conformance
import impl
from conformance import LoggerSubject, all_properties
from conformance import PropertyResult
from tests.conftest import Tier
from tests.broken.loggers import CloseForgetsTheRun, EmitsStepPlusOne, Lightning15, LogsEachCallAtOnce

LOGGER_IDS = [
    "logger.protocol_conformance",
    "logger.property_types",
    "logger.hyperparams_dict_and_namespace",
    "logger.lifecycle_any_order",
    "logger.log_metrics_no_mutation",
    "logger.rejects_bad_input",
]
AGGREGATION_IDS = [
    "aggregation.runs_logged_once",
    "aggregation.run_value",
    "aggregation.deferred_until_step_change",
    "aggregation.second_flush_logs_nothing",
    "aggregation.update_agg_funcs_takes_effect",
    "aggregation.log_metrics_bypasses",
    "aggregation.state_machine",
    "aggregation.empty_run_not_logged",
    "aggregation.metrics_not_shared",
    "aggregation.rejected_call_keeps_state",
    "aggregation.update_agg_funcs_rejects_non_callable",
]
STRICT_IDS = {
    "logger.rejects_bad_input",
    "aggregation.empty_run_not_logged",
    "aggregation.metrics_not_shared",
    "aggregation.rejected_call_keeps_state",
    "aggregation.update_agg_funcs_rejects_non_callable",
}
OWNED_ELSEWHERE = {
    "logger.nothing_written_off_rank_zero",  # conformance/_rank.py
    "logger.persisted_read_back",  # conformance/_readback.py, tested in tests/test_readback.py
}
IDS = LOGGER_IDS + AGGREGATION_IDS


# --- loggers written from scratch: they inherit nothing and import nothing of loggerspec ------


def _check_metrics(metrics: object, path: str = "metrics", inside: tuple[int, ...] = ()) -> None:
    if not isinstance(metrics, Mapping):
        raise TypeError(f"{path} must be a mapping, got {type(metrics).__name__}")
    if id(metrics) in inside or len(inside) > 50:
        raise ValueError(f"{path} contains itself or nests more than 50 levels deep")
    for key, value in metrics.items():
        if not isinstance(key, str):
            raise TypeError(f"{path}: key {key!r} is not a str")
        if isinstance(value, Mapping):
            _check_metrics(value, f"{path}[{key!r}]", (*inside, id(metrics)))
        elif isinstance(value, (np.datetime64, np.timedelta64)) or not isinstance(value, numbers.Real):
            raise TypeError(f"{path}[{key!r}] must be a real number, got {type(value).__name__}")


def _check_step(step: object) -> None:
    if step is not None and (isinstance(step, bool) or not isinstance(step, int)):
        raise TypeError(f"step must be an int or None, got {type(step).__name__}")


def _check_status(status: object) -> None:
    if not isinstance(status, str):
        raise TypeError(f"status must be a str, got {type(status).__name__}")


class Lightning2Logger:
    """A Lightning 2.x-style logger: no aggregation and no close()."""

    def __init__(self, save_dir: Path | str) -> None:
        self._save_dir = str(save_dir)
        self.records: list[Any] = []

    @property
    def name(self) -> str:
        return "lightning2"

    @property
    def version(self) -> str:
        return "v0"

    @property
    def save_dir(self) -> str:
        return self._save_dir

    @property
    def experiment(self) -> list[Any]:
        return self.records

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        _check_metrics(metrics)
        _check_step(step)
        self.records.append((step, copy.deepcopy(metrics)))

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        self.records.append(dict(vars(params) if isinstance(params, Namespace) else params))

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        pass

    def save(self) -> None:
        pass

    def finalize(self, status: str) -> None:
        _check_status(status)
        self.save()

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        pass


AggFunc = Callable[[Sequence[float]], Any]


def _merge(dicts: Sequence[Mapping[str, Any]], funcs: Mapping[str, Any], default: AggFunc) -> dict[str, Any]:
    columns: dict[str, list[Any]] = {}
    for d in dicts:
        for key, value in d.items():
            if value is not None:
                columns.setdefault(key, []).append(value)
    merged: dict[str, Any] = {}
    for key, values in columns.items():
        fn = funcs.get(key)
        if isinstance(values[0], Mapping):
            merged[key] = _merge(values, fn if isinstance(fn, Mapping) else {}, default)
        else:
            merged[key] = (fn or default)(values)
    return merged


class ScratchAggregatingLogger(Lightning2Logger):
    """A 1.5-style aggregating logger with close(), written without loggerspec's reference code."""

    def __init__(self, save_dir: Path | str) -> None:
        super().__init__(save_dir)
        self._funcs: dict[str, AggFunc] = {}
        self._default: AggFunc = np.mean
        self._run: list[dict[str, Any]] = []
        self._step: int | None = None

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        _check_metrics(metrics)
        _check_step(step)
        if self._run and step == self._step:
            self._run.append(copy.deepcopy(metrics))
            return
        self._flush()  # if logging raises, the run stays and the new call is not taken
        self._run, self._step = [copy.deepcopy(metrics)], step

    def _flush(self) -> None:
        if not self._run:
            return
        value = self._run[0] if len(self._run) == 1 else _merge(self._run, self._funcs, self._default)
        if value:
            self.log_metrics(value, self._step)
        self._run = []

    def update_agg_funcs(
        self, agg_key_funcs: Mapping[str, AggFunc] | None = None, agg_default_func: AggFunc = np.mean
    ) -> None:
        for key, fn in (agg_key_funcs or {}).items():
            if not callable(fn):
                raise TypeError(f"agg_key_funcs[{key!r}] must be callable")
        if not callable(agg_default_func):
            raise TypeError("agg_default_func must be callable")
        self._funcs = {**self._funcs, **(agg_key_funcs or {})}
        self._default = agg_default_func

    def save(self) -> None:
        self._flush()

    def finalize(self, status: str) -> None:
        _check_status(status)
        self._flush()

    def close(self) -> None:
        self._flush()


# --- verdicts: each test certifies its subject for its one property, itself -----------------------


FAST_MAX_EXAMPLES = 25
"""Examples per property in the fast tier (the exhaustive tier runs the ci profile's 100)."""


def _certify(
    factory: Callable[[Path], Any], level: str, property_id: str, max_examples: int, profile: str = "ci"
) -> PropertyResult:
    """Certify ``factory`` for ``property_id`` alone, now (no verdict is kept for another test)."""
    name = getattr(factory, "__name__", repr(factory))
    module = "impl" if factory is impl.InMemoryLogger else getattr(factory, "__module__", "?")
    subject = LoggerSubject(factory, f"{module}:{name}")
    report = conformance.certify(
        subject, level="strict" if level == "strict" else "core", profile=profile, only=[property_id], max_examples=max_examples
    )
    (result,) = report.subjects[0].results
    return result


Result = Callable[[Callable[[Path], Any], str, str], PropertyResult]


@pytest.fixture
def result(tier: Tier) -> Result:
    """``result(factory, level, property_id)``: the verdict of a run made by the calling test, one property
    at a time (so that pytest -v names the property), with the tier's example count."""
    return lambda factory, level, property_id: _certify(factory, level, property_id, tier.pick(FAST_MAX_EXAMPLES, 100))


def test_the_ids_here_are_every_logger_and_aggregation_property() -> None:
    """Every registered logger./aggregation. property is listed here (so the tests below see them all)."""
    registered = {p.id for p in all_properties("logger")} - OWNED_ELSEWHERE
    assert registered == set(IDS)
    assert {p.id for p in all_properties("logger", "strict") if p.level == "strict"} - OWNED_ELSEWHERE == STRICT_IDS


class TestReference:
    @pytest.mark.parametrize("property_id", IDS)
    def test_in_memory_logger_passes_at_strict(self, property_id: str, result: Result) -> None:
        """impl.InMemoryLogger passes every logger and aggregation property at strict (profile ci)."""
        verdict = result(impl.InMemoryLogger, "strict", property_id)
        assert verdict.status == "passed", verdict


class TestLightning2Logger:
    @pytest.mark.parametrize("property_id", AGGREGATION_IDS)
    def test_aggregation_is_not_applicable(self, property_id: str, result: Result) -> None:
        """A logger without agg_and_log_metrics gets "not applicable", with a reason, never a failure."""
        verdict = result(Lightning2Logger, "strict", property_id)
        assert verdict.status == "not_applicable", verdict
        assert verdict.reason and "agg_and_log_metrics" in verdict.reason

    @pytest.mark.parametrize("property_id", LOGGER_IDS)
    def test_logger_properties_pass_without_close(self, property_id: str, result: Result) -> None:
        """The logger properties pass on a logger that has no close()."""
        verdict = result(Lightning2Logger, "strict", property_id)
        assert verdict.status == "passed", verdict


class TestScratchAggregatingLogger:
    @pytest.mark.parametrize("property_id", IDS)
    def test_certified_at_strict(self, property_id: str, result: Result) -> None:
        """An aggregating logger written from scratch passes every property at strict."""
        verdict = result(ScratchAggregatingLogger, "strict", property_id)
        assert verdict.status == "passed", verdict


class TestLightning15:
    @pytest.mark.parametrize("property_id", [i for i in IDS if i not in STRICT_IDS])
    def test_passes_core(self, property_id: str, result: Result) -> None:
        """1.5's aggregation passes every core property: core asks for nothing 1.5 does not do."""
        verdict = result(Lightning15, "core", property_id)
        assert verdict.status == "passed", verdict

    @pytest.mark.parametrize(
        "property_id",
        ["aggregation.empty_run_not_logged", "aggregation.metrics_not_shared", "aggregation.rejected_call_keeps_state"],
    )
    def test_fails_strict_where_1_5_is_wrong(self, property_id: str, tier: Tier) -> None:
        """It fails the strict sentences for 1.5's documented differences (README's table)."""
        verdict = _certify(Lightning15, "strict", property_id, tier.pick(FAST_MAX_EXAMPLES, 100), tier.rejection_profile())
        assert verdict.status == "failed", verdict


class TestFailureMessages:
    def test_a_failure_lists_the_calls_made(self, tier: Tier) -> None:
        """A failure says what was expected, what came, and which calls led there."""
        subject = LoggerSubject(EmitsStepPlusOne)
        report = conformance.certify(subject, only=["aggregation.runs_logged_once"], profile=tier.rejection_profile())
        (result,) = report.subjects[0].results
        assert result.status == "failed"
        assert result.message is not None
        assert "Expected log_metrics calls" in result.message
        assert "got [" in result.message
        assert "Calls made: agg_and_log_metrics(" in result.message

    def test_the_state_machine_failure_lists_the_calls_made(self, tier: Tier) -> None:
        """The state machine's failure shows the calls of the minimal sequence and both loggers' output."""
        # (The state machine shrinks with settings of its own: 10 s of CPU for CloseForgetsTheRun, 0.8 s
        # for LogsEachCallAtOnce, whose minimal sequence is one agg_and_log_metrics call, in the fast tier.)
        broken, last_call = tier.pick((LogsEachCallAtOnce, "agg_and_log_metrics("), (CloseForgetsTheRun, "close()"))
        report = conformance.certify(LoggerSubject(broken), only=["aggregation.state_machine"])
        (result,) = report.subjects[0].results
        assert result.status == "failed"
        assert result.message is not None
        assert "agg_and_log_metrics(" in result.message and last_call in result.message
        assert "impl.InMemoryLogger logged" in result.message

    def test_a_bad_input_failure_lists_every_kind_mishandled(self, tier: Tier) -> None:
        """logger.rejects_bad_input's message shows its one shrunk call, then every kind of bad input
        the logger mishandles (tried once each), and none it handles: here a float step and a status
        not a str, while its metrics checks are right."""

        class LaxStepAndStatus(impl.InMemoryLogger):
            def log_metrics(self, metrics: Any, step: Any = None) -> None:
                super().log_metrics(metrics, None if isinstance(step, float) else step)

            def finalize(self, status: Any) -> None:
                super().finalize(str(status))

        subject = LoggerSubject(LaxStepAndStatus, "tests:LaxStepAndStatus")
        report = conformance.certify(subject, only=["logger.rejects_bad_input"], profile=tier.rejection_profile())
        (result,) = report.subjects[0].results
        assert result.status == "failed" and result.message is not None
        head, _, listed = result.message.partition("; of each kind of bad input tried once on a fresh logger, it mishandled: ")
        assert "expected TypeError naming" in head
        assert listed.split(", ") == ["a float step", "a status that is not a str", "a status of None"]
