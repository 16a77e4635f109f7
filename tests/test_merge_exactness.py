"""merge_dicts' fast path for numpy.mean gives exactly the plain definition: numpy.mean on each key's list of values."""

from __future__ import annotations

import math
import struct
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import impl._merge
from impl import merge_dicts

Metrics = dict[str, Any]

# numpy.mean warns on overflow and inf - inf, on both paths alike; test_the_same_warnings records them.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

KEYS = [f"k{i}" for i in range(12)]
SPECIAL = [
    math.nan,
    -math.nan,
    math.inf,
    -math.inf,
    0.0,
    -0.0,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1e-300,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    1e308,
    1e16,
    -1e16,
    1.0,
    0.1,
]
EXACTNESS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

# Plain Python floats of every kind: the values the fast path takes.
floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e-300, max_value=1e-300),  # tiny, subnormals included
    st.sampled_from(SPECIAL),
    st.floats(min_value=-1.0, max_value=1.0),
)
# Values the fast path must leave to the plain definition.
others = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    floats.map(np.float32),
    st.integers(min_value=-(2**62), max_value=2**62).map(np.int64),
    floats.map(np.float64),
    st.none(),
)


@st.composite
def rectangles(draw: st.DrawFn, values: st.SearchStrategy[Any] = floats) -> list[Metrics]:
    """Dicts that share the same keys (in the same or a shuffled order), as a logger's run does."""
    long = draw(st.booleans())  # long runs cross numpy's pairwise-summation block sizes (8, 128)
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=3 if long else len(KEYS), unique=True))
    length = draw(st.integers(1, 300) if long else st.integers(1, 12))
    shuffle = draw(st.booleans())
    dicts = []
    for _ in range(length):
        order = draw(st.permutations(keys)) if shuffle else keys
        dicts.append({key: draw(values) for key in order})
    return dicts


@st.composite
def noisy_rectangles(draw: st.DrawFn) -> list[Metrics]:
    """Long runs of floats whose sum depends on the order of addition, so a summation order other
    than numpy's shows; a few special values are mixed in."""
    seed = draw(st.integers(0, 2**32 - 1))
    n_keys = draw(st.integers(2, 6))
    length = draw(st.integers(8, 400))
    rng = np.random.default_rng(seed)
    table = rng.standard_normal((length, n_keys)) * 10.0 ** rng.integers(-20, 20, (length, n_keys))
    rows: list[list[float]] = table.tolist()
    for _ in range(draw(st.integers(0, 3))):
        rows[draw(st.integers(0, length - 1))][draw(st.integers(0, n_keys - 1))] = draw(st.sampled_from(SPECIAL))
    return [dict(zip(KEYS[:n_keys], row, strict=True)) for row in rows]


@st.composite
def ragged(draw: st.DrawFn) -> list[Metrics]:
    """Dicts with missing keys, None values, a few non-floats and sometimes one nested dict key."""
    length = draw(st.integers(1, 16))
    value = st.one_of(floats, floats, floats, others)
    nested = draw(st.booleans())
    dicts = []
    for _ in range(length):
        keys = draw(st.lists(st.sampled_from(KEYS), max_size=len(KEYS), unique=True))
        d: Metrics = {key: draw(value) for key in keys}
        if nested:
            d["nested"] = draw(st.dictionaries(st.sampled_from(KEYS[:6]), floats, max_size=6))
        dicts.append(d)
    return dicts


def reference(dicts: Sequence[Mapping[str, Any]], fn: Callable[[list[Any]], Any] = np.mean) -> Metrics:
    """The plain definition, written independently: each key's non-None values in input order,
    reduced by ``fn``, keys in first-seen order, nested dicts merged recursively."""
    columns: dict[str, list[Any]] = {}
    for d in dicts:
        for key, value in d.items():
            if value is not None:
                columns.setdefault(key, []).append(value)
    return {
        key: reference(values, fn) if isinstance(values[0], Mapping) else fn(values) for key, values in columns.items()
    }


def bits(value: Any) -> bytes:
    """The bytes that identify a number: a numpy scalar's own, a Python float's IEEE bytes, an int's digits."""
    if isinstance(value, np.generic):
        return value.tobytes()
    if type(value) is float:
        return struct.pack("<d", value)
    return repr(value).encode()


def assert_identical(got: Any, want: Any, path: str = "") -> None:
    """``got`` is ``want`` bit for bit: same keys in the same order, same types, same bytes (NaN included)."""
    assert type(got) is type(want), f"{path}: {type(got).__name__} != {type(want).__name__}"
    if isinstance(want, dict):
        assert list(got) == list(want), f"{path}: keys {list(got)} != {list(want)}"
        for key in want:
            assert_identical(got[key], want[key], f"{path}[{key!r}]")
    else:
        assert bits(got) == bits(want), f"{path}: {got!r} != {want!r}"


