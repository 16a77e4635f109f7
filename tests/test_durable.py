"""JsonlLogger and read_jsonl: round trips, aggregation, versions, lifecycle, rank gating, bad input,
torn tails, and records surviving a SIGKILL of the writing process."""

from __future__ import annotations

import copy
import inspect
import itertools
import json
import math
import os
import signal
import string
import subprocess
import sys
import tempfile
import threading
import time
from argparse import Namespace
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import impl
from conformance import strategies as cst
from impl import DummyExperiment
from impl._durable import RECORDS_FILE, JsonlLogger, JsonlRun, JsonlWriter, read_jsonl
from tests.conftest import examples

REPO_ROOT = Path(__file__).resolve().parents[1]


def assert_same(actual: Any, expected: Any, where: str = "value") -> None:
    """``actual == expected`` recursively, where NaN equals NaN and 0.0 differs from -0.0."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        assert list(actual) == list(expected), where
        for key in expected:
            assert_same(actual[key], expected[key], f"{where}[{key!r}]")
    elif isinstance(expected, float) and math.isnan(expected):
        assert isinstance(actual, float) and math.isnan(actual), where
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
        if isinstance(expected, float):
            assert math.copysign(1.0, actual) == math.copysign(1.0, expected), where


def json_params() -> st.SearchStrategy[dict[str, Any] | Namespace]:
    """Hyperparameters of JSON values (no NaN, no tuples), so they read back equal; as a dict or a Namespace.

    Not ``conformance.strategies.hyperparams()``: its names can be ``__dict__``, which Namespace rejects.
    """
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5))
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner))
    params = st.dictionaries(st.text(string.ascii_lowercase, min_size=1, max_size=6), values, max_size=4)
    return st.one_of(params, params.map(cst.namespace))


def records_file(logger: JsonlLogger) -> Path:
    return Path(logger.log_dir) / RECORDS_FILE


def tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


class TestRoundTrip:
    def test_metrics_read_back_as_logged(self, tmp_path: Path) -> None:
        """Ints, floats (NaN, infinities, -0.0), nested dicts and a None step read back exactly, in order."""
        logged: list[tuple[int | None, dict[str, Any]]] = [
            (0, {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "zero": -0.0, "int": 7, "big": 2**60}),
            (None, {"third": 1 / 3, "tiny": 5e-324, "d": {"x": 1.5, "dd": {"y": -2}}}),
            (3, {"loss": 0.25}),
            (3, {"loss": 0.125}),
        ]
        lg = JsonlLogger(tmp_path)
        for step, metrics in logged:
            lg.log_metrics(metrics, step)
        run = read_jsonl(lg.log_dir)
        assert [step for step, _ in run.metrics] == [step for step, _ in logged]
        for (_, actual), (_, expected) in zip(run.metrics, logged, strict=True):
            assert_same(actual, expected)
        assert type(run.metrics[0][1]["int"]) is int
        assert (run.hyperparams, run.torn_tail) == ([], None)

    def test_numpy_values_read_back_equal_as_python_numbers(self, tmp_path: Path) -> None:
        """numpy scalars and 0-d arrays read back as Python numbers equal to the values logged."""
        logged: dict[str, Any] = {
            "f32": np.float32(0.1),
            "f64": np.float64(1 / 3),
            "i64": np.int64(-(2**40)),
            "u8": np.uint8(200),
            "b": np.bool_(True),
            "arr": np.array(2.5, dtype=np.float32),
            "iarr": np.array(4),
            "nan32": np.float32("nan"),
        }
        lg = JsonlLogger(tmp_path)
        lg.log_metrics(logged, step=np.int64(5))  # type: ignore[arg-type]
        [(step, actual)] = read_jsonl(lg.log_dir).metrics
        assert step == 5
        for key, value in logged.items():
            if key == "nan32":
                assert math.isnan(actual[key])
            else:
                assert actual[key] == value, key
        assert [type(actual[k]) for k in ("f32", "i64", "b", "arr", "iarr")] == [float, int, bool, float, int]

    def test_metrics_are_not_mutated(self, tmp_path: Path) -> None:
        """log_metrics leaves the caller's dict, nested dicts included, unchanged."""
        metrics: dict[str, Any] = {"a": np.float32(1.5), "d": {"x": np.int64(2)}}
        before = copy.deepcopy(metrics)
        JsonlLogger(tmp_path).log_metrics(metrics, 0)
        assert metrics == before and type(metrics["a"]) is np.float32

    def test_hyperparams_dict_and_namespace(self, tmp_path: Path) -> None:
        """A dict and a Namespace read back as dicts: JSON values kept, tuples as lists, others as str()."""
        marker = object()
        params: dict[str, Any] = {
            "lr": 0.001,
            "layers": (64, 64),
            "name": "net",
            "flag": False,
            "none": None,
            "nested": {"a": [1, {"b": marker}], 3: "int key"},
            "odd": marker,
            "np": np.int64(3),
        }
        expected: dict[str, Any] = {
            "lr": 0.001,
            "layers": [64, 64],
            "name": "net",
            "flag": False,
            "none": None,
            "nested": {"a": [1, {"b": str(marker)}], "3": "int key"},
            "odd": str(marker),
            "np": "3",
        }
        lg = JsonlLogger(tmp_path)
        lg.log_hyperparams(params)
        lg.log_hyperparams(Namespace(**params), "ignored", also="ignored")
        assert read_jsonl(lg.log_dir).hyperparams == [expected, expected]
        assert params["layers"] == (64, 64)  # not mutated

    def test_file_holds_the_documented_records(self, tmp_path: Path) -> None:
        """Each line is one JSON object: kind, step and metrics, or kind and params; NaN is a bare word."""
        lg = JsonlLogger(tmp_path)
        lg.log_metrics({"a": math.nan}, step=2)
        lg.log_hyperparams({"lr": 1})
        text = records_file(lg).read_text(encoding="ascii")
        assert (
            text == '{"kind": "metrics", "step": 2, "metrics": {"a": NaN}}\n{"kind": "hparams", "params": {"lr": 1}}\n'
        )

    @settings(max_examples=examples(15, 50), deadline=None)  # (50 in the exhaustive tier: tests/conftest.py)
    @given(
        st.lists(
            st.one_of(
                st.tuples(cst.nested_metric_dicts(values=cst.metric_values(allow_nan=True)), cst.steps()),
                json_params(),
            ),
            max_size=8,
        )
    )
    def test_any_sequence_of_records_reads_back(self, calls: list[Any]) -> None:
        """Any sequence of metrics (NaN included) and JSON-like hyperparams reads back as logged, in order."""
        with tempfile.TemporaryDirectory() as save_dir:
            lg = JsonlLogger(save_dir)
            for call in calls:
                if isinstance(call, tuple):
                    lg.log_metrics(*call)
                else:
                    lg.log_hyperparams(call)
            run = read_jsonl(lg.log_dir)
        logged = [call for call in calls if isinstance(call, tuple)]
        assert [step for step, _ in run.metrics] == [step for _, step in logged]
        for (_, actual), (expected, _) in zip(run.metrics, logged, strict=True):
            assert_same(actual, expected)
        params = [vars(c) if isinstance(c, Namespace) else c for c in calls if not isinstance(c, tuple)]
        assert run.hyperparams == params
        assert run.torn_tail is None


