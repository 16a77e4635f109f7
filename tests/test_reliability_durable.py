"""Issue 12, rows 4, 5, 6 and 8: JsonlLogger's storage on a full disk, with a second writer, with its
records file deleted or replaced, and with hostile names, versions and symbolic links."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from impl import RECORDS_FILE, JsonlLogger, JsonlStorageError, read_jsonl

REPO_ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}


def records(logger: JsonlLogger) -> Path:
    return Path(logger.log_dir) / RECORDS_FILE


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, mounted for the test (needs root and mount(8); skipped otherwise)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if sys.platform != "linux" or shutil.which("mount") is None:
        pytest.skip("needs Linux and mount(8) to make a small tmpfs")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(directory: Path) -> Path:
    """Fill the file system holding ``directory`` with one file, up to ENOSPC."""
    filler = directory / "filler"
    with filler.open("wb", buffering=0) as file:
        chunk = b"\0" * 4096
        try:
            while True:
                file.write(chunk)
        except OSError:
            pass
        try:  # the last part page, byte by byte
            while True:
                file.write(b"\0")
        except OSError:
            pass
    return filler


class TestDiskFull:
    """Row 4: a write that fails on ENOSPC leaves nothing behind, and the retried run lands once."""

    def test_a_run_retried_after_enospc_is_on_disk_once(self, small_disk: Path) -> None:
        """The run pending when the disk filled is written once by the save() after space returns; no torn line."""
        logger = JsonlLogger(small_disk, version=0)
        logger.log_metrics({"first": 1.0}, step=0)
        big = {f"metric_{i:04d}": i / 3 for i in range(400)}  # a line of about 12 KB: more than a page
        logger.agg_and_log_metrics(big, step=1)
        filler = fill(small_disk)
        with pytest.raises(OSError, match="No space left"):
            logger.save()  # logging the pending run fails: it stays pending
        with pytest.raises(OSError, match="No space left"):
            logger.agg_and_log_metrics({"x": 2.0}, step=2)  # logging it again fails again
        filler.unlink()
        logger.save()
        logger.agg_and_log_metrics({"x": 2.0}, step=2)
        logger.close()
        run = read_jsonl(logger.log_dir)
        assert run.torn_tail is None
        assert [step for step, _ in run.metrics] == [0, 1, 2]
        assert run.metrics[1][1] == big


CHILD_HOLDING_THE_RUN = textwrap.dedent(
    """
    import sys
    from impl import JsonlLogger
    logger = JsonlLogger(sys.argv[1], version=0)
    logger.log_metrics({"child": 1.0}, step=0)
    logger.save()
    with open(logger.experiment.path, "ab") as file:  # a line the child is in the middle of writing
        file.write(b'{"kind": "metrics", "step": 1, "metr')
    print("READY", flush=True)
    sys.stdin.readline()
    """
)


class TestOneWriterPerRun:
    """Row 5: a second logger on a run gets a clear error and changes nothing; versions are claimed atomically."""

    def test_a_second_process_cannot_truncate_the_line_of_the_writer(self, tmp_path: Path) -> None:
        """While another process writes version_0, a logger there raises JsonlStorageError and the file is unchanged."""
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD_HOLDING_THE_RUN, str(tmp_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        try:
            assert child.stdout is not None and child.stdin is not None
            ready = child.stdout.readline()
            assert ready == "READY\n", child.stderr.read() if child.stderr else ""
            path = tmp_path / "default" / "version_0" / RECORDS_FILE
            before = path.read_bytes()
            second = JsonlLogger(tmp_path, version=0)
            with pytest.raises(JsonlStorageError, match="being written by another JsonlLogger"):
                second.log_metrics({"second": 2.0}, step=5)
            with pytest.raises(JsonlStorageError):
                second.log_hyperparams({"lr": 0.1})
            assert path.read_bytes() == before
            child.stdin.write("\n")
            child.stdin.flush()
            assert child.wait(timeout=30) == 0
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            for stream in (child.stdin, child.stdout, child.stderr):
                if stream is not None:
                    stream.close()
        # Its writer gone, the run can be resumed: the torn line is cut, the new record lands.
        second.log_metrics({"second": 2.0}, step=5)
        run = read_jsonl(second.log_dir)
        assert run.metrics == [(0, {"child": 1.0}), (5, {"second": 2.0})] and run.torn_tail is None

    def test_two_loggers_in_one_process_on_one_run(self, tmp_path: Path) -> None:
        """A second logger with the same explicit version raises until the first one closes."""
        first = JsonlLogger(tmp_path, version="run")
        second = JsonlLogger(tmp_path, version="run")
        first.log_metrics({"a": 1.0}, step=0)
        with pytest.raises(JsonlStorageError):
            second.log_metrics({"a": 2.0}, step=1)
        first.close()
        second.log_metrics({"a": 2.0}, step=1)
        assert read_jsonl(first.log_dir).metrics == [(0, {"a": 1.0}), (1, {"a": 2.0})]

    def test_versions_read_before_any_write_differ(self, tmp_path: Path) -> None:
        """Two loggers whose version is read before either writes get version_0 and version_1, and never share a file."""
        first, second = JsonlLogger(tmp_path), JsonlLogger(tmp_path)
        assert (first.version, second.version) == (0, 1)
        first.log_metrics({"who": 1.0}, step=0)
        second.log_metrics({"who": 2.0}, step=0)
        assert read_jsonl(first.log_dir).metrics == [(0, {"who": 1.0})]
        assert read_jsonl(second.log_dir).metrics == [(0, {"who": 2.0})]

    def test_processes_choosing_at_once_get_distinct_versions(self, tmp_path: Path) -> None:
        """Three processes that read their version at the same moment each get their own."""
        go = tmp_path / "go"
        code = textwrap.dedent(
            f"""
            import os, sys, time
            from impl import JsonlLogger
            logger = JsonlLogger(sys.argv[1])
            while not os.path.exists({str(go)!r}):
                time.sleep(0.001)
            print(logger.version)
            """
        )
        save_dir = tmp_path / "runs"
        children = [
            subprocess.Popen([sys.executable, "-c", code, str(save_dir)], stdout=subprocess.PIPE, text=True, env=ENV)
            for _ in range(3)
        ]
        go.touch()
        versions = [child.communicate(timeout=60)[0].strip() for child in children]
        assert sorted(versions) == ["0", "1", "2"]


class TestVanishedFile:
    """Row 6: the records file deleted, its directory removed, or a file renamed over it is noticed."""

    @pytest.mark.parametrize("how", ["deleted", "directory removed", "replaced"])
    def test_save_and_log_metrics_raise(self, tmp_path: Path, how: str) -> None:
        """log_metrics and save() raise JsonlStorageError saying what happened; nothing is lost silently."""
        logger = JsonlLogger(tmp_path)
        logger.log_metrics({"a": 1.0}, step=0)
        path = records(logger)
        if how == "deleted":
            path.unlink()
        elif how == "directory removed":
            shutil.rmtree(path.parent)
        else:
            other = tmp_path / "other.jsonl"
            other.write_bytes(b"")
            os.replace(other, path)
        word = "replaced" if how == "replaced" else "deleted"
        with pytest.raises(JsonlStorageError, match=word):
            logger.save()
        with pytest.raises(JsonlStorageError, match=word):
            logger.log_metrics({"a": 2.0}, step=1)


class TestPaths:
    """Row 8: nothing is written outside save_dir, and no symbolic link is followed."""

    @pytest.mark.parametrize(
        ("kwargs", "argument"),
        [
            ({"name": "../../x"}, "name"),
            ({"name": ".."}, "name"),
            ({"name": "."}, "name"),
            ({"name": "a/b"}, "name"),
            ({"name": "/abs"}, "name"),
            ({"version": "../x"}, "version"),
            ({"version": ".."}, "version"),
            ({"version": "/abs"}, "version"),
            ({"version": ""}, "version"),
            ({"version": "a\x00"}, "version"),
        ],
    )
    def test_name_and_version_must_be_single_directory_names(
        self, tmp_path: Path, kwargs: dict[str, Any], argument: str
    ) -> None:
        """A name or version that is not one directory name raises ValueError naming it, at construction."""
        save_dir = tmp_path / "a" / "b"
        with pytest.raises(ValueError, match=f"^{argument} must be a single directory name"):
            JsonlLogger(save_dir, **kwargs)
        assert list(tmp_path.iterdir()) == []

    def test_a_symlink_at_the_records_file_is_not_followed(self, tmp_path: Path) -> None:
        """records.jsonl linking elsewhere raises JsonlStorageError; the target (no final newline) is not truncated."""
        target = tmp_path / "precious.txt"
        target.write_bytes(b"line one\nno newline at the end")
        run_dir = tmp_path / "runs" / "default" / "version_0"
        run_dir.mkdir(parents=True)
        (run_dir / RECORDS_FILE).symlink_to(target)
        logger = JsonlLogger(tmp_path / "runs", version=0)
        with pytest.raises(JsonlStorageError, match="symbolic link"):
            logger.log_metrics({"a": 1.0}, step=0)
        assert target.read_bytes() == b"line one\nno newline at the end"

    def test_a_symlink_at_the_version_directory_is_not_followed(self, tmp_path: Path) -> None:
        """A version directory that is a link elsewhere raises JsonlStorageError; nothing is written there."""
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (tmp_path / "runs" / "default").mkdir(parents=True)
        (tmp_path / "runs" / "default" / "mine").symlink_to(elsewhere, target_is_directory=True)
        logger = JsonlLogger(tmp_path / "runs", version="mine")
        with pytest.raises(JsonlStorageError, match="symbolic link"):
            logger.log_metrics({"a": 1.0}, step=0)
        assert list(elsewhere.iterdir()) == []

