"""``JsonlLogger``: a durable logger that appends one JSON line per record; ``read_jsonl`` reads it back.

The file is ``<log_dir>/records.jsonl``: one JSON object per line, in logging order::

    {"kind": "metrics", "step": 3, "metrics": {"loss": 0.25, "d": {"x": 1}}}
    {"kind": "hparams", "params": {"lr": 0.001, "layers": [64, 64]}}

The JSON is the superset that Python's ``json`` module writes and reads: NaN, Infinity and
-Infinity appear as the bare words ``NaN``, ``Infinity`` and ``-Infinity``. Strict JSON readers
reject those lines.

Durability: each record is written with one ``os.write`` of its whole line, with no buffer in
between, so it survives the process being killed. ``save``, ``finalize`` and ``close`` also
``fsync`` it, so everything logged before they return survives a crash of the machine too. A kill
during a write can leave a torn last line: ``read_jsonl`` reports it and returns every complete record.
A write that fails (``ENOSPC``: the disk is full) leaves nothing behind: the part of the line written
is cut off again before the error is raised, so a retried record is on disk once.

One writer per run: a :class:`JsonlWriter` holds an exclusive ``flock`` on the records file from
when it opens the file until it closes it. A second writer of the same run (in this process or
another) gets :class:`JsonlStorageError` when it opens the file and changes nothing in it. An int
version chosen by the logger is claimed by creating its directory (``os.mkdir`` fails if it
exists), so two loggers never choose the same one. The version directory and the records file are
opened without following symbolic links, and ``name`` and ``version`` must be single path
components, so nothing is written outside ``save_dir``.
"""

from __future__ import annotations

import errno
import io
import json
import numbers
import os
import stat
import sys
from argparse import Namespace
from collections.abc import Mapping
from typing import Any, TypeGuard

import attrs

import spec
from impl._logger import LightningLoggerBase, ReentrantLock
from impl._merge import _NUMPY_MEAN
from impl._rank import rank_zero_experiment, rank_zero_only
from impl._validate import check_metrics, check_params, check_step, describe, short_repr

if sys.platform != "win32":
    import fcntl

__all__ = ["RECORDS_FILE", "JsonlLogger", "JsonlRun", "JsonlStorageError", "JsonlWriter", "read_jsonl"]

RECORDS_FILE = "records.jsonl"
"""The name of the records file inside a run's ``log_dir``."""

_NOFOLLOW: int = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC: int = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY: int = getattr(os, "O_DIRECTORY", 0)


class JsonlStorageError(OSError):
    """A run's storage cannot be written as promised: another writer holds the run, the records
    file was deleted or replaced while open, or a path inside the run is a symbolic link."""