def outcome(fn: Callable[[], Metrics]) -> Metrics | tuple[type[BaseException], str]:
    """``fn()``, or the type and message of what it raised (numpy.mean raises on some huge ints)."""
    try:
        return fn()
    except Exception as error:
        return type(error), str(error)


def assert_same_outcome(dicts: list[Metrics]) -> None:
    """merge_dicts(dicts) gives the plain definition's result bit for bit, or raises what it raises."""
    got, want = outcome(lambda: merge_dicts(dicts)), outcome(lambda: reference(dicts))
    if isinstance(want, tuple):
        assert got == want
    else:
        assert_identical(got, want)


def quietly(
    fn: Callable[[], Metrics],
) -> tuple[Metrics | tuple[type[BaseException], str], list[tuple[type[Warning], str]]]:
    """The outcome of ``fn()`` and the warnings it emitted, every one recorded."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = outcome(fn)
    return result, [(w.category, str(w.message)) for w in caught]


class TestBitIdentical:
    @EXACTNESS
    @given(rectangles())
    def test_rectangles_of_floats(self, dicts: list[Metrics]) -> None:
        """Dicts with the same float keys give numpy.mean of each key's values, bit for bit."""
        assert_identical(merge_dicts(dicts), reference(dicts))

    @EXACTNESS
    @given(noisy_rectangles())
    def test_long_runs_sum_in_numpys_order(self, dicts: list[Metrics]) -> None:
        """Long runs whose sums depend on the order of addition give numpy.mean's result, bit for bit."""
        assert_identical(merge_dicts(dicts), reference(dicts))

    @EXACTNESS
    @given(rectangles(st.one_of(floats, floats, floats, others)))
    def test_rectangles_with_other_values(self, dicts: list[Metrics]) -> None:
        """Ints, bools, numpy scalars and None among the floats change nothing."""
        assert_same_outcome(dicts)

    @EXACTNESS
    @given(ragged())
    def test_missing_keys_none_and_nested_dicts(self, dicts: list[Metrics]) -> None:
        """Missing keys, None values, mixed types and nested dicts give the plain definition's result."""
        assert_same_outcome(dicts)

    @EXACTNESS
    @given(st.one_of(rectangles(), noisy_rectangles(), ragged()))
    def test_the_same_warnings(self, dicts: list[Metrics]) -> None:
        """The fast path warns exactly as numpy.mean key by key does (overflow, invalid value), in the same order."""
        got, got_warnings = quietly(lambda: merge_dicts(dicts))
        want, want_warnings = quietly(lambda: reference(dicts))
        if isinstance(want, tuple):
            assert got == want
        else:
            assert_identical(got, want)
        assert got_warnings == want_warnings

    @EXACTNESS
    @given(rectangles())
    def test_numpy_mean_named_for_some_keys(self, dicts: list[Metrics]) -> None:
        """numpy.mean named in agg_key_funcs, with another default function, is still numpy.mean exactly."""
        funcs = {key: np.mean for key in list(dicts[0])[::2]}

        def default(values: Sequence[float]) -> float:
            return -float(len(values))

        got = merge_dicts(dicts, funcs, default)
        want = {key: np.mean(values) if key in funcs else default(values) for key, values in columns_of(dicts).items()}
        assert list(got) == list(want)
        for key in want:
            assert_identical(got[key], want[key], key)


