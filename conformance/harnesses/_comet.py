"""Harness for Comet's Lightning logger, ``lightning.pytorch.loggers.CometLogger``, with an offline experiment.

An ended ``comet_ml.OfflineExperiment`` leaves one archive, ``DIR/<experiment key>-<suffix>.zip``,
the file ``comet upload`` sends: ``experiment.json`` (the experiment's metadata) and
``messages.json``, one JSON message per line in the order they were logged (``metric_msg``:
name, value, step, epoch; ``parameter_msg``: name, value or list of values, source). comet_ml
ships no reader of it (only the uploader), so it is read here by that format with :mod:`zipfile`
and :mod:`json`.

``CometLogger(online=False)`` is not an offline experiment: Lightning passes ``disabled=True``
with it, and Comet's disabled experiment persists nothing. An offline experiment is what
``comet_ml.start`` makes when ``comet.start.online`` is false and no ``online`` is given; the
factory :func:`comet_offline` sets that.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import tempfile
import threading
import zipfile
from argparse import Namespace
from collections.abc import Callable, Generator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from conformance import strategies as cst
from conformance._harness import Harness, ReadBack, readback_hyperparams
from conformance.harnesses._common import backend

__all__ = ["COMET", "comet_offline", "read_comet_archive"]

_EXTRA = "comet"

OFFLINE_ENV = {
    "COMET_ERROR_TRACKING_ENABLE": "false",  # no Sentry reports
    "COMET_DISABLE_AUTO_LOGGING": "1",
    "COMET_DISPLAY_SUMMARY_LEVEL": "0",
}
"""The environment the factory sets: no error reporting, no auto-logging, no summary printed."""

OFFLINE_SETTINGS: dict[str, Any] = {
    "log_code": False,
    "log_graph": False,
    "log_git_metadata": False,
    "log_git_patch": False,
    "log_env_details": False,
    "log_env_gpu": False,
    "log_env_cpu": False,
    "log_env_host": False,
    "log_env_network": False,
    "log_env_disk": False,
    "auto_output_logging": False,
    "auto_param_logging": False,
    "auto_metric_logging": False,
    "display_summary_level": 0,
}
"""The experiment settings the factory passes (``comet_ml.ExperimentConfig``): nothing captured
beyond what the logger is asked to log."""

_EPOCH = "epoch"  # CometLogger sends a metric of this name as Comet's epoch, not as a metric
_SEPARATOR = "|"  # how Comet joins a nested hyperparameter's names
_NOT_FLATTENED = "hydra"  # Comet does not flatten a parameters dict that has this key


# --- the archive ----------------------------------------------------------------------------


def read_comet_archive(path: Path) -> list[dict[str, Any]]:
    """The messages of an offline experiment's archive, in the order they were logged.

    Raises:
        KeyError: the archive has no ``messages.json``.
    """
    with zipfile.ZipFile(path) as archive:
        text = archive.read("messages.json").decode("utf-8")
    return [cast("dict[str, Any]", json.loads(line)) for line in text.splitlines() if line.strip()]


def _number(value: Any) -> Any:
    """A metric value as Comet's JSON holds it: NaN and infinities are the strings "NaN", "Infinity", "-Infinity"."""
    if value in ("NaN", "Infinity", "-Infinity"):
        return float(value)
    return value


def _end(logger: Any) -> None:
    experiment = logger.__dict__.get("_experiment")
    if experiment is not None and not getattr(experiment, "ended", True):
        experiment.end()


def _read(logger: Any, directory: Path) -> ReadBack:
    # CometLogger.finalize only flushes (the experiment stays open for more logging); Comet writes
    # the archive when the experiment ends, at interpreter exit at the latest: end it now.
    _end(logger)
    records: list[tuple[int | None, dict[str, Any]]] = []
    params: dict[str, Any] = {}
    for archive in sorted(Path(directory).glob("*.zip")):
        for message in read_comet_archive(archive):
            payload = message.get("payload", {})
            if message.get("type") == "metric_msg":
                metric = payload["metric"]
                if metric.get("metricName") in _COMET_METRICS:
                    continue
                records.append((metric.get("step"), {metric["metricName"]: _number(metric["metricValue"])}))
            elif message.get("type") == "parameter_msg":
                param = payload.get("param") or payload.get("params")
                if param.get("source") == "manual":  # not Comet's own curr_step, curr_epoch
                    params[param["paramName"]] = param["paramValue"]
    return ReadBack(tuple(records), params)


_COMET_METRICS = frozenset({"process duration"})  # what an ending experiment logs itself


def _comet_value(value: object) -> object:
    """How Comet stores one parameter value: a mapping (an empty one, not flattened) as ``str()``,
    a list or tuple as a list, ``None``, bools, numbers and strings as they are."""
    if isinstance(value, Mapping):
        return str(cast("Mapping[object, object]", value))
    if isinstance(value, (list, tuple)):
        return list(cast("list[object] | tuple[object, ...]", value))
    return value


