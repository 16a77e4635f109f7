"""How deep impl's nested input may go, and what it refuses: metrics, agg_key_funcs and hyperparameters
nest up to MAX_DEPTH levels (32, as the README says); one level more, or a mapping (or list) that contains itself, raises
ValueError naming the argument and the key path; hyperparameters whose keys would be stored as the
same str raise ValueError naming both keys. Nothing is recorded by a call that raises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from impl import InMemoryLogger, merge_dicts

MAX_DEPTH = 32
"""impl.MAX_DEPTH as documented (README: "may nest impl.MAX_DEPTH (32) levels"), written out so that the
tests below hold impl to the number, not to whatever impl.MAX_DEPTH says."""


def test_impl_max_depth_is_the_documented_32() -> None:
    """impl.MAX_DEPTH, the constant users read, is 32."""
    import impl

    assert MAX_DEPTH == impl.MAX_DEPTH


def nested(levels: int, leaf: object) -> dict[str, Any]:
    """A dict ``levels`` levels deep: ``{'k': {'k': ... {'x': leaf}}}`` (the outermost dict is level 1)."""
    value: dict[str, Any] = {"x": leaf}
    for _ in range(levels - 1):
        value = {"k": value}
    return value


def path(arg: str, keys: int) -> str:
    """``arg['k']['k']...`` with ``keys`` keys: the path of the dict at level ``keys + 1``."""
    return arg + "['k']" * keys


def containing_itself() -> dict[str, Any]:
    d: dict[str, Any] = {"a": 1.0, "d": {"b": 2.0}}
    d["d"]["back"] = d
    return d


def first(values: Any) -> Any:
    return values[0]


class Named:
    """A hyperparameter key that is not a str: two of them are distinct keys, stored by their str."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"Named({self.name!r})"


class TestMetrics:
    @pytest.mark.parametrize("entry", ["log_metrics", "agg_and_log_metrics"])
    def test_max_depth_levels_are_accepted_and_logged(self, entry: str) -> None:
        """Metrics MAX_DEPTH levels deep are accepted and logged as given."""
        logger = InMemoryLogger()
        getattr(logger, entry)(nested(MAX_DEPTH, 1.0), 0)
        logger.save()
        assert [(0, nested(MAX_DEPTH, 1.0))] == logger.metrics

    @pytest.mark.parametrize("entry", ["log_metrics", "agg_and_log_metrics"])
    def test_one_level_more_raises_naming_the_path(self, entry: str) -> None:
        """Metrics MAX_DEPTH + 1 levels deep raise ValueError naming the path of the level too many."""
        logger = InMemoryLogger()
        with pytest.raises(ValueError) as info:
            getattr(logger, entry)(nested(MAX_DEPTH + 1, 1.0), 0)
        assert f"{path('metrics', MAX_DEPTH)} is nested deeper than MAX_DEPTH ({MAX_DEPTH}) levels" == str(info.value)
        logger.save()
        assert [] == logger.metrics

    def test_a_dict_that_contains_itself_raises_naming_where(self) -> None:
        """Metrics that contain themselves raise ValueError naming the path where the loop closes."""
        with pytest.raises(ValueError) as info:
            InMemoryLogger().log_metrics(containing_itself())
        assert "metrics['d']['back'] contains itself (it would nest without end)" == str(info.value)

    def test_the_same_dict_twice_side_by_side_is_not_a_loop(self) -> None:
        """One dict under two keys is not a dict that contains itself: it is accepted."""
        shared = {"x": 1.0}
        metrics: dict[str, Any] = {"a": shared, "b": shared}
        logger = InMemoryLogger()
        logger.log_metrics(metrics)
        assert [(None, {"a": {"x": 1.0}, "b": {"x": 1.0}})] == logger.metrics


class TestAggKeyFuncs:
    def test_max_depth_levels_are_accepted(self) -> None:
        """agg_key_funcs MAX_DEPTH levels deep are accepted and used at that depth."""
        merged = merge_dicts([nested(MAX_DEPTH, 1.0), nested(MAX_DEPTH, 5.0)], nested(MAX_DEPTH, first))
        assert nested(MAX_DEPTH, 1.0) == merged

    @pytest.mark.parametrize(
        "call",
        [
            lambda funcs: merge_dicts([{"a": 1.0}], funcs),
            lambda funcs: InMemoryLogger(agg_key_funcs=funcs),
            lambda funcs: InMemoryLogger().update_agg_funcs(funcs),
        ],
        ids=["merge_dicts", "logger", "update_agg_funcs"],
    )
    def test_one_level_more_raises_naming_the_path(self, call: Callable[[Any], Any]) -> None:
        """agg_key_funcs MAX_DEPTH + 1 levels deep raise ValueError naming the path of the level too many."""
        with pytest.raises(ValueError) as info:
            call(nested(MAX_DEPTH + 1, first))
        assert f"{path('agg_key_funcs', MAX_DEPTH)} is nested deeper than MAX_DEPTH ({MAX_DEPTH}) levels" == str(info.value)

    def test_a_mapping_that_contains_itself_raises_naming_where(self) -> None:
        """agg_key_funcs that contain themselves raise ValueError naming the path where the loop closes."""
        funcs: dict[str, Any] = {"d": {"x": first}}
        funcs["d"]["back"] = funcs
        with pytest.raises(ValueError) as info:
            merge_dicts([{"a": 1.0}], funcs)
        assert "agg_key_funcs['d']['back'] contains itself (it would nest without end)" == str(info.value)


