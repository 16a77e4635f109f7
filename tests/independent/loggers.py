"""Loggers written from :class:`spec.Logger` and :class:`spec.AggregatingLogger`'s docstrings, none of
them deriving from ``impl`` or ``spec``: each takes the directory the suite gives it as its first argument.
"""

from __future__ import annotations

import copy
import json
import numbers
import os
from argparse import Namespace
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from tests.independent.merges import plain_merge
from tests.independent.ranks import RANK, gated


_MAX_NESTING = 100
"""How deeply these loggers let metrics nest (spec: deeper than the logger can store raises TypeError or ValueError)."""


def _checked_metrics(metrics: Any, where: str = "metrics", inside: tuple[int, ...] = ()) -> None:
    """Raise TypeError naming ``where`` (``metrics -> 'd' -> 'x'``) unless ``metrics`` maps str to real
    numbers or to such mappings; ValueError naming it for a mapping that contains itself or nests
    deeper than :data:`_MAX_NESTING` levels."""
    if not isinstance(metrics, Mapping):
        raise TypeError(f"{where} must be a mapping of str to numbers, got {type(metrics).__name__}")
    if id(metrics) in inside:
        raise ValueError(f"{where} contains itself")
    if len(inside) >= _MAX_NESTING:
        raise ValueError(f"{where} nests deeper than {_MAX_NESTING} levels")
    for key, value in metrics.items():
        if not isinstance(key, str):
            raise TypeError(f"{where}: every key must be a str, got {key!r}")
        here = f"{where} -> {key!r}"
        if isinstance(value, Mapping):
            _checked_metrics(value, here, (*inside, id(metrics)))
        elif not _is_real(value):
            raise TypeError(f"{here} must be a real number, got {type(value).__name__} {value!r}")


