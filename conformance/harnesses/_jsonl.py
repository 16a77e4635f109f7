"""The harness of impl's :class:`~impl.JsonlLogger`: ``records.jsonl`` read with :func:`impl.read_jsonl`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._harness import Harness, ReadBack

__all__ = ["JSONL"]


def _read(logger: Any, directory: Path) -> ReadBack:
    import impl

    run = impl.read_jsonl(logger.log_dir)
    params: dict[str, Any] = {}
    for record in run.hyperparams:  # one per log_hyperparams call; a later call's value wins
        params.update(record)
    return ReadBack(tuple(run.metrics), params)


def _as_json(value: object) -> Any:
    """JsonlLogger's documented flattening of a hyperparameter: None, bools, numbers and strings are
    kept, mappings stay nested (keys as ``str(key)``), lists and tuples become lists, anything else
    becomes ``str(value)``."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, Mapping):
        items = cast("Mapping[object, object]", value).items()
        return {k if isinstance(k, str) else str(k): _as_json(v) for k, v in items}
    if isinstance(value, (list, tuple)):
        return [_as_json(v) for v in cast("list[object] | tuple[object, ...]", value)]
    return str(value)


def _flatten(params: dict[str, Any]) -> dict[str, Any]:
    return {key: _as_json(value) for key, value in params.items()}


JSONL = Harness(
    _read,
    name="conformance.harnesses:JSONL",
    layout="records",
    ordered=True,
    none_step=None,
    # JSON Lines keeps everything spec allows: nested dicts, ints, NaN, infinities, -0.0.
    metrics=st.one_of(
        cst.metric_dicts(values=cst.metric_values(allow_nan=True)),
        cst.nested_metric_dicts(values=cst.metric_values(allow_nan=True)),
    ),
    flatten=_flatten,
)
"""impl's JsonlLogger: one record per ``log_metrics`` call, in order, read back exactly as logged
(nested dicts, ints, NaN and infinities included); a step of ``None`` stays ``None``;
hyperparameters as JSON (tuples become lists, values JSON cannot hold become ``str(value)``)."""
