"""JsonlLogger's edges: the torn tail cut before appending, values stored through their nearest Python
number, the version chosen from the directory, and its error messages."""

from __future__ import annotations

import json
import numbers
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import impl._durable
from impl import RECORDS_FILE, JsonlLogger, JsonlRun, JsonlWriter, read_jsonl
from impl._validate import short_repr

COMPLETE = [b'{"kind": "metrics", "step": 0, "metrics": {"a": 1.0}}\n', b'{"kind": "hparams", "params": {"p": 1}}\n']


def resume_after(tmp_path: Path, content: bytes) -> JsonlRun:
    """Write ``content`` as a run's records file, log one record with a new logger on it, read it back."""
    log_dir = tmp_path / "default" / "version_0"
    log_dir.mkdir(parents=True)
    (log_dir / RECORDS_FILE).write_bytes(content)
    JsonlLogger(tmp_path, version=0).log_metrics({"b": 2.0}, 9)
    return read_jsonl(log_dir)


class IntegralWithoutItem:
    """An integral number with no ``item`` method (registered as numbers.Integral)."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __int__(self) -> int:
        return self.value

    def __index__(self) -> int:
        return self.value

    def __float__(self) -> float:
        return float(self.value)


numbers.Integral.register(IntegralWithoutItem)


class TestTheTornTailCut:
    def test_every_complete_line_before_a_torn_one_is_kept(self, tmp_path: Path) -> None:
        """Resuming a run whose last line is torn keeps all the complete lines before it, not only the first."""
        run = resume_after(tmp_path, b"".join(COMPLETE) + b'{"kind": "metrics", "st')
        assert JsonlRun([(0, {"a": 1.0}), (9, {"b": 2.0})], [{"p": 1}], None) == run

    def test_a_torn_line_of_one_byte_is_cut(self, tmp_path: Path) -> None:
        """A torn last line of a single byte after complete lines is cut, the complete lines kept."""
        run = resume_after(tmp_path, b"".join(COMPLETE) + b"{")
        assert JsonlRun([(0, {"a": 1.0}), (9, {"b": 2.0})], [{"p": 1}], None) == run

    def test_a_file_without_any_newline_is_emptied(self, tmp_path: Path) -> None:
        """A records file holding only a torn line (no newline at all) is cut to nothing before appending."""
        run = resume_after(tmp_path, b'{"kind": "metrics", "step": 0, "metrics": {"a"')
        assert JsonlRun([(9, {"b": 2.0})], [], None) == run

    def test_a_torn_line_longer_than_the_scan_chunk_is_cut_whole(self, tmp_path: Path) -> None:
        """A torn line of 70 000 bytes (longer than one 64 KiB read) after complete lines is cut whole."""
        run = resume_after(tmp_path, b"".join(COMPLETE) + b'{"kind": "metrics", "x": "' + b"y" * 70_000)
        assert JsonlRun([(0, {"a": 1.0}), (9, {"b": 2.0})], [{"p": 1}], None) == run

    def test_a_long_file_without_any_newline_is_emptied(self, tmp_path: Path) -> None:
        """A torn line of 140 000 bytes with no newline before it is cut to nothing."""
        run = resume_after(tmp_path, b"z" * 140_000)
        assert JsonlRun([(9, {"b": 2.0})], [], None) == run

    @pytest.mark.parametrize("torn", [1, 65_535, 65_536, 65_537, 131_072])
    def test_every_byte_up_to_the_last_newline_is_kept(self, tmp_path: Path, torn: int) -> None:
        """The cut keeps the file byte for byte up to its last newline, even one at its very start."""
        path = tmp_path / RECORDS_FILE
        path.write_bytes(b"\n" + b"x" * torn)
        JsonlWriter(str(path)).open().close()
        assert b"\n" == path.read_bytes()

    def test_a_complete_file_is_left_as_it_is(self, tmp_path: Path) -> None:
        """A records file whose last line is complete loses nothing when a run is resumed."""
        run = resume_after(tmp_path, b"".join(COMPLETE))
        assert JsonlRun([(0, {"a": 1.0}), (9, {"b": 2.0})], [{"p": 1}], None) == run

    def test_an_empty_file_is_appended_to(self, tmp_path: Path) -> None:
        """An empty records file is appended to."""
        assert JsonlRun([(9, {"b": 2.0})], [], None) == resume_after(tmp_path, b"")


class TestStoredValues:
    def test_a_fraction_is_stored_as_the_nearest_float(self, tmp_path: Path) -> None:
        """A real number without .item (a Fraction) reads back as the float nearest to it."""
        logger = JsonlLogger(tmp_path)
        logger.log_metrics({"f": Fraction(1, 3), "d": {"g": Fraction(-5, 2)}}, 0)  # type: ignore[dict-item]
        (step, metrics) = read_jsonl(logger.log_dir).metrics[0]
        assert (0, {"f": 1 / 3, "d": {"g": -2.5}}) == (step, metrics)
        assert float is type(metrics["f"])

    def test_an_integral_without_item_is_stored_as_an_int(self, tmp_path: Path) -> None:
        """An integral number without .item reads back as the int of the same value."""
        logger = JsonlLogger(tmp_path)
        logger.log_metrics({"n": IntegralWithoutItem(7)}, 0)  # type: ignore[dict-item]
        value = read_jsonl(logger.log_dir).metrics[0][1]["n"]
        assert (7, int) == (value, type(value))

    @pytest.mark.parametrize(
        ("value", "expected"),
        [(np.bool_(True), True), (True, True), (np.int16(-3), -3), (np.float32(0.5), 0.5), (np.array(2.5), 2.5)],
    )
    def test_numpy_values_and_bools_keep_their_python_type(self, tmp_path: Path, value: Any, expected: Any) -> None:
        """numpy scalars, 0-d arrays and bools read back as the Python bool, int or float of the same value."""
        logger = JsonlLogger(tmp_path)
        logger.log_metrics({"v": value}, 0)
        got = read_jsonl(logger.log_dir).metrics[0][1]["v"]
        assert (expected, type(expected)) == (got, type(got))

    def test_a_value_that_is_not_real_is_named_by_its_key_path(self, tmp_path: Path) -> None:
        """A value that is no real number (a numpy complex scalar), nested, raises TypeError naming its key path."""
        logger = JsonlLogger(tmp_path)
        shown = r"got np\.complex64\(1\+2j\) \(complex64\)$"
        with pytest.raises(TypeError, match=r"^metrics\['d'\]\['c'\] must be a real number.*, " + shown):
            logger.log_metrics({"d": {"c": np.complex64(1 + 2j)}}, 0)  # type: ignore[dict-item]
        assert JsonlRun() == read_jsonl(logger.log_dir)

    def test_hyperparams_are_stored_as_json(self, tmp_path: Path) -> None:
        """Hyperparameters keep JSON values, nested keys become str, tuples lists, other values their str()."""
        logger = JsonlLogger(tmp_path)
        logger.log_hyperparams({"n": None, "t": (1, (2, 3)), "d": {1: {"x": 0.5}}, "o": Fraction(1, 2), "b": False})
        assert [{"n": None, "t": [1, [2, 3]], "d": {"1": {"x": 0.5}}, "o": "1/2", "b": False}] == read_jsonl(
            logger.log_dir
        ).hyperparams


class TestVersionsAndNames:
    def test_the_next_version_follows_the_largest_taken(self, tmp_path: Path) -> None:
        """The version is one more than the largest version_N present; other names are ignored."""
        for name in ["version_2", "version_10", "version_x", "version_", "other_99", "version_٣٣", "version_٣5"]:
            (tmp_path / "default" / name).mkdir(parents=True)
        assert 11 == JsonlLogger(tmp_path).version

    def test_a_name_directory_without_versions_gives_version_0(self, tmp_path: Path) -> None:
        """When save_dir/name exists but holds no version_N entry, the version is 0."""
        (tmp_path / "default" / "notes").mkdir(parents=True)
        assert 0 == JsonlLogger(tmp_path).version

    def test_a_file_where_the_name_directory_would_be_gives_version_0(self, tmp_path: Path) -> None:
        """When save_dir/name is a file, not a directory, the version is 0."""
        (tmp_path / "default").write_text("")
        assert 0 == JsonlLogger(tmp_path).version

    def test_log_dir_of_int_and_str_versions(self, tmp_path: Path) -> None:
        """An int version N gives save_dir/name/version_N; a str version is the directory's name."""
        assert (str(tmp_path / "exp" / "version_3"), str(tmp_path / "exp" / "final")) == (
            JsonlLogger(tmp_path, name="exp", version=3).log_dir,
            JsonlLogger(tmp_path, name="exp", version="final").log_dir,
        )

    def test_the_default_name_is_default(self, tmp_path: Path) -> None:
        """A logger made with only save_dir is named 'default'."""
        assert ("default", str(tmp_path)) == (JsonlLogger(tmp_path).name, JsonlLogger(tmp_path).save_dir)

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"save_dir": 3}, "save_dir must be a str or an os.PathLike of str, got 3 (int)"),
            ({"name": None}, "name must be a str, got None (NoneType)"),
            ({"version": False}, "version must be an int, a str or None, got False (bool)"),
        ],
    )
    def test_bad_arguments_are_named_with_their_value(
        self, tmp_path: Path, kwargs: dict[str, Any], message: str
    ) -> None:
        """A constructor argument of the wrong type raises TypeError naming it and describing the value."""
        arguments: dict[str, Any] = {"save_dir": tmp_path, **kwargs}
        with pytest.raises(TypeError) as info:
            JsonlLogger(**arguments)
        assert message == str(info.value)

    @pytest.mark.parametrize("argument", ["name", "version"])
    @pytest.mark.parametrize("value", [".", "..", "a/b", "/abs", "a\x00b", "runs/"])
    def test_a_name_or_version_that_is_not_one_directory_name_is_refused(
        self, tmp_path: Path, argument: str, value: str
    ) -> None:
        """A name or str version holding a separator or NUL, or '.' or '..', or absolute, raises ValueError
        naming the argument and showing the value; nothing is created."""
        with pytest.raises(ValueError) as info:
            JsonlLogger(tmp_path / "logs", name=value) if argument == "name" else JsonlLogger(tmp_path / "logs", version=value)
        expected = f"{argument} must be a single directory name (no path separator, '.', '..' or NUL), got {value!r}"
        assert expected == str(info.value)
        assert not (tmp_path / "logs").exists()

    @pytest.mark.parametrize("value", ["a.b", "..x", "x..", "-", " "])
    def test_a_name_with_dots_that_is_one_directory_name_is_taken(self, tmp_path: Path, value: str) -> None:
        """A name or version with dots that is still one directory name is used as it is."""
        logger = JsonlLogger(tmp_path, name=value, version=value)
        logger.log_metrics({"a": 1.0}, 0)
        assert [(0, {"a": 1.0})] == read_jsonl(tmp_path / value / value).metrics

    def test_an_empty_version_and_a_save_dir_with_nul_are_refused(self, tmp_path: Path) -> None:
        """An empty str version, and a save_dir holding NUL, raise ValueError naming them."""
        with pytest.raises(ValueError) as empty:
            JsonlLogger(tmp_path, version="")
        with_nul = str(tmp_path / "a\x00b")
        with pytest.raises(ValueError) as nul:
            JsonlLogger(with_nul)
        assert "version must be a single directory name, got ''" == str(empty.value)
        # (the path is quoted as error messages quote values: cut to a bounded length, so a long tmp_path shows cut)
        assert f"save_dir must not contain NUL, got {short_repr(with_nul)}" == str(nul.value)

    def test_the_aggregation_functions_given_are_used(self, tmp_path: Path) -> None:
        """agg_key_funcs and agg_default_func given to JsonlLogger aggregate its runs (and are checked)."""
        logger = JsonlLogger(tmp_path, agg_key_funcs={"a": max}, agg_default_func=min)
        logger.agg_and_log_metrics({"a": 1.0, "b": 1.0}, 0)
        logger.agg_and_log_metrics({"a": 3.0, "b": 3.0}, 0)
        logger.save()
        assert [(0, {"a": 3.0, "b": 1.0})] == read_jsonl(logger.log_dir).metrics
        with pytest.raises(TypeError) as info:
            JsonlLogger(tmp_path, agg_default_func=3)  # type: ignore[arg-type]
        assert "agg_default_func must be callable, got 3 (int)" == str(info.value)

    def test_an_empty_name_means_no_subdirectory(self, tmp_path: Path) -> None:
        """name='' puts the versions directly under save_dir."""
        logger = JsonlLogger(tmp_path, name="")
        logger.log_metrics({"a": 1.0}, 0)
        assert str(tmp_path / "version_0") == logger.log_dir

    @pytest.mark.parametrize(
        ("params", "where"),
        [({"n": 10**5000}, "params['n']"), ({"d": {7: [1, (2, 10**5000)]}}, "params['d'][7][1][1]")],
    )
    def test_an_int_too_large_to_write_is_refused_naming_its_key_path(
        self, tmp_path: Path, params: dict[str, Any], where: str
    ) -> None:
        """An int with more digits than Python writes as text raises ValueError naming its key path and size;
        nothing is written."""
        logger = JsonlLogger(tmp_path)
        with pytest.raises(ValueError) as info:
            logger.log_hyperparams(params)
        assert f"{where} is an int too large to store ({(10**5000).bit_length()} bits)" == str(info.value)
        assert JsonlRun() == read_jsonl(logger.log_dir)

    def test_a_large_int_that_can_be_written_is_stored(self, tmp_path: Path) -> None:
        """An int of thousands of digits within Python's limit for text is stored exactly."""
        logger = JsonlLogger(tmp_path)
        logger.log_hyperparams({"n": 10**4000, "m": -(2**10000)})
        assert [{"n": 10**4000, "m": -(2**10000)}] == read_jsonl(logger.log_dir).hyperparams

    def test_hyperparam_keys_stored_as_the_same_str_are_refused(self, tmp_path: Path) -> None:
        """Keys that would be written as the same str (1 and '1') raise ValueError naming both; nothing is written."""
        logger = JsonlLogger(tmp_path)
        with pytest.raises(ValueError) as info:
            logger.log_hyperparams({1: "a", "1": "b"})  # type: ignore[dict-item]
        assert "params: keys 1 and '1' are both stored as '1'" == str(info.value)
        assert JsonlRun() == read_jsonl(logger.log_dir)

    def test_bad_hyperparams_are_named_with_their_value(self, tmp_path: Path) -> None:
        """log_hyperparams given neither a mapping nor a Namespace raises TypeError naming params."""
        with pytest.raises(TypeError) as info:
            JsonlLogger(tmp_path).log_hyperparams([1])  # type: ignore[arg-type]
        assert "params must be a dict or an argparse.Namespace, got [1] (list)" == str(info.value)


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


