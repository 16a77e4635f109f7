"""Issue 12, rows 1-3, 7 and 9: nothing accepted that cannot be logged, bounded recursion, threads,
and the small ones (colliding keys, bad collection members, huge keys in messages, RANK="1_0").

The storage rows (disk full, second writer, deleted file, paths) are in test_reliability_durable.py.
"""

from __future__ import annotations

import fractions
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import impl
from impl import MAX_DEPTH, InMemoryLogger, JsonlLogger, LoggerCollection, merge_dicts, read_jsonl
from impl._validate import check_metrics, is_plain_metrics


# Untyped aliases: the tests below pass what the signatures forbid, on purpose.
AnyMemory: Any = InMemoryLogger
AnyJsonl: Any = JsonlLogger
AnyCollection: Any = LoggerCollection
any_merge: Any = merge_dicts


class TensorLike:
    """Stands in for a 0-d tensor: ``shape == ()``, ``.item()``, ``__float__`` and, optionally,
    ``__array__`` (what numpy reads), each giving what it was built with."""

    shape = ()

    def __init__(self, item: Callable[[], object], array: object = None) -> None:
        self._item = item
        self._array = array

    def item(self) -> object:
        return self._item()

    def __float__(self) -> float:
        return 1.0

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        if self._array is None:
            raise RuntimeError("cannot be read by numpy (like a tensor that requires grad)")
        return np.asarray(self._array)

    def __repr__(self) -> str:
        return f"TensorLike({self._array!r})"


def _raises() -> object:
    raise RuntimeError("item() failed")


NOT_REAL: dict[str, object] = {
    "complex64": np.complex64(1j),
    "0-d complex array": np.array(1j),
    "0-d str array": np.array("x"),
    "0-d bytes array": np.array(b"x"),
    "0-d object array": np.array(1.0, dtype=object),
    "datetime64": np.datetime64(1, "D"),
    "timedelta64": np.timedelta64(3, "s"),
    "tensor-like of complex": TensorLike(lambda: 1j, np.array(1j)),
    "tensor-like whose item raises": TensorLike(_raises, np.array(1.0)),
    "tensor-like numpy cannot read": TensorLike(lambda: 1.0),
    "int past uint64": 2**64,
    "int below int64": -(2**63) - 1,
    "int past float64": 10**400,
    "int of 5000 digits": 10**5000,
    "Fraction past float64": fractions.Fraction(10**400, 3),
}

REAL: dict[str, object] = {
    "bool": True,
    "uint64 max as int": 2**64 - 1,
    "int64 min as int": -(2**63),
    "float": 0.25,
    "nan": float("nan"),
    "float16": np.float16(0.5),
    "longdouble": np.longdouble(2.5),
    "uint64 max": np.uint64(2**64 - 1),
    "numpy bool": np.bool_(True),
    "0-d float32 array": np.array(1.5, dtype=np.float32),
    "0-d int array": np.array(3),
    "Fraction": fractions.Fraction(1, 3),
    "tensor-like of float": TensorLike(lambda: 0.5, np.array(0.5, dtype=np.float32)),
}


