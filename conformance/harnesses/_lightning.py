"""Harnesses for Lightning's loggers (2.x, and pytorch_lightning 1.5.10's CSV and TensorBoard loggers).

Each reads the storage with its own reader, imported when it reads (the ``loggerspec[lightning]``
extra): ``metrics.csv`` with :mod:`csv` and ``hparams.yaml`` with PyYAML; TensorBoard event files
with tensorboard's ``EventAccumulator`` and its hparams plugin data; an MLflow tracking store with
``MlflowClient``. The expected hyperparameters follow Lightning's documented flattening, written
here from its documentation (not by calling Lightning's code, whose slips would then go unseen).
"""

from __future__ import annotations

import atexit
import csv
import functools
import importlib
import posixpath
import re
import shutil
import struct
import tempfile
from argparse import Namespace
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._harness import Harness, ReadBack

__all__ = ["CSV", "MLFLOW", "TENSORBOARD", "mlflow_sqlite", "to_float32"]


def _backend(module: str) -> Any:
    """Import ``module`` (a backend's reader), or say which extra provides it.

    (Imported by name: the backends are optional and untyped, and are not installed where this
    package is type-checked.)
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"loggerspec's Lightning harnesses need {module!r}, which is not installed: "
            f"pip install 'loggerspec[lightning]' next to the logger's own package ({error})"
        ) from error


def to_float32(value: float) -> float:
    """``value`` rounded to the nearest 32-bit float (as TensorBoard stores a scalar), as a Python float.

    Raises:
        OverflowError: ``value`` is beyond float32's range.
    """
    result: float = struct.unpack("<f", struct.pack("<f", value))[0]
    return result


def _lightning_flat(params: Mapping[Any, Any] | Mapping[object, object], prefix: str = "") -> dict[str, Any]:
    """Lightning's documented ``_flatten_dict``: a nested dict (or Namespace) becomes keys joined with
    ``/`` (``{'a': {'b': 1}}`` gives ``{'a/b': 1}``); other values are kept as they are.

    (2.x also flattens a list of dicts by index; the strategies here never draw one.)
    """
    flat: dict[str, Any] = {}
    for key, value in params.items():
        name = f"{prefix}/{key}" if prefix else str(key)
        if isinstance(value, Namespace):
            value = vars(value)
        if isinstance(value, Mapping):
            flat.update(_lightning_flat(cast("Mapping[object, object]", value), name))
        else:
            flat[name] = value
    return flat


# --- CSVLogger ------------------------------------------------------------------------------

_INT = re.compile(r"[-+]?[0-9]+")


def _cell(text: str) -> int | float:
    """A metrics.csv cell as the number the csv module wrote with ``str()``: an int if it reads as one."""
    return int(text) if _INT.fullmatch(text) else float(text)


def _read_csv(logger: Any, directory: Path) -> ReadBack:
    yaml = _backend("yaml")  # PyYAML, the library Lightning writes hparams.yaml with

    log_dir = Path(logger.log_dir)
    records: list[tuple[int | None, dict[str, Any]]] = []
    metrics_file = log_dir / "metrics.csv"
    if metrics_file.is_file():
        with metrics_file.open(newline="", encoding="utf-8") as file:
            for row in csv.DictReader(file):
                step = row.pop("step")
                # An empty cell is a key that row did not log; None keys/values are malformed rows' extras.
                metrics = {k: _cell(v) for k, v in row.items() if k is not None and v not in ("", None)}
                records.append((int(step), metrics))
    params: dict[str, Any] = {}
    hparams_file = log_dir / "hparams.yaml"
    if hparams_file.is_file():
        loaded = yaml.safe_load(hparams_file.read_text(encoding="utf-8"))
        params = dict(cast("Mapping[str, Any]", loaded)) if loaded else {}
    return ReadBack(tuple(records), params)


CSV = Harness(
    _read_csv,
    name="conformance.harnesses:CSV",
    layout="records",
    ordered=True,
    none_step="any",
    metrics=cst.metric_dicts(
        keys=cst.metric_keys().filter(lambda k: k != "step"),
        values=cst.metric_values(allow_nan=True),
    ),
)
"""Lightning's ``CSVLogger`` (2.x, and 1.5.10's): ``metrics.csv`` read with :mod:`csv`, ``hparams.yaml`` with PyYAML.