def _flatten(params: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """CometLogger's documented flattening (``flatten_nested=True``): nested dict names joined with
    ``|``; an empty dict is a value, stored as ``'{}'``."""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        name = f"{prefix}{_SEPARATOR}{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(dict(cast("Mapping[str, Any]", value)), name))
        else:
            flat[name] = _comet_value(params[key])
    return flat


def _as_dict(params: dict[str, Any] | Namespace) -> dict[str, Any]:
    return params if isinstance(params, dict) else vars(params)


def _metric_key(key: str) -> bool:
    return key != _EPOCH and key not in _COMET_METRICS


COMET = Harness(
    _read,
    name="conformance.harnesses:COMET",
    layout="series",
    ordered=True,
    none_step="any",
    metrics=cst.metric_dicts(
        keys=cst.metric_keys().filter(_metric_key),
        values=cst.metric_values(allow_nan=True),
    ),
    hyperparams=readback_hyperparams().filter(lambda p: _NOT_FLATTENED not in _as_dict(p)),
    flatten=_flatten,
)
"""Lightning's ``CometLogger`` with an offline experiment: ``messages.json`` of the archive
(:func:`read_comet_archive`).

- One ``metric_msg`` per metric and step, each metric's in logging order (a call's metrics are
  sent in sorted order; a call of ``{}`` leaves nothing): ``layout="series"``.
- A call with ``step=None`` is stored at the experiment's current step (the last one set), so any
  step is accepted.
- Values are JSON (NaN and infinities as strings): they read back equal.
- CometLogger pops the metric ``epoch`` and sends it as Comet's epoch (the Trainer's epoch), so it is
  never stored as a metric; the strategy never draws that name. An ending experiment logs its own
  ``process duration``, which is not read back.
- Hyperparameters: Comet's flattening (names joined with ``|``, an empty dict stored as ``'{}'``,
  lists as lists). Comet leaves a dict with a key ``hydra`` unflattened, so the strategy never draws it.
- Reading ends the logger's experiment first: ``CometLogger.finalize`` only flushes, and Comet
  writes the archive when the experiment ends (at interpreter exit at the latest).
"""


# --- the factory ----------------------------------------------------------------------------

_made: list[Any] = []  # loggers comet_offline made whose experiment may not have ended


@contextmanager
def _offline_start() -> Generator[None]:
    """``comet.start.online`` false while the logger makes its experiment, restored afterwards."""
    before = os.environ.get("COMET_START_ONLINE")
    os.environ["COMET_START_ONLINE"] = "false"
    try:
        yield
    finally:
        if before is None:
            del os.environ["COMET_START_ONLINE"]
        else:
            os.environ["COMET_START_ONLINE"] = before


def _end_if_abandoned(logger: Any) -> bool:
    """End the experiment of a logger whose directory is gone (the suite is done with it), and
    remove the directory that ending recreates (an ending offline experiment writes its archive,
    making its directory again; when it cannot, because the directory's parent is gone too, it
    writes the archive into a new temporary directory instead, which is removed as well). True if
    it was abandoned."""
    directory = Path(str(logger.save_dir))
    if directory.exists():
        return False
    experiment = logger.__dict__.get("_experiment")
    try:
        _end(logger)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        written = getattr(experiment, "offline_directory", None)
        if isinstance(written, str) and Path(written) != directory and Path(written).parent == Path(tempfile.gettempdir()):
            shutil.rmtree(written, ignore_errors=True)
    return True


def _end_abandoned() -> None:
    """:func:`_end_if_abandoned` for every logger made earlier."""
    for logger in list(_made):
        if _end_if_abandoned(logger):
            _made.remove(logger)


STREAMER_POLL = 0.02
"""Seconds the factory's experiments' offline streamer waits on its message queue per poll
(Comet's own is 1 s). Ending an experiment (``Experiment.end``) marks the streamer to stop and
joins its thread, which notices only when its current poll times out: with Comet's poll every
logger's end took 1.0 s (measured), most of a certification's time. The messages written, and
their order, are the same."""


def _short_poll(experiment: Any) -> None:
    streamer = getattr(experiment, "streamer", None)
    if streamer is not None and hasattr(streamer, "queue_timeout"):
        streamer.queue_timeout = STREAMER_POLL


def _polling_shortly(logger: Any) -> None:
    """Give the logger's experiment, now and whenever the logger makes one later (on first use
    after it was built off rank 0), a streamer that polls every :data:`STREAMER_POLL` seconds."""
    _short_poll(logger.__dict__.get("_experiment"))
    create = getattr(logger, "_create_experiment", None)
    if not callable(create):
        return

    @functools.wraps(create)
    def create_polling_shortly() -> None:
        with _offline_start():
            create()
        _short_poll(logger.__dict__.get("_experiment"))

    logger._create_experiment = create_polling_shortly


def comet_offline(directory: Path) -> Any:
    """A Lightning ``CometLogger`` with a Comet offline experiment archived into ``directory``: a logger subject.

    Sets :data:`OFFLINE_ENV` in ``os.environ`` and passes :data:`OFFLINE_SETTINGS`. Comet keeps one
    running experiment per process, and ``comet_ml.start`` ends it when the next logger starts its
    own: each logger gets its own experiment here by clearing Comet's running experiment first, so
    an earlier logger's experiment is not ended under it. Experiments of earlier loggers whose
    directory was removed are ended here (and at interpreter exit), and the directories their
    ending recreates are removed. The experiment's streamer polls its queue every
    :data:`STREAMER_POLL` seconds, so that ending it does not wait a second.
    """
    os.environ.update(OFFLINE_ENV)
    comet_logger = backend("lightning.pytorch.loggers", _EXTRA).CometLogger
    _end_abandoned()
    backend("comet_ml.config", _EXTRA).set_global_experiment(None)
    with _offline_start():
        logger = comet_logger(offline_directory=str(directory), **OFFLINE_SETTINGS)
    _polling_shortly(logger)
    _made.append(logger)
    _at_exit(functools.partial(_end_if_abandoned, logger))
    return logger


def _at_exit(hook: Callable[[], object]) -> None:
    """Run ``hook`` at interpreter exit before the exit hooks Comet registered so far: Comet ends its
    experiments from ``threading``'s exit hooks, which run newest first and before :mod:`atexit`'s."""
    register = getattr(threading, "_register_atexit", None)
    if register is None:  # pragma: no cover (CPython has had it since 3.9)
        atexit.register(hook)
    else:
        register(hook)