class TestTheWriter:
    def test_close_fsyncs_then_closes_the_file(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """JsonlWriter.close, called on its own, fsyncs the file, closes it, and a later append reopens it."""
        writer = JsonlWriter(str(tmp_path / "run" / RECORDS_FILE))
        writer.append({"kind": "hparams", "params": {}})
        file = writer.open()
        synced: list[int] = []
        real_fsync = os.fsync

        def fsync(fd: int) -> None:
            synced.append(fd)
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", fsync)
        fd = file.fileno()
        writer.close()
        assert (fd, True) == (synced[0], file.closed)
        writer.append({"kind": "hparams", "params": {"a": 1}})
        writer.close()
        assert [{}, {"a": 1}] == read_jsonl(tmp_path / "run").hyperparams

    def test_new_directories_are_synced_deepest_first_and_once(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The first save fsyncs every directory the records file needed, from the deepest up; later ones none."""
        synced: list[str] = []
        monkeypatch.setattr(impl._durable, "_fsync_dir", synced.append)
        logger = JsonlLogger(tmp_path / "new")
        logger.log_metrics({"a": 1.0}, 0)
        logger.save()
        run_dir = tmp_path / "new" / "default" / "version_0"
        assert [str(run_dir), str(run_dir.parent), str(tmp_path / "new"), str(tmp_path)] == synced
        logger.log_metrics({"a": 2.0}, 1)
        logger.save()
        assert 4 == len(synced)

    @pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
    def test_no_file_descriptor_is_left_open_after_close(self, tmp_path: Path) -> None:
        """Logging, saving and closing in new directories leaves no file descriptor open."""
        before = open_fds()
        logger = JsonlLogger(tmp_path / "a" / "b")
        logger.log_metrics({"a": 1.0}, 0)
        logger.save()
        logger.close()
        assert set() == open_fds() - before

    def test_repr_shows_the_path(self, tmp_path: Path) -> None:
        """A writer's repr shows its absolute path."""
        path = str(tmp_path / RECORDS_FILE)
        assert f"JsonlWriter({path!r})" == repr(JsonlWriter(path))


class TestReaderMessages:
    def test_a_bad_line_in_the_middle_is_named_with_the_file_and_the_json_error(self, tmp_path: Path) -> None:
        """A line other than the last that is not JSON raises ValueError naming the file, the line and why."""
        bad = b'{"kind": "metr'
        (tmp_path / RECORDS_FILE).write_bytes(COMPLETE[0] + bad + b"\n" + COMPLETE[1])
        with pytest.raises(ValueError) as parse:
            json.loads(bad)
        why = str(parse.value)
        with pytest.raises(ValueError) as info:
            read_jsonl(tmp_path)
        assert f"{tmp_path / RECORDS_FILE}: line 2 is not valid JSON: {why}" == str(info.value)

    def test_an_undecodable_torn_tail_is_read_with_replacement_characters(self, tmp_path: Path) -> None:
        """A torn last line (no newline) that is not UTF-8 is reported with U+FFFD for its bad bytes."""
        (tmp_path / RECORDS_FILE).write_bytes(COMPLETE[0] + b'{"k\xff')
        assert JsonlRun([(0, {"a": 1.0})], [], '{"k\ufffd') == read_jsonl(tmp_path)

    def test_a_line_that_is_not_a_record_is_shown_cut_to_60_bytes(self, tmp_path: Path) -> None:
        """A JSON line that is not a record raises ValueError naming the file, the line and its first 60 bytes."""
        line = b'{"kind": "text", "body": "' + b"w" * 80 + b'"}'
        (tmp_path / RECORDS_FILE).write_bytes(COMPLETE[0] + line + b"\n")
        with pytest.raises(ValueError) as info:
            read_jsonl(tmp_path)
        assert f"{tmp_path / RECORDS_FILE}: line 2 is not a metrics or hparams record: {line[:60]!r}" == str(info.value)

    def test_a_line_nested_too_deeply_for_json_is_named(self, tmp_path: Path) -> None:
        """A line nested deeper than json can read raises ValueError naming the file and the line, even the last."""
        deep = b"[" * 100_000 + b"]" * 100_000
        (tmp_path / RECORDS_FILE).write_bytes(COMPLETE[0] + b'{"kind": "hparams", "params": {"p": ' + deep + b"}}\n")
        with pytest.raises(ValueError) as info:
            read_jsonl(tmp_path)
        assert f"{tmp_path / RECORDS_FILE}: line 2 is nested too deeply to read" == str(info.value)

    def test_a_log_dir_that_is_not_a_path_is_named_with_its_value(self) -> None:
        """read_jsonl given something other than a str or os.PathLike raises TypeError naming log_dir."""
        with pytest.raises(TypeError) as info:
            read_jsonl(3)  # type: ignore[arg-type]
        assert "log_dir must be a str or an os.PathLike of str, got 3 (int)" == str(info.value)
