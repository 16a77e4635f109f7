"""Which metric values impl accepts, at every bound, in both of its checks: the fast one a plain dict of
floats and ints takes, and the full one everything else takes (a nested dict, another value type). An
accepted value is logged as the very object given; a rejected one raises TypeError naming its key path
and showing the value. And how a message shows a key or value whose repr is long, or cannot be made."""

from __future__ import annotations

import enum
import fractions
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from impl import InMemoryLogger, JsonlLogger, read_jsonl
from tests.test_impl_logger import Minimal


class TensorLike:
    """Stands in for a 0-d tensor: ``shape``, ``item`` (a method, or whatever is given) and what numpy
    reads from it (``__array__``; a tensor that requires grad cannot be read: ``array=None``)."""

    def __init__(self, item: Any, array: Any = None, shape: Any = ()) -> None:
        self.shape = shape
        self._array = array
        self.item = item

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        if self._array is None:
            raise RuntimeError("cannot be read by numpy")
        return np.asarray(self._array)

    def __repr__(self) -> str:
        return "TensorLike()"


class NoItem:
    """0-d, read by numpy as a float, but without ``item``."""

    shape = ()

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        return np.asarray(1.0)


def _raises() -> object:
    raise RuntimeError("item() failed")


class Half(float):
    """A float subclass."""


class Bound(enum.IntEnum):
    """An int subclass at numpy's bounds and beyond them."""

    INT64_MIN = -(2**63)
    UINT64_MAX = 2**64 - 1
    BELOW = -(2**63) - 1
    PAST = 2**64


ACCEPTED: dict[str, object] = {
    "float": 0.25,
    "nan": math.nan,
    "inf": -math.inf,
    "int": 3,
    "bool": True,
    "int64 min as int": -(2**63),
    "uint64 max as int": 2**64 - 1,
    "float subclass": Half(0.5),
    "IntEnum at int64 min": Bound.INT64_MIN,
    "IntEnum at uint64 max": Bound.UINT64_MAX,
    "Fraction": fractions.Fraction(1, 3),
    "numpy float16": np.float16(0.5),
    "numpy uint64 max": np.uint64(2**64 - 1),
    "numpy bool": np.bool_(False),
    "0-d float32 array": np.array(1.5, dtype=np.float32),
    "0-d int array": np.array(3),
    "numpy longdouble": np.longdouble(2.5),
    "0-d longdouble array": np.array(2.5, dtype=np.longdouble),
    "tensor-like of a float": TensorLike(lambda: 0.5, np.array(0.5, dtype=np.float32)),
    "tensor-like of a bool": TensorLike(lambda: True, np.array(True)),
    "tensor-like of int64 min": TensorLike(lambda: -(2**63), np.array(-(2**63))),
    "tensor-like of uint64 max": TensorLike(lambda: 2**64 - 1, np.array(2**64 - 1, dtype=np.uint64)),
}

REJECTED: dict[str, object] = {
    "str": "x",
    "None": None,
    "complex": 1j,
    "int past uint64": 2**64,
    "int below int64": -(2**63) - 1,
    "int past float64": 10**400,
    "IntEnum past uint64": Bound.PAST,
    "IntEnum below int64": Bound.BELOW,
    "Fraction past float64": fractions.Fraction(10**400, 3),
    "numpy complex64": np.complex64(1j),
    "1-d float array": np.array([1.0, 2.0]),
    "0-d str array": np.array("x"),
    "0-d object array": np.array(1.0, dtype=object),
    "datetime64": np.datetime64(1, "D"),
    "list": [1.0],
    "0-d without item": NoItem(),
    "tensor-like whose item is not callable": TensorLike(0.5, np.array(0.5)),
    "tensor-like whose item raises": TensorLike(_raises, np.array(1.0)),
    "tensor-like of an int past uint64": TensorLike(lambda: 2**64, np.array(1.0)),
    "tensor-like of an int below int64": TensorLike(lambda: -(2**63) - 1, np.array(1.0)),
    "tensor-like of a str that numpy reads as a float": TensorLike(lambda: "0.5", np.array(0.5)),
    "tensor-like of a complex": TensorLike(lambda: 1j, np.array(1.0)),
    "tensor-like numpy cannot read": TensorLike(lambda: 0.5),
    "tensor-like numpy reads as 1-d": TensorLike(lambda: 0.5, np.array([0.5])),
    "tensor-like numpy reads as a str": TensorLike(lambda: 0.5, np.array("x")),
    "tensor-like of shape (1,)": TensorLike(lambda: 0.5, np.array(0.5), shape=(1,)),
    "tensor-like without a shape": TensorLike(lambda: 0.5, np.array(0.5), shape=None),
}

# Where the value sits: a plain dict of numbers (the fast check, with the value first or after a float,
# and beside a NaN, which min and max return unordered), or a nested dict (the full check).
LAYOUTS: dict[str, Callable[[object], dict[str, Any]]] = {
    "alone": lambda value: {"n": value},
    "after a float": lambda value: {"a": 0.5, "n": value},
    "before a NaN": lambda value: {"n": value, "a": math.nan},
    "nested": lambda value: {"a": 0.5, "d": {"n": value}},
}
PATHS = {"alone": "metrics['n']", "after a float": "metrics['n']", "before a NaN": "metrics['n']", "nested": "metrics['d']['n']"}


def aggregate_one(metrics: dict[str, Any]) -> list[tuple[int | None, dict[str, Any]]]:
    """What the base class logs for one agg_and_log_metrics call at step 0, then save()."""
    logger = Minimal()
    logger.agg_and_log_metrics(metrics, 0)
    logger.save()
    return logger.logged


