"""``JsonlLogger``: a durable logger that appends one JSON line per record; ``read_jsonl`` reads it back.

The file is ``<log_dir>/records.jsonl``: one JSON object per line, in logging order::

    {"kind": "metrics", "step": 3, "metrics": {"loss": 0.25, "d": {"x": 1}}}
    {"kind": "hparams", "params": {"lr": 0.001, "layers": [64, 64]}}

The JSON is the superset that Python's ``json`` module writes and reads: NaN, Infinity and
-Infinity appear as the bare words ``NaN``, ``Infinity`` and ``-Infinity``. Strict JSON readers
reject those lines.

Durability: each record is written with one write of its whole line and flushed to the operating
system at once, so it survives the process being killed. ``save``, ``finalize`` and ``close`` also
``fsync`` it, so everything logged before they return survives a crash of the machine too. A kill
during a write can leave a torn last line: ``read_jsonl`` reports it and returns every complete record.
"""

from __future__ import annotations

import json
import numbers
import os
from argparse import Namespace
from collections.abc import Mapping
from typing import Any, BinaryIO, TypeGuard

import attrs

import spec
from impl._logger import LightningLoggerBase
from impl._merge import _NUMPY_MEAN
from impl._rank import rank_zero_experiment, rank_zero_only
from impl._validate import check_metrics, check_step, describe

__all__ = ["RECORDS_FILE", "JsonlLogger", "JsonlRun", "JsonlWriter", "read_jsonl"]

RECORDS_FILE = "records.jsonl"
"""The name of the records file inside a run's ``log_dir``."""


class JsonlWriter:
    """The experiment of a :class:`JsonlLogger`: appends lines to one file.

    The file, and its missing directories, are created on first use; after :meth:`close` the next
    use opens it again for appending. No complete record in it is ever lost (see :meth:`open`).
    """

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        self._file: BinaryIO | None = None
        self._unsynced_dirs: set[str] = set()  # directories holding an entry created since the last sync

    def open(self) -> BinaryIO:
        """Return the file, opened for appending (creating it and its directories if needed).

        A torn last line (no newline: its writer was killed) is cut off first. It was never a
        complete record, and records appended after it would otherwise join it into one bad line.
        """
        if self._file is None:
            directory = os.path.dirname(self.path)
            created = _missing_dirs(directory)
            os.makedirs(directory, exist_ok=True)
            if not os.path.exists(self.path):
                created.append(self.path)
            _cut_torn_tail(self.path)
            self._file = open(self.path, "ab")  # noqa: SIM115 - kept open until close()
            self._unsynced_dirs |= {os.path.dirname(p) for p in created}
        return self._file

    def append(self, record: Mapping[str, Any]) -> None:
        """Append ``record`` as one JSON line and flush it to the operating system.

        The line is built before the file is touched, so a record ``json`` cannot write writes nothing.
        """
        line = (json.dumps(record, allow_nan=True) + "\n").encode("ascii")  # ensure_ascii: always ASCII
        file = self.open()
        file.write(line)  # one write of the whole line: a kill tears at most this line
        file.flush()  # now in the operating system: it survives the process being killed

    def sync(self) -> None:
        """Flush and fsync the file and the directory entries created for it; nothing if it is not open."""
        if self._file is None:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        # A new file or directory is durable only once the directory holding its entry is synced too.
        for directory in sorted(self._unsynced_dirs, reverse=True):
            _fsync_dir(directory)
        self._unsynced_dirs = set()

    def close(self) -> None:
        """:meth:`sync`, then close the file; nothing if it is not open."""
        if self._file is None:
            return
        try:
            self.sync()
        finally:
            self._file.close()
            self._file = None

    def __getstate__(self) -> dict[str, Any]:
        # An open file cannot be copied or pickled; a copy re-opens the file for appending.
        return {**self.__dict__, "_file": None}

    def __repr__(self) -> str:
        return f"JsonlWriter({self.path!r})"


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


def _cut_torn_tail(path: str) -> None:
    """Truncate ``path`` after its last newline, if it does not end with one."""
    try:
        file = open(path, "rb+")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return
    with file:
        end = file.seek(0, os.SEEK_END)
        if end == 0:
            return
        file.seek(end - 1)
        if file.read(1) == b"\n":
            return
        while end > 0:  # scan back in chunks: a torn line may be large
            start = max(0, end - (1 << 16))
            file.seek(start)
            newline = file.read(end - start).rfind(b"\n")
            if newline >= 0:
                file.truncate(start + newline + 1)
                return
            end = start
        file.truncate(0)


def _next_version(root: str) -> int:
    """One more than the largest ``N`` of the ``version_N`` entries in ``root`` (0 if none)."""
    try:
        names = os.listdir(root)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    taken = [int(n[8:]) for n in names if n.startswith("version_") and n[8:].isascii() and n[8:].isdecimal()]
    return max(taken, default=-1) + 1


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
    raise TypeError(f"{arg} must be a real number, got {describe(value)}")


def _param_value(value: Any) -> Any:
    """``value`` as JSON: mappings stay nested (keys as ``str(key)``), lists and tuples become lists,
    ``None``, bools, numbers and strings are kept, and anything else becomes ``str(value)``."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    if _is_mapping(value):
        return {k if isinstance(k, str) else str(k): _param_value(v) for k, v in value.items()}
    if _is_list_or_tuple(value):
        return [_param_value(v) for v in value]
    return str(value)


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
        self._save_dir = path
        self._name = name
        self._version = version
        self._writer: JsonlWriter | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def version(self) -> int | str:
        """The version given, else one more than the largest ``N`` of the ``save_dir/name/version_N``
        that exist (0 if none): chosen when first read, then fixed. Choosing it creates nothing."""
        if self._version is None:
            self._version = _next_version(os.path.join(self._save_dir, self._name))
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
            self._writer = JsonlWriter(os.path.join(self.log_dir, RECORDS_FILE))
        return self._writer

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        """Append ``{"kind": "metrics", "step": step, "metrics": metrics}`` and flush it.

        Raises:
            TypeError: ``metrics`` or ``step`` is malformed (the message names it); nothing is written.
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
        """
        if not isinstance(params, (Mapping, Namespace)):
            raise TypeError(f"params must be a dict or an argparse.Namespace, got {describe(params)}")
        if rank_zero_only.rank != 0:
            return
        values = _param_value(vars(params) if isinstance(params, Namespace) else params)
        self._get_writer().append({"kind": "hparams", "params": values})

    def save(self) -> None:
        """Log the pending aggregation run, if any, then fsync the file: everything logged is on disk."""
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
        ValueError: a line other than the last is not valid JSON, or a line is not a metrics or
            hparams record (the message names the file and the line number).
    """
    path = os.path.join(os.fspath(log_dir), RECORDS_FILE)
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
