"""merge_dicts' error messages, exactly: the argument, the index or key path, and the value described; its
keys; and inputs that numpy.mean's fast path must leave to numpy.mean itself."""

from __future__ import annotations

import struct
from collections import OrderedDict
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from impl import merge_dicts

merge: Any = merge_dicts  # called with bad arguments below


class CallableMapping(dict[str, Any]):
    """A mapping that can also be called: an entry that is nested functions, not a function."""

    def __call__(self, values: list[Any]) -> Any:
        return 0


def fails(values: Sequence[float]) -> float:
    raise ZeroDivisionError("boom")


class TestMessages:
    @pytest.mark.parametrize(
        ("call", "message"),
        [
            (lambda: merge({"a": 1}), "dicts must be a sequence of mappings, got {'a': 1} (dict)"),
            (lambda: merge("ab"), "dicts must be a sequence of mappings, got 'ab' (str)"),
            (lambda: merge([{"a": 1}, {"b": 2}, 5]), "dicts[2] must be a mapping, got 5 (int)"),
            (lambda: merge([{"a": 1}], None, 3), "default_func must be callable, got 3 (int)"),
            (
                lambda: merge([{"a": 1}], [("a", "max")]),
                "agg_key_funcs must be a mapping of metric names to functions, got [('a', 'max')] (list)",
            ),
            (lambda: merge([{"a": 1}], {"a": "max"}), "agg_key_funcs['a'] must be callable, got 'max' (str)"),
            (lambda: merge([{"d": {"x": 1}}], {"d": {"x": 2}}), "agg_key_funcs['d']['x'] must be callable, got 2 (int)"),
            (
                lambda: merge([{"d": {"e": {"x": 1}}}, {"d": {"e": 2}}]),
                "dicts: key path 'd' -> 'e' is a mapping in some inputs and not in others",
            ),
            (
                lambda: merge([{"d": {"e": {"x": 1}}}], {"d": {"e": max}}),
                "agg_key_funcs: key path 'd' -> 'e' holds mappings, so its entry must be a mapping too",
            ),
            (
                lambda: merge([{"d": {"e": 1}}], {"d": {"e": {"x": max}}}),
                "agg_key_funcs: key path 'd' -> 'e' holds numbers, so its entry must be a function",
            ),
        ],
    )
    def test_each_bad_argument_has_its_whole_message(self, call: Callable[[], Any], message: str) -> None:
        """A malformed argument raises TypeError naming it, the index or key path (joined by ' -> ') and the value."""
        with pytest.raises(TypeError) as info:
            call()
        assert message == str(info.value)

    def test_a_failing_function_gets_a_note_with_the_nested_key_path(self) -> None:
        """An error raised by an aggregation function carries a note naming the whole key path."""
        with pytest.raises(ZeroDivisionError) as info:
            merge_dicts([{"d": {"e": 1.0}}, {"d": {"e": 2.0}}], {"d": {"e": fails}})
        assert ["while aggregating key path 'd' -> 'e'"] == info.value.__notes__

    def test_a_mapping_entry_for_numbers_is_rejected_even_if_callable(self) -> None:
        """An agg_key_funcs entry that is a mapping, for a key holding numbers, is rejected even when callable."""
        with pytest.raises(TypeError) as info:
            merge_dicts([{"a": 1.0}, {"a": 2.0}], {"a": CallableMapping(x=max)})
        assert "agg_key_funcs: key path 'a' holds numbers, so its entry must be a function" == str(info.value)


class TestKeys:
    @pytest.mark.parametrize(
        ("dicts", "expected"),
        [
            ([{"a": 1.0, "b": 2.0}, {"a": 3.0, "b": 4.0, "c": 5.0}], {"a": 2.0, "b": 3.0, "c": 5.0}),
            ([{"a": 1.0, "b": 2.0}, {"c": 5.0, "b": 4.0, "a": 3.0}], {"a": 2.0, "b": 3.0, "c": 5.0}),
            ([{"a": 1.0, "b": 2.0, "c": 1.0}, {"a": 3.0}], {"a": 2.0, "b": 2.0, "c": 1.0}),
        ],
    )
    def test_keys_beyond_the_first_dicts_are_merged_too(self, dicts: list[dict[str, float]], expected: dict[str, float]) -> None:
        """Every key of every dict is in the result, those the first dict lacks included."""
        assert expected == merge_dicts(dicts)


def per_key_reference(dicts: list[Any], funcs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Each key's values (in input order, keys in first-seen order) given to its function or numpy.mean."""
    columns: dict[str, list[Any]] = {}
    for d in dicts:
        for key, value in d.items():
            columns.setdefault(key, []).append(value)
    return {key: (funcs or {}).get(key, np.mean)(values) for key, values in columns.items()}


# A float whose first (little-endian) byte is 0x67, b"g": marshal's tag for a float.
G_FLOAT = struct.unpack("<d", b"g" + struct.pack("<d", 1.0)[1:])[0]


class TestInputsTheFastPathLeavesToNumpy:
    def test_values_marshal_cannot_write_are_averaged_by_numpy(self) -> None:
        """Dicts with the same keys holding Fractions (which marshal cannot write) give numpy.mean's result."""
        dicts = [{"a": Fraction(1, 2), "b": 1.0}, {"a": Fraction(1, 4), "b": 2.0}]
        assert per_key_reference(dicts) == merge_dicts(dicts)

    def test_mappings_that_are_not_dicts_average_each_key_with_its_own_values(self) -> None:
        """Inputs that are not all plain dicts (an OrderedDict), with numpy.mean for three keys and max for the
        last, give each key numpy.mean (or max) of its own values."""
        dicts: list[Any] = [OrderedDict(a=1.0, b=2.0, c=3.0, d=4.0), {"a": 5.0, "b": 6.0, "c": 7.0, "d": 8.0}]
        assert {"a": 3.0, "b": 4.0, "c": 5.0, "d": 8.0} == merge_dicts(dicts, {"d": max})

    def test_ints_whose_bytes_look_like_floats_are_averaged_by_numpy(self) -> None:
        """A key holding ints is averaged by numpy.mean itself beside float keys, even when the ints' marshalled
        bytes hold b"g" where a float's tag would be (103 and 2**45 + 103, beside floats whose first byte is b"g")."""
        dicts = [{"a": G_FLOAT, "b": G_FLOAT, "c": 103}, {"a": G_FLOAT, "b": G_FLOAT, "c": 2**45 + 103}]
        merged = merge_dicts(dicts)
        assert per_key_reference(dicts) == merged
        assert 17592186044519.0 == merged["c"]
