"""The merge properties on inputs that once made them fail the reference (false failures)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, find, settings

import impl
from conformance import strategies as cst
from conformance._catalogue import all_properties
from conformance._core import MergeSubject

_SUBJECT = MergeSubject(impl.merge_dicts, "impl:merge_dicts")
_SETTINGS = settings(database=None, derandomize=True, max_examples=200, suppress_health_check=list(HealthCheck))


def _no_mutation() -> Any:
    (prop,) = [p for p in all_properties() if p.id == "merge.no_mutation"]
    return prop


class TestNoMutation:
    def test_a_flat_key_d_is_not_a_false_failure(self) -> None:
        """merge.no_mutation passes impl on [{'d': 0.0}] (its fixed agg_key_funcs {"a": max, "d":
        {"a": min}} gave a nested mapping for the value key d, an input the contract has no answer for)."""
        dicts: list[dict[str, Any]] = [{"d": 0.0}]
        funcs = find(cst.agg_key_funcs_for(dicts), lambda f: "d" in f, settings=_SETTINGS)
        assert not isinstance(funcs["d"], dict)
        _no_mutation().check(_SUBJECT, (dicts, funcs))

    def test_nested_entries_where_the_inputs_nest(self) -> None:
        """Where the inputs hold mappings, agg_key_funcs holds a mapping (or nothing), two levels down too."""
        dicts: list[dict[str, Any]] = [{"d": {"e": {"a": 1.0}}, "b": 2}, {"d": {"e": {"a": 3.0}, "f": 1}}]
        funcs = find(
            cst.agg_key_funcs_for(dicts), lambda f: isinstance(f.get("d"), dict) and "e" in f["d"], settings=_SETTINGS
        )
        assert isinstance(funcs["d"]["e"], dict)
        _no_mutation().check(_SUBJECT, (dicts, funcs))