class TestAggregation:
    def test_aggregated_runs_reach_the_file(self, tmp_path: Path) -> None:
        """agg_and_log_metrics writes a run when the step changes, and save() writes the pending run."""
        lg = JsonlLogger(tmp_path, agg_key_funcs={"n": sum})
        lg.agg_and_log_metrics({"a": 1.0, "n": 1}, step=0)
        lg.agg_and_log_metrics({"a": 3.0, "n": 1}, step=0)
        lg.agg_and_log_metrics({"a": 5.0}, step=1)
        assert read_jsonl(lg.log_dir).metrics == [(0, {"a": 2.0, "n": 2})]
        lg.save()
        assert read_jsonl(lg.log_dir).metrics == [(0, {"a": 2.0, "n": 2}), (1, {"a": 5.0})]
        lg.save()
        assert len(read_jsonl(lg.log_dir).metrics) == 2

    @pytest.mark.parametrize("end", ["finalize", "close"])
    def test_finalize_and_close_write_the_pending_run(self, tmp_path: Path, end: str) -> None:
        """finalize and close write the pending run too."""
        lg = JsonlLogger(tmp_path)
        lg.agg_and_log_metrics({"a": 1.0}, step=None)
        if end == "finalize":
            lg.finalize("success")
        else:
            lg.close()
        assert read_jsonl(lg.log_dir).metrics == [(None, {"a": 1.0})]


