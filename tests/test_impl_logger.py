"""LightningLoggerBase's own behaviour: the helpers 1.5 subclasses call, log_text and log_image, and the
step and metrics checks of agg_and_log_metrics in a subclass that checks nothing itself."""

from __future__ import annotations

import doctest
import inspect
import types
from argparse import Namespace
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from impl import InMemoryLogger, LightningLoggerBase

flatten = LightningLoggerBase._flatten_dict
sanitize = LightningLoggerBase._sanitize_params
convert = LightningLoggerBase._convert_params


def untyped(value: object) -> Any:
    """``value``, for a call with arguments of the wrong type."""
    return value


class Minimal(LightningLoggerBase):
    """A subclass that writes only what it must and checks nothing: the base class does every check."""

    def __init__(self) -> None:
        super().__init__()
        self.logged: list[tuple[int | None, dict[str, Any]]] = []

    @property
    def name(self) -> str:
        return "minimal"

    @property
    def version(self) -> int:
        return 0

    @property
    def experiment(self) -> None:
        return None

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self.logged.append((step, metrics))

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        pass


class TestDoctests:
    def test_flatten_dicts_docstring_example_holds(self) -> None:
        """The example in _flatten_dict's docstring runs and gives what it shows."""
        finder = doctest.DocTestFinder(recurse=False)
        runner = doctest.DocTestRunner()
        for test in finder.find(flatten, "_flatten_dict", globs={"LightningLoggerBase": LightningLoggerBase}):
            runner.run(test)
        failed, attempted = runner.summarize(verbose=False)
        assert (0, 1) == (failed, attempted)


class TestFlattenDict:
    def test_nested_keys_join_with_the_delimiter_at_every_depth(self) -> None:
        """Nested dicts become one level, their keys joined by '/' from the outermost down."""
        assert {"a/b/c": 1, "a/d": 2, "e": 3} == flatten({"a": {"b": {"c": 1}, "d": 2}, "e": 3})

    def test_another_delimiter_is_used_everywhere(self) -> None:
        """The delimiter given replaces '/' between every pair of keys."""
        assert {"a.b.c": 1, "x": 0} == flatten({"a": {"b": {"c": 1}}, "x": 0}, delimiter=".")

    def test_none_becomes_the_string_none_and_keys_become_strings(self) -> None:
        """A None value is stored as 'None' (as 1.5 does) and non-str keys as their str()."""
        assert {"5/x": "None", "7": 0.5} == flatten({5: {"x": None}, 7: 0.5})

    def test_an_empty_nested_dict_adds_no_key(self) -> None:
        """An empty nested dict contributes nothing, as in 1.5."""
        assert {"a": 1} == flatten({"a": 1, "e": {}})

    def test_namespaces_are_flattened_like_dicts(self) -> None:
        """A Namespace, given or nested, is flattened through its attributes."""
        given = Namespace(lr=0.1, opt=Namespace(name="sgd", momentum=0.9))
        assert {"lr": 0.1, "opt/name": "sgd", "opt/momentum": 0.9} == flatten(given)  # type: ignore[arg-type]

    def test_values_that_are_not_mutable_mappings_are_kept_whole(self) -> None:
        """Lists, tuples and read-only mappings are values, not levels (1.5 flattens MutableMappings only)."""
        frozen = types.MappingProxyType({"k": 1})
        assert {"a": [1, 2], "b": (3,), "c": frozen} == flatten({"a": [1, 2], "b": (3,), "c": frozen})


class TestSanitizeParams:
    def test_numpy_scalars_become_python_numbers(self) -> None:
        """numpy bools, ints and floats become the Python bool, int and float of the same value."""
        got = sanitize({"b": np.bool_(True), "i": np.int64(3), "f": np.float32(0.5)})
        assert [("b", True, bool), ("i", 3, int), ("f", 0.5, float)] == [(k, v, type(v)) for k, v in got.items()]

    def test_primitives_are_kept_as_they_are(self) -> None:
        """bool, int, float and str values are kept, the same objects."""
        values: dict[str, Any] = {"b": False, "i": 2**70, "f": 0.25, "s": "adam"}
        got = sanitize(values)
        assert list(values) == list(got)
        assert all(got[k] is values[k] for k in values)

    def test_other_values_become_their_str(self) -> None:
        """Lists, None, objects and subclasses of the primitives become str(value)."""

        class Count(int):
            def __str__(self) -> str:
                return "count"

        got = sanitize({"l": [1, 2], "n": None, "c": Count(3)})
        assert {"l": "[1, 2]", "n": "None", "c": "count"} == got

    def test_a_tensor_is_kept(self) -> None:
        """A value whose type is named Tensor is kept as is (1.5 keeps torch tensors)."""

        class Tensor:
            pass

        tensor = Tensor()
        assert sanitize({"t": tensor})["t"] is tensor