- One row per ``log_metrics`` call, in order (neither version merges calls at the same step; the
  Trainer does that before it logs). A cell the row did not log is empty and is not read back.
- Values are written with ``str()``, which round-trips every float, so they read back equal:
  ints, floats, infinities and NaN. Metric dicts are flat (a nested dict would be written as its repr).
- A step of ``None`` is numbered by the logger (the row's index among the rows not yet saved), so any step is accepted.
- The column ``step`` holds the step: a metric named ``step`` is overwritten by it without a
  warning. The strategy never draws that name, so this loss is not reported here.
- Hyperparameters: ``hparams.yaml`` holds the dict as logged (nested dicts stay nested).
"""


# --- TensorBoardLogger ----------------------------------------------------------------------

_HP_METRIC = "hp_metric"


def _read_tensorboard(logger: Any, directory: Path) -> ReadBack:
    event_accumulator = _backend("tensorboard.backend.event_processing.event_accumulator")
    plugin_data_pb2 = _backend("tensorboard.plugins.hparams.plugin_data_pb2")

    log_dir = Path(logger.log_dir)
    if not log_dir.is_dir():
        return ReadBack()
    # Keep every scalar (0: no reservoir sampling), and do not purge: a step that goes back is data here.
    accumulator = event_accumulator.EventAccumulator(
        str(log_dir),
        size_guidance={event_accumulator.SCALARS: 0, event_accumulator.TENSORS: 0},
        purge_orphaned_data=False,
    )
    accumulator.Reload()
    records: list[tuple[int | None, dict[str, Any]]] = []
    for tag in accumulator.Tags()[event_accumulator.SCALARS]:
        if tag != _HP_METRIC:
            records.extend((event.step, {tag: event.value}) for event in accumulator.Scalars(tag))
    params: dict[str, Any] = {}
    content: Any
    try:
        content = accumulator.PluginTagToContent("hparams")
    except KeyError:  # no hparams plugin data: log_hyperparams was not called
        content = {}
    start = content.get("_hparams_/session_start_info")
    if start is not None:
        data = plugin_data_pb2.HParamsPluginData.FromString(start)
        for name, value in data.session_start_info.hparams.items():
            kind = value.WhichOneof("kind")
            params[name] = getattr(value, kind) if kind is not None else None
    return ReadBack(tuple(records), params)


def _tensorboard_flatten(params: dict[str, Any]) -> dict[str, Any]:
    """Lightning's TensorBoardLogger: flattened (``/``), then every value that is not a bool, int,
    float or str becomes ``str(value)`` (``None`` becomes ``'None'``, a list its repr); the hparams
    plugin stores bools and ints as doubles (torch's ``hparams`` tests for int before bool)."""
    flat = _lightning_flat(params)
    kept = {k: v if type(v) in (bool, int, float, str) else str(v) for k, v in flat.items()}
    return {k: float(v) if isinstance(v, (bool, int, float)) else v for k, v in kept.items()}


TENSORBOARD = Harness(
    _read_tensorboard,
    name="conformance.harnesses:TENSORBOARD",
    layout="series",
    ordered=True,
    none_step="any",
    narrow=to_float32,
    metrics=cst.metric_dicts(
        keys=cst.metric_keys().filter(lambda k: k != _HP_METRIC),
        values=st.one_of(
            st.floats(min_value=-1e38, max_value=1e38, allow_nan=False),
            st.integers(min_value=-(2**53), max_value=2**53),
        ),
    ),
    flatten=_tensorboard_flatten,
)
"""Lightning's ``TensorBoardLogger`` (2.x, and 1.5.10's): event files read with tensorboard's
``EventAccumulator``, hyperparameters from its hparams plugin data (``session_start_info``).

- One scalar per metric and step, each metric's in logging order (a call of ``{}`` leaves nothing).
- Values are stored as float32 (``simple_value``): a value reads back as the nearest float32, exactly
  (:func:`to_float32`). So the strategy draws finite values within float32's range (``|x| <= 1e38``) and
  ints up to 2**53: NaN and infinities are not drawn. Metric dicts are flat (``add_scalars`` writes a
  nested dict to other runs' directories).
- A step of ``None`` is written as the event's default step, 0; any step is accepted.
- ``log_hyperparams`` also logs the placeholder metric ``hp_metric`` = -1 (``default_hp_metric=True``,
  documented): it is not read back as a record, and the strategy never draws that name.
- Hyperparameters: Lightning's flattening (see :func:`_tensorboard_flatten`).
"""


# --- MLFlowLogger on a local sqlite store ---------------------------------------------------


def _read_mlflow(logger: Any, directory: Path) -> ReadBack:
    client_class = _backend("mlflow.tracking").MlflowClient

    run_id = getattr(logger, "_run_id", None)  # None: the run was never started (nothing was logged)
    if run_id is None:
        return ReadBack()
    # Lightning keeps the tracking URI only privately; a new client reads the store afresh.
    client = client_class(tracking_uri=logger._tracking_uri)
    run = client.get_run(run_id)
    records: list[tuple[int | None, dict[str, Any]]] = [
        (metric.step, {key: metric.value}) for key in run.data.metrics for metric in client.get_metric_history(run_id, key)
    ]
    return ReadBack(tuple(records), dict(run.data.params))


def _mlflow_flatten(params: dict[str, Any]) -> dict[str, Any]:
    """Lightning's MLFlowLogger: flattened (``/``), each value stored as ``str(value)[:250]``."""
    return {k: str(v)[:250] for k, v in _lightning_flat(params).items()}


def _mlflow_name(name: str) -> bool:
    """MLflow takes a metric name only if it is a normalized relative path (not ``a//b``, ``/a``, ``.``, ``..``)."""
    return posixpath.normpath(name) == name and name != "." and not name.startswith(("..", "/"))


MLFLOW = Harness(
    _read_mlflow,
    name="conformance.harnesses:MLFLOW",
    layout="series",
    ordered=False,
    merges_identical=True,
    none_step=0,
    metrics=cst.metric_dicts(
        keys=cst.metric_keys().filter(_mlflow_name),
        values=st.one_of(
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(min_value=-(2**53), max_value=2**53),
        ),
    ),
    flatten=_mlflow_flatten,
)
"""Lightning's ``MLFlowLogger``: ``MlflowClient.get_metric_history`` and ``get_run(...).data.params``.

- One observation per metric and step. The history comes back ordered by timestamp, step and
  value, not in logging order, so order is not compared. MLflow identifies an observation by key,
  step, value and millisecond timestamp: identical observations logged within one millisecond are
  stored once (the store skips duplicates), so an identical observation may read back once.
- Values are doubles: they read back equal. MLflow stores infinities as the largest float, so the
  strategy draws finite values; metric names are ones MLflow accepts (normalized relative paths).
- A step of ``None`` is logged as 0 (Lightning logs ``step or 0``).
- Hyperparameters: Lightning's flattening, then ``str(value)`` truncated to 250 characters.
"""


@functools.cache
def _empty_store() -> Path:
    """A sqlite tracking store MLflow created and migrated, made once per process (it takes seconds)."""
    client_class = _backend("mlflow.tracking").MlflowClient
    directory = Path(tempfile.mkdtemp(prefix="loggerspec-mlflow-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    store = directory / "mlflow.db"
    client_class(tracking_uri=f"sqlite:///{store}").search_experiments()  # creates and migrates the schema
    return store


def mlflow_sqlite(directory: Path) -> Any:
    """A Lightning 2.x ``MLFlowLogger`` tracking to the sqlite store ``directory/mlflow.db``, its
    artifacts under ``directory/artifacts``: a logger subject for the conformance suite.

    The store is a copy of an empty one MLflow created once per process, which saves its schema
    migrations (seconds) per logger. It is copied on rank 0 only (Lightning's ``rank_zero_only.rank``):
    off rank 0 nothing may appear under ``directory``, so a logger that creates or touches the store
    there still shows as a new file. (Lightning 2.x's does: its constructor opens the store on every
    rank; see docs/conformance-matrix.md.)
    """
    mlflow_logger = _backend("lightning.pytorch.loggers").MLFlowLogger
    rank_zero_only = _backend("lightning.pytorch.utilities.rank_zero").rank_zero_only
    root = Path(directory)
    store = root / "mlflow.db"
    if getattr(rank_zero_only, "rank", 0) == 0:
        shutil.copyfile(_empty_store(), store)
    return mlflow_logger(tracking_uri=f"sqlite:///{store}", artifact_location=(root / "artifacts").as_uri())
