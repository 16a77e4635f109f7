"""Broken implementations that issue 11's fixes of the merge, logger, aggregation and collection
inputs catch, beyond those of ``round3.py``: each was certified by the suite before its fix."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from conformance._core import MergeSubject
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


def _merge(fn: Any) -> MergeSubject:
    return MergeSubject(fn, f"{_MODULE}:{fn.__name__}")


BROKEN = [
    Broken("merge.no_mutation", _merge(prunes_deep_funcs), "agg_key_funcs' mappings two levels down emptied"),
]
