"""spec.CoreLogger, spec.Logger and spec.AggregatingLogger accept conforming loggers and reject broken ones."""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Callable, Mapping, Sequence
from typing import Any, assert_type

import impl
import spec


def train(logger: spec.Logger) -> None:
    """Training code typed the way loggerspec's users type theirs."""


def train_core(logger: spec.CoreLogger) -> None:
    """Training code that needs only what pytorch_lightning 1.5 and Lightning 2.x share."""


def train_aggregating(logger: spec.AggregatingLogger) -> None:
    """Training code that calls agg_and_log_metrics."""


# --- A logger written from scratch: it inherits nothing and imports nothing of loggerspec's.


class ScratchLogger:
    """Typed exactly as the seed types its members."""

    @property
    def name(self) -> str:
        return "scratch"

    @property
    def version(self) -> int | str:
        return 0

    @property
    def experiment(self) -> Any:
        return None

    @property
    def save_dir(self) -> str | None:
        return None

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None: ...

    def log_hyperparams(self, params: dict[str, Any] | Namespace) -> None: ...

    def log_graph(self, model: Any, input_array: Any = None) -> None: ...

    def save(self) -> None: ...

    def finalize(self, status: str) -> None: ...

    def close(self) -> None: ...

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None: ...


train(ScratchLogger())
train_core(ScratchLogger())
scratch_as_logger: spec.Logger = ScratchLogger()
train_aggregating(ScratchLogger())  # type: ignore[arg-type]


class ScratchAggregatingLogger(ScratchLogger):
    """With the seed's two aggregation methods, typed as the seed types them (still nothing of ours)."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None: ...

    def update_agg_funcs(
        self,
        agg_key_funcs: Mapping[str, Callable[[Sequence[float]], float]] | None = None,
        agg_default_func: Callable[[Sequence[float]], float] = max,
    ) -> None: ...


train_aggregating(ScratchAggregatingLogger())
scratch_as_aggregating: spec.AggregatingLogger = ScratchAggregatingLogger()


# --- A Lightning-style logger: read-only properties with narrower types, rank-gated methods,
# --- narrower model types, extra optional parameters, and a plain attribute for save_dir.


class Writer:
    """The backend object of LightningStyleLogger."""

    def add_scalar(self, tag: str, value: float, step: int | None) -> None: ...


class LightningStyleLogger:
    """Typed the way Lightning 2.x types TensorBoardLogger (no close: it has none)."""

    def __init__(self, root_dir: str) -> None:
        self.save_dir = root_dir  # a plain attribute where the protocol has a read-only property
        self._writer = Writer()

    @property
    def name(self) -> str:
        return "lightning_logs"

    @property
    def version(self) -> int:
        return 0

    @property
    @impl.rank_zero_experiment
    def experiment(self) -> Writer:
        return self._writer

    @impl.rank_zero_only
    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None: ...

    @impl.rank_zero_only
    def log_hyperparams(
        self, params: dict[str, Any] | Namespace, metrics: dict[str, Any] | None = None, step: int | None = None
    ) -> None: ...

    def log_graph(self, model: Callable[..., Any], input_array: object | None = None) -> None: ...

    @impl.rank_zero_only
    def save(self) -> None: ...

    @impl.rank_zero_only
    def finalize(self, status: str) -> None: ...

    def after_save_checkpoint(self, checkpoint_callback: object) -> None: ...


train_core(LightningStyleLogger("logs"))
assert_type(LightningStyleLogger("logs").experiment, Writer)
train(LightningStyleLogger("logs"))  # type: ignore[arg-type]


class LightningStyleLoggerWithClose(LightningStyleLogger):
    """Adding close() is all a Lightning-style logger needs to be a full 1.5 logger."""

    def close(self) -> None: ...


train(LightningStyleLoggerWithClose("logs"))


class PermissiveLogger(ScratchLogger):
    """A logger may accept more than the protocol asks: *args, **kwargs and wider parameter types."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None, *args: Any, **kwargs: Any) -> None: ...

    def log_hyperparams(self, params: object, *args: Any, **kwargs: Any) -> None: ...

    def finalize(self, status: str = "success") -> None: ...


train(PermissiveLogger())


# --- impl's classes, and loggers built on spec's ABCs.


class SeedStyleLogger(impl.LightningLoggerBase):
    """A 1.5 logger ported by changing one import."""

    @property
    def name(self) -> str:
        return "seed"

    @property
    def version(self) -> int:
        return 1

    @property
    @impl.rank_zero_experiment
    def experiment(self) -> Writer:
        return Writer()

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None: ...

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None: ...


