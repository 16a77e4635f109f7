"""The reference merge_dicts: the seed's behaviour, and every place it differs from 1.5."""

from __future__ import annotations

import copy
import doctest
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import impl._merge
from impl import merge_dicts

ROOT = Path(__file__).resolve().parents[1]


class TestSeedExample:
    def test_seed_docstring_example_prints_seed_output(self) -> None:
        """The seed's example runs as a doctest and prints the seed's output."""
        # numpy >= 2 prints np.float64(1.3) where the seed (numpy 1.x) prints 1.3: the value and
        # its type are the same, so the doctest runs with numpy 1.x printing.
        with np.printoptions(legacy="1.25"):
            result = doctest.testmod(impl._merge, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert (result.failed, result.attempted) == (0, 7)

    def test_default_function_is_numpy_mean(self) -> None:
        """Without functions, every key is reduced by numpy.mean over its values in order."""
        assert merge_dicts([{"a": 1.0}, {"a": 2.0}, {"a": 4.0}]) == {"a": np.mean([1.0, 2.0, 4.0])}


class TestDispatch:
    def test_each_function_gets_that_keys_values_in_order_without_none(self) -> None:
        """Every function is called once per key with that key's non-None values in input order."""
        seen: list[tuple[str, list[Any]]] = []

        def spy(name: str) -> Any:
            def fn(values: Sequence[float]) -> float:
                seen.append((name, list(values)))
                return float(len(values))

            return fn

        dicts: list[dict[str, Any]] = [{"a": 1, "b": None}, {"b": 2, "a": 3}, {"a": None, "c": 5}]
        out = merge_dicts(dicts, {"a": spy("a")}, spy("default"))
        assert seen == [("a", [1, 3]), ("default", [2]), ("default", [5])]
        assert out == {"a": 2.0, "b": 1.0, "c": 1.0}

    def test_nested_functions_apply_at_their_level(self) -> None:
        """A nested agg_key_funcs mapping applies to the nested metric dict of the same key."""
        out = merge_dicts([{"d": {"x": 1, "y": 1}}, {"d": {"x": 2, "y": 5}}], {"d": {"x": sum}}, max)
        assert out == {"d": {"x": 3, "y": 5}}

    def test_inputs_and_functions_are_not_mutated(self) -> None:
        """merge_dicts leaves its inputs and agg_key_funcs as they were."""
        dicts: list[dict[str, Any]] = [{"a": 1.0, "d": {"x": 1}}, {"a": None, "d": {"x": 2}}]
        funcs: dict[str, Any] = {"d": {"x": sum}}
        before = (copy.deepcopy(dicts), copy.deepcopy(funcs))
        merge_dicts(dicts, funcs)
        assert (dicts, funcs) == before

    def test_a_failing_function_names_the_key_path(self) -> None:
        """An exception from an aggregation function carries a note naming the key path."""

        def boom(values: Sequence[float]) -> float:
            raise ZeroDivisionError("boom")

        with pytest.raises(ZeroDivisionError) as info:
            merge_dicts([{"d": {"x": 1}}, {"d": {"x": 2}}], {"d": {"x": boom}})
        assert "'d' -> 'x'" in "".join(info.value.__notes__)


class TestDifferencesFrom15:
    def test_empty_input_gives_empty_dict(self) -> None:
        """merge_dicts([]) returns {} (1.5 raises TypeError)."""
        assert merge_dicts([]) == {}

    def test_all_none_key_is_skipped(self) -> None:
        """A key whose values are all None is left out, at any depth (1.5 raises IndexError)."""
        assert merge_dicts([{"a": None, "b": 1.0}, {"a": None}]) == {"b": 1.0}
        assert merge_dicts([{"d": {"x": None, "y": 2}}, {"d": {"x": None}}]) == {"d": {"y": 2.0}}

    @pytest.mark.parametrize(
        ("dicts", "path"),
        [
            ([{"d": {"x": 1}}, {"d": 2}], "'d'"),
            ([{"d": 2}, {"d": {"x": 1}}], "'d'"),
            ([{"d": {"x": {"y": 1}}}, {"d": {"x": 3}}], "'d' -> 'x'"),
        ],
    )
    def test_mismatched_nesting_names_the_key_path(self, dicts: list[dict[str, Any]], path: str) -> None:
        """A key that is a dict in one input and a number in another raises TypeError naming its path."""
        with pytest.raises(TypeError, match=f"key path {path} is a mapping in some inputs and not in others"):
            merge_dicts(dicts)

    def test_keys_come_out_in_first_seen_order(self) -> None:
        """Keys come out in the order they are first seen, at every level."""
        out = merge_dicts([{"z": 1, "a": 1}, {"m": 2, "z": 3, "d": {"q": 1}}, {"b": 1, "d": {"c": 1, "q": 2}}], default_func=max)
        assert list(out) == ["z", "a", "m", "d", "b"]
        assert list(out["d"]) == ["q", "c"]

    def test_key_order_does_not_depend_on_the_hash_seed(self) -> None:
        """The same input gives the same key order under different PYTHONHASHSEEDs (1.5 iterates a set)."""
        script = (
            "import json; from impl import merge_dicts\n"
            "keys = [f'metric_{i}' for i in range(40)]\n"
            "print(json.dumps(list(merge_dicts([{k: 1.0 for k in keys[:20]}, {k: 2.0 for k in keys[10:]}], default_func=max))))"
        )
        orders = []
        for seed in ("1", "2", "3"):
            env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
            out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
            orders.append(json.loads(out.stdout))
        assert orders[0] == orders[1] == orders[2] == [f"metric_{i}" for i in range(40)]

    def test_a_generator_of_dicts_is_read_once(self) -> None:
        """A generator of dicts merges like a list."""
        assert merge_dicts(d for d in [{"a": 1}, {"a": 3}]) == {"a": 2.0}


class TestBadInput:
    @pytest.mark.parametrize(
        ("call", "message"),
        [
            (lambda: merge_dicts({"a": 1}), "dicts must be a sequence of mappings"),  # type: ignore[dict-item]
            (lambda: merge_dicts(3), "dicts must be a sequence of mappings"),  # type: ignore[arg-type]
            (lambda: merge_dicts([{"a": 1}, 5]), r"dicts\[1\] must be a mapping"),  # type: ignore[list-item]
            (lambda: merge_dicts([{"a": 1}], {"a": 3}), r"agg_key_funcs\['a'\] must be callable"),  # type: ignore[dict-item]
            (lambda: merge_dicts([{"a": 1}], {"d": {"x": "s"}}), r"agg_key_funcs\['d'\]\['x'\] must be callable"),  # type: ignore[dict-item]
            (lambda: merge_dicts([{"a": 1}], [("a", max)]), "agg_key_funcs must be a mapping"),  # type: ignore[arg-type]
            (lambda: merge_dicts([{"a": 1}], None, 3), "default_func must be callable"),  # type: ignore[arg-type]
            (lambda: merge_dicts([{"d": {"x": 1}}], {"d": max}), "key path 'd' holds mappings"),
            (lambda: merge_dicts([{"d": 1}], {"d": {"x": max}}), "key path 'd' holds numbers"),
        ],
    )
    def test_bad_argument_raises_type_error_naming_it(self, call: Any, message: str) -> None:
        """Every malformed argument raises TypeError whose message names the argument and key path."""
        with pytest.raises(TypeError, match=message):
            call()
