"""merge_dicts' fast path for numpy.mean gives exactly the plain definition: numpy.mean on each key's list of values."""

from __future__ import annotations

import functools
import math
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, Any, cast

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, Phase, assume, example, given, settings
from hypothesis import strategies as st

import impl._merge
from impl import merge_dicts
from tests.conftest import examples

Metrics = dict[str, Any]

# numpy.mean warns on overflow and inf - inf, on both paths alike; test_the_same_warnings records them.
# (one pytest-xdist worker runs the module: its module-scoped fixture is built once)
pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"), pytest.mark.xdist_group("merge_exactness")]

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
    max_examples=examples(25, 100),  # (100 in the exhaustive tier: tests/conftest.py)
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
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


@st.composite
def nested_rectangles(draw: st.DrawFn) -> list[Metrics]:
    """Dicts whose nested dicts share their keys too, so the fast path runs inside a nested merge."""
    outer = draw(rectangles())
    inner_keys = draw(st.lists(st.sampled_from(KEYS[:6]), min_size=2, max_size=6, unique=True))
    return [{**d, "nested": {key: draw(floats) for key in inner_keys}} for d in outer]


# Every kind of input at once (the comparison with pytorch_lightning 1.5.10 draws from this).
inputs = st.one_of(
    rectangles(),
    noisy_rectangles(),
    rectangles(st.one_of(floats, floats, floats, others)),
    ragged(),
    nested_rectangles(),
)


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


# One explicit example per case that the properties on ``inputs`` must reach (CASES, below), run by
# test_the_same_warnings on every run whatever the strategy draws; TestTheInputsReachEveryCase checks
# that together they reach every case.
EVERY_CASE: list[list[Metrics]] = [
    # NaN, +inf, -inf, -0.0, huge, tiny and subnormal floats, in a rectangle
    [{"a": math.nan, "b": math.inf, "c": -math.inf}, {"a": -0.0, "b": 1e308, "c": 5e-324}],
    # ints, bools, numpy scalars and None among floats, and the same keys in another order
    [
        {"a": 1, "b": True, "c": np.float32(0.5), "d": np.float64(0.25), "e": np.int64(3), "f": None},
        {"f": 1.0, "e": 2.0, "d": 0.5, "c": 1.5, "b": 0.0, "a": 2.5},
    ],
    # missing keys and nested dicts
    [{"a": 1.0, "nested": {"x": 1.0}}, {"b": 2.0, "nested": {"x": 2.0, "y": 3.0}}],
    # a run longer than 128 (numpy's pairwise summation block)
    [{"a": i / 7, "b": -i / 3, "c": float(i)} for i in range(200)],
]


def with_every_case(test: Callable[..., None]) -> Callable[..., None]:
    """``test`` (a property on ``inputs``) with every example of EVERY_CASE given explicitly."""
    for dicts in reversed(EVERY_CASE):
        test = example(dicts)(test)
    return test


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
    @given(nested_rectangles())
    def test_nested_rectangles(self, dicts: list[Metrics]) -> None:
        """Nested dicts that share their keys take the fast path inside the nested merge, bit for bit."""
        assert_identical(merge_dicts(dicts), reference(dicts))

    @EXACTNESS
    @given(inputs)
    @with_every_case
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

    @pytest.mark.parametrize("length", [1000, 1024, 4095, 8191, 8192, 8193, 20_000])
    def test_long_runs(self, length: int) -> None:
        """Runs longer than numpy's summation blocks (8, 128) and buffer (8192) give numpy.mean's result."""
        rng = np.random.default_rng(length)
        table = rng.standard_normal((length, 3)) * 10.0 ** rng.integers(-20, 20, (length, 3))
        dicts = [dict(zip("abc", row, strict=True)) for row in table.tolist()]
        assert_identical(merge_dicts(dicts), reference(dicts))

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


