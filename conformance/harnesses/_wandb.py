"""Harness for W&B's Lightning logger, ``lightning.pytorch.loggers.WandbLogger``, run offline.

An offline run writes its transaction log, ``DIR/wandb/offline-run-*/run-ID.wandb``, the file
``wandb sync`` uploads. wandb 0.31 ships no Python reader of it any more (its reader is in the Go
``wandb-core``), so it is read here by its documented format: the LevelDB log format (32 KiB blocks
of records with a CRC-32 and a length, split FULL/FIRST/MIDDLE/LAST) after a 7-byte header
``:W&B``, magic 0xBEE1, version 0; each record is a ``wandb.proto.wandb_internal_pb2.Record``
(wandb's own protobuf schema), values JSON text.
"""

from __future__ import annotations

import json
import os
import struct
import time
import zlib
from argparse import Namespace
from pathlib import Path
from typing import Any

from conformance import strategies as cst
from conformance._harness import Harness, ReadBack, readback_hyperparams
from conformance.harnesses._common import backend

__all__ = ["WANDB", "read_wandb_log", "wandb_offline"]

_EXTRA = "wandb"

OFFLINE_ENV = {
    "WANDB_MODE": "offline",
    "WANDB_SILENT": "true",
    "WANDB_ERROR_REPORTING": "false",  # no Sentry reports
    "WANDB_DISABLE_GIT": "true",
    "WANDB_DISABLE_CODE": "true",
}
"""The environment the factory sets: offline, quiet, no error reporting, no git or code capture."""

_STEP_KEY = "trainer/global_step"  # where WandbLogger puts the step it is given
_INTERNAL = frozenset({"_step", "_runtime", "_timestamp"})  # what wandb adds to every history row


# --- the transaction log --------------------------------------------------------------------

_BLOCK = 32768
_HEADER = struct.Struct("<IHB")  # checksum, length, type
_FILE_HEADER = struct.Struct("<4sHB")  # ident, magic, version
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4


def read_wandb_log(path: Path) -> list[Any]:
    """The records of a W&B transaction log (``run-ID.wandb``), as ``wandb_internal_pb2.Record`` messages.

    Raises:
        ValueError: the file is not a W&B log, or a record's checksum is wrong (the message says where).
    """
    pb = backend("wandb.proto.wandb_internal_pb2", _EXTRA)
    data = path.read_bytes()
    ident, magic, version = _FILE_HEADER.unpack_from(data, 0)
    if (ident, magic, version) != (b":W&B", 0xBEE1, 0):
        raise ValueError(f"{path} is not a W&B transaction log (header {ident!r}, {magic:#x}, {version})")
    chunks: list[bytes] = []
    pending = b""
    pos = _FILE_HEADER.size
    while pos + _HEADER.size <= len(data):
        left = _BLOCK - pos % _BLOCK
        if left < _HEADER.size:  # a block's trailer: zeros
            pos += left
            continue
        checksum, length, kind = _HEADER.unpack_from(data, pos)
        if kind == 0 and length == 0:  # the rest of the block is padding (or the file ends)
            pos += left
            continue
        chunk = data[pos + _HEADER.size : pos + _HEADER.size + length]
        if zlib.crc32(chunk, zlib.crc32(bytes([kind]))) != checksum:
            raise ValueError(f"{path}: bad checksum in the record at byte {pos}")
        pos += _HEADER.size + length
        if kind == _FULL:
            chunks.append(chunk)
        elif kind == _FIRST:
            pending = chunk
        elif kind == _MIDDLE:
            pending += chunk
        elif kind == _LAST:
            chunks.append(pending + chunk)
            pending = b""
    return [pb.Record.FromString(chunk) for chunk in chunks]


def _key(item: Any) -> str:
    return str(item.key) if item.key else "/".join(item.nested_key)


def _set(params: dict[str, Any], item: Any) -> None:
    path = [str(item.key)] if item.key else list(item.nested_key)
    target = params
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = json.loads(item.value_json)


_FLUSH_TIMEOUT = 60.0  # seconds


def _wait_for_exit(directory: Path, run_id: str) -> None:
    """Wait until the run's log ends with its ``exit`` record (``Run.finish`` returns before wandb's
    service has flushed the log), or ``_FLUSH_TIMEOUT`` seconds have passed: then what is there is read."""
    deadline = time.monotonic() + _FLUSH_TIMEOUT
    while time.monotonic() < deadline:
        for log in directory.glob(f"wandb/*-{run_id}/run-{run_id}.wandb"):
            try:
                if any(r.WhichOneof("record_type") == "exit" for r in read_wandb_log(log)):
                    return
            except (ValueError, struct.error):  # a record half written
                pass
        time.sleep(0.05)


