"""One side of the benchmarks, in its own process: ``python benchmarks/_worker.py impl|pl15 [cpu|wall]``.

``impl`` times loggerspec's reference implementation (and the floor and the direct calls it is
compared with); ``pl15`` times pytorch_lightning 1.5.10, run with the Python of its own venv. The
driver (``benchmarks/run.py``) sends one command a line and reads one JSON line back:

- ``versions``: the interpreter's and libraries' versions;
- ``time CASE NUMBER``: run CASE NUMBER times, answer the seconds per run;
- ``calibrate CASE``: the NUMBER that makes one round take about 50 ms.

Seconds are the CPU time of the worker's thread (``time.thread_time``) unless the second argument
is ``wall`` (``time.perf_counter``): on a shared machine, the time the worker spends descheduled
while other processes run is not the code's cost.

Both sides run the same workloads, built here from the same seed, so the only difference is the
code under test. This file needs only the standard library and numpy.
"""

from __future__ import annotations

import functools
import importlib
import json
import platform
import random
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

SIDE = sys.argv[1] if len(sys.argv) > 1 else "impl"
CLOCK: Callable[[], float] = time.perf_counter if sys.argv[2:3] == ["wall"] else time.thread_time
ROUND_SECONDS = 0.05

if SIDE == "pl15":
    warnings.filterwarnings("ignore")
    LIBRARY = f"pytorch_lightning {importlib.import_module('pytorch_lightning').__version__}"
    _library: Any = importlib.import_module("pytorch_lightning.loggers.base")
else:
    _library = importlib.import_module("impl")
    LIBRARY = f"impl ({_library.__file__})"
LightningLoggerBase: Any = _library.LightningLoggerBase
LoggerCollection = _library.LoggerCollection
merge_dicts = _library.merge_dicts


def metric_dicts(n_dicts: int, n_keys: int, seed: int = 0) -> list[dict[str, float]]:
    """``n_dicts`` dicts with the same ``n_keys`` float metrics, as a logger's run holds."""
    rng = random.Random(seed)
    keys = [f"train/metric_{i}" for i in range(n_keys)]
    return [{key: rng.random() * 10 for key in keys} for _ in range(n_dicts)]


def floor(dicts: list[dict[str, float]]) -> None:
    """The lower bound: a loop that only reads every input value once."""
    for d in dicts:
        for _ in d.values():
            pass


class _Tensor:
    """Stands in for torch.Tensor in the members' isinstance check (no torch needed)."""


class NoOpLogger(LightningLoggerBase):  # type: ignore[misc]
    """An aggregating logger whose log_metrics does nothing: what remains is the aggregation."""

    @property
    def name(self) -> str:
        return "noop"

    @property
    def version(self) -> int:
        return 0

    @property
    def experiment(self) -> None:
        return None

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        pass

    def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
        pass


class RowLogger(NoOpLogger):
    """A collection member doing what 1.5's CSVLogger does in memory for each call: one row per
    call, tensors turned into numbers, the step added."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        row = {k: v.item() if isinstance(v, _Tensor) else v for k, v in metrics.items()}  # type: ignore[attr-defined]
        row["step"] = step
        self.rows.append(row)
        if len(self.rows) > 1000:
            self.rows.clear()


def agg_run(steps: int, calls: int, n_keys: int) -> Callable[[], None]:
    """``steps`` steps of ``calls`` agg_and_log_metrics calls of ``n_keys`` metrics, then save()."""
    dicts = metric_dicts(steps * calls, n_keys, seed=1)
    stepped = [(d, i // calls) for i, d in enumerate(dicts)]

    def run() -> None:
        logger = NoOpLogger()
        agg = logger.agg_and_log_metrics
        for metrics, step in stepped:
            agg(metrics, step)
        logger.save()

    return run


def agg_checks(steps: int, n_keys: int) -> Callable[[], None]:
    """impl only: what agg_and_log_metrics does to its arguments at each call of ``agg_run(steps, 1,
    n_keys)`` (check and copy the metrics, check the step), without the aggregation."""
    from impl._validate import accept_metrics, check_step, is_plain_metrics

    stepped: list[tuple[dict[str, float], int | None]] = list(
        zip(metric_dicts(steps, n_keys, seed=1), range(steps), strict=True)
    )

    def run() -> None:  # (the same statements as LightningLoggerBase.agg_and_log_metrics)
        for metrics, step in stepped:
            _ = metrics.copy() if is_plain_metrics(metrics) else accept_metrics(metrics)
            if step is not None and type(step) is not int:
                check_step(step)

    return run


def collection_calls() -> tuple[Callable[[], None], Callable[[], None]]:
    """LoggerCollection.log_metrics over four members, and the same four calls made directly."""
    members = [RowLogger() for _ in range(4)]
    collection = LoggerCollection(members)
    metrics = metric_dicts(1, 20, seed=2)[0]
    m1, m2, m3, m4 = members

    def through_collection() -> None:
        collection.log_metrics(metrics, 7)

    def direct() -> None:
        m1.log_metrics(metrics, 7)
        m2.log_metrics(metrics, 7)
        m3.log_metrics(metrics, 7)
        m4.log_metrics(metrics, 7)

    return through_collection, direct


def build_cases() -> dict[str, Callable[[], Any]]:
    """Every case by name; each is a call without arguments."""
    wide = metric_dicts(200, 50)
    small = metric_dicts(4, 20)
    through_collection, direct = collection_calls()
    cases: dict[str, Callable[[], Any]] = {
        "merge_wide": lambda: merge_dicts(wide),
        "merge_wide_floor": lambda: floor(wide),
        "merge_small": lambda: merge_dicts(small),
        "agg": agg_run(500, 4, 20),
        "collection": through_collection,
        "collection_direct": direct,
    }
    for n_dicts in (50, 200, 800):  # merge_dicts as the number of dicts grows (50 keys)
        dicts = metric_dicts(n_dicts, 50)
        cases[f"merge_dicts{n_dicts}_keys50"] = functools.partial(merge_dicts, dicts)
    for n_keys in (10, 50, 250):  # ... and as the number of keys grows (200 dicts)
        dicts = metric_dicts(200, n_keys)
        cases[f"merge_dicts200_keys{n_keys}"] = functools.partial(merge_dicts, dicts)
    for calls in (1, 4, 16):  # aggregation as the number of calls per step grows
        cases[f"agg_calls{calls}"] = agg_run(500, calls, 20)
    if SIDE == "impl":
        cases["agg_checks1"] = agg_checks(500, 20)
    return cases


def time_case(case: Callable[[], Any], number: int) -> float:
    """Seconds per call of ``case``, over ``number`` calls."""
    started = CLOCK()
    for _ in range(number):
        case()
    return (CLOCK() - started) / number


def calibrate(case: Callable[[], Any]) -> int:
    """The number of calls that makes one round take about ``ROUND_SECONDS``."""
    number = 1
    while True:
        took = time_case(case, number) * number
        if took >= ROUND_SECONDS / 4 or number >= 1 << 20:
            return max(1, int(number * ROUND_SECONDS / max(took, 1e-9)))
        number *= 4


def main() -> None:
    cases = build_cases()
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        answer: Any
        if words[0] == "versions":
            answer = {
                "python": platform.python_version(),
                "numpy": np.__version__,
                "library": LIBRARY,
            }
        elif words[0] == "calibrate":
            answer = calibrate(cases[words[1]])
        elif words[0] == "time":
            answer = time_case(cases[words[1]], int(words[2]))
        else:
            answer = {"error": f"unknown command {line.strip()!r}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