class TestVersions:
    def test_two_loggers_get_consecutive_versions(self, tmp_path: Path) -> None:
        """Without a version, the first logger gets version_0 and the next one version_1."""
        first = JsonlLogger(tmp_path, name="exp")
        first.log_metrics({"a": 1.0})
        second = JsonlLogger(tmp_path, name="exp")
        assert (first.version, second.version) == (0, 1)
        assert first.log_dir == os.path.join(str(tmp_path), "exp", "version_0")
        assert second.log_dir == os.path.join(str(tmp_path), "exp", "version_1")

    def test_version_is_chosen_once_and_claimed(self, tmp_path: Path) -> None:
        """The version is one more than the largest existing version_N, chosen on first read, then
        fixed; choosing it claims it by creating its directory (and nothing else)."""
        (tmp_path / "default" / "version_4").mkdir(parents=True)
        (tmp_path / "default" / "version_x").mkdir()
        lg = JsonlLogger(tmp_path)
        assert (lg.version, lg.name, lg.save_dir) == (5, "default", str(tmp_path))
        assert tree(tmp_path) == ["default", "default/version_4", "default/version_5", "default/version_x"]
        (tmp_path / "default" / "version_9").mkdir()
        assert lg.version == 5

    def test_explicit_versions(self, tmp_path: Path) -> None:
        """An int version gives version_N, a str version is the directory's name."""
        assert JsonlLogger(tmp_path, "n", 3).log_dir == os.path.join(str(tmp_path), "n", "version_3")
        assert JsonlLogger(tmp_path, "n", "run-a").log_dir == os.path.join(str(tmp_path), "n", "run-a")

    @pytest.mark.parametrize(
        ("kwargs", "argument"),
        [
            ({"save_dir": 3}, "save_dir"),
            ({"name": None}, "name"),
            ({"version": True}, "version"),
            ({"version": 1.0}, "version"),
        ],
    )
    def test_bad_arguments_raise(self, tmp_path: Path, kwargs: dict[str, Any], argument: str) -> None:
        """A wrong type for save_dir, name or version raises TypeError naming it."""
        with pytest.raises(TypeError, match=argument):
            JsonlLogger(**{"save_dir": tmp_path, **kwargs})