def _read(logger: Any, directory: Path) -> ReadBack:
    run = logger.__dict__.get("_experiment")  # not logger.experiment, which would start a run
    if run is not None and callable(getattr(run, "finish", None)):
        # WandbLogger.finalize leaves the run open (wandb finishes it when the interpreter exits):
        # finish it as the exit would, so the service has written everything.
        run.finish()
        _wait_for_exit(Path(directory), str(run.id))
    records: list[tuple[int | None, dict[str, Any]]] = []
    params: dict[str, Any] = {}
    # Each run's directory (offline-run-DATE-ID); not latest-run, a link wandb makes to the newest.
    logs = sorted(p for p in Path(directory).glob("wandb/*/run-*.wandb") if not p.parent.is_symlink())
    for log in logs:
        for record in read_wandb_log(log):
            kind = record.WhichOneof("record_type")
            if kind == "history":
                row = {_key(item): json.loads(item.value_json) for item in record.history.item}
                step = row.pop(_STEP_KEY, None)
                records.append((step, {k: v for k, v in row.items() if k not in _INTERNAL}))
            elif kind == "run":
                for item in record.run.config.update:
                    _set(params, item)
            elif kind == "config":
                for item in record.config.update:
                    _set(params, item)
    params.pop("_wandb", None)  # wandb's own entry
    return ReadBack(tuple(records), params)


def _flatten(params: dict[str, Any]) -> dict[str, Any]:
    """WandbLogger's documented conversion: values JSON cannot hold become ``str(value)``, the rest
    is stored as JSON (nested dicts stay nested, tuples become lists)."""
    kept: dict[str, Any] = {}
    for key, value in params.items():
        try:
            kept[key] = json.loads(json.dumps(value))
        except (TypeError, ValueError, OverflowError):
            kept[key] = str(value)
    return kept


def _as_dict(params: dict[str, Any] | Namespace) -> dict[str, Any]:
    return params if isinstance(params, dict) else vars(params)


def _metric_key(key: str) -> bool:
    return key not in _INTERNAL and key != _STEP_KEY


WANDB = Harness(
    _read,
    name="conformance.harnesses:WANDB",
    layout="records",
    ordered=True,
    none_step="any",
    metrics=cst.metric_dicts(keys=cst.metric_keys().filter(_metric_key), values=cst.metric_values(allow_nan=True)),
    hyperparams=readback_hyperparams().filter(lambda p: "_wandb" not in _as_dict(p)),
    flatten=_flatten,
)
"""Lightning's ``WandbLogger`` offline: the run's transaction log read with :func:`read_wandb_log`.

- One history row per ``log_metrics`` call (``{}`` too), in order: ``layout="records"``.
- The step is stored as the metric ``trainer/global_step``; a call with ``step=None`` gets the last
  step logged (the logger defines it as the step metric with ``step_sync``), so any step is accepted.
- Values are JSON: ints, doubles, NaN and infinities read back equal. wandb adds ``_step``,
  ``_runtime`` and ``_timestamp`` to every row; they are not read back, and the strategy never draws
  those names nor ``trainer/global_step``.
- Hyperparameters: the run's config, each value as JSON (nested dicts stay nested, tuples become
  lists; what JSON cannot hold becomes ``str(value)``). wandb keeps its own ``_wandb`` entry there,
  so the strategy never draws that name.
- Reading finishes the logger's run first: ``WandbLogger.finalize`` does not (wandb finishes it at
  interpreter exit), and the log is complete only then.
"""


# --- the factory ----------------------------------------------------------------------------

_made: list[Any] = []  # loggers wandb_offline made whose run may still be open


def _finish_abandoned() -> None:
    """Finish the runs of loggers made earlier whose directory is gone (the suite is done with them):
    an open run holds a file and a stream in wandb's service until it is finished."""
    for logger in list(_made):
        if Path(str(logger.save_dir)).exists():
            continue
        _made.remove(logger)
        run = logger.__dict__.get("_experiment")
        if run is not None and callable(getattr(run, "finish", None)):
            run.finish()


def wandb_offline(directory: Path) -> Any:
    """A Lightning ``WandbLogger`` with an offline run under ``directory/wandb``: a logger subject.

    Sets :data:`OFFLINE_ENV` in ``os.environ``, and gives the run settings that keep it local and
    cheap (no system metrics, metadata, machine info, console capture or requirements file). Each
    logger gets its own run: ``reinit="create_new"`` leaves ``wandb.run`` unset, so WandbLogger's
    "reuse the run in progress" branch never joins a logger to another logger's run, and the runs of
    earlier loggers whose directory was removed are finished here.
    """
    os.environ.update(OFFLINE_ENV)
    wandb = backend("wandb", _EXTRA)
    wandb_logger = backend("lightning.pytorch.loggers", _EXTRA).WandbLogger
    _finish_abandoned()
    settings = wandb.Settings(
        mode="offline",
        reinit="create_new",
        console="off",
        disable_git=True,
        disable_code=True,
        save_code=False,
        x_disable_stats=True,
        x_disable_meta=True,
        x_disable_machine_info=True,
        x_save_requirements=False,
    )
    logger = wandb_logger(save_dir=str(directory), offline=True, settings=settings)
    _made.append(logger)
    return logger
