"""Broken implementations that issue 11's fixes of the merge, logger, aggregation and collection
inputs catch, beyond those of ``round3.py``: each was certified by the suite before its fix."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import impl
from conformance._core import LoggerSubject, MergeSubject
from impl import merge_dicts
from tests.broken import Broken

_MODULE = "tests.broken.power"


def prunes_deep_funcs(
    dicts: Sequence[Mapping[str, Any]], agg_key_funcs: Any = None, default_func: Any = np.mean
) -> dict[str, Any]:
    """impl's merge, then agg_key_funcs' mappings two levels down emptied in place."""
    result = merge_dicts(dicts, copy.deepcopy(agg_key_funcs), default_func)
    for outer in (agg_key_funcs or {}).values():
        if isinstance(outer, dict):
            for inner in outer.values():
                if isinstance(inner, dict):
                    inner.clear()
    return result


class NoneFunctionMeansDefault(impl.InMemoryLogger):
    """update_agg_funcs takes a None entry of agg_key_funcs for "use the default" and drops it,
    where the contract has a value that is not callable, to be rejected."""

    def update_agg_funcs(self, agg_key_funcs: Any = None, agg_default_func: Any = np.mean) -> None:
        kept = {k: f for k, f in (agg_key_funcs or {}).items() if f is not None}
        super().update_agg_funcs(kept, agg_default_func)


def _merge(fn: Any) -> MergeSubject:
    return MergeSubject(fn, f"{_MODULE}:{fn.__name__}")


def _logger(cls: type[Any]) -> LoggerSubject:
    return LoggerSubject(cls, f"{_MODULE}:{cls.__name__}")


BROKEN = [
    Broken("merge.no_mutation", _merge(prunes_deep_funcs), "agg_key_funcs' mappings two levels down emptied"),
    Broken(
        "aggregation.update_agg_funcs_rejects_non_callable",
        _logger(NoneFunctionMeansDefault),
        "a None entry of agg_key_funcs is dropped, not rejected",
    ),
]