class TestConvertParams:
    def test_a_namespace_becomes_its_dict(self) -> None:
        """A Namespace becomes the dict of its attributes."""
        assert {"lr": 0.1, "layers": 2} == convert(Namespace(lr=0.1, layers=2))

    def test_none_becomes_an_empty_dict(self) -> None:
        """None becomes {}."""
        assert {} == convert(None)

    def test_a_dict_is_returned_as_is(self) -> None:
        """A dict is returned itself, not a copy (as in 1.5)."""
        params = {"lr": 0.1}
        assert convert(params) is params


class TestTextAndImages:
    @pytest.mark.parametrize("method", ["log_text", "log_image"])
    def test_a_logger_that_does_not_override_them_raises_naming_its_class(self, method: str) -> None:
        """log_text and log_image raise NotImplementedError naming the logger's class, whatever the arguments."""
        what = "text" if method == "log_text" else "images"
        with pytest.raises(NotImplementedError) as info:
            getattr(InMemoryLogger(), method)("key", [1], step=3)
        assert f"InMemoryLogger does not log {what}" == str(info.value)


class TestTheBaseClassChecks:
    def test_an_integral_numpy_step_is_logged_as_an_int(self) -> None:
        """agg_and_log_metrics converts an integral numpy step to int before the run is logged."""
        logger = Minimal()
        logger.agg_and_log_metrics({"a": 1.0}, np.int64(3))  # type: ignore[arg-type]
        logger.agg_and_log_metrics({"a": 3.0}, np.int64(3))  # type: ignore[arg-type]
        logger.save()
        assert [(3, {"a": 2.0})] == logger.logged
        assert type(logger.logged[0][0]) is int

    @pytest.mark.parametrize(
        ("step", "message"),
        [
            ("3", "step must be an int or None, got '3' (str)"),
            (True, "step must be an int or None, got True (bool)"),
            (1.0, "step must be an int or None, got 1.0 (float)"),
        ],
    )
    def test_a_bad_step_raises_naming_it_and_keeps_the_run(self, step: Any, message: str) -> None:
        """A step that is not an int or None raises TypeError naming step and the value; the pending run is kept."""
        logger = Minimal()
        logger.agg_and_log_metrics({"a": 1.0}, 0)
        with pytest.raises(TypeError) as info:
            logger.agg_and_log_metrics({"a": 5.0}, step)
        assert message == str(info.value)
        logger.save()
        assert [(0, {"a": 1.0})] == logger.logged

    @pytest.mark.parametrize(
        ("step", "shown"),
        [("x" * 58, repr("x" * 58)), ("x" * 59, repr("x" * 59)[:57] + "..."), ("x" * 90, repr("x" * 90)[:57] + "...")],
        ids=["repr-60", "repr-61", "repr-92"],
    )
    def test_a_long_value_is_shown_cut_to_60_characters(self, step: str, shown: str) -> None:
        """A bad value whose repr is longer than 60 characters is shown by its first 57 and '...'."""
        with pytest.raises(TypeError) as info:
            Minimal().agg_and_log_metrics({"a": 1.0}, step)  # type: ignore[arg-type]
        assert f"step must be an int or None, got {shown} (str)" == str(info.value)

    @pytest.mark.parametrize(
        ("metrics", "message"),
        [
            ({"a": {"b": "x"}}, "metrics['a']['b'] must be a real number or a mapping, got 'x' (str)"),
            ([("a", 1.0)], "metrics must be a mapping of str to numbers, got [('a', 1.0)] (list)"),
            ({"a": 1.0, 2: 1.0}, "metrics: key 2 must be a str, got int"),
        ],
    )
    def test_bad_metrics_raise_naming_the_argument_and_key_path(self, metrics: Any, message: str) -> None:
        """Malformed metrics raise TypeError whose message names metrics, the key path and the value."""
        logger = Minimal()
        with pytest.raises(TypeError) as info:
            logger.agg_and_log_metrics(metrics, 0)
        assert message == str(info.value)
        logger.save()
        assert [] == logger.logged

    @pytest.mark.parametrize(
        ("call", "message"),
        [
            (lambda: untyped(Minimal()).update_agg_funcs(5), "agg_key_funcs must be a mapping of metric names to functions, got 5 (int)"),
            (lambda: untyped(Minimal()).update_agg_funcs({"a": "max"}), "agg_key_funcs['a'] must be callable, got 'max' (str)"),
            (lambda: untyped(Minimal()).update_agg_funcs({"a": None}), "agg_key_funcs['a'] must be callable, got None (NoneType)"),
        ],
        ids=["not-a-mapping", "a-str", "none"],
    )
    def test_bad_agg_key_funcs_raise_naming_the_entry_and_describing_it(self, call: Callable[[], None], message: str) -> None:
        """agg_key_funcs that is not a mapping, or whose entry is not callable, raises TypeError naming the
        argument (and the entry's key) and showing the bad value with its type."""
        with pytest.raises(TypeError) as info:
            call()
        assert message == str(info.value)

    def test_a_bad_status_raises_naming_it_and_keeps_the_run(self) -> None:
        """finalize with a status that is not a str raises TypeError naming status; the pending run is not logged."""
        logger = Minimal()
        logger.agg_and_log_metrics({"a": 1.0}, 0)
        with pytest.raises(TypeError) as info:
            logger.finalize(None)  # type: ignore[arg-type]
        assert ("status must be a str such as 'success', got None (NoneType)", []) == (str(info.value), logger.logged)

    def test_nested_metrics_are_copied_when_taken(self) -> None:
        """Nested metrics are copied at the call: changing the caller's dict afterwards changes nothing logged."""
        logger = Minimal()
        metrics: dict[str, Any] = {"d": {"x": 1.0}, "n": np.float64(2.0)}
        logger.agg_and_log_metrics(metrics, 1)
        metrics["d"]["x"] = 9.0
        metrics["n"] = 7.0
        logger.save()
        assert [(1, {"d": {"x": 1.0}, "n": 2.0})] == logger.logged

    def test_a_run_is_logged_once_when_the_step_changes(self) -> None:
        """Calls with the same step are merged into one log_metrics call, made when another step arrives."""
        logger = Minimal()
        logger.agg_and_log_metrics({"a": 1.0}, 1)
        logger.agg_and_log_metrics({"a": 3.0}, 1)
        assert [] == logger.logged
        logger.agg_and_log_metrics({"a": 5.0}, 2)
        assert [(1, {"a": 2.0})] == logger.logged
        logger.finalize("success")
        assert [(1, {"a": 2.0}), (2, {"a": 5.0})] == logger.logged


class TestDefaultsAndRepr:
    def test_without_a_step_the_run_has_step_none(self) -> None:
        """agg_and_log_metrics without a step aggregates under step None."""
        logger = Minimal()
        logger.agg_and_log_metrics({"a": 1.0})
        logger.agg_and_log_metrics({"a": 2.0})
        logger.save()
        assert [(None, {"a": 1.5})] == logger.logged

    def test_the_abstract_log_metrics_declares_step_none(self) -> None:
        """The abstract log_metrics a subclass implements declares step=None as its default, as in 1.5."""
        assert None is inspect.signature(LightningLoggerBase.log_metrics).parameters["step"].default

    def test_the_no_step_marker_shows_itself(self) -> None:
        """The marker of "no pending run" reads <no step> when printed (while debugging a logger's state)."""
        assert "<no step>" == repr(Minimal()._agg_step)


class TestTheSeparator:
    def test_group_separator_is_a_slash(self) -> None:
        """group_separator is '/', as in 1.5."""
        assert "/" == Minimal().group_separator