class TestLifecycle:
    def test_close_then_log_appends(self, tmp_path: Path) -> None:
        """After close, logging re-opens the file for appending: nothing is lost."""
        lg = JsonlLogger(tmp_path)
        lg.log_metrics({"a": 1.0}, 0)
        lg.close()
        lg.log_metrics({"a": 2.0}, 1)
        lg.log_hyperparams({"p": 1})
        lg.close()
        lg.close()
        run = read_jsonl(lg.log_dir)
        assert run.metrics == [(0, {"a": 1.0}), (1, {"a": 2.0})] and run.hyperparams == [{"p": 1}]

    def test_save_finalize_close_in_any_order_never_raise(self, tmp_path: Path) -> None:
        """save, finalize and close, repeated in every order between records, never raise and lose nothing."""
        lg = JsonlLogger(tmp_path)
        ends: list[Callable[[], None]] = [lg.save, lambda: lg.finalize("success"), lg.close]
        expected: list[tuple[int | None, dict[str, Any]]] = []
        for i, order in enumerate(itertools.permutations(ends)):
            for end in (*order, *order):
                end()
            lg.log_metrics({"i": i}, i)
            expected.append((i, {"i": i}))
        for end in ends:
            end()
        assert read_jsonl(lg.log_dir).metrics == expected

    def test_nothing_logged_creates_nothing(self, tmp_path: Path) -> None:
        """save, finalize and close with nothing logged create no file or directory."""
        lg = JsonlLogger(tmp_path)
        lg.save()
        lg.finalize("failed")
        lg.close()
        assert tree(tmp_path) == []

    @pytest.mark.parametrize("end", ["save", "finalize", "close"])
    def test_ends_fsync_the_file(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, end: str) -> None:
        """save, finalize and close fsync the records file and the directories created for it."""
        lg = JsonlLogger(tmp_path)
        lg.log_metrics({"a": 1.0})
        fd = lg.experiment._file.fileno()  # type: ignore[union-attr]
        synced: list[int] = []
        real_fsync = os.fsync

        def fsync(fd: int) -> None:
            synced.append(fd)
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", fsync)
        if end == "finalize":
            lg.finalize("success")
        else:
            getattr(lg, end)()
        assert synced[0] == fd and len(synced) >= 4  # the file, then version_0, default and tmp_path
        synced.clear()
        lg.save()
        assert len(synced) == (0 if end == "close" else 1)  # directories are synced once

    def test_experiment_is_the_open_writer(self, tmp_path: Path) -> None:
        """experiment is the same JsonlWriter every time, with its file created and open."""
        lg = JsonlLogger(tmp_path)
        writer = lg.experiment
        assert type(writer) is JsonlWriter
        assert lg.experiment is writer
        assert writer.path == str(records_file(lg)) and records_file(lg).read_bytes() == b""

    def test_a_deep_copy_appends_to_the_same_file(self, tmp_path: Path) -> None:
        """A deep copy of a logger with an open file re-opens that file for appending."""
        lg = JsonlLogger(tmp_path)
        lg.log_metrics({"a": 1.0}, 0)
        clone = copy.deepcopy(lg)
        clone.log_metrics({"a": 2.0}, 1)
        clone.close()
        lg.log_metrics({"a": 3.0}, 2)
        assert read_jsonl(lg.log_dir).metrics == [(0, {"a": 1.0}), (1, {"a": 2.0}), (2, {"a": 3.0})]


@pytest.fixture
def rank_one() -> Iterator[None]:
    impl.rank_zero_only.rank = 1
    try:
        yield
    finally:
        del impl.rank_zero_only.rank


class TestRankGating:
    @pytest.mark.usefixtures("rank_one")
    def test_nothing_is_written_off_rank_zero(self, tmp_path: Path) -> None:
        """On rank 1 every method runs without error and nothing appears under save_dir."""
        lg = JsonlLogger(tmp_path)
        lg.log_hyperparams({"lr": 0.1})
        lg.log_hyperparams(Namespace(lr=0.1))
        lg.log_metrics({"a": 1.0}, 0)
        lg.update_agg_funcs()
        lg.agg_and_log_metrics({"a": 1.0}, 0)
        lg.agg_and_log_metrics({"a": 1.0}, 1)
        lg.log_graph(object())
        assert isinstance(lg.experiment, DummyExperiment)
        lg.experiment.append({"kind": "metrics"})
        lg.after_save_checkpoint(object())
        lg.save()
        lg.finalize("success")
        lg.close()
        assert (lg.version, os.listdir(tmp_path)) == (0, [])

    @pytest.mark.usefixtures("rank_one")
    def test_bad_input_is_still_rejected_off_rank_zero(self, tmp_path: Path) -> None:
        """On rank 1 malformed input raises TypeError as on rank 0."""
        lg = JsonlLogger(tmp_path)
        with pytest.raises(TypeError, match="step"):
            lg.log_metrics({"a": 1.0}, step="0")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="params"):
            lg.log_hyperparams([1])  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="metrics"):
            lg.log_metrics({"c": np.complex64(1j)})  # type: ignore[dict-item]
        assert os.listdir(tmp_path) == []

    def test_rank_is_read_at_every_call(self, tmp_path: Path) -> None:
        """Records logged while the rank is not 0 are dropped; those on rank 0 are written."""
        lg = JsonlLogger(tmp_path)
        lg.log_metrics({"a": 0.0}, 0)
        impl.rank_zero_only.rank = 1
        try:
            lg.log_metrics({"a": 1.0}, 1)
        finally:
            del impl.rank_zero_only.rank
        lg.log_metrics({"a": 2.0}, 2)
        assert read_jsonl(lg.log_dir).metrics == [(0, {"a": 0.0}), (2, {"a": 2.0})]