class TestMergedInputs:
    def test_max_depth_levels_are_merged(self) -> None:
        """Inputs MAX_DEPTH levels deep are merged."""
        assert nested(MAX_DEPTH, 2.0) == merge_dicts([nested(MAX_DEPTH, 1.0), nested(MAX_DEPTH, 3.0)])

    def test_one_level_more_raises_naming_the_path(self) -> None:
        """Inputs MAX_DEPTH + 1 levels deep raise ValueError naming the key path of the level too many."""
        with pytest.raises(ValueError) as info:
            merge_dicts([nested(MAX_DEPTH + 1, 1.0), nested(MAX_DEPTH + 1, 3.0)])
        shown = " -> ".join(["'k'"] * MAX_DEPTH)
        assert f"dicts: key path {shown} is nested deeper than MAX_DEPTH ({MAX_DEPTH}) levels" == str(info.value)

    def test_an_input_that_contains_itself_is_named_by_index_and_key_path(self) -> None:
        """An input that contains itself raises ValueError naming the input's index and the key path at which
        it comes back to itself."""
        looping: dict[str, Any] = {"a": 2.0}
        looping["s"] = looping
        with pytest.raises(ValueError) as info:
            merge_dicts([{"a": 1.0, "s": {"x": 1.0}}, looping])
        assert "dicts[1]: key path 's' contains itself: it cannot be merged" == str(info.value)

    def test_a_loop_inside_an_input_is_named_where_it_closes(self) -> None:
        """A mapping inside an input that contains itself (not the input) is named by the key path where the
        loop closes."""
        inner: dict[str, Any] = {"b": {"x": 1.0}}
        inner["b"]["c"] = inner
        with pytest.raises(ValueError) as info:
            merge_dicts([{"y": 0.0}, {"a": inner}, {"y": 1.0}])
        assert "dicts[1]: key path 'a' -> 'b' -> 'c' contains itself: it cannot be merged" == str(info.value)


class TestHyperparams:
    def test_max_depth_levels_of_dicts_lists_and_tuples_are_recorded(self) -> None:
        """Hyperparameters MAX_DEPTH levels deep, lists and tuples counting as levels, are recorded."""
        value: Any = "leaf"
        for level in range(MAX_DEPTH - 1):
            value = [value] if level % 3 == 0 else (value,) if level % 3 == 1 else {"k": value}
        logger = InMemoryLogger()
        logger.log_hyperparams({"p": value})
        assert [{"p": value}] == logger.hyperparams

    @pytest.mark.parametrize(
        ("wrap", "shown"),
        [(lambda v: [v], "[0]"), (lambda v: (v,), "[0]"), (lambda v: {"k": v}, "['k']")],
        ids=["list", "tuple", "dict"],
    )
    def test_one_level_more_raises_naming_the_path(self, wrap: Callable[[Any], Any], shown: str) -> None:
        """MAX_DEPTH + 1 levels of lists, tuples or dicts raise ValueError naming the path; nothing is recorded."""
        value: Any = 1
        for _ in range(MAX_DEPTH):
            value = wrap(value)
        logger = InMemoryLogger()
        with pytest.raises(ValueError) as info:
            logger.log_hyperparams({"p": value})
        where = "params['p']" + shown * (MAX_DEPTH - 1)
        assert f"{where} is nested deeper than MAX_DEPTH ({MAX_DEPTH}) levels" == str(info.value)
        assert [] == logger.hyperparams

    def test_a_list_that_contains_itself_raises_naming_where(self) -> None:
        """A list that contains itself raises ValueError naming the path where the loop closes."""
        loop: list[Any] = [1, {"x": 2}]
        loop[1]["back"] = loop
        with pytest.raises(ValueError) as info:
            InMemoryLogger().log_hyperparams({"p": loop})
        assert "params['p'][1]['back'] contains itself (it would nest without end)" == str(info.value)

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({1: "a", "1": "b"}, "params: keys 1 and '1' are both stored as '1'"),
            ({"x": 0, "1": "a", 1: "b"}, "params: keys '1' and 1 are both stored as '1'"),
            ({"d": {"n": {None: 1, "None": 2}}}, "params['d']['n']: keys None and 'None' are both stored as 'None'"),
            ({"l": [{2.0: 0, "2.0": 1}]}, "params['l'][0]: keys 2.0 and '2.0' are both stored as '2.0'"),
        ],
    )
    def test_keys_stored_as_the_same_str_raise_naming_both(self, params: dict[Any, Any], message: str) -> None:
        """Two keys of one mapping whose str is the same raise ValueError naming both and the str; nothing is recorded."""
        logger = InMemoryLogger()
        with pytest.raises(ValueError) as info:
            logger.log_hyperparams(params)
        assert message == str(info.value)
        assert [] == logger.hyperparams

    def test_keys_none_of_which_is_a_str_are_checked_too(self) -> None:
        """Two keys that are not str (two objects that print alike) stored as the same str raise too."""
        params: dict[Any, Any] = {Named("lr"): 0.1, Named("lr"): 0.2}
        logger = InMemoryLogger()
        with pytest.raises(ValueError) as info:
            logger.log_hyperparams(params)
        assert "params: keys Named('lr') and Named('lr') are both stored as 'lr'" == str(info.value)
        assert [] == logger.hyperparams

    def test_keys_of_other_types_with_distinct_strs_are_recorded(self) -> None:
        """Keys that are not str are fine as long as their strs differ from every other key's."""
        params: dict[Any, Any] = {1: "a", "2": "b", None: "c", (1, 2): {3: "d", "4": "e"}}
        logger = InMemoryLogger()
        logger.log_hyperparams(params)
        assert [params] == logger.hyperparams