def log_one(metrics: dict[str, Any]) -> list[tuple[int | None, dict[str, Any]]]:
    """What InMemoryLogger.log_metrics records for one call at step 0."""
    logger = InMemoryLogger()
    logger.log_metrics(metrics, 0)
    return logger.metrics


ENTRIES = {"agg_and_log_metrics": aggregate_one, "log_metrics": log_one}


def same_objects(got: Any, want: Any) -> bool:
    """Equal dicts (same keys in the same order) whose leaves are the very objects of ``want``."""
    if isinstance(want, dict):
        return type(got) is dict and list(got) == list(want) and all(same_objects(got[k], v) for k, v in want.items())
    return got is want


class TestAcceptedValues:
    @pytest.mark.parametrize("entry", ENTRIES)
    @pytest.mark.parametrize("layout", LAYOUTS)
    @pytest.mark.parametrize("value", ACCEPTED.values(), ids=ACCEPTED.keys())
    def test_each_is_logged_as_the_object_given(self, value: object, layout: str, entry: str) -> None:
        """Every real number within numpy's int64/uint64 range is accepted, flat or nested, and logged as given."""
        metrics = LAYOUTS[layout](value)
        [(step, logged)] = ENTRIES[entry](metrics)
        assert step == 0
        assert same_objects(logged, metrics), logged


class TestAcceptedValuesAreStored:
    @pytest.mark.parametrize("layout", ["alone", "nested"])
    @pytest.mark.parametrize("value", ACCEPTED.values(), ids=ACCEPTED.keys())
    def test_each_is_written_by_jsonl_logger_and_reads_back_as_a_python_number(
        self, tmp_path: Path, value: object, layout: str
    ) -> None:
        """Accepted means storable: JsonlLogger writes every accepted value, logged directly or as a run of one
        call, and reads it back as a Python bool, int or float."""
        logger = JsonlLogger(tmp_path)
        logger.log_metrics(LAYOUTS[layout](value), 0)
        logger.agg_and_log_metrics(LAYOUTS[layout](value), 1)
        logger.save()
        run = read_jsonl(logger.log_dir)
        assert [0, 1] == [step for step, _ in run.metrics]
        for _, metrics in run.metrics:
            stored = metrics["n"] if layout == "alone" else metrics["d"]["n"]
            assert type(stored) in (bool, int, float), stored


class TestRejectedValues:
    @pytest.mark.parametrize("entry", ENTRIES)
    @pytest.mark.parametrize("layout", LAYOUTS)
    @pytest.mark.parametrize("value", REJECTED.values(), ids=REJECTED.keys())
    def test_each_raises_naming_its_key_path_and_type(self, value: object, layout: str, entry: str) -> None:
        """Anything else raises TypeError naming the key path and the value's type, and nothing is logged."""
        logger: Any = Minimal() if entry == "agg_and_log_metrics" else InMemoryLogger()
        with pytest.raises(TypeError) as info:
            getattr(logger, entry)(LAYOUTS[layout](value), 0)
        message = str(info.value)
        assert message.startswith(f"{PATHS[layout]} must be a real number or a mapping, got "), message
        assert message.endswith(f" ({type(value).__name__})"), message
        logger.save()
        assert [] == (logger.logged if entry == "agg_and_log_metrics" else logger.metrics)


NOT_MAPPINGS: dict[str, object] = {
    "str": "ab",
    "list of str": ["a", "b"],
    "list of pairs": [("a", 1.0)],
    "None": None,
    "int": 5,
}


class TestMetricsThatAreNotAMapping:
    @pytest.mark.parametrize("entry", ENTRIES)
    @pytest.mark.parametrize("metrics", NOT_MAPPINGS.values(), ids=NOT_MAPPINGS.keys())
    def test_each_raises_naming_metrics_and_describing_it(self, metrics: object, entry: str) -> None:
        """Metrics that are not a mapping (an iterable of str keys included) raise TypeError naming metrics
        and showing the value with its type; nothing is logged."""
        logger: Any = Minimal() if entry == "agg_and_log_metrics" else InMemoryLogger()
        with pytest.raises(TypeError) as info:
            getattr(logger, entry)(metrics, 0)
        assert f"metrics must be a mapping of str to numbers, got {metrics!r} ({type(metrics).__name__})" == str(info.value)
        logger.save()
        assert [] == (logger.logged if entry == "agg_and_log_metrics" else logger.metrics)


class Unprintable:
    """A value whose repr raises."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


class TestHowMessagesShowValues:
    def test_a_value_whose_repr_fails_is_shown_by_its_type(self) -> None:
        """A value whose __repr__ raises is shown as <Type object>, and the message still names the key."""
        with pytest.raises(TypeError) as info:
            InMemoryLogger().log_metrics({"x": Unprintable()})  # type: ignore[dict-item]
        assert "metrics['x'] must be a real number or a mapping, got <Unprintable object> (Unprintable)" == str(info.value)

    @pytest.mark.parametrize(
        ("key", "shown"),
        [("k" * 78, repr("k" * 78)), ("k" * 79, repr("k" * 79)[:77] + "..."), ("k" * 200, repr("k" * 200)[:77] + "...")],
        ids=["repr-80", "repr-81", "repr-202"],
    )
    def test_a_key_is_shown_by_a_repr_cut_to_80_characters(self, key: str, shown: str) -> None:
        """A key whose repr is longer than 80 characters is shown by its first 77 and '...' (one of 80 whole)."""
        with pytest.raises(TypeError) as info:
            InMemoryLogger().log_metrics({key: "x"})  # type: ignore[dict-item]
        assert f"metrics[{shown}] must be a real number or a mapping, got 'x' (str)" == str(info.value)
