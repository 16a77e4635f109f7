"""Harness for SwanLab's Lightning logger, ``swanlab.integration.pytorch_lightning.SwanLabLogger``, offline.

An offline SwanLab run writes ``DIR/run-DATE-ID/run-ID.swanlab`` (the file ``swanlab sync``
uploads): a LevelDB-log-format file of ``swanlab.proto...record_pb2.Record`` messages, read with
SwanLab's own ``DataStoreReader``; its config is ``files/config.yaml`` (each key's ``value``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._harness import Harness, ReadBack, readback_hyperparams
from conformance.harnesses._common import backend

__all__ = ["SWANLAB", "swanlab_offline"]

_EXTRA = "swanlab"
_FRAMEWORK = "FRAMEWORK"  # what SwanLabLogger adds to the config itself


def _active_run() -> Any:
    swanlab = backend("swanlab", _EXTRA)
    try:
        return swanlab.get_run()
    except RuntimeError:
        return None


def _read(logger: Any, directory: Path) -> ReadBack:
    # SwanLabLogger.finalize('success') leaves the run open (SwanLab finishes it at interpreter exit).
    run = logger.__dict__.get("_experiment")
    if run is not None and _active_run() is run:
        backend("swanlab", _EXTRA).finish()
    store = backend("swanlab.sdk.internal.core_python.store", _EXTRA)
    record_pb2 = backend("swanlab.proto.swanlab.record.v1.record_pb2", _EXTRA)
    yaml = backend("yaml", _EXTRA)
    records: list[tuple[int | None, dict[str, Any]]] = []
    params: dict[str, Any] = {}
    for log in sorted(Path(directory).glob("run-*/run-*.swanlab")):
        reader = store.DataStoreReader()
        reader.open(str(log))
        try:
            for data in reader:
                record = record_pb2.Record()
                record.ParseFromString(data)
                if record.WhichOneof("record_type") == "scalar":
                    scalar = record.scalar
                    records.append((int(scalar.step), {scalar.key: scalar.value.number}))
        finally:
            reader.close()
        config = log.parent / "files" / "config.yaml"
        if config.is_file():
            loaded: dict[str, Any] = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
            params.update({key: entry["value"] for key, entry in loaded.items() if key != _FRAMEWORK})
    return ReadBack(tuple(records), params)


SWANLAB = Harness(
    _read,
    name="conformance.harnesses:SWANLAB",
    layout="series",
    ordered=True,
    none_step="any",
    metrics=cst.metric_dicts(
        values=st.one_of(st.floats(allow_nan=True), st.integers(min_value=-(2**53), max_value=2**53)),
    ),
    hyperparams=readback_hyperparams(),
)
"""SwanLab's ``SwanLabLogger`` offline: the run's record file (SwanLab's ``DataStoreReader``) and its config.yaml.

- One scalar record per metric and step, each metric's in logging order: ``layout="series"``.
- A call with ``step=None`` gets the metric's next step, so any step is accepted. SwanLab keeps
  the first value logged for a metric at a step and drops a later one (the property reports it lost).
- Values are doubles: they read back equal (NaN and infinities included).
- Hyperparameters: config.yaml holds the dict as logged (nested dicts, lists); SwanLabLogger adds
  ``FRAMEWORK``, which is not read back.
- Reading finishes the run first: ``finalize('success')`` leaves it open.
"""


def swanlab_offline(directory: Path) -> Any:
    """A ``SwanLabLogger`` in offline mode writing under ``directory``: a logger subject.

    SwanLab keeps one run per process, and a ``SwanLabLogger`` joins a run in progress: the factory
    finishes the run in progress first, so each logger gets its own run (and the file watcher each
    run holds is released).
    """
    swanlab = backend("swanlab", _EXTRA)
    logger_class = backend("swanlab.integration.pytorch_lightning", _EXTRA).SwanLabLogger
    if _active_run() is not None:
        swanlab.finish()
    return logger_class(save_dir=str(directory), log_dir=str(directory), mode="offline")
