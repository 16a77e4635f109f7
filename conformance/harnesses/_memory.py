"""The harness of impl's :class:`~impl.InMemoryLogger`: its storage is memory, read from the logger
itself: ``calls`` (every public call, in order), checked against the ``metrics`` and ``hyperparams``
views it also documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance._harness import Harness, ReadBack
from conformance.harnesses._jsonl import JSONL

__all__ = ["MEMORY"]


def _read(logger: Any, directory: Path) -> ReadBack:
    records = [c.arguments for c in logger.calls if c.method == "log_metrics"]
    logged = [c.arguments["params"] for c in logger.calls if c.method == "log_hyperparams"]
    # The views hold the very objects the calls do: anything else is a record kept in one place only.
    views_agree = (
        len(logger.metrics) == len(records)
        and all(step == r["step"] and metrics is r["metrics"] for (step, metrics), r in zip(logger.metrics, records))
        and len(logger.hyperparams) == len(logged)
        and all(a is b for a, b in zip(logger.hyperparams, logged))
    )
    if not views_agree:
        raise ValueError(
            f"InMemoryLogger's views disagree with its calls: metrics {logger.metrics!r} and hyperparams "
            f"{logger.hyperparams!r}, calls {logger.calls!r}"
        )
    params: dict[str, Any] = {}
    for values in logged:  # one per log_hyperparams call; a later call's value wins
        params.update(values)
    return ReadBack(tuple((r["step"], r["metrics"]) for r in records), params)


MEMORY = Harness(
    _read,
    name="conformance.harnesses:MEMORY",
    layout="records",
    ordered=True,
    none_step=None,
    # Memory keeps everything spec allows, as JSON Lines does: nested dicts, ints, NaN, infinities, -0.0.
    metrics=JSONL.metrics,
)
"""impl's InMemoryLogger: one record per ``log_metrics`` call (a run that ``agg_and_log_metrics``
logs included), in order, exactly as logged; a step of ``None`` stays ``None``; hyperparameters as
logged (each call's dict, a Namespace's as a dict, later calls winning per key)."""