class JsonlWriter:
    """The experiment of a :class:`JsonlLogger`: appends lines to one file.

    The file, and its missing directories, are created on first use; after :meth:`close` the next
    use opens it again for appending. No complete record in it is ever lost (see :meth:`open`).
    While open, the writer holds an exclusive lock on the file: it is the run's only writer. Its
    methods may be called from several threads. A copy (``copy.copy``, ``copy.deepcopy``) is the
    same writer; a pickled one opens the file again when it is next used.
    """

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        self._file: io.FileIO | None = None
        self._identity: tuple[int, int] | None = None  # (st_dev, st_ino) of the file while open
        self._unsynced_dirs: set[str] = set()  # directories holding an entry created since the last sync
        self._lock = ReentrantLock()

    def open(self) -> io.FileIO:
        """Return the file, opened for appending (creating it and its directories if needed).

        The file is locked first: if another writer holds it, :class:`JsonlStorageError` is raised
        and nothing is changed. Then a torn last line (no newline: its writer was killed) is cut
        off. It was never a complete record, and records appended after it would otherwise join
        it into one bad line.

        Raises:
            JsonlStorageError: another writer holds the file, or the file or its directory is a
                symbolic link (the message says which).
        """
        with self._lock:
            if self._file is None:
                self._open()
            assert self._file is not None
            return self._file

    def _open(self) -> None:
        directory, name = os.path.split(self.path)
        created = _missing_dirs(directory)
        os.makedirs(directory, exist_ok=True)
        try:
            dir_fd = os.open(directory, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
        except OSError as error:
            if error.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.islink(directory):
                raise JsonlStorageError(f"{directory} is a symbolic link: JsonlLogger does not follow links") from None
            raise
        try:
            if not os.path.exists(self.path):
                created.append(self.path)
            try:
                flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | _NOFOLLOW | _CLOEXEC
                fd = os.open(name, flags, 0o666, dir_fd=dir_fd if _DIRECTORY else None)
            except OSError as error:
                if error.errno == errno.ELOOP:
                    raise JsonlStorageError(f"{self.path} is a symbolic link: JsonlLogger does not follow links") from None
                raise
        finally:
            os.close(dir_fd)
        try:
            _lock_exclusively(fd, self.path)
            status = os.fstat(fd)
            if not stat.S_ISREG(status.st_mode):
                raise JsonlStorageError(f"{self.path} is not a regular file")
            _cut_torn_tail(fd)
        except BaseException:
            os.close(fd)
            raise
        self._file = open(fd, "ab", buffering=0)  # noqa: SIM115 - kept open until close(); unbuffered
        self._identity = (status.st_dev, status.st_ino)
        self._unsynced_dirs |= {os.path.dirname(p) for p in created}

    def append(self, record: Mapping[str, Any]) -> None:
        """Append ``record`` as one JSON line, written to the operating system with one ``os.write``.

        The line is built before the file is touched, so a record ``json`` cannot write writes
        nothing. A write that fails (a full disk) is undone: the part written is cut off again,
        so nothing is left behind and a retried record is on disk once.

        Raises:
            JsonlStorageError: the records file was deleted or replaced since it was opened.
            OSError: the write failed (``ENOSPC``, ``EIO``); the file is as it was before the call.
        """
        line = (json.dumps(record, allow_nan=True) + "\n").encode("ascii")  # ensure_ascii: always ASCII
        with self._lock:
            file = self.open()
            self._check_identity()
            _write_whole(file.fileno(), line)

    def _check_identity(self) -> None:
        """Raise unless the path still names the file this writer has open."""
        try:
            found = os.stat(self.path, follow_symlinks=False)
        except FileNotFoundError:
            raise JsonlStorageError(
                f"{self.path} was deleted while open: records written since are lost"
            ) from None
        if (found.st_dev, found.st_ino) != self._identity:
            raise JsonlStorageError(
                f"{self.path} was replaced by another file while open: records written since are lost"
            )

    def sync(self) -> None:
        """Flush and fsync the file and the directory entries created for it; nothing if it is not open.

        Raises:
            JsonlStorageError: the records file was deleted or replaced since it was opened.
        """
        with self._lock:
            if self._file is None:
                return
            self._check_identity()
            os.fsync(self._file.fileno())
            # A new file or directory is durable only once the directory holding its entry is synced too.
            for directory in sorted(self._unsynced_dirs, reverse=True):
                _fsync_dir(directory)
            self._unsynced_dirs = set()

    def close(self) -> None:
        """:meth:`sync`, then close the file and release its lock; nothing if it is not open."""
        with self._lock:
            if self._file is None:
                return
            try:
                self.sync()
            finally:
                self._file.close()
                self._file = None
                self._identity = None

    def __copy__(self) -> JsonlWriter:
        return self  # one writer per run: a copy of a logger writes through the same writer

    def __deepcopy__(self, memo: dict[int, Any]) -> JsonlWriter:
        return self

    def __getstate__(self) -> dict[str, Any]:
        # An open file cannot be pickled; an unpickled writer opens the file again (and locks it).
        return {**self.__dict__, "_file": None, "_identity": None}

    def __repr__(self) -> str:
        return f"JsonlWriter({self.path!r})"


def _write_whole(fd: int, line: bytes) -> None:
    """Write all of ``line`` at the end of ``fd`` (opened with ``O_APPEND``), or nothing: after a
    failure, the part written is cut off before the error is raised."""
    written = 0
    try:
        written = os.write(fd, line)  # one write of the whole line: a kill tears at most this line
        while written < len(line):  # a short write (a signal, or the disk filling up): write the rest
            written += os.write(fd, memoryview(line)[written:])
    except BaseException as error:
        if written:
            end = os.lseek(fd, 0, os.SEEK_CUR)  # (O_APPEND: the offset is the end of what was written)
            try:
                os.ftruncate(fd, end - written)
            except OSError as undo:
                error.add_note(f"and cutting off the {written} bytes written failed: {undo}")
        raise


def _lock_exclusively(fd: int, path: str) -> None:
    """Take the exclusive lock on the records file, or raise :class:`JsonlStorageError`."""
    if sys.platform == "win32":  # no flock: one writer per run is not enforced
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise JsonlStorageError(
            f"{path} is being written by another JsonlLogger (in this process or another): "
            "a run has one writer at a time"
        ) from None


def _missing_dirs(directory: str) -> list[str]:
    """``directory`` and those of its ancestors that do not exist yet (``directory`` is absolute)."""
    missing: list[str] = []
    while not os.path.isdir(directory):
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return missing


def _fsync_dir(directory: str) -> None:
    if os.name != "posix":  # only POSIX systems can open a directory to fsync it
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _cut_torn_tail(fd: int) -> None:
    """Truncate the file ``fd`` after its last newline, if it does not end with one."""
    end = os.fstat(fd).st_size
    if end == 0 or os.pread(fd, 1, end - 1) == b"\n":
        return
    while end > 0:  # scan back in chunks: a torn line may be large
        start = max(0, end - (1 << 16))
        newline = os.pread(fd, end - start, start).rfind(b"\n")
        if newline >= 0:
            os.ftruncate(fd, start + newline + 1)
            return
        end = start
    os.ftruncate(fd, 0)


def _next_version(root: str) -> int:
    """One more than the largest ``N`` of the ``version_N`` entries in ``root`` (0 if none)."""
    try:
        names = os.listdir(root)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    taken = [int(n[8:]) for n in names if n.startswith("version_") and n[8:].isascii() and n[8:].isdecimal()]
    return max(taken, default=-1) + 1


def _claim_version(root: str) -> tuple[int, list[str]]:
    """Claim the next free ``version_N`` in ``root`` by creating its directory: ``os.mkdir`` fails
    when the directory exists, so of two loggers (in any processes) choosing at once, each gets its
    own ``N``. Returns ``N`` and the directories created (``root`` and its missing ancestors too)."""
    created = _missing_dirs(root)
    try:
        os.makedirs(root, exist_ok=True)
    except OSError:  # a read-only or missing save_dir: choose without a claim; the first record will fail
        return _next_version(root), []
    version = _next_version(root)
    while True:
        path = os.path.join(root, f"version_{version}")
        try:
            os.mkdir(path)
        except FileExistsError:
            version += 1
            continue
        except OSError:  # as above: reading the version never raises for want of a writable directory
            return version, created
        return version, [*created, path]


def _path_part(value: str, arg: str) -> None:
    """Raise ``ValueError`` unless ``value`` names one entry inside a directory (no separator, not
    ``.`` or ``..``, not absolute, no NUL)."""
    separators = {"/", os.sep, os.altsep} - {None}
    if "\x00" in value or value in (".", "..") or any(sep in value for sep in separators if sep) or os.path.isabs(value):
        raise ValueError(
            f"{arg} must be a single directory name (no path separator, '.', '..' or NUL), got {short_repr(value)}"
        )


def _metric_values(metrics: Mapping[str, Any], arg: str = "metrics") -> dict[str, Any]:
    """Checked ``metrics`` as plain Python numbers in (nested) dicts, each reading back equal to the value logged.

    Raises:
        TypeError: a value passed ``check_metrics`` but is not a real number (a numpy complex
            scalar, for one); the message names its key path.
    """
    return {
        key: _metric_values(v, f"{arg}[{key!r}]") if _is_mapping(v) else _number(v, f"{arg}[{key!r}]")
        for key, v in metrics.items()
    }


def _number(value: Any, arg: str) -> bool | int | float:
    if isinstance(value, bool):  # before int: a bool is an int
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    item = getattr(value, "item", None)  # numpy scalars, 0-d arrays and tensors give the exact Python number
    result = item() if callable(item) else None
    if isinstance(result, (bool, int, float)):
        return _number(result, arg)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)  # other real numbers (a Fraction, numpy's longdouble) as the nearest float
    if isinstance(result, numbers.Real):  # a 0-d longdouble array: its .item() is a numpy longdouble
        return float(result)
    raise TypeError(f"{arg} must be a real number, got {describe(value)}")