class TestAcceptedMeansLoggable:
    """Row 1 and 2: a value that is not a real number numpy and the storage can hold is rejected at
    the call; every value accepted can be merged and stored."""

    @pytest.mark.parametrize("value", NOT_REAL.values(), ids=NOT_REAL.keys())
    def test_a_value_that_is_not_real_is_rejected_at_the_call_and_the_logger_goes_on(self, value: object) -> None:
        """agg_and_log_metrics raises TypeError naming metrics['d']['bad'], and later steps and save() log as usual."""
        logger = AnyMemory()
        logger.agg_and_log_metrics({"acc": 1.0}, step=0)
        with pytest.raises(TypeError, match=r"^metrics\['d'\]\['bad'\] must be a real number"):
            logger.agg_and_log_metrics({"acc": 2.0, "d": {"bad": value}}, step=0)
        logger.agg_and_log_metrics({"acc": 3.0}, step=1)
        logger.save()
        assert logger.metrics == [(0, {"acc": 1.0}), (1, {"acc": 3.0})]

    @pytest.mark.parametrize("value", NOT_REAL.values(), ids=NOT_REAL.keys())
    def test_a_collection_rejects_it_before_any_member_sees_it(self, value: object) -> None:
        """LoggerCollection raises TypeError naming the key and no member records the call."""
        members = [AnyMemory(), AnyMemory()]
        with pytest.raises(TypeError, match=r"^metrics\['bad'\]"):
            AnyCollection(members).agg_and_log_metrics({"bad": value}, step=0)
        with pytest.raises(TypeError, match=r"^metrics\['bad'\]"):
            AnyCollection(members).log_metrics({"bad": value}, step=0)
        assert [m.calls for m in members] == [[], []]

    def test_jsonl_logger_rejects_each_with_a_type_error_naming_the_key(self, tmp_path: Path) -> None:
        """JsonlLogger.log_metrics raises TypeError naming metrics['bad'] for each value that is not a
        real number (not OverflowError, the int-digits ValueError, or a TypeError from json)."""
        logger = AnyJsonl(tmp_path)
        for name, value in NOT_REAL.items():
            with pytest.raises(TypeError, match=r"^metrics\['bad'\] must be a real number"):
                logger.log_metrics({"bad": value}, step=0)
            assert read_jsonl(logger.log_dir).metrics == [], name

    def test_whatever_is_accepted_merges_and_is_stored(self, tmp_path: Path) -> None:
        """Each value is either rejected by the call, or a run of two calls holding it is merged by
        numpy.mean and written by JsonlLogger: nothing accepted blocks the logger. The real numbers
        are all accepted."""
        for i, (name, value) in enumerate([*REAL.items(), *NOT_REAL.items()]):
            logger = AnyJsonl(tmp_path, version=i)
            try:
                logger.agg_and_log_metrics({"v": value}, step=0)
            except TypeError:
                assert name in NOT_REAL, name
                continue
            assert name in REAL, f"{name} was accepted"
            logger.agg_and_log_metrics({"v": value}, step=0)
            logger.agg_and_log_metrics({"v": value}, step=1)  # the run of two calls: merged, then written
            logger.save()
            logger.log_metrics({"v": value}, step=2)  # one value: written as it is
            assert [step for step, _ in read_jsonl(logger.log_dir).metrics] == [0, 1, 2], name

    def test_the_int_bound_is_numpys_int64_and_uint64_in_the_fast_and_the_full_check(self) -> None:
        """Ints from -2**63 to 2**64 - 1 pass (beyond, numpy.mean of two overflows); the fast path refuses
        what is beyond and the full check rejects it, naming the key."""
        for good in (-(2**63), 2**64 - 1):
            assert is_plain_metrics({"a": 1.0, "n": good})
            check_metrics({"a": 1.0, "n": good})
        for bad in (2**64, -(2**63) - 1, int(sys.float_info.max)):
            for metrics in ({"a": 1.0, "n": bad}, {"n": bad, "a": float("nan")}, {"a": float("nan"), "n": bad}):
                assert not is_plain_metrics(metrics)
                with pytest.raises(TypeError, match=r"metrics\['n'\] must be a real number"):
                    check_metrics(metrics)
        assert is_plain_metrics({"a": float("inf"), "n": 3}) is False  # (a float beyond the bounds: the full check)
        check_metrics({"a": float("inf"), "n": 3})

    def test_a_step_that_is_a_timedelta_is_rejected(self) -> None:
        """numpy registers timedelta64 as an integer; it is still not a step."""
        with pytest.raises(TypeError, match="^step"):
            AnyMemory().log_metrics({"a": 1.0}, step=np.timedelta64(3))


def nested(depth: int, leaf: object = 1.0) -> dict[str, Any]:
    """A dict ``depth`` levels deep: ``{'k': {'k': ... {'x': leaf}}}``."""
    value: dict[str, Any] = {"x": leaf}
    for _ in range(depth - 1):
        value = {"k": value}
    return value