class TestBadInput:
    @pytest.mark.parametrize(
        ("metrics", "step", "argument"),
        [
            ("loss", 0, "metrics"),
            ([("a", 1.0)], 0, "metrics"),
            ({1: 1.0}, 0, "metrics: key 1"),
            ({"a": "1.0"}, 0, "metrics['a']"),
            ({"d": {"x": None}}, 0, "metrics['d']['x']"),
            ({"d": {"c": np.complex64(1 + 2j)}}, 0, "metrics['d']['c']"),
            ({"a": np.array("x")}, 0, "metrics['a']"),
            ({"a": 1.0}, True, "step"),
            ({"a": 1.0}, "3", "step"),
            ({"a": 1.0}, 1.0, "step"),
        ],
    )
    def test_bad_metrics_or_step_raise_and_write_nothing(
        self, tmp_path: Path, metrics: Any, step: Any, argument: str
    ) -> None:
        """Malformed metrics or step raise TypeError naming the argument, and the file is unchanged."""
        lg = JsonlLogger(tmp_path)
        lg.log_metrics({"a": 1.0}, 0)
        before = records_file(lg).read_bytes()
        with pytest.raises(TypeError) as info:
            lg.log_metrics(metrics, step)
        assert str(info.value).startswith(argument)
        assert records_file(lg).read_bytes() == before

    @pytest.mark.parametrize("params", [None, [("lr", 1)], "lr=1", 3])
    def test_bad_hyperparams_raise_and_write_nothing(self, tmp_path: Path, params: Any) -> None:
        """params that are not a mapping or a Namespace raise TypeError naming params, and write nothing."""
        lg = JsonlLogger(tmp_path)
        with pytest.raises(TypeError, match=r"^params"):
            lg.log_hyperparams(params)
        assert tree(tmp_path) == []


class TestReader:
    def test_a_missing_file_is_an_empty_run(self, tmp_path: Path) -> None:
        """read_jsonl of a directory without records is an empty run."""
        assert read_jsonl(tmp_path / "nowhere") == JsonlRun([], [], None)

    @pytest.mark.parametrize("tail", [b'{"kind": "metr', b'{"kind": "hparams", "params": {}}', b"\x00\x00\x00"])
    def test_a_torn_last_line_is_reported(self, tmp_path: Path, tail: bytes) -> None:
        """A last line without its newline is torn_tail, even if it parses; earlier records are all read."""
        lg = JsonlLogger(tmp_path)
        for i in range(3):
            lg.log_metrics({"i": i}, i)
        lg.log_hyperparams({"p": 1})
        lg.close()
        with records_file(lg).open("ab") as file:
            file.write(tail)
        run = read_jsonl(lg.log_dir)
        assert run.metrics == [(i, {"i": i}) for i in range(3)] and run.hyperparams == [{"p": 1}]
        assert run.torn_tail == tail.decode()

    def test_an_undecodable_last_line_is_reported(self, tmp_path: Path) -> None:
        """An undecodable last line, newline included, is torn_tail too."""
        lg = JsonlLogger(tmp_path)
        lg.log_metrics({"a": 1.0}, 0)
        with records_file(lg).open("ab") as file:
            file.write(b'{"kind": \xff\n')
        run = read_jsonl(lg.log_dir)
        assert run.metrics == [(0, {"a": 1.0})] and run.torn_tail == '{"kind": \ufffd'

    def test_corruption_in_the_middle_raises(self, tmp_path: Path) -> None:
        """An undecodable line that is not the last raises ValueError naming the file and line."""
        lg = JsonlLogger(tmp_path)
        lg.log_metrics({"a": 1.0}, 0)
        lg.close()
        with records_file(lg).open("ab") as file:
            file.write(b'{"kind": "metr\n')
        lg.log_metrics({"a": 2.0}, 1)
        with pytest.raises(ValueError, match=r"records\.jsonl: line 2 is not valid JSON"):
            read_jsonl(lg.log_dir)

    @pytest.mark.parametrize(
        "line",
        [
            b"[1, 2]",
            b'{"kind": "text"}',
            b'{"kind": "metrics", "metrics": {}}',
            b'{"kind": "metrics", "step": true, "metrics": {}}',
            b'{"kind": "hparams", "params": [1]}',
        ],
    )
    def test_a_line_that_is_not_a_record_raises(self, tmp_path: Path, line: bytes) -> None:
        """Valid JSON that is not a metrics or hparams record raises ValueError naming the line."""
        (tmp_path / RECORDS_FILE).write_bytes(b'{"kind": "hparams", "params": {}}\n' + line + b"\n")
        with pytest.raises(ValueError, match="line 2 is not a metrics or hparams record"):
            read_jsonl(tmp_path)

    def test_appending_after_a_torn_tail_cuts_it(self, tmp_path: Path) -> None:
        """A new logger on a run with a torn tail cuts the torn line off, so its records stay readable."""
        lg = JsonlLogger(tmp_path, version=0)
        lg.log_metrics({"a": 1.0}, 0)
        lg.close()
        with records_file(lg).open("ab") as file:
            file.write(b'{"kind": "metrics", "step": 1, "metr')
        resumed = JsonlLogger(tmp_path, version=0)
        resumed.log_metrics({"a": 2.0}, 1)
        assert read_jsonl(lg.log_dir) == JsonlRun([(0, {"a": 1.0}), (1, {"a": 2.0})], [], None)