def _param_value(value: Any, arg: str = "params") -> Any:
    """``value`` as JSON: mappings stay nested (keys as ``str(key)``), lists and tuples become lists,
    ``None``, bools, numbers and strings are kept, and anything else becomes ``str(value)``.

    Raises:
        ValueError: an int has more digits than Python converts to text
            (``sys.get_int_max_str_digits()``); the message names its key path.
    """
    if value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        if value.bit_length() > _SAFE_INT_BITS:
            try:
                str(value)
            except ValueError:
                raise ValueError(f"{arg} is an int too large to store ({value.bit_length()} bits)") from None
        return value
    if _is_mapping(value):
        return {
            k if isinstance(k, str) else str(k): _param_value(v, f"{arg}[{short_repr(k)}]") for k, v in value.items()
        }
    if _is_list_or_tuple(value):
        return [_param_value(v, f"{arg}[{i}]") for i, v in enumerate(value)]
    return str(value)


_SAFE_INT_BITS = 3000  # ints of at most this many bits have at most 904 digits: always written as text


# TypeGuards, not isinstance at the call: pyright (strict) types an isinstance-narrowed container
# as Mapping[Unknown, Unknown] (list[Unknown], ...), which strict mode rejects.
def _is_mapping(value: object) -> TypeGuard[Mapping[Any, Any]]:
    return isinstance(value, Mapping)