def _is_real(value: object) -> bool:
    """A real number, as spec says: not a bool here, and not a numpy datetime64 or timedelta64 (numpy
    registers timedelta64 as an integer)."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.datetime64, np.timedelta64))


def _checked_step(step: Any) -> None:
    if step is not None and (isinstance(step, bool) or not isinstance(step, numbers.Integral)):
        raise TypeError(f"step must be an int or None, got {type(step).__name__} {step!r}")


def _checked_status(status: Any) -> None:
    if not isinstance(status, str):
        raise TypeError(f"status must be a str such as 'success', got {type(status).__name__} {status!r}")


def _as_dict(params: Mapping[str, Any] | Namespace) -> dict[str, Any]:
    return dict(vars(params)) if isinstance(params, Namespace) else dict(params)


# --- a minimal logger: no base class, no aggregation -----------------------------------------


class MinimalLogger:
    """The fewest lines that keep the contract: records calls in a list, keeps nothing on disk."""

    def __init__(self, save_dir: Path) -> None:
        self.records: list[tuple[str, Any]] = []

    @property
    def name(self) -> str:
        return "minimal"

    @property
    def version(self) -> int:
        return 3

    @property
    def experiment(self) -> list[tuple[str, Any]]:
        return self.records

    @property
    def save_dir(self) -> str | None:
        return None

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        _checked_metrics(metrics)
        _checked_step(step)
        self.records.append(("metrics", (step, copy.deepcopy(metrics))))

    def log_hyperparams(self, params: dict[str, Any] | Namespace) -> None:
        self.records.append(("hyperparams", _as_dict(params)))

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        pass

    def save(self) -> None:
        pass

    def finalize(self, status: str) -> None:
        _checked_status(status)

    def close(self) -> None:
        pass

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        pass


# --- every method through *args / **kwargs ---------------------------------------------------


def _argument(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str, default: Any) -> Any:
    if len(args) > index:
        return args[index]
    return kwargs.get(name, default)


class KwargsLogger:
    """Methods that take ``*args`` and ``**kwargs`` and read their arguments themselves (as 1.5's
    ``DummyLogger`` does); name, version and save_dir are plain attributes."""

    name = "kwargs"
    version = "v0"

    def __init__(self, save_dir: Path, **options: Any) -> None:
        self.save_dir: str | None = str(save_dir)
        self.options = options
        self.seen: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    @property
    def experiment(self) -> Any:
        return self

    def log_metrics(self, *args: Any, **kwargs: Any) -> None:
        metrics = _argument(args, kwargs, 0, "metrics", None)
        step = _argument(args, kwargs, 1, "step", None)
        _checked_metrics(metrics)
        _checked_step(step)
        self.seen.append(("log_metrics", (copy.deepcopy(metrics), step), {}))

    def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
        self.seen.append(("log_hyperparams", (_as_dict(params), *args), kwargs))

    def log_graph(self, *args: Any, **kwargs: Any) -> None:
        self.seen.append(("log_graph", (), {}))

    def save(self, *args: Any, **kwargs: Any) -> None:
        pass

    def finalize(self, status: Any = "success", *args: Any, **kwargs: Any) -> None:
        _checked_status(status)

    def close(self, **kwargs: Any) -> None:
        pass

    def after_save_checkpoint(self, *args: Any, **kwargs: Any) -> None:
        pass


# --- a file-writing logger, gated by its own rank object -------------------------------------


class FileLogger:
    """Writes ``save_dir/<name>/version_<n>/metrics.jsonl`` (one JSON object per line) and
    ``hparams.json``; the file is opened at the first record, flushed by ``save``, closed by
    ``finalize`` and ``close`` and reopened if more comes. On a rank other than 0 (:data:`RANK`)
    nothing is written and the experiment is a dummy."""

    def __init__(self, save_dir: str | os.PathLike[str], name: str = "files") -> None:
        self._root = Path(save_dir)
        self._name = name
        self._file: Any = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def version(self) -> int:
        return 0

    @property
    def save_dir(self) -> str:
        return os.fspath(self._root)

    @property
    @gated
    def experiment(self) -> Any:
        if self._file is None or self._file.closed:
            directory = self._root / self._name / "version_0"
            directory.mkdir(parents=True, exist_ok=True)
            self._file = open(directory / "metrics.jsonl", "a", encoding="utf-8")  # noqa: SIM115 - kept open
        return self._file

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        _checked_metrics(metrics)
        _checked_step(step)
        if RANK.rank == 0:
            self.experiment.write(json.dumps({"step": step, "metrics": metrics}) + "\n")

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        if RANK.rank == 0:
            directory = self._root / self._name / "version_0"
            directory.mkdir(parents=True, exist_ok=True)
            (directory / "hparams.json").write_text(json.dumps(_as_dict(params), default=repr), encoding="utf-8")

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        pass

    def save(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.flush()

    def finalize(self, status: str) -> None:
        _checked_status(status)
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        pass


# --- Lightning 2.x style: no close, no aggregation -------------------------------------------


class Lightning2StyleLogger:
    """The shape of a Lightning 2.x logger: no ``close``, no ``agg_and_log_metrics``, no
    ``update_agg_funcs``; ``log_hyperparams`` takes ``*args, **kwargs``; extra properties."""

    def __init__(self, root_dir: Path, version: int | str = 0) -> None:
        self._root_dir = root_dir
        self._version = version
        self.logged: dict[int | None, list[dict[str, Any]]] = {}
        self.hparams: dict[str, Any] = {}

    @property
    def name(self) -> str:
        return "lightning_logs"

    @property
    def version(self) -> int | str:
        return self._version

    @property
    def root_dir(self) -> str:
        return str(self._root_dir)

    @property
    def save_dir(self) -> str | None:
        return self.root_dir

    @property
    def group_separator(self) -> str:
        return "/"

    @property
    def experiment(self) -> Any:
        return self.logged

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        _checked_metrics(metrics)
        _checked_step(step)
        self.logged.setdefault(step, []).append(copy.deepcopy(dict(metrics)))

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        self.hparams.update(_as_dict(params))

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        pass

    def save(self) -> None:
        pass

    def finalize(self, status: str) -> None:
        _checked_status(status)
        self.save()

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        pass


# --- its own aggregation ---------------------------------------------------------------------


def _float64s(metrics: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _float64s(v) if isinstance(v, Mapping) else np.float64(v) for k, v in metrics.items()}


_NO_RUN = object()


class AggregatingLogger:
    """Aggregation written from :class:`spec.AggregatingLogger`'s definitions with its own state:
    the pending run is a deque of accepted copies and its step; the key functions in force are a
    dict rebuilt at each update; runs are merged with :func:`tests.independent.merges.plain_merge`.
    ``log_metrics`` stores every value as a ``numpy.float64``."""

    def __init__(
        self,
        save_dir: Path,
        agg_key_funcs: Mapping[str, Callable[..., Any]] | None = None,
        agg_default_func: Callable[..., Any] = np.mean,
    ) -> None:
        self.stored: list[tuple[int | None, dict[str, Any]]] = []
        self._funcs: dict[str, Callable[..., Any]] = {}
        self._default: Callable[..., Any] = np.mean
        self.update_agg_funcs(agg_key_funcs, agg_default_func)
        self._run: deque[dict[str, Any]] = deque()
        self._run_step: Any = _NO_RUN

    @property
    def name(self) -> str:
        return "aggregating"

    @property
    def version(self) -> str:
        return "1.0"

    @property
    def experiment(self) -> list[tuple[int | None, dict[str, Any]]]:
        return self.stored

    @property
    def save_dir(self) -> None:
        return None

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        _checked_metrics(metrics)
        _checked_step(step)
        self.stored.append((step, _float64s(metrics)))

    def update_agg_funcs(
        self,
        agg_key_funcs: Mapping[str, Callable[..., Any]] | None = None,
        agg_default_func: Callable[..., Any] = np.mean,
    ) -> None:
        for key, fn in (agg_key_funcs or {}).items():
            if not callable(fn):
                raise TypeError(f"agg_key_funcs[{key!r}] must be callable, got {fn!r}")
        if not callable(agg_default_func):
            raise TypeError(f"agg_default_func must be callable, got {agg_default_func!r}")
        self._funcs = {**self._funcs, **(agg_key_funcs or {})}
        self._default = agg_default_func

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        _checked_metrics(metrics)
        _checked_step(step)
        if self._run and self._run_step == step and (self._run_step is None) == (step is None):
            self._run.append(copy.deepcopy(metrics))
            return
        self._log_run()  # if this raises, the call is not taken and the run stays pending
        self._run.append(copy.deepcopy(metrics))
        self._run_step = step

    def _log_run(self) -> None:
        if not self._run:
            return
        runs = list(self._run)
        value = runs[0] if len(runs) == 1 else plain_merge(runs, self._funcs, self._default)
        if value:
            self.log_metrics(metrics=value, step=self._run_step)
        self._run.clear()
        self._run_step = _NO_RUN

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        pass

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        pass

    def save(self) -> None:
        self._log_run()

    def finalize(self, status: str) -> None:
        _checked_status(status)
        self._log_run()

    def close(self) -> None:
        self._log_run()

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        pass
