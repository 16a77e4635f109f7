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
from impl._validate import check_callable, describe
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


class NestedAggFuncsUnchecked(impl.InMemoryLogger):
    """update_agg_funcs checks the top level of agg_key_funcs: a nested mapping is stored unchecked,
    so a non-callable inside it fails only when a run is merged."""

    def update_agg_funcs(self, agg_key_funcs: Any = None, agg_default_func: Any = np.mean) -> None:
        for key, fn in (agg_key_funcs or {}).items():
            if not isinstance(fn, Mapping) and not callable(fn):
                raise TypeError(f"agg_key_funcs[{key!r}] must be callable, got {describe(fn)}")
        check_callable(agg_default_func, "agg_default_func")
        self._agg_key_funcs = {**self._agg_key_funcs, **(agg_key_funcs or {})}
        self._agg_default_func = agg_default_func


class AggFuncsLeafOnlyMessage(impl.InMemoryLogger):
    """update_agg_funcs' TypeError for a nested non-callable names the leaf key only (agg_key_funcs['acc'])."""

    def update_agg_funcs(self, agg_key_funcs: Any = None, agg_default_func: Any = np.mean) -> None:
        try:
            super().update_agg_funcs(agg_key_funcs, agg_default_func)
        except TypeError:
            for fn in (agg_key_funcs or {}).values():
                if isinstance(fn, Mapping):
                    for key, inner in fn.items():
                        if not callable(inner):
                            raise TypeError(f"agg_key_funcs[{key!r}] must be callable, got {describe(inner)}") from None
            raise


def _merge(fn: Any) -> MergeSubject:
    return MergeSubject(fn, f"{_MODULE}:{fn.__name__}")


def _logger(cls: type[Any]) -> LoggerSubject:
    return LoggerSubject(cls, f"{_MODULE}:{cls.__name__}")


BROKEN = [
    Broken("merge.no_mutation", _merge(prunes_deep_funcs), "agg_key_funcs' mappings two levels down emptied"),
    Broken(
        "aggregation.update_agg_funcs_rejects_non_callable",
        _logger(NestedAggFuncsUnchecked),
        "a non-callable in a nested agg_key_funcs mapping is stored",
    ),
    Broken(
        "aggregation.update_agg_funcs_rejects_non_callable",
        _logger(AggFuncsLeafOnlyMessage),
        "a nested non-callable's TypeError names the leaf key only",
    ),
]
