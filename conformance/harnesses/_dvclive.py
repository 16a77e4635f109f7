"""Harness for DVCLive's Lightning logger, ``dvclive.lightning.DVCLiveLogger``.

DVCLive writes plain files under its directory: one history file per metric,
``plots/metrics/<name>.tsv`` (columns ``step`` and the metric's last name part), the latest values
in ``metrics.json``, and the hyperparameters in ``params.yaml``. They are read with DVCLive's own
readers, ``dvclive.utils.parse_tsv`` and ``dvclive.serialize.load_yaml``.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conformance import strategies as cst
from conformance._harness import Harness, ReadBack, readback_hyperparams
from conformance.harnesses._common import backend

__all__ = ["DVCLIVE", "dvclive_local"]

_EXTRA = "dvclive"

OFFLINE_ENV = {
    "DVC_NO_ANALYTICS": "true",  # no usage reports
    "DVC_STUDIO_OFFLINE": "true",  # nothing sent to DVC Studio
}
"""The environment the factory sets."""

_SPLITS = ("train", "val", "test")
_INT = re.compile(r"[-+]?[0-9]+")


def _cell(text: str) -> int | float:
    """A history cell as DVCLive wrote it with :mod:`csv` (``str()``; NaN and infinities as ``nan``, ``inf``)."""
    return int(text) if _INT.fullmatch(text) else float(text)


def _read(logger: Any, directory: Path) -> ReadBack:
    utils = backend("dvclive.utils", _EXTRA)
    serialize = backend("dvclive.serialize", _EXTRA)
    live_dir = Path(directory)
    metrics_dir = live_dir / "plots" / "metrics"
    records: list[tuple[int | None, dict[str, Any]]] = []
    for history in sorted(metrics_dir.rglob("*.tsv")):
        name = history.relative_to(metrics_dir).with_suffix("").as_posix()
        column = posixpath.basename(name)
        for row in utils.parse_tsv(history):
            records.append((int(row["step"]), {name: _cell(row[column])}))
    params: dict[str, Any] = {}
    params_file = live_dir / "params.yaml"
    if params_file.is_file():
        params = dict(serialize.load_yaml(params_file) or {})
    return ReadBack(tuple(records), params)


def _kept_name(key: str) -> bool:
    """A metric name DVCLive stores as it is.

    - It names a file, ``plots/metrics/<name>.tsv``: a normalized relative path (not ``a//b``, ``a/``,
      ``.``, ``..``).
    - DVCLiveLogger renames a name whose first ``_``-separated part ends with ``train``, ``val`` or
      ``test`` (``val_loss`` is stored as ``val/loss``; documented in ``standardize_metric_name``).
    - A last part ``step`` is the history file's step column (the value is written over the step).
    """
    if posixpath.normpath(key) != key or key in (".", "..") or key.startswith(("../", "/")):
        return False
    if any(part in ("", ".", "..") for part in key.split("/")):
        return False
    first = key.split("_")[0]
    return not first.endswith(_SPLITS) and posixpath.basename(key) != "step"


DVCLIVE = Harness(
    _read,
    name="conformance.harnesses:DVCLIVE",
    layout="series",
    ordered=True,
    none_step="any",
    metrics=cst.metric_dicts(keys=cst.metric_keys().filter(_kept_name), values=cst.metric_values(allow_nan=True)),
    hyperparams=readback_hyperparams(),
)
"""DVCLive's ``DVCLiveLogger``: the metric history files and ``params.yaml``, read with DVCLive's readers.

- One row per metric and step in that metric's file, in logging order (a call of ``{}`` writes
  nothing): ``layout="series"``.
- The step: the logger sets DVCLive's step to the step it is given, and a call with ``step=None``
  gets the previous step plus one, so any step is accepted for it. A step of 0 must read back as 0.
- Values are written with ``str()``: ints, floats, NaN and infinities read back equal.
- Metric names are file paths, and the logger renames some (see :func:`_kept_name`); the strategy
  draws only names DVCLive stores as they are.
- Hyperparameters: ``params.yaml`` holds the dict as logged (nested dicts, lists, ``None``, bools).
"""


@contextmanager
def _inside(directory: Path) -> Generator[None]:
    before = Path.cwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(before)


def dvclive_local(directory: Path) -> Any:
    """A ``DVCLiveLogger`` writing under ``directory``: a logger subject.

    Sets :data:`OFFLINE_ENV`. The ``Live`` run is made here, on rank 0 only (Lightning's
    ``rank_zero_only.rank``), with no DVC experiment, no ``dvc.yaml``, no report and no system
    monitoring, and with ``directory`` as the working directory while it is made: ``Live()`` inside
    a Git repository that is not a DVC repository runs ``dvc init`` at the repository's root (it
    would write ``.dvc/`` and ``.dvcignore`` into the caller's checkout and stage them in Git).
    Off rank 0 no run is made, as the logger itself makes none there.
    """
    os.environ.update(OFFLINE_ENV)
    logger_class = backend("dvclive.lightning", _EXTRA).DVCLiveLogger
    rank_zero_only = backend("lightning.pytorch.utilities.rank_zero", _EXTRA).rank_zero_only
    experiment = None
    if getattr(rank_zero_only, "rank", 0) == 0:
        live_class = backend("dvclive", _EXTRA).Live
        Path(directory).mkdir(parents=True, exist_ok=True)
        with _inside(Path(directory)):
            experiment = live_class(
                dir=str(directory), save_dvc_exp=False, dvcyaml=None, report=None, monitor_system=False
            )
    return logger_class(experiment=experiment)