# Fast paths that are not numpy's summation, each wrong in a way that only bits show. Replacing
# impl._merge._row_sums with any of them must make the exactness property fail.
def _fsum_rows(table: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.array([math.fsum(row) for row in table.tolist()])  # correctly rounded: more exact than numpy


def _sequential_rows(table: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.array([functools.reduce(float.__add__, row) for row in table.tolist()])  # left to right


def _fortran_rows(table: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    sums: npt.NDArray[np.float64] = np.add.reduce(np.asfortranarray(table), axis=1)  # the other memory order
    return sums


def _float32_rows(table: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    sums: npt.NDArray[np.float32] = np.add.reduce(table.astype(np.float32), axis=1)  # a narrower accumulator
    return sums.astype(np.float64)


INEXACT = {"math.fsum": _fsum_rows, "sequential": _sequential_rows, "fortran": _fortran_rows, "float32": _float32_rows}



def _noisy_run(seed: int, length: int, n_keys: int) -> list[Metrics]:
    """A run built as noisy_rectangles builds one, from a fixed seed (numpy's generator streams are stable)."""
    rng = np.random.default_rng(seed)
    table = rng.standard_normal((length, n_keys)) * 10.0 ** rng.integers(-20, 20, (length, n_keys))
    return [dict(zip(KEYS[:n_keys], row, strict=True)) for row in table.tolist()]


NOISY_RUN = _noisy_run(0, 200, 4)
"""An input on which every fake of INEXACT differs from numpy's sums, tried first: the search below
fails by construction, not by what it happens to draw."""

# A search that stops at the first failure (no shrinking: the point is that it fails), NOISY_RUN first.
SEARCH = settings(
    max_examples=200,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


class TestInexactFastPathsAreCaught:
    @pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")  # (the failing input is large)
    @pytest.mark.parametrize("name", sorted(INEXACT))
    def test_the_exactness_property_fails(self, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """With the fast path's row sums done another way, the bit-for-bit property finds a difference."""
        monkeypatch.setattr(impl._merge, "_row_sums", INEXACT[name])

        @SEARCH
        @given(st.one_of(rectangles(), noisy_rectangles()))
        @example(NOISY_RUN)
        def exact(dicts: list[Metrics]) -> None:
            assert_identical(merge_dicts(dicts), reference(dicts))

        with pytest.raises(AssertionError, match="!="):
            exact()

    def test_the_real_row_sums_pass_the_same_search(self) -> None:
        """The same search with impl's own row sums finds nothing (so the failures above are the fakes')."""

        @SEARCH
        @given(st.one_of(rectangles(), noisy_rectangles()))
        @example(NOISY_RUN)
        def exact(dicts: list[Metrics]) -> None:
            assert_identical(merge_dicts(dicts), reference(dicts))

        exact()


def _values(dicts: list[Metrics]) -> Iterator[Any]:
    for d in dicts:
        for value in d.values():
            if isinstance(value, dict):
                yield from value.values()
            else:
                yield value


def _is_float(value: Any) -> bool:
    return type(value) is float


# What the exactness properties must reach, as predicates over one input (a list of dicts).
CASES: dict[str, Callable[[list[Metrics]], bool]] = {
    "NaN": lambda ds: any(_is_float(v) and math.isnan(v) for v in _values(ds)),
    "+inf": lambda ds: any(_is_float(v) and v == math.inf for v in _values(ds)),
    "-inf": lambda ds: any(_is_float(v) and v == -math.inf for v in _values(ds)),
    "-0.0": lambda ds: any(_is_float(v) and v == 0 and math.copysign(1, v) < 0 for v in _values(ds)),
    "huge (>= 1e300)": lambda ds: any(_is_float(v) and 1e300 <= abs(v) < math.inf for v in _values(ds)),
    "tiny (<= 1e-300, not 0)": lambda ds: any(_is_float(v) and 0 < abs(v) <= 1e-300 for v in _values(ds)),
    "subnormal": lambda ds: any(_is_float(v) and 0 < abs(v) < sys.float_info.min for v in _values(ds)),
    "int": lambda ds: any(type(v) is int for v in _values(ds)),
    "bool": lambda ds: any(type(v) is bool for v in _values(ds)),
    "numpy float32": lambda ds: any(type(v) is np.float32 for v in _values(ds)),
    "numpy float64": lambda ds: any(type(v) is np.float64 for v in _values(ds)),
    "numpy int64": lambda ds: any(type(v) is np.int64 for v in _values(ds)),
    "None": lambda ds: any(v is None for v in _values(ds)),
    "missing keys": lambda ds: len({frozenset(d) for d in ds}) > 1,
    "nested dicts": lambda ds: any(isinstance(v, dict) for d in ds for v in d.values()),
    "a run longer than 128": lambda ds: len(ds) > 128,
    "keys in different orders": lambda ds: len({tuple(d) for d in ds}) > len({frozenset(d) for d in ds}),
}


class TestTheInputsReachEveryCase:
    def test_the_explicit_examples_reach_every_case(self) -> None:
        """The examples test_the_same_warnings runs on every run (EVERY_CASE) include every case listed in CASES."""
        seen = {case for dicts in EVERY_CASE for case, holds in CASES.items() if holds(dicts)}
        assert [] == sorted(set(CASES) - seen)

    @pytest.mark.parametrize("dicts", EVERY_CASE, ids=[f"example{i}" for i in range(len(EVERY_CASE))])
    def test_each_explicit_example_gives_the_plain_definitions_result(self, dicts: list[Metrics]) -> None:
        """Each example of EVERY_CASE, merged, gives the plain definition's result and warnings (as the property checks)."""
        got, got_warnings = quietly(lambda: merge_dicts(dicts))
        want, want_warnings = quietly(lambda: reference(dicts))
        assert not isinstance(want, tuple)
        assert_identical(got, want)
        assert want_warnings == got_warnings


# pytorch_lightning 1.5.10's own merge_dicts, run by the Python of its venv ($LOGGERSPEC_PL15_PYTHON), one
# request at a time: a length-prefixed pickle of (dicts, agg_key_funcs by name, default_func by name) in,
# the pickled result (or the error's type and message) out.
PL15_WORKER = r"""
import pickle, struct, sys, warnings
out, sys.stdout = sys.stdout.buffer, sys.stderr  # (nothing but answers on stdout)
warnings.simplefilter("ignore")
import numpy as np
import pytorch_lightning
from pytorch_lightning.loggers.base import merge_dicts

FUNCS = {"mean": np.mean, "min": min, "max": max, "sum": sum, "last": lambda values: values[-1]}

def answer(message):
    data = pickle.dumps(message, protocol=4)
    out.write(struct.pack("<Q", len(data)) + data)
    out.flush()

def funcs(names):
    return None if names is None else {k: funcs(v) if isinstance(v, dict) else FUNCS[v] for k, v in names.items()}

answer(("ready", pytorch_lightning.__version__, np.__version__))
while head := sys.stdin.buffer.read(8):
    dicts, agg_key_funcs, default_func = pickle.loads(sys.stdin.buffer.read(struct.unpack("<Q", head)[0]))
    try:
        answer(("ok", merge_dicts(dicts, funcs(agg_key_funcs), FUNCS[default_func])))
    except Exception as error:
        answer(("error", type(error).__name__, str(error)))
"""

FUNCS: dict[str, Callable[[Sequence[float]], float]] = {
    "mean": impl._merge._NUMPY_MEAN,
    "min": min,
    "max": max,
    "sum": sum,
    "last": lambda values: values[-1],
}
FuncNames = dict[str, "str | FuncNames"]


class Pl15Merge:
    """pytorch_lightning 1.5.10's merge_dicts in a worker process."""

    def __init__(self, python: str) -> None:
        self.errors: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - the worker's stderr, closed in close()
        self.process = subprocess.Popen(
            [python, "-c", PL15_WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors
        )
        self.ready = self._read()

    def _read(self) -> Any:
        stdout = self.process.stdout
        assert stdout is not None
        head = stdout.read(8)
        if len(head) < 8:
            self.process.wait(timeout=60)
            self.errors.seek(0)
            raise RuntimeError(f"the pytorch_lightning 1.5.10 worker stopped:\n{self.errors.read().decode()[-2000:]}")
        return pickle.loads(stdout.read(struct.unpack("<Q", head)[0]))

    def __call__(self, dicts: list[Metrics], agg_key_funcs: FuncNames | None, default_func: str) -> Any:
        stdin = self.process.stdin
        assert stdin is not None
        data = pickle.dumps((dicts, agg_key_funcs, default_func), protocol=4)
        stdin.write(struct.pack("<Q", len(data)) + data)
        stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)
        self.errors.close()


@pytest.fixture(scope="module")
def pl15_merge() -> Iterator[Pl15Merge]:
    python = os.environ.get("LOGGERSPEC_PL15_PYTHON")
    if not python:
        pytest.skip("set LOGGERSPEC_PL15_PYTHON to a Python with pytorch_lightning 1.5.10 to compare with it")
    worker = Pl15Merge(python)  # set but unusable: an error, not a skip
    assert worker.ready[:2] == ("ready", "1.5.10"), worker.ready
    assert worker.ready[2] == np.__version__, f"numpy {worker.ready[2]} there, {np.__version__} here"
    yield worker
    worker.close()


def funcs_of(names: FuncNames | None) -> dict[str, Any] | None:
    """The functions that ``names`` names, nested as they are."""
    if names is None:
        return None
    return {k: funcs_of(v) if isinstance(v, dict) else FUNCS[v] for k, v in names.items()}


def assert_identical_in_any_order(got: Any, want: Any, path: str = "") -> None:
    """As :func:`assert_identical`, but keys may come in any order (1.5.10's order follows a set)."""
    assert type(got) is type(want), f"{path}: {type(got).__name__} != {type(want).__name__}"
    if isinstance(want, dict):
        assert set(got) == set(want), f"{path}: keys {sorted(got)} != {sorted(want)}"
        for key in want:
            assert_identical_in_any_order(got[key], want[key], f"{path}[{key!r}]")
    else:
        assert bits(got) == bits(want), f"{path}: {got!r} != {want!r}"


def has_all_none_key(dicts: Sequence[Mapping[str, Any]]) -> bool:
    """A key whose values are all None, at any level (1.5.10 raises IndexError: a listed difference)."""
    columns = columns_of(dicts)
    nones = {key for d in dicts for key, value in d.items() if value is None}
    return bool(nones - set(columns)) or any(
        isinstance(values[0], Mapping) and has_all_none_key(values) for values in columns.values()
    )


@st.composite
def function_names(draw: st.DrawFn, dicts: list[Metrics]) -> tuple[FuncNames | None, str]:
    """agg_key_funcs and default_func, by name: numpy.mean mostly, else min, max, sum or a lambda."""
    default = draw(st.sampled_from(["mean", "mean", "mean", "min", "max", "sum", "last"]))
    keys = sorted({key for d in dicts for key, value in d.items() if not isinstance(value, dict)})
    named: list[str] = []
    if draw(st.booleans()) and keys:
        named = draw(st.lists(st.sampled_from(keys), unique=True, max_size=3))
    agg: FuncNames = {key: draw(st.sampled_from(["mean", "min", "max", "sum", "last"])) for key in named}
    return agg or None, default


def assert_same_as_pl15(pl15_merge: Pl15Merge, data: st.DataObject) -> None:
    """impl.merge_dicts on drawn inputs and functions gives what 1.5.10's merge_dicts gives (keys in any order)."""
    dicts = data.draw(inputs)
    assume(not has_all_none_key(dicts))
    agg_key_funcs, default_func = data.draw(function_names(dicts))
    theirs = pl15_merge(dicts, agg_key_funcs, default_func)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = outcome(lambda: merge_dicts(dicts, funcs_of(agg_key_funcs), FUNCS[default_func]))
    if theirs[0] == "error":
        assert isinstance(ours, tuple), f"1.5.10 raised {theirs[1]}: {theirs[2]}; impl returned {ours!r}"
        assert (ours[0].__name__, ours[1]) == theirs[1:]
    else:
        assert not isinstance(ours, tuple), f"impl raised {ours}; 1.5.10 returned {theirs[1]!r}"
        assert_identical_in_any_order(ours, theirs[1])


class TestAgainstPytorchLightning15:
    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def test_the_same_results_as_pytorch_lightning_1_5_10(self, pl15_merge: Pl15Merge, data: st.DataObject) -> None:
        """impl.merge_dicts gives 1.5.10's merge_dicts result bit for bit (keys in any order), or its error."""
        assert_same_as_pl15(pl15_merge, data)

    @pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")  # (the failing input is large)
    def test_a_sequential_fast_path_is_caught(self, pl15_merge: Pl15Merge, monkeypatch: pytest.MonkeyPatch) -> None:
        """The comparison with 1.5.10 finds a fast path that sums left to right (it is not vacuous)."""
        monkeypatch.setattr(impl._merge, "_row_sums", _sequential_rows)

        @SEARCH
        @given(st.data())
        def same(data: st.DataObject) -> None:
            assert_same_as_pl15(pl15_merge, data)

        with pytest.raises(AssertionError, match="!="):
            same()