def self_referencing() -> dict[str, Any]:
    d: dict[str, Any] = {"a": 1.0}
    d["self"] = d
    return d


class TestBoundedRecursion:
    """Row 3: nesting deeper than MAX_DEPTH, or a mapping that contains itself, is a ValueError naming
    the path, never a RecursionError; MAX_DEPTH levels are accepted."""

    def test_max_depth_levels_are_accepted(self) -> None:
        """A dict MAX_DEPTH levels deep is checked, aggregated, merged and logged."""
        logger = AnyMemory()
        logger.agg_and_log_metrics(nested(MAX_DEPTH), step=0)
        logger.agg_and_log_metrics(nested(MAX_DEPTH, 3.0), step=0)
        logger.save()
        [(_, merged)] = logger.metrics
        assert merged == nested(MAX_DEPTH, 2.0)
        with pytest.raises(ValueError, match="deeper than MAX_DEPTH"):
            AnyMemory().log_metrics(nested(MAX_DEPTH + 1))

    @pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 500, 5000])
    @pytest.mark.parametrize(
        "call",
        [
            "log_metrics",
            "agg_and_log_metrics",
            "collection.agg_and_log_metrics",
            "jsonl.log_metrics",
            "merge_dicts",
            "merge_dicts.agg_key_funcs",
            "update_agg_funcs",
            "log_hyperparams",
            "jsonl.log_hyperparams",
        ],
    )
    def test_too_deep_raises_value_error_naming_the_path(self, tmp_path: Path, call: str, depth: int) -> None:
        """Each entry point raises ValueError naming the argument and key path; the logger records nothing."""
        memory = AnyMemory()
        jsonl = AnyJsonl(tmp_path)
        deep = nested(depth)
        actions: dict[str, tuple[str, Callable[[], object]]] = {
            "log_metrics": ("metrics['k']", lambda: memory.log_metrics(deep)),
            "agg_and_log_metrics": ("metrics['k']", lambda: memory.agg_and_log_metrics(deep)),
            "collection.agg_and_log_metrics": ("metrics['k']", lambda: AnyCollection([memory]).agg_and_log_metrics(deep)),
            "jsonl.log_metrics": ("metrics['k']", lambda: jsonl.log_metrics(deep)),
            "merge_dicts": ("dicts: key path 'k'", lambda: any_merge([deep, deep])),
            "merge_dicts.agg_key_funcs": ("agg_key_funcs['k']", lambda: any_merge([{"a": 1.0}], nested(depth, max))),
            "update_agg_funcs": ("agg_key_funcs['k']", lambda: memory.update_agg_funcs(nested(depth, max))),
            "log_hyperparams": ("params['k']", lambda: memory.log_hyperparams(deep)),
            "jsonl.log_hyperparams": ("params['k']", lambda: jsonl.log_hyperparams(deep)),
        }
        named, action = actions[call]
        with pytest.raises(ValueError, match="deeper than MAX_DEPTH") as info:
            action()
        assert str(info.value).startswith(named)
        assert memory.calls == [] and not (tmp_path / "default").exists() or read_jsonl(jsonl.log_dir).metrics == []

    @pytest.mark.parametrize(
        "call",
        [
            "log_metrics",
            "agg_and_log_metrics",
            "jsonl.log_metrics",
            "merge_dicts",
            "merge_dicts.agg_key_funcs",
            "update_agg_funcs",
            "log_hyperparams",
            "jsonl.log_hyperparams",
            "list in hyperparams",
        ],
    )
    def test_a_mapping_that_contains_itself_raises_value_error(self, tmp_path: Path, call: str) -> None:
        """A dict that holds itself raises ValueError saying so (InMemoryLogger.log_hyperparams accepted it)."""
        memory = AnyMemory()
        jsonl = AnyJsonl(tmp_path)
        loop = self_referencing()
        funcs: dict[str, Any] = {"a": max}
        funcs["self"] = funcs
        listed: list[Any] = [1]
        listed.append(listed)
        actions: dict[str, Callable[[], object]] = {
            "log_metrics": lambda: memory.log_metrics(loop),
            "agg_and_log_metrics": lambda: memory.agg_and_log_metrics(loop),
            "jsonl.log_metrics": lambda: jsonl.log_metrics(loop),
            "merge_dicts": lambda: any_merge([loop, loop]),
            "merge_dicts.agg_key_funcs": lambda: any_merge([{"a": 1.0}], funcs),
            "update_agg_funcs": lambda: memory.update_agg_funcs(funcs),
            "log_hyperparams": lambda: memory.log_hyperparams(loop),
            "jsonl.log_hyperparams": lambda: jsonl.log_hyperparams(loop),
            "list in hyperparams": lambda: memory.log_hyperparams({"layers": listed}),
        }
        with pytest.raises(ValueError, match="contains itself"):
            actions[call]()
        assert memory.calls == [] and memory.hyperparams == []

    @pytest.mark.parametrize(
        "line", [b"[" * 100_000, b'{"kind": "hparams", "params": ' + b'{"a": ' * 3000 + b"1" + b"}" * 3001]
    )
    def test_read_jsonl_names_the_line_of_a_record_too_deep_to_read(self, tmp_path: Path, line: bytes) -> None:
        """A line nested too deeply for json raises ValueError naming the file and line, not RecursionError."""
        (tmp_path / impl.RECORDS_FILE).write_bytes(b'{"kind": "hparams", "params": {}}\n' + line + b"\n{}\n")
        with pytest.raises(ValueError, match=r"records\.jsonl: line 2 is nested too deeply"):
            read_jsonl(tmp_path)