def columns_of(dicts: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Each key's non-None values, in input order, keys in first-seen order."""
    columns: dict[str, list[Any]] = {}
    for d in dicts:
        for key, value in d.items():
            if value is not None:
                columns.setdefault(key, []).append(value)
    return columns


class TestEdgeCases:
    @pytest.mark.parametrize("value", SPECIAL)
    @pytest.mark.parametrize("length", [1, 2, 7, 8, 9, 127, 128, 129, 300])
    def test_a_constant_column(self, value: float, length: int) -> None:
        """A key whose values are all the same special value gives numpy.mean's result, -0.0 and NaN included."""
        dicts = [{"a": value, "b": -value, "c": 1.0} for _ in range(length)]
        assert_identical(merge_dicts(dicts), reference(dicts))

    def test_cancellation_depends_on_numpys_summation_order(self) -> None:
        """Values whose sum depends on the order of addition give numpy's pairwise result, not a left-to-right sum."""
        values = [1e16, 1.0, -1e16, 1.0] * 40
        dicts = [{"a": v, "b": v, "c": v} for v in values]
        assert_identical(merge_dicts(dicts), reference(dicts))

    def test_an_overflow_raises_like_numpy_mean_under_errstate(self) -> None:
        """With numpy's overflow errors raised, the key that overflows raises with a note naming it."""
        dicts = [{"a": 1.0, "big": 1e308, "c": 2.0}, {"a": 2.0, "big": 1e308, "c": 3.0}]
        with np.errstate(over="raise"), pytest.raises(FloatingPointError) as info:
            merge_dicts(dicts)
        assert "while aggregating key path 'big'" in info.value.__notes__

    def test_an_underflow_raises_like_numpy_mean_under_errstate(self) -> None:
        """With numpy's underflow errors raised, a mean that underflows raises as numpy.mean does."""
        dicts = [{"a": 1.0, "tiny": 5e-324, "c": 2.0}, {"a": 2.0, "tiny": 0.0, "c": 3.0}]
        with np.errstate(under="raise"), pytest.raises(FloatingPointError) as info:
            merge_dicts(dicts)
        assert "while aggregating key path 'tiny'" in info.value.__notes__

    def test_a_zero_mean_of_zeros_does_not_warn(self) -> None:
        """All-zero keys take the fast path without any warning, as numpy.mean gives none."""
        dicts = [{"a": 0.0, "b": -0.0, "c": 0.0}] * 5
        with np.errstate(all="raise"):
            assert_identical(merge_dicts(dicts), reference(dicts))

    def test_the_fast_path_is_taken(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Dicts of floats with the same keys are reduced in one batch (the tests above are not vacuous)."""
        batches: list[tuple[int, ...]] = []
        means = impl._merge._means

        def spy(values: Any) -> tuple[list[Any], bool]:
            batches.append(values.shape)
            return means(values)

        monkeypatch.setattr(impl._merge, "_means", spy)
        merge_dicts([{"a": 1.0, "b": 2.0}, {"b": 3.0, "a": 4.0}])
        merge_dicts([{"a": 1.0, "b": 2.0, "c": 0.5, "e": 1}, {"a": 4.0, "b": 3.0, "c": 1.5}])
        merge_dicts([{"d": {"x": 1.0, "y": 2.0}}, {"d": {"x": 3.0, "y": 4.0}}])
        assert batches == [(2, 2), (3, 2), (2, 2)]


class TestOtherFunctions:
    @EXACTNESS
    @given(st.one_of(rectangles(), ragged()), st.sampled_from(["min", "max", "sum", "lambda"]))
    def test_other_functions_get_the_plain_list(self, dicts: list[Metrics], name: str) -> None:
        """min, max, sum and lambdas get a list of each key's own values, in order, as the same objects."""
        base: dict[str, Callable[[list[Any]], Any]] = {
            "min": min,
            "max": max,
            "sum": sum,
            "lambda": lambda values: values[-1],
        }
        calls: list[Sequence[float]] = []
        expected_calls: list[list[Any]] = []

        def spy(values: Sequence[float]) -> float:
            calls.append(values)
            result: float = base[name](list(values))
            return result

        def record(values: list[Any]) -> Any:
            expected_calls.append(values)
            return base[name](values)

        got, want = outcome(lambda: merge_dicts(dicts, None, spy)), outcome(lambda: reference(dicts, record))
        assert got == want or _nan_equal(got, want)  # min over incomparable values raises on both sides alike
        assert all(type(call) is list for call in calls)
        assert [[id(v) for v in call] for call in calls] == [[id(v) for v in call] for call in expected_calls]

    def test_numpy_mean_under_another_name_takes_the_plain_path(self) -> None:
        """A wrapper around numpy.mean is an ordinary function: it is called with the plain list."""
        calls: list[Any] = []

        def wrapper(values: Sequence[float]) -> float:
            calls.append(values)
            return cast(float, np.mean(values))

        dicts = [{"a": 1.0, "b": 2.0, "c": 3.0}, {"a": 4.0, "b": 5.0, "c": 6.0}]
        assert_identical(merge_dicts(dicts, {"b": wrapper}), reference(dicts))
        assert calls == [[2.0, 5.0]]


def _nan_equal(got: Any, want: Any) -> bool:
    """Equal, counting NaN as equal to NaN."""
    if isinstance(want, dict):
        return isinstance(got, dict) and list(got) == list(want) and all(_nan_equal(got[k], want[k]) for k in want)
    if got == want:
        return True
    try:
        return bool(math.isnan(got) and math.isnan(want))
    except TypeError:
        return False