class ABCLogger(spec.LoggerABC):
    """A logger that prefers inheritance from spec's nominal base."""

    @property
    def name(self) -> str:
        return "abc"

    @property
    def version(self) -> str:
        return "v"

    @property
    def experiment(self) -> None:
        return None

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None: ...

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None: ...


train(ABCLogger())
train(SeedStyleLogger())
train(impl.InMemoryLogger())
train(impl.DummyLogger())
train(impl.JsonlLogger("logs"))
train(impl.LoggerCollection([impl.InMemoryLogger(), ScratchLogger()]))
train_aggregating(SeedStyleLogger())
train_aggregating(impl.InMemoryLogger())
train_aggregating(impl.DummyLogger())
train_aggregating(impl.JsonlLogger("logs"))
train_aggregating(impl.LoggerCollection([impl.InMemoryLogger(), ScratchLogger()]))
in_memory_as_aggregating: spec.AggregatingLogger = impl.InMemoryLogger()
seed_style_base: type[spec.AggregatingLoggerABC] = SeedStyleLogger
assert_type(SeedStyleLogger().experiment, Writer)
assert_type(impl.InMemoryLogger().experiment, list[impl.Call])
assert_type(impl.InMemoryLogger().version, int | str)
assert_type(impl.DummyLogger().experiment, impl.DummyExperiment)


# --- Rejected: each line is one broken logger, and the error code its rejection must give.


class MissingAfterSaveCheckpoint:
    """Everything but after_save_checkpoint."""

    @property
    def name(self) -> str:
        return "missing"

    @property
    def version(self) -> int:
        return 0

    @property
    def experiment(self) -> Any:
        return None

    @property
    def save_dir(self) -> str | None:
        return None

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None: ...

    def log_hyperparams(self, params: dict[str, Any] | Namespace) -> None: ...

    def log_graph(self, model: Any, input_array: Any = None) -> None: ...

    def save(self) -> None: ...

    def finalize(self, status: str) -> None: ...

    def close(self) -> None: ...


class LogMetricsWithoutStep(ScratchLogger):
    def log_metrics(self, metrics: dict[str, float]) -> None:  # type: ignore[override]
        ...


class StepTypedAsStr(ScratchLogger):
    def log_metrics(self, metrics: dict[str, float], step: str | None = None) -> None:  # type: ignore[override]
        ...


class FinalizeWithoutStatus(ScratchLogger):
    def finalize(self) -> None:  # type: ignore[override]
        ...


class NameMaybeNone(ScratchLogger):
    @property
    def name(self) -> str | None:  # type: ignore[override]
        return None


class MetricsTypedAsInts(ScratchLogger):
    def log_metrics(self, metrics: dict[str, int], step: int | None = None) -> None:  # type: ignore[override]
        ...


class AggregatesWithoutStep(ScratchAggregatingLogger):
    def agg_and_log_metrics(self, metrics: dict[str, float]) -> None:  # type: ignore[override]
        ...


train(MissingAfterSaveCheckpoint())  # type: ignore[arg-type]
train_core(MissingAfterSaveCheckpoint())  # type: ignore[arg-type]
train(LogMetricsWithoutStep())  # type: ignore[arg-type]
train(StepTypedAsStr())  # type: ignore[arg-type]
train(FinalizeWithoutStatus())  # type: ignore[arg-type]
train(NameMaybeNone())  # type: ignore[arg-type]
train(MetricsTypedAsInts())  # type: ignore[arg-type]
train_aggregating(AggregatesWithoutStep())  # type: ignore[arg-type]
finalize_without_status: spec.Logger = FinalizeWithoutStatus()  # type: ignore[assignment]


# --- What training code may and may not do with a spec.Logger.


def training_step(logger: spec.Logger) -> None:
    logger.log_metrics({"loss": 0.5}, step=3)
    logger.log_metrics({"loss": 0.5})
    logger.log_hyperparams(Namespace(lr=0.1))
    logger.finalize("success")
    assert_type(logger.name, str)
    assert_type(logger.version, int | str)
    assert_type(logger.save_dir, str | None)
    logger.log_metrics({"loss": 0.5}, step="3")  # type: ignore[arg-type]
    logger.log_metrics({"loss": "low"})  # type: ignore[dict-item]
    logger.finalize()  # type: ignore[call-arg]
    logger.name = "renamed"  # type: ignore[misc]