class SlowLogger(InMemoryLogger):
    """An InMemoryLogger whose log_metrics gives up the GIL (as a logger doing I/O does), so that
    threads interleave inside aggregation."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        time.sleep(0)
        super().log_metrics(metrics, step)


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Switch threads as often as possible, so that races show in a few hundred calls."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def run_threads(n_threads: int, body: Callable[[int], None]) -> None:
    errors: list[BaseException] = []

    def target(i: int) -> None:
        try:
            body(i)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def aggregate_from_threads(logger: Any, n_threads: int = 8, calls: int = 150) -> None:
    """Each thread logs ``{"n": 1, "t<i>": 1}`` ``calls`` times, four calls a step, then save()."""

    def body(i: int) -> None:
        for c in range(calls):
            logger.agg_and_log_metrics({"n": 1, f"t{i}": 1}, step=c // 4)

    run_threads(n_threads, body)
    logger.save()


@pytest.mark.usefixtures("fast_switching")
class TestThreads:
    """Row 7: aggregation and the collection, called from several threads, lose, duplicate and mix no run."""

    def test_no_call_is_lost_or_counted_twice(self) -> None:
        """With sum aggregation, the logged totals are exactly the number of calls, per thread and in all."""
        logger = SlowLogger(agg_key_funcs={}, agg_default_func=sum)
        aggregate_from_threads(logger)
        totals: dict[str, float] = {}
        for _, metrics in logger.metrics:
            for key, value in metrics.items():
                totals[key] = totals.get(key, 0) + value
        assert totals == {"n": 8 * 150, **{f"t{i}": 150 for i in range(8)}}

    def test_collection_members_log_the_same_runs_in_the_same_order(self) -> None:
        """Every member of a collection called from several threads logs the same runs, in one order, none lost."""
        members = [SlowLogger(agg_default_func=sum), SlowLogger(agg_default_func=sum)]
        aggregate_from_threads(LoggerCollection(members))
        assert members[0].metrics == members[1].metrics
        assert sum(metrics["n"] for _, metrics in members[0].metrics) == 8 * 150

    def test_jsonl_logger_writes_every_record_whole(self, tmp_path: Path) -> None:
        """Threads logging to one JsonlLogger (first use included) leave every record whole, each once."""
        logger = JsonlLogger(tmp_path, agg_default_func=sum)
        aggregate_from_threads(logger)
        run = read_jsonl(logger.log_dir)
        assert run.torn_tail is None
        assert sum(metrics["n"] for _, metrics in run.metrics) == 8 * 150


class TestSmallRows:
    """Row 9."""

    @pytest.mark.parametrize("logger_kind", ["memory", "jsonl", "collection"])
    def test_hyperparam_keys_that_collide_as_str_are_rejected(self, tmp_path: Path, logger_kind: str) -> None:
        """{1: 'a', '1': 'b'} raises ValueError naming params and both keys (1.5 keeps one silently)."""
        makers: dict[str, Callable[[], Any]] = {
            "memory": InMemoryLogger,
            "jsonl": lambda: AnyJsonl(tmp_path),
            "collection": lambda: AnyCollection([AnyMemory()]),
        }
        logger = makers[logger_kind]()
        with pytest.raises(ValueError, match=r"^params: keys 1 and '1' are both stored as '1'"):
            logger.log_hyperparams({1: "a", "1": "b"})
        with pytest.raises(ValueError, match=r"^params\['d'\]: keys"):
            logger.log_hyperparams({"d": {2.0: "a", "2.0": "b"}})
        logger.log_hyperparams({1: "a", 2: "b"})  # keys that stay distinct are fine

    @pytest.mark.parametrize(("members", "index"), [([1, None], 0), ([AnyMemory(), None], 1), ([AnyMemory(), "x"], 1)])
    def test_a_collection_member_that_is_not_a_logger_is_rejected_at_construction(
        self, members: list[Any], index: int
    ) -> None:
        """LoggerCollection raises TypeError naming the index of the first member that is not a logger."""
        with pytest.raises(TypeError, match=rf"^logger_iterable\[{index}\] must be a logger"):
            AnyCollection(members)

    @pytest.mark.parametrize(("kwargs", "argument"), [({"name": "a\x00b"}, "name"), ({"version": "v\x00"}, "version")])
    def test_a_name_with_nul_is_rejected_at_construction(self, tmp_path: Path, kwargs: dict[str, Any], argument: str) -> None:
        """JsonlLogger rejects a name or version holding NUL when it is built, naming it."""
        with pytest.raises(ValueError, match=f"^{argument} must be a single directory name"):
            AnyJsonl(tmp_path, **kwargs)

    def test_read_jsonl_names_log_dir(self) -> None:
        """read_jsonl(None) raises TypeError naming log_dir."""
        with pytest.raises(TypeError, match="^log_dir must be a str or an os.PathLike"):
            read_jsonl(None)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "call",
        [
            lambda key: AnyMemory().log_metrics({key: "x"}),
            lambda key: AnyMemory().log_metrics({"d": {key: {"e": None}}}),
            lambda key: AnyMemory().log_metrics({key.encode(): 1.0}),  # a huge bytes key
            lambda key: any_merge([{key: {"x": 1}}, {key: 1}]),
            lambda key: any_merge([{key: 1}], {key: "not callable"}),
            lambda key: AnyMemory().log_hyperparams({1: "a", "1": "b", "d": {key: {}, key.encode(): 1}}),
        ],
    )
    def test_a_huge_key_is_shortened_in_the_message(self, call: Callable[[str], object]) -> None:
        """A 1 MB key appears in the message cut to about 80 characters."""
        key = "k" * 1_000_000
        with pytest.raises((TypeError, ValueError)) as info:
            call(key)
        assert len(str(info.value)) < 500

    @pytest.mark.parametrize("value", ["1_0", " 1", "1 ", "\u0661"])
    def test_a_rank_variable_must_be_plain_digits(self, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
        """RANK='1_0' (int() reads 10), whitespace and non-ASCII digits raise ValueError naming RANK;
        decimal digits with a sign or leading zeros are read as int() reads them."""
        monkeypatch.setenv("RANK", value)
        with pytest.raises(ValueError, match="^environment variable RANK must be an integer rank"):
            impl.rank_from_environment()
        for text, rank in [("0", 0), ("3", 3), ("-1", -1), ("+2", 2), ("007", 7)]:
            monkeypatch.setenv("RANK", text)
            assert impl.rank_from_environment() == rank