def _is_list_or_tuple(value: object) -> TypeGuard[list[Any] | tuple[Any, ...]]:
    return isinstance(value, (list, tuple))


def _is_json_object(value: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict)  # (a JSON object's keys are strings)


class JsonlLogger(LightningLoggerBase):
    """A logger that appends every record to ``<save_dir>/<name>/<version>/records.jsonl`` (see the module).

    - ``log_metrics`` and ``log_hyperparams`` append one line each and flush it to the operating
      system before they return; runs aggregated by ``agg_and_log_metrics`` are logged through
      ``log_metrics``.
    - ``save`` logs the pending aggregation run, then fsyncs the file. ``finalize`` checks its
      status and calls ``save``; ``close`` calls ``save`` and closes the file (a later record
      re-opens it for appending). Any of them may be called any number of times, in any order.
    - Metrics values are stored as Python numbers that read back equal to those logged (numpy
      scalars and 0-d arrays through ``.item()``); NaN, infinities and -0.0 are kept.
    - Hyperparameters (a dict or an ``argparse.Namespace``) are stored with the storage's documented
      flattening: only values JSON cannot represent are changed, to ``str(value)``; nested dicts stay
      nested (non-str keys become ``str(key)``), and tuples become lists.
    - Off rank 0 (``impl.rank_zero_only.rank != 0``, read at every call) nothing is written and no
      directory is created; input is still checked. ``experiment`` is then a ``DummyExperiment``.

    Args:
        save_dir: The directory runs are written under.
        name: The experiment name: the subdirectory of ``save_dir``.
        version: The run's version: an int gives the directory ``version_<version>``, a str is the
            directory's name. ``None`` chooses the next free int when it is first needed.
        agg_key_funcs: As for :class:`LightningLoggerBase`.
        agg_default_func: As for :class:`LightningLoggerBase`.

    Raises:
        TypeError: an argument has the wrong type (the message names it).
        ValueError: ``name`` or ``version`` is not a single directory name: it holds a path
            separator or NUL, is ``.`` or ``..``, or (``version``) is empty.

    One writer per run: the records file is locked while open (see :class:`JsonlWriter`); a
    second logger on the same run gets :class:`JsonlStorageError` at its first record. A version
    chosen by the logger is claimed when first read, by creating its directory.
    """

    def __init__(
        self,
        save_dir: str | os.PathLike[str],
        name: str = "default",
        version: int | str | None = None,
        agg_key_funcs: Mapping[str, spec.AggregationFunction] | None = None,
        agg_default_func: spec.AggregationFunction = _NUMPY_MEAN,
    ) -> None:
        super().__init__(agg_key_funcs, agg_default_func)
        given: object = save_dir  # checked at run time: callers may pass anything
        path = os.fspath(given) if isinstance(given, (str, os.PathLike)) else None
        if not isinstance(path, str):
            raise TypeError(f"save_dir must be a str or an os.PathLike of str, got {describe(save_dir)}")
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {describe(name)}")
        if version is not None and (isinstance(version, bool) or not isinstance(version, (int, str))):
            raise TypeError(f"version must be an int, a str or None, got {describe(version)}")
        if "\x00" in path:
            raise ValueError(f"save_dir must not contain NUL, got {short_repr(path)}")
        # Note: name and version are single directory names, so nothing is written outside
        # save_dir (1.5's loggers take "../x" or an absolute path); README, differences table.
        if name:  # (an empty name: no subdirectory)
            _path_part(name, "name")
        if isinstance(version, str):
            _path_part(version, "version")
            if not version:
                raise ValueError("version must be a single directory name, got ''")
        self._save_dir = path
        self._name = name
        self._version = version
        self._writer: JsonlWriter | None = None
        self._created: list[str] = []  # directories created by claiming the version, for the writer to sync

    @property
    def name(self) -> str:
        return self._name

    @property
    def version(self) -> int | str:
        """The version given, else one more than the largest ``N`` of the ``save_dir/name/version_N``
        that exist (0 if none): chosen when first read, then fixed.

        On rank 0, choosing it claims it: the directory ``version_N`` is created (the next ``N`` is
        taken if another logger created it first), so loggers that choose at the same time, in one
        process or several, never share a version. Off rank 0 nothing is created.
        """
        if self._version is None:
            with self._lock:
                if self._version is None:
                    root = os.path.join(self._save_dir, self._name)
                    if rank_zero_only.rank == 0:
                        # Note: the version is claimed atomically (1.5's loggers read the directory,
                        # so two loggers can take the same version); README, differences table.
                        self._version, self._created = _claim_version(root)
                    else:
                        self._version = _next_version(root)
        return self._version

    @property
    def save_dir(self) -> str:
        return self._save_dir

    @property
    def log_dir(self) -> str:
        """``save_dir/name/version_N`` for an int version ``N``, ``save_dir/name/<version>`` for a str version."""
        version = self.version
        directory = f"version_{version}" if isinstance(version, int) else version
        return os.path.join(self._save_dir, self._name, directory)

    @property
    @rank_zero_experiment
    def experiment(self) -> JsonlWriter:
        """The writer, with its file open (created on first use); a ``DummyExperiment`` off rank 0."""
        writer = self._get_writer()
        writer.open()
        return writer

    def _get_writer(self) -> JsonlWriter:
        if self._writer is None:
            with self._lock:
                if self._writer is None:
                    writer = JsonlWriter(os.path.join(self.log_dir, RECORDS_FILE))
                    writer._unsynced_dirs |= {os.path.dirname(p) for p in self._created}  # noqa: SLF001
                    self._writer = writer
        return self._writer

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        """Append ``{"kind": "metrics", "step": step, "metrics": metrics}`` and flush it.

        Raises:
            TypeError: ``metrics`` or ``step`` is malformed (the message names it); nothing is written.
            ValueError: ``metrics`` nests deeper than ``impl.MAX_DEPTH`` levels or contains itself.
            JsonlStorageError: another writer holds the run, or the records file was deleted or
                replaced; nothing is written.
            OSError: the write failed (a full disk); nothing is left in the file.
        """
        check_metrics(metrics)
        step = check_step(step)
        values = _metric_values(metrics)  # before the rank check: every rank rejects the same input
        if rank_zero_only.rank != 0:
            return
        self._get_writer().append({"kind": "metrics", "step": step, "metrics": values})

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        """Append ``{"kind": "hparams", "params": params}`` and flush it; ``args`` and ``kwargs`` are ignored.

        Raises:
            TypeError: ``params`` is not a mapping or an ``argparse.Namespace``; nothing is written.
            ValueError: ``params`` nests deeper than ``impl.MAX_DEPTH`` levels, contains itself, has
                two keys equal as ``str`` (``1`` and ``'1'``), or holds an int too large to write.
        """
        if not isinstance(params, (Mapping, Namespace)):
            raise TypeError(f"params must be a dict or an argparse.Namespace, got {describe(params)}")
        given = vars(params) if isinstance(params, Namespace) else params
        check_params(given)  # (before the rank check: every rank rejects the same input)
        values = _param_value(given)
        if rank_zero_only.rank != 0:
            return
        self._get_writer().append({"kind": "hparams", "params": values})

    def save(self) -> None:
        """Log the pending aggregation run, if any, then fsync the file: everything logged is on disk.

        Raises:
            JsonlStorageError: the records file was deleted or replaced since it was opened (the
                records written since are not on disk).
        """
        super().save()
        if rank_zero_only.rank == 0 and self._writer is not None:
            self._writer.sync()

    def close(self) -> None:
        """:meth:`save`, then close the file; a later record re-opens it for appending."""
        super().close()
        if self._writer is not None:  # closing writes nothing new: the file was synced by save()
            self._writer.close()


