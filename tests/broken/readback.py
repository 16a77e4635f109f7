"""Broken durable loggers, one per way a storage can betray what was logged, for ``logger.persisted_read_back``.

Each is a small subclass of ``impl.JsonlLogger`` (or ``impl.InMemoryLogger``) with one realistic bug,
read back with the shipped JSON Lines (or MEMORY) harness, given explicitly: the shipped harnesses are
matched by exact class.
"""

from __future__ import annotations

import copy
from argparse import Namespace
from collections.abc import Mapping
from typing import Any, cast

import numpy as np

import impl
from conformance._core import LoggerSubject
from conformance.harnesses import JSONL, MEMORY
from tests.broken import Broken


class LosesLastRecord(impl.JsonlLogger):
    """Holds each record back until the next one comes (a one-record buffer) and forgets the held one at the end."""

    _held: tuple[dict[str, Any], int | None] | None = None

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if self._held is not None:
            super().log_metrics(*self._held)
        self._held = (copy.deepcopy(metrics), step)


class WritesLastRecordAgainOnFinalize(impl.JsonlLogger):
    """finalize() flushes a buffer it never cleared: the last record is written a second time."""

    _last: tuple[dict[str, Any], int | None] | None = None

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().log_metrics(metrics, step)
        self._last = (copy.deepcopy(metrics), step)

    def finalize(self, status: str) -> None:
        if self._last is not None:
            super().log_metrics(*self._last)
        super().finalize(status)


class StepZeroBecomesNone(impl.JsonlLogger):
    """Tests the step for truth (``step or None``): step 0 is written as None."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().log_metrics(metrics, step or None)


def _float32(value: object) -> Any:
    if isinstance(value, Mapping):
        return {k: _float32(v) for k, v in cast("Mapping[str, object]", value).items()}
    with np.errstate(over="ignore"):  # beyond float32's range: inf, as a float32 store would have it
        return float(np.float32(cast("float", value)))


class StoresFloat32(impl.JsonlLogger):
    """Stores every value as a float32 although its storage (JSON) keeps doubles."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().log_metrics(_float32(metrics), step)


class DropsNoneHyperparams(impl.JsonlLogger):
    """Leaves out hyperparameters whose value is None."""

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        values = vars(params) if isinstance(params, Namespace) else params
        super().log_hyperparams({k: v for k, v in values.items() if v is not None})


def _subject(cls: type[Any]) -> LoggerSubject:
    return LoggerSubject(cls, f"tests.broken.readback:{cls.__name__}", harness=JSONL)


# InMemoryLogger's own kind of loss, read back with the MEMORY harness.


class MemoryDropsFirstRecord(impl.InMemoryLogger):
    """The first log_metrics call returns without recording anything."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if getattr(self, "_skipped", False):
            super().log_metrics(metrics, step)
        else:
            self._skipped = True


class MemoryShiftsSteps(impl.InMemoryLogger):
    """Every int step is recorded one higher."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().log_metrics(metrics, step + 1 if isinstance(step, int) and not isinstance(step, bool) else step)


class MemoryLosesAHyperparameter(impl.InMemoryLogger):
    """Each log_hyperparams call loses its first key (a Namespace's too)."""

    def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
        values = dict(vars(params) if isinstance(params, Namespace) else params)
        values.pop(next(iter(values), None), None)
        super().log_hyperparams(values, *args, **kwargs)


class MemoryCallsOnly(impl.InMemoryLogger):
    """Records each log_metrics call in ``calls`` but not in its ``metrics`` view."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().log_metrics(metrics, step)
        self.metrics.pop()


def _memory_subject(cls: type[Any]) -> LoggerSubject:
    return LoggerSubject(cls, f"tests.broken.readback:{cls.__name__}", harness=MEMORY)


BROKEN = [
    Broken("logger.persisted_read_back", _subject(LosesLastRecord), "the last record is never written"),
    Broken("logger.persisted_read_back", _subject(WritesLastRecordAgainOnFinalize), "the last record is written twice"),
    Broken("logger.persisted_read_back", _subject(StepZeroBecomesNone), "step 0 is written as None"),
    Broken("logger.persisted_read_back", _subject(StoresFloat32), "values are narrowed to float32"),
    Broken("logger.persisted_read_back", _subject(DropsNoneHyperparams), "None hyperparameters are lost"),
    Broken("logger.persisted_read_back", _memory_subject(MemoryDropsFirstRecord), "the first record is not kept"),
    Broken("logger.persisted_read_back", _memory_subject(MemoryShiftsSteps), "steps are kept one higher"),
    Broken("logger.persisted_read_back", _memory_subject(MemoryLosesAHyperparameter), "a hyperparameter is lost"),
    Broken("logger.persisted_read_back", _memory_subject(MemoryCallsOnly), "the metrics view misses records"),
]
