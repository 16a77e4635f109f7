"""JsonlLogger's storage promises, each observed from outside: one writer per run, a records file deleted
or replaced while open is reported, symbolic links are not followed, a file that is not a regular file is
refused, a failed write leaves nothing behind, the file's mode, no warning, and copies and pickles.

The failures a disk or the system gives (ENOSPC, too many open files) are made deterministic: ``os.write``
is replaced for one call by a disk with room for a given number of bytes, and the limit on open files is
lowered around one call."""

from __future__ import annotations

import copy
import errno
import os
import pickle
import stat
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from impl import RECORDS_FILE, JsonlLogger, JsonlRun, JsonlStorageError, JsonlWriter, read_jsonl

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX storage: flock, O_NOFOLLOW, /proc")


def records(logger: JsonlLogger) -> Path:
    return Path(logger.log_dir) / RECORDS_FILE


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


class TestTheRecordsFile:
    def test_it_is_log_dir_slash_records_jsonl(self, tmp_path: Path) -> None:
        """The records are in <save_dir>/<name>/version_<N>/records.jsonl, the name the module documents."""
        logger = JsonlLogger(tmp_path, name="exp", version=2)
        logger.log_metrics({"a": 1.0}, 0)
        assert ["records.jsonl"] == os.listdir(tmp_path / "exp" / "version_2")
        assert "records.jsonl" == RECORDS_FILE

    def test_it_is_created_readable_and_writable_as_the_umask_allows(self, tmp_path: Path) -> None:
        """The file is created with mode 0o666 less the umask, as open() creates files (0o644 under umask 022)."""
        previous = os.umask(0o022)
        try:
            logger = JsonlLogger(tmp_path)
            logger.log_metrics({"a": 1.0}, 0)
        finally:
            os.umask(previous)
        assert 0o644 == stat.S_IMODE(records(logger).stat().st_mode)

    def test_using_a_logger_warns_nothing(self, tmp_path: Path) -> None:
        """Logging, saving, closing and logging again emit no warning."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            logger = JsonlLogger(tmp_path)
            logger.log_metrics({"a": 1.0}, 0)
            logger.save()
            logger.close()
            logger.log_hyperparams({"p": 1})
            logger.close()
        assert [] == [str(w.message) for w in caught]


class TestOneWriterPerRun:
    def test_a_second_writer_of_the_run_is_refused_and_changes_nothing(self, tmp_path: Path) -> None:
        """A second logger on a run another holds gets JsonlStorageError naming the file; the first writes on."""
        first, second = JsonlLogger(tmp_path, version=0), JsonlLogger(tmp_path, version=0)
        first.log_metrics({"a": 1.0}, 0)
        with pytest.raises(JsonlStorageError) as info:
            second.log_metrics({"b": 2.0}, 0)
        assert (
            f"{records(first)} is being written by another JsonlLogger (in this process or another): "
            "a run has one writer at a time"
        ) == str(info.value)
        first.log_metrics({"a": 3.0}, 1)
        first.close()
        second.log_metrics({"b": 4.0}, 2)  # once the first has closed the file, the second may write
        second.close()
        assert [(0, {"a": 1.0}), (1, {"a": 3.0}), (2, {"b": 4.0})] == read_jsonl(first.log_dir).metrics

    @pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
    def test_a_refused_writer_leaves_no_file_descriptor_open(self, tmp_path: Path) -> None:
        """The refused open closes what it opened."""
        first = JsonlLogger(tmp_path, version=0)
        first.log_metrics({"a": 1.0}, 0)
        before = open_fds()
        with pytest.raises(JsonlStorageError):
            JsonlLogger(tmp_path, version=0).log_metrics({"b": 2.0}, 0)
        assert set() == open_fds() - before
        first.close()


class TestTheFileChangedUnderTheWriter:
    @pytest.mark.parametrize("then", ["log_metrics", "save"])
    def test_a_deleted_file_is_reported(self, tmp_path: Path, then: str) -> None:
        """Deleted while open, the next record or save raises JsonlStorageError saying records are lost."""
        logger = JsonlLogger(tmp_path)
        logger.log_metrics({"a": 1.0}, 0)
        records(logger).unlink()
        with pytest.raises(JsonlStorageError) as info:
            logger.log_metrics({"a": 2.0}, 1) if then == "log_metrics" else logger.save()
        assert f"{records(logger)} was deleted while open: records written since are lost" == str(info.value)
        assert not records(logger).exists()

    @pytest.mark.parametrize("then", ["log_metrics", "save"])
    @pytest.mark.parametrize("how", ["another file", "a link to the same file"])
    def test_a_replaced_file_is_reported(self, tmp_path: Path, then: str, how: str) -> None:
        """Replaced while open (by another file, or by a symbolic link to the file itself), the next record or
        save raises JsonlStorageError, and nothing more is written to the file."""
        logger = JsonlLogger(tmp_path)
        logger.log_metrics({"a": 1.0}, 0)
        path = records(logger)
        original = path.read_bytes()
        moved = path.with_name("moved.jsonl")
        path.rename(moved)
        if how == "another file":
            path.write_bytes(b"")
        else:
            path.symlink_to(moved)
        with pytest.raises(JsonlStorageError) as info:
            logger.log_metrics({"a": 2.0}, 1) if then == "log_metrics" else logger.save()
        assert f"{path} was replaced by another file while open: records written since are lost" == str(info.value)
        assert original == moved.read_bytes()  # nothing was written after the change


class TestLinksAndOtherFiles:
    def test_a_version_directory_that_is_a_link_is_refused(self, tmp_path: Path) -> None:
        """A run directory that is a symbolic link raises JsonlStorageError naming it; nothing is written there."""
        target = tmp_path / "elsewhere"
        target.mkdir()
        (tmp_path / "default").mkdir()
        (tmp_path / "default" / "version_0").symlink_to(target)
        logger = JsonlLogger(tmp_path, version=0)
        with pytest.raises(JsonlStorageError) as info:
            logger.log_metrics({"a": 1.0}, 0)
        assert f"{logger.log_dir} is a symbolic link: JsonlLogger does not follow links" == str(info.value)
        assert [] == os.listdir(target)

    def test_a_records_file_that_is_a_link_is_refused(self, tmp_path: Path) -> None:
        """A records file that is a symbolic link raises JsonlStorageError naming it; its target is untouched."""
        target = tmp_path / "target.jsonl"
        target.write_bytes(b"")
        logger = JsonlLogger(tmp_path, version=0)
        Path(logger.log_dir).mkdir(parents=True)
        records(logger).symlink_to(target)
        with pytest.raises(JsonlStorageError) as info:
            logger.log_metrics({"a": 1.0}, 0)
        assert f"{records(logger)} is a symbolic link: JsonlLogger does not follow links" == str(info.value)
        assert b"" == target.read_bytes()

    @pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
    def test_a_records_file_that_is_a_fifo_is_refused(self, tmp_path: Path) -> None:
        """A records path that is not a regular file (a FIFO) raises JsonlStorageError; no descriptor is left open."""
        logger = JsonlLogger(tmp_path, version=0)
        Path(logger.log_dir).mkdir(parents=True)
        os.mkfifo(records(logger))
        before = open_fds()
        with pytest.raises(JsonlStorageError) as info:
            logger.log_metrics({"a": 1.0}, 0)
        assert f"{records(logger)} is not a regular file" == str(info.value)
        assert set() == open_fds() - before


@contextmanager
def no_more_open_files(spare: int) -> Iterator[None]:
    """While inside, ``spare`` more files can be opened, then opening fails with EMFILE: the limit on
    descriptor numbers is lowered to the lowest free one (the number the next open takes) plus ``spare``."""
    import resource

    lowest_free = os.open(os.devnull, os.O_RDONLY)
    os.close(lowest_free)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (lowest_free + spare, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


class TestOtherErrorsOpeningTheRun:
    @pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
    @pytest.mark.parametrize("spare", [0, 1], ids=["the directory", "the records file"])
    def test_an_error_opening_the_run_is_raised_as_it_is(self, tmp_path: Path, spare: int) -> None:
        """An OSError opening the run's directory or its records file (too many open files) is raised as it is,
        not as a link error, and leaves no descriptor open."""
        logger = JsonlLogger(tmp_path, version=0)
        Path(logger.log_dir).mkdir(parents=True)
        before = open_fds()
        with pytest.raises(OSError) as info, no_more_open_files(spare):
            logger.log_metrics({"a": 1.0}, 0)
        assert (OSError, errno.EMFILE) == (type(info.value), info.value.errno)
        assert set() == open_fds() - before
        logger.log_metrics({"a": 2.0}, 1)  # with descriptors free again, the run opens
        assert [(1, {"a": 2.0})] == read_jsonl(logger.log_dir).metrics


class Disk:
    """Stands in for ``os.write`` on a disk with ``room`` bytes free: a write takes what fits, and a write
    when nothing fits raises OSError(ENOSPC), as a full disk does. Other descriptors are written as usual."""

    def __init__(self, fd: int, room: int, write: Callable[[int, Any], int]) -> None:
        self.fd, self.room, self._write = fd, room, write
        self.calls = 0

    def __call__(self, fd: int, data: Any) -> int:
        if fd != self.fd:
            return self._write(fd, data)
        self.calls += 1
        if self.room == 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        taken = self._write(fd, bytes(data)[: self.room])
        self.room -= taken
        return taken


def full_disk(monkeypatch: pytest.MonkeyPatch, writer: JsonlWriter, room: int) -> Disk:
    disk = Disk(writer.open().fileno(), room, os.write)
    monkeypatch.setattr(os, "write", disk)
    return disk


class TestAFailedWriteLeavesNothing:
    @pytest.mark.parametrize("room", [0, 1, 30])
    def test_the_file_is_as_before_and_the_record_can_be_retried(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, room: int
    ) -> None:
        """A write that fails (the disk fills after ``room`` bytes of the line) raises the OSError and cuts off
        the part written: the file is byte for byte as before, and the record, retried, is on disk once."""
        logger = JsonlLogger(tmp_path)
        logger.log_metrics({"a": 1.0}, 0)
        before = records(logger).read_bytes()
        disk = full_disk(monkeypatch, logger.experiment, room)
        with pytest.raises(OSError) as info:
            logger.log_metrics({"b": 2.0}, 1)
        assert (errno.ENOSPC, before) == (info.value.errno, records(logger).read_bytes())
        assert disk.calls == (1 if room == 0 else 2)
        monkeypatch.undo()
        logger.log_metrics({"b": 2.0}, 1)
        assert JsonlRun([(0, {"a": 1.0}), (1, {"b": 2.0})], [], None) == read_jsonl(logger.log_dir)

    def test_a_short_write_is_completed(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A write the system takes only in part (a signal) is completed by writing the rest: one whole line."""
        logger = JsonlLogger(tmp_path)
        logger.log_metrics({"a": 1.0}, 0)
        fd, real_write = logger.experiment.open().fileno(), os.write
        sizes: list[int] = []

        def a_few_bytes_at_a_time(target: int, data: Any) -> int:
            if target != fd:
                return real_write(target, data)
            sizes.append(len(data))
            return real_write(target, bytes(data)[:7])

        monkeypatch.setattr(os, "write", a_few_bytes_at_a_time)
        logger.log_metrics({"b": 2.0}, 1)
        monkeypatch.undo()
        line = b'{"kind": "metrics", "step": 1, "metrics": {"b": 2.0}}\n'
        assert list(range(len(line), 0, -7)) == sizes
        assert JsonlRun([(0, {"a": 1.0}), (1, {"b": 2.0})], [], None) == read_jsonl(logger.log_dir)

    def test_a_failed_undo_is_noted_on_the_error(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """When cutting off the part written fails too, the write's error carries a note saying how many bytes
        were left and why they could not be cut."""
        logger = JsonlLogger(tmp_path)
        logger.log_metrics({"a": 1.0}, 0)
        full_disk(monkeypatch, logger.experiment, 5)

        def ftruncate(fd: int, length: int) -> None:
            raise OSError(errno.EIO, "I/O error")

        monkeypatch.setattr(os, "ftruncate", ftruncate)
        with pytest.raises(OSError) as info:
            logger.log_metrics({"b": 2.0}, 1)
        assert errno.ENOSPC == info.value.errno
        assert ["and cutting off the 5 bytes written failed: [Errno 5] I/O error"] == info.value.__notes__


class TestCopiesAndPickles:
    def test_a_copy_of_the_writer_is_the_writer(self, tmp_path: Path) -> None:
        """copy.copy and copy.deepcopy of a JsonlWriter give the writer itself (one writer per run)."""
        writer = JsonlWriter(str(tmp_path / RECORDS_FILE))
        assert (writer, writer) == (copy.copy(writer), copy.deepcopy(writer))

    def test_a_deep_copy_of_a_logger_writes_through_the_same_writer(self, tmp_path: Path) -> None:
        """A deep copy of an open logger writes to the same file, without a second writer's refusal."""
        logger = JsonlLogger(tmp_path)
        logger.log_metrics({"a": 1.0}, 0)
        twin = copy.deepcopy(logger)
        twin.log_metrics({"a": 2.0}, 1)
        logger.log_metrics({"a": 3.0}, 2)
        assert [0, 1, 2] == [step for step, _ in read_jsonl(logger.log_dir).metrics]

    def test_a_pickled_logger_opens_the_file_again(self, tmp_path: Path) -> None:
        """A logger pickled while its file is open unpickles without it, and opens it again when it next logs."""
        logger = JsonlLogger(tmp_path)
        logger.log_metrics({"a": 1.0}, 0)
        restored = pickle.loads(pickle.dumps(logger))
        logger.close()
        restored.log_metrics({"a": 2.0}, 1)
        restored.close()
        assert [(0, {"a": 1.0}), (1, {"a": 2.0})] == read_jsonl(logger.log_dir).metrics


class TestTheVersionIsClaimed:
    def test_reading_the_version_creates_its_directory(self, tmp_path: Path) -> None:
        """Reading a chosen version claims it: save_dir/name/version_N is created then, in a save_dir that did
        not exist yet, before anything is logged."""
        logger = JsonlLogger(tmp_path / "new")
        assert 0 == logger.version
        assert ["version_0"] == os.listdir(tmp_path / "new" / "default")

    def test_a_version_claimed_by_another_logger_meanwhile_is_skipped(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """When another logger creates version_N between this one's look at the directory and its claim,
        this one takes N + 1 (the look is made stale by listing the directory as it was before)."""
        root = tmp_path / "default"
        (root / "version_0").mkdir(parents=True)
        real_listdir = os.listdir

        def listed_before_the_other_claim(path: Any) -> list[str]:
            names = real_listdir(path)
            return [n for n in names if n != "version_0"] if Path(path) == root else names

        monkeypatch.setattr(os, "listdir", listed_before_the_other_claim)
        assert 1 == JsonlLogger(tmp_path).version
        monkeypatch.undo()
        assert ["version_0", "version_1"] == sorted(os.listdir(root))

    def test_a_directory_that_cannot_be_written_still_gives_a_version(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """When the version directory cannot be created (a read-only save_dir), reading the version does not
        raise: it is the next free N, unclaimed, and the first record raises instead."""
        (tmp_path / "default" / "version_4").mkdir(parents=True)

        def read_only(path: Any, mode: int = 0o777, **kwargs: Any) -> None:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

        monkeypatch.setattr(os, "mkdir", read_only)
        logger = JsonlLogger(tmp_path)
        assert 5 == logger.version
        with pytest.raises(OSError) as info:
            logger.log_metrics({"a": 1.0}, 0)
        assert errno.EROFS == info.value.errno
        monkeypatch.undo()
        assert ["version_4"] == os.listdir(tmp_path / "default")