@attrs.frozen
class JsonlRun:
    """What a run's ``records.jsonl`` holds.

    - ``metrics``: the ``(step, metrics)`` of every metrics record, in order.
    - ``hyperparams``: the params of every hparams record, in order.
    - ``torn_tail``: the text of an incomplete or undecodable last line, else ``None``.
    """

    metrics: list[tuple[int | None, dict[str, Any]]] = attrs.field(factory=list[tuple[int | None, dict[str, Any]]])
    hyperparams: list[dict[str, Any]] = attrs.field(factory=list[dict[str, Any]])
    torn_tail: str | None = None


def read_jsonl(log_dir: str | os.PathLike[str]) -> JsonlRun:
    """Read the records a :class:`JsonlLogger` wrote in ``log_dir``, exactly as logged, in order.

    A last line without its newline is torn (its writer never finished it, even if it parses), and
    so is an undecodable last line: it goes to ``torn_tail`` and is not a record. A missing file is
    an empty run.

    Raises:
        TypeError: ``log_dir`` is not a str or an os.PathLike of str.
        ValueError: a line other than the last is not valid JSON or nests too deeply for ``json``
            to read, or a line is not a metrics or hparams record (the message names the file and
            the line number).
    """
    given: object = log_dir  # checked at run time: callers may pass anything
    directory = os.fspath(given) if isinstance(given, (str, os.PathLike)) else None
    if not isinstance(directory, str):
        raise TypeError(f"log_dir must be a str or an os.PathLike of str, got {describe(log_dir)}")
    path = os.path.join(directory, RECORDS_FILE)
    try:
        with open(path, "rb") as file:
            data = file.read()
    except FileNotFoundError:
        return JsonlRun()
    lines = data.split(b"\n")
    tail = lines.pop()  # what follows the last newline: empty when the last line is complete
    torn_tail = tail.decode("utf-8", "replace") if tail else None
    metrics: list[tuple[int | None, dict[str, Any]]] = []
    hyperparams: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        try:
            parsed = json.loads(line)
        except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            if number == len(lines) and torn_tail is None:
                torn_tail = line.decode("utf-8", "replace")
                break
            raise ValueError(f"{path}: line {number} is not valid JSON: {error}") from None
        except RecursionError:  # json's own recursion limit, on a line nested hundreds of levels deep
            raise ValueError(f"{path}: line {number} is nested too deeply to read") from None
        record = parsed if _is_json_object(parsed) else {}
        kind = record.get("kind")
        if kind == "metrics" and _is_step(record.get("step", ...)) and isinstance(record.get("metrics"), dict):
            metrics.append((record["step"], record["metrics"]))
        elif kind == "hparams" and isinstance(record.get("params"), dict):
            hyperparams.append(record["params"])
        else:
            raise ValueError(f"{path}: line {number} is not a metrics or hparams record: {line[:60]!r}")
    return JsonlRun(metrics, hyperparams, torn_tail)


def _is_step(value: object) -> bool:
    return value is None or type(value) is int  # not a bool: JSON's true is not a step