def child_metrics(i: int, width: int) -> dict[str, Any]:
    """The metrics the child process logs as record ``i`` (the child runs this function's source)."""
    return {"i": i, "x": i / 7, "pad": {f"p{j}": j + i / 3 for j in range(width)}}


CHILD = f"""
import sys
from typing import Any
from impl._durable import JsonlLogger

{inspect.getsource(child_metrics)}

save_dir, saved, width = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
logger = JsonlLogger(save_dir)
for i in range(saved):
    logger.log_metrics(child_metrics(i, width), step=i)
logger.save()
print("SAVED", flush=True)
i = saved
while True:
    logger.log_metrics(child_metrics(i, width), step=i)
    i += 1
"""


def kill_while_logging(save_dir: Path, saved: int, width: int, grown: int) -> JsonlRun:
    """Run CHILD until it has saved ``saved`` records and the file has grown ``grown`` bytes past
    them, SIGKILL it, and read what it left."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    path = save_dir / "default" / "version_0" / RECORDS_FILE
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(save_dir), str(saved), str(width)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    watchdog = threading.Timer(120, proc.kill)  # a hung child fails the test instead of hanging it
    watchdog.start()
    try:
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stdout.readline()
        assert line == "SAVED\n", f"the child did not save: {line!r}, stderr: {proc.stderr.read()}"
        target = path.stat().st_size + grown
        while path.stat().st_size < target and proc.poll() is None:
            time.sleep(0.0005)
        assert proc.poll() is None, f"the child ended early: {proc.stderr.read()}"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    return read_jsonl(path.parent)


def assert_saved_then_prefix(run: JsonlRun, saved: int, width: int) -> None:
    """The first ``saved`` records are intact; the rest are the next records in order, and a torn
    tail is a prefix of the line of the record after them."""
    assert len(run.metrics) >= saved
    for i, (step, metrics) in enumerate(run.metrics):
        assert step == i and metrics == child_metrics(i, width), f"record {i}"
    assert run.hyperparams == []
    if run.torn_tail is not None:
        k = len(run.metrics)
        line = json.dumps({"kind": "metrics", "step": k, "metrics": child_metrics(k, width)}, allow_nan=True)
        assert line.startswith(run.torn_tail)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
class TestSigkill:
    def test_saved_records_survive_a_kill(self, tmp_path: Path) -> None:
        """After SIGKILL the saved records read back intact and in order, followed by a prefix of later ones."""
        run = kill_while_logging(tmp_path, saved=50, width=3, grown=20_000)
        assert len(run.metrics) > 50  # the child was killed while logging after save()
        assert_saved_then_prefix(run, saved=50, width=3)

    def test_a_kill_mid_write_tears_at_most_the_last_line(self, tmp_path: Path) -> None:
        """Killed while writing records of megabytes, the saved records are intact and a torn line is only reported."""
        run = kill_while_logging(tmp_path, saved=2, width=150_000, grown=1)
        assert_saved_then_prefix(run, saved=2, width=150_000)
