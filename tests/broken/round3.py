"""Round 3 (issue 11): broken implementations in the five escape classes, several of each.

Each is broken in one contract sentence; when this module was written, every one of them was
certified by the property named in its entry (the suite's inputs could not draw what breaks it).
They are here so that the fix of each class is shown to work: each must be rejected once the
property draws the inputs the contract admits. ``docs/property-inputs.md`` says, per property, what
its inputs cover and leave out.

1. Metric names that real loggers special-case (``epoch``, ``step``, ``global_step``, ``lr-SGD``,
   ``train/loss``, ``val_acc_epoch``) are never drawn: loggers that pop or rewrite them.
2. A key-path check that cannot fail: bad values nested one level deep under ``d`` only; errors
   that name only the leaf key, and checks that stop at one level.
3. Stand-in members that cannot differ: collection members whose ``save_dir`` is always ``None``
   and whose experiments are never dummies.
4. Ranks drawn only from 1..7: gates written ``rank > 0``, ``rank in range(1, 8)`` and so on.
5. ``spec.RankSource``'s environment sentence has no property: rank objects that read the
   variables in the wrong order, ignore one, read one more, or take malformed values silently.
   (Their entries name the properties that should exist: ``rank.environment_order``, core, and
   ``rank.environment_malformed``, strict; ``certify`` rejects those ids until they are registered.)

And the "never mislead" items that are subjects (a logger without ``close``).
"""

from __future__ import annotations

import functools
import os
from argparse import Namespace
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

import impl
from conformance._core import CollectionSubject, LoggerSubject, MergeSubject, RankSubject
from conformance._harness import Harness, ReadBack
from impl._rank import rank_from_environment
from impl._validate import check_metrics, check_step, describe, is_mapping, is_metric_value, snapshot
from tests.broken import Broken
from tests.broken.ranks import AmbiguousDummy, LockedDummy, NopDummy

Getter = Callable[[Any], Any]
_MODULE = "tests.broken.round3"


# --- 1. metric names real loggers special-case ----------------------------------------------


class PopsEpoch(impl.InMemoryLogger):
    """log_metrics pops "epoch" from the caller's dict (it is stored apart, as real loggers do)."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        metrics.pop("epoch", None)
        super().log_metrics(metrics, step)


class PopsStepKeys(impl.InMemoryLogger):
    """log_metrics pops "step" and "global_step" from the caller's dict and uses them as the step."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        for key in ("step", "global_step"):
            value: object = metrics.pop(key, None)
            if step is None and type(value) is int:
                step = int(value)
        super().log_metrics(metrics, step)


class RenamesLrKeys(impl.InMemoryLogger):
    """log_metrics renames learning-rate keys ("lr-SGD", "lr-Adam/pg1") in the caller's dict to a
    slash form ("lr/SGD"), in place."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        for key in [k for k in metrics if k.startswith("lr-")]:
            metrics["lr/" + key[3:]] = metrics.pop(key)
        super().log_metrics(metrics, step)


class SplitsStagePrefix(impl.InMemoryLogger):
    """log_metrics rewrites the caller's "train/loss"-style keys (a stage prefix) to "loss", in place."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        for key in [k for k in metrics if k.partition("/")[0] in ("train", "val", "test")]:
            metrics[key.partition("/")[2]] = metrics.pop(key)
        super().log_metrics(metrics, step)


class DropsEpochSuffix(impl.InMemoryLogger):
    """log_metrics strips the "_epoch" / "_step" suffix Lightning adds ("val_acc_epoch") in the caller's dict."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        for key in [k for k in metrics if k.endswith(("_epoch", "_step"))]:
            metrics[key.rsplit("_", 1)[0]] = metrics.pop(key)
        super().log_metrics(metrics, step)


class EpochMadeIntInPlace(impl.InMemoryLogger):
    """log_metrics makes the caller's "epoch" value an int, in place (an epoch counter logged as a float)."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        value = metrics.get("epoch")
        if isinstance(value, float) and value == value and abs(value) < 2**62:
            metrics["epoch"] = int(value)
        super().log_metrics(metrics, step)


class AggPopsEpoch(impl.InMemoryLogger):
    """agg_and_log_metrics pops "epoch" from the caller's dict (and aggregates the rest with it)."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        check_metrics(metrics)
        check_step(step)
        taken = dict(metrics)
        metrics.pop("epoch", None)
        super().agg_and_log_metrics(taken, step)


class AggPopsStep(impl.InMemoryLogger):
    """agg_and_log_metrics pops "step" from the caller's dict (the trainer's own counter)."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        check_metrics(metrics)
        check_step(step)
        taken = dict(metrics)
        metrics.pop("step", None)
        super().agg_and_log_metrics(taken, step)


class AggDropsEpoch(impl.InMemoryLogger):
    """agg_and_log_metrics leaves "epoch" out of the run (it is stored apart): the run's value loses it."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        check_metrics(metrics)
        super().agg_and_log_metrics({k: v for k, v in metrics.items() if k != "epoch"}, step)


class AggRenamesStagePrefix(impl.InMemoryLogger):
    """agg_and_log_metrics rewrites the caller's "train/loss"-style keys to "train_loss", in place."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        check_metrics(metrics)
        check_step(step)
        taken = dict(metrics)
        for key in [k for k in metrics if k.partition("/")[0] in ("train", "val", "test")]:
            metrics[key.replace("/", "_")] = metrics.pop(key)
        super().agg_and_log_metrics(taken, step)


# --- 2. key paths: bad values nested deeper, errors naming the leaf only -----------------------


def _leaf_only(error: TypeError, metrics: Any) -> TypeError:
    """``error`` reworded to name the argument and the bad leaf key only, not the keys above it."""
    leaf = _bad_leaf(metrics)
    if leaf is None:
        return error
    return TypeError(f"metrics: invalid value {describe(leaf[1])} for key {leaf[0]!r} (a real number is needed)")


def _bad_leaf(metrics: Any) -> tuple[Any, Any] | None:
    """The first (key, value) at any depth whose value is neither a real number nor a mapping."""
    if not is_mapping(metrics):
        return None
    for key, value in metrics.items():
        if is_mapping(value):
            found = _bad_leaf(value)
            if found is not None:
                return found
        elif not is_metric_value(value):
            return key, value
    return None


class LeafOnlyMessage(impl.InMemoryLogger):
    """log_metrics' TypeError for a bad nested value names the argument and the leaf key, not the
    path above it ("metrics: invalid value 'x' (str) for key 'oops'")."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        try:
            super().log_metrics(metrics, step)
        except TypeError as error:
            raise _leaf_only(error, metrics) from None


class AggLeafOnlyMessage(impl.InMemoryLogger):
    """agg_and_log_metrics' TypeError for a bad nested value names the leaf key only."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        try:
            super().agg_and_log_metrics(metrics, step)
        except TypeError as error:
            raise _leaf_only(error, metrics) from None


def _check_to_depth(metrics: Any, depth: int, arg: str = "metrics") -> None:
    """impl's check of ``metrics``, but nested mappings deeper than ``depth`` levels are not looked into."""
    if not is_mapping(metrics):
        check_metrics(metrics, arg)
        return
    for key, value in metrics.items():
        if not isinstance(key, str):
            raise TypeError(f"{arg}: key {key!r} must be a str, got {type(key).__name__}")
        if is_mapping(value):
            if depth > 1:
                _check_to_depth(value, depth - 1, f"{arg}[{key!r}]")
        elif not is_metric_value(value):
            raise TypeError(f"{arg}[{key!r}] must be a real number or a mapping, got {describe(value)}")


class ChecksTwoLevels(impl.InMemoryLogger):
    """log_metrics checks the top level and one nested level: a str two mappings deep is recorded."""

    def log_metrics(self, metrics: Any, step: Any = None) -> None:
        _check_to_depth(metrics, 2)
        step = check_step(step)
        self.metrics.append((step, snapshot(metrics)))


class NestedKeysUnchecked(impl.InMemoryLogger):
    """log_metrics checks the keys of the top level only: a nested mapping's non-str key is recorded."""

    def log_metrics(self, metrics: Any, step: Any = None) -> None:
        if not is_mapping(metrics):
            check_metrics(metrics)
        top: dict[Any, Any] = {k: dict[str, float]() if is_mapping(v) else v for k, v in metrics.items()}
        check_metrics(top)
        for key, value in metrics.items():
            if is_mapping(value):
                _check_values_only(value, f"metrics[{key!r}]")
        self.metrics.append((check_step(step), snapshot(metrics)))


def _check_values_only(metrics: Mapping[Any, object], arg: str = "metrics") -> None:
    for key, value in metrics.items():
        if is_mapping(value):
            _check_values_only(value, f"{arg}[{key!r}]")
        elif not is_metric_value(value):
            raise TypeError(f"{arg}[{key!r}] must be a real number, got {describe(value)}")


class AggChecksTwoLevels(impl.InMemoryLogger):
    """agg_and_log_metrics checks two levels: a str two mappings deep joins the pending run."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        _check_to_depth(metrics, 2)
        step = check_step(step)
        copied = snapshot(metrics)
        if step == self._agg_step:
            self._agg_run.append(copied)
            return
        self._flush_run()
        self._agg_step, self._agg_run = step, [copied]


class LeafIndexMessage(impl.InMemoryLogger):
    """log_metrics' TypeError indexes the argument with the bad leaf key alone, as if it were at the
    top ("metrics['oops']: expected a float or a dict, got 'x' (str)"), whatever its depth."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        try:
            super().log_metrics(metrics, step)
        except TypeError:
            leaf = _bad_leaf(metrics)
            if leaf is None:
                raise
            raise TypeError(f"metrics[{leaf[0]!r}]: expected a float or a dict, got {describe(leaf[1])}") from None


# --- 3. collections: stand-in members that cannot differ --------------------------------------


class SaveDirOfFirstMember(impl.LoggerCollection):
    """save_dir is the first member's save_dir (checkpoints go where the first logger writes)."""

    @property
    def save_dir(self) -> str | None:
        return self[0].save_dir if len(self) else None


class SaveDirOfFirstLocalMember(impl.LoggerCollection):
    """save_dir is the first member save_dir that is not None."""

    @property
    def save_dir(self) -> str | None:
        return next((m.save_dir for m in self if m.save_dir is not None), None)


class SaveDirCommonPath(impl.LoggerCollection):
    """save_dir is the members' common directory when they all keep files locally, else None."""

    @property
    def save_dir(self) -> str | None:
        dirs = [m.save_dir for m in self]
        if not dirs or any(d is None for d in dirs):
            return None
        return os.path.commonpath([str(d) for d in dirs])


class SaveDirOfLastMember(impl.LoggerCollection):
    """save_dir is the last member's save_dir (a fixed member, not the contract's None)."""

    @property
    def save_dir(self) -> str | None:
        return self[-1].save_dir if len(self) else None


class ExperimentSkipsDummies(impl.LoggerCollection):
    """experiment leaves out the members whose experiment is a DummyExperiment (a member gated off
    rank 0): the list no longer lines up with the members."""

    @property
    def experiment(self) -> list[Any]:
        return [e for e in (m.experiment for m in self) if not isinstance(e, impl.DummyExperiment)]


class NameSkipsUnnamed(impl.LoggerCollection):
    """name joins the members' names, leaving out the members whose name is the default "default"
    (pytorch_lightning's loggers' default experiment name)."""

    @property
    def name(self) -> str:
        return "_".join(str(m.name) for m in self if m.name != "default")


# --- 4. ranks drawn only from 1..7 --------------------------------------------------------------


def _gate_when(dummy_if: Callable[[int], bool], label: str) -> Callable[[Getter], Getter]:
    """A gate on impl's rank object that returns a dummy when ``dummy_if(rank)``, else the real experiment."""

    def decorator(fn: Getter) -> Getter:
        @functools.wraps(fn)
        def experiment(self: Any) -> Any:
            return impl.DummyExperiment() if dummy_if(impl.rank_zero_only.rank) else fn(self)

        return experiment

    decorator.__name__ = label
    decorator.__qualname__ = label
    return decorator


gate_positive = _gate_when(lambda rank: rank > 0, "gate_positive")
"""``if rank > 0: return dummy``: rank -1 (the ``LOCAL_RANK=-1`` convention) gets the real experiment."""
gate_at_least_one = _gate_when(lambda rank: rank >= 1, "gate_at_least_one")
"""``rank >= 1``: negative ranks get the real experiment."""
gate_small_ranks = _gate_when(lambda rank: rank in range(1, 8), "gate_small_ranks")
"""``rank in range(1, 8)`` (one node of 8 GPUs): ranks 8 and up, and negative ones, get the real experiment."""
gate_node_local = _gate_when(lambda rank: rank % 8 != 0, "gate_node_local")
"""The local rank ``rank % 8`` is gated, not the global one: ranks 8, 16, ... get the real experiment."""
gate_int32 = _gate_when(lambda rank: 0 < rank < 2**31, "gate_int32")
"""A rank kept as a C int32: ranks past int32 and negative ones get the real experiment."""


class _ClampingSource(impl.RankZeroOnly):
    """A rank object whose setter clamps negative ranks to 0 (``max(rank, 0)``)."""

    @property
    def rank(self) -> int:
        return self._rank if self._rank is not None else rank_from_environment()

    @rank.setter
    def rank(self, value: int) -> None:
        self._rank = max(int(value), 0)

    @rank.deleter
    def rank(self) -> None:
        self._rank = None


clamping_rank = _ClampingSource()
"""Setting ``rank = -1`` makes it 0: a process told it is not rank 0 acts as rank 0."""


def _gate_on(source: Any, label: str) -> Callable[[Getter], Getter]:
    """A correct gate that reads ``source.rank`` at each call."""

    def decorator(fn: Getter) -> Getter:
        @functools.wraps(fn)
        def experiment(self: Any) -> Any:
            return fn(self) if source.rank == 0 else impl.DummyExperiment()

        return experiment

    decorator.__name__ = label
    decorator.__qualname__ = label
    return decorator


gate_on_clamping_rank = _gate_on(clamping_rank, "gate_on_clamping_rank")


class _RankOneDummy(impl.DummyExperiment):
    pass


class _EndlessDummy:
    """A dummy whose iteration never ends (``__getitem__`` absorbs every index, as 1.5's)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self

    def __getitem__(self, key: Any) -> Any:
        return self

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def __setattr__(self, name: str, value: Any) -> None:
        pass


def gate_other_dummy_past_rank_one(fn: Getter) -> Getter:
    """impl's dummy on rank 1; on ranks 2 and up a dummy whose iteration never ends (the strict
    dummy properties read rank 1 only)."""

    @functools.wraps(fn)
    def experiment(self: Any) -> Any:
        rank = impl.rank_zero_only.rank
        if rank == 0:
            return fn(self)
        return _RankOneDummy() if rank == 1 else _EndlessDummy()

    return experiment


def _gate_past_a_node(dummy: Callable[[], Any], label: str) -> Callable[[Getter], Getter]:
    """impl's dummy on ranks 1..7; ``dummy()`` on every other rank other than 0 (negative ones, and
    ranks past a node of 8), where the old strategies never looked."""

    def decorator(fn: Getter) -> Getter:
        @functools.wraps(fn)
        def experiment(self: Any) -> Any:
            rank = impl.rank_zero_only.rank
            if rank == 0:
                return fn(self)
            return impl.DummyExperiment() if rank in range(1, 8) else dummy()

        return experiment

    decorator.__name__ = label
    decorator.__qualname__ = label
    return decorator


gate_nop_dummy_past_a_node = _gate_past_a_node(NopDummy, "gate_nop_dummy_past_a_node")
"""Past a node, 1.5's dummy: ``dummy.nop.x`` raises."""
gate_locked_dummy_past_a_node = _gate_past_a_node(LockedDummy, "gate_locked_dummy_past_a_node")
"""Past a node, a dummy holding a lock: deepcopy and pickle raise."""
gate_ambiguous_dummy_past_a_node = _gate_past_a_node(AmbiguousDummy, "gate_ambiguous_dummy_past_a_node")
"""Past a node, a dummy whose ``bool()`` raises."""


def gate_dummies_per_local_rank(fn: Getter) -> Getter:
    """Keeps one dummy per local rank (``rank % 8``) on the instance: after a read on rank 8, rank 0
    (local rank 0 too) gets that dummy instead of the real experiment."""

    @functools.wraps(fn)
    def experiment(self: Any) -> Any:
        rank = impl.rank_zero_only.rank
        dummies: dict[int, Any] = vars(self).setdefault("_dummies", {})
        if rank % 8 in dummies:
            return dummies[rank % 8]
        if rank == 0:
            return fn(self)
        dummies[rank % 8] = impl.DummyExperiment()
        return dummies[rank % 8]

    return experiment


class PositiveRankFileLogger(impl.LightningLoggerBase):
    """Writes its metrics to ``save_dir/metrics.csv`` unless ``rank > 0``: rank -1 writes."""

    def __init__(self, save_dir: str | os.PathLike[str]) -> None:
        super().__init__()
        self._dir = Path(save_dir)

    @property
    def name(self) -> str:
        return "positive_rank"

    @property
    def version(self) -> int:
        return 0

    @property
    def save_dir(self) -> str:
        return str(self._dir)

    @property
    @impl.rank_zero_experiment
    def experiment(self) -> list[str]:
        return []

    def _writes(self) -> bool:
        return not impl.rank_zero_only.rank > 0

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        check_metrics(metrics)
        if self._writes():
            with open(self._dir / "metrics.csv", "a") as file:
                file.write(f"{step},{metrics}\n")

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        pass


class SmallRankFileLogger(PositiveRankFileLogger):
    """Writes unless ``rank in range(1, 4)`` (a world of four assumed): rank 4 and up write."""

    def _writes(self) -> bool:
        return impl.rank_zero_only.rank not in range(1, 4)


# --- 5. RankSource: the environment sentence --------------------------------------------------


class _EnvSource(impl.RankZeroOnly):
    """A rank object like impl's whose rank, without a setting, is read by ``read()``."""

    def read(self) -> int:
        return rank_from_environment()

    @property
    def rank(self) -> int:
        return self._rank if self._rank is not None else self.read()

    @rank.setter
    def rank(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"rank must be an int, got {describe(value)}")
        self._rank = value

    @rank.deleter
    def rank(self) -> None:
        self._rank = None


def _first_set(names: Iterable[str]) -> int:
    for name in names:
        value = os.environ.get(name)
        if value is not None:
            try:
                return int(value)
            except ValueError:
                raise ValueError(f"environment variable {name} must be an integer rank, got {value!r}") from None
    return 0


class SlurmFirst(_EnvSource):
    """Reads SLURM_PROCID before RANK."""

    def read(self) -> int:
        return _first_set(("SLURM_PROCID", "RANK", "LOCAL_RANK"))


class LocalRankFirst(_EnvSource):
    """Reads LOCAL_RANK first (the local rank is taken for the global one)."""

    def read(self) -> int:
        return _first_set(("LOCAL_RANK", "RANK", "SLURM_PROCID"))


class IgnoresSlurm(_EnvSource):
    """Never reads SLURM_PROCID: under SLURM (no RANK set) every process is rank 0 or its LOCAL_RANK."""

    def read(self) -> int:
        return _first_set(("RANK", "LOCAL_RANK"))


class ReadsJsmRank(_EnvSource):
    """Also reads JSM_NAMESPACE_RANK (before LOCAL_RANK), which the contract leaves out."""

    def read(self) -> int:
        return _first_set(("RANK", "SLURM_PROCID", "JSM_NAMESPACE_RANK", "LOCAL_RANK"))


class MalformedIsZero(_EnvSource):
    """A malformed variable (``RANK=abc``) silently gives rank 0."""

    def read(self) -> int:
        try:
            return rank_from_environment()
        except ValueError:
            return 0


class MalformedSkipped(_EnvSource):
    """A malformed variable is skipped: the next one that is set is read."""

    def read(self) -> int:
        for name in impl.RANK_ENV_VARS:
            value = os.environ.get(name)
            if value is not None and value.strip().lstrip("-").isdigit():
                return int(value)
        return 0


class MalformedUnnamed(_EnvSource):
    """A malformed variable raises int()'s ValueError, which does not name the variable (as 1.5)."""

    def read(self) -> int:
        for name in impl.RANK_ENV_VARS:
            value = os.environ.get(name)
            if value is not None:
                return int(value)
        return 0


class EmptyIsUnset(_EnvSource):
    """A variable set to "" is taken as unset (the next one is read), not as a malformed value."""

    def read(self) -> int:
        for name in impl.RANK_ENV_VARS:
            value = os.environ.get(name)
            if value:
                return _first_set((name,))
        return 0


class ReadOnce(_EnvSource):
    """Reads the environment at its first read and keeps that rank (a launcher that sets RANK
    later is not seen)."""

    _cached: int | None = None

    def read(self) -> int:
        if self._cached is None:
            self._cached = rank_from_environment()
        return self._cached


slurm_first = SlurmFirst()
local_rank_first = LocalRankFirst()
ignores_slurm = IgnoresSlurm()
reads_jsm_rank = ReadsJsmRank()
malformed_is_zero = MalformedIsZero()
malformed_skipped = MalformedSkipped()
malformed_unnamed = MalformedUnnamed()
empty_is_unset = EmptyIsUnset()
read_once = ReadOnce()

gate_slurm_first = _gate_on(slurm_first, "gate_slurm_first")
gate_local_rank_first = _gate_on(local_rank_first, "gate_local_rank_first")
gate_ignores_slurm = _gate_on(ignores_slurm, "gate_ignores_slurm")
gate_reads_jsm_rank = _gate_on(reads_jsm_rank, "gate_reads_jsm_rank")
gate_malformed_is_zero = _gate_on(malformed_is_zero, "gate_malformed_is_zero")
gate_malformed_skipped = _gate_on(malformed_skipped, "gate_malformed_skipped")
gate_malformed_unnamed = _gate_on(malformed_unnamed, "gate_malformed_unnamed")
gate_empty_is_unset = _gate_on(empty_is_unset, "gate_empty_is_unset")
gate_read_once = _gate_on(read_once, "gate_read_once")


# --- never mislead: a subject that is only part of the contract -------------------------------


class NoClose(impl.InMemoryLogger):
    """A logger without ``close`` (as Lightning 2.x's): it conforms to spec.CoreLogger, not spec.Logger.
    Its verdict must name spec.CoreLogger only; today it says CERTIFIED, as for a full spec.Logger."""

    def __getattribute__(self, name: str) -> Any:
        if name == "close":
            raise AttributeError(name)
        return super().__getattribute__(name)


# --- gaps found by the audit (docs/property-inputs.md) -----------------------------------------


class VersionNoneAfterClose(impl.InMemoryLogger):
    """version becomes None once close() is called (the run is released); property_types reads it
    after one fixed script that never calls close()."""

    _closed = False

    @property
    def version(self) -> Any:
        return None if self._closed else super().version

    def close(self) -> None:
        super().close()
        self._closed = True


class CloseFailsAfterHyperparams(impl.InMemoryLogger):
    """A logger without aggregation (as Lightning 2.x's) whose close() raises once hyperparameters
    were logged (the hparams file is closed twice); lifecycle_any_order never logs hyperparameters."""

    _hparams_open = False

    def __getattribute__(self, name: str) -> Any:
        if name in ("agg_and_log_metrics", "update_agg_funcs"):
            raise AttributeError(name)
        return super().__getattribute__(name)

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        super().log_hyperparams(params, *args, **kwargs)
        self._hparams_open = True

    def close(self) -> None:
        if self._hparams_open:
            raise ValueError("I/O operation on closed file (hparams.yaml)")
        super().close()


def _read_in_memory(logger: Any, directory: Path) -> ReadBack:
    params: dict[str, Any] = {}
    for recorded in logger.hyperparams:
        params.update(recorded)
    return ReadBack(tuple(logger.metrics), params)


IN_MEMORY = Harness(_read_in_memory, name=f"{_MODULE}:IN_MEMORY", layout="records", ordered=True, none_step=None)
"""A read-back harness for impl's InMemoryLogger (and its subclasses here), whose storage is its
``metrics`` list: what a user would give for a logger that keeps its records in memory."""


class RecordsThenRejects(impl.InMemoryLogger):
    """log_metrics records the call, then checks it: bad input raises the right TypeError but is
    recorded (seen through a read-back harness: IN_MEMORY)."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        given: object = metrics
        self.metrics.append((None, dict(metrics) if is_mapping(given) else {"value": given}))
        super().log_metrics(metrics, step)


def nested_all_none_kept(
    dicts: Any, agg_key_funcs: Any = None, default_func: Callable[..., Any] = np.mean
) -> dict[str, Any]:
    """impl's merge, but a key whose values are all None inside a nested mapping is kept, with its
    function called on no values (the top level is right)."""
    dicts = list(dicts)
    merged = impl.merge_dicts(dicts, agg_key_funcs, default_func)

    def put_back(inputs: list[Any], funcs: Any, out: dict[str, Any], depth: int) -> None:
        for key in dict.fromkeys(k for d in inputs for k in d):
            values = [d[key] for d in inputs if key in d and d[key] is not None]
            fn = funcs.get(key) if is_mapping(funcs) else None
            if not values and depth > 0:
                out[key] = (fn if callable(fn) else default_func)([])
            elif values and all(is_mapping(v) for v in values) and is_mapping(out.get(key)):
                put_back(values, fn, out[key], depth + 1)

    put_back(dicts, agg_key_funcs, merged, 0)
    return merged


class DropsMemberAfterTwoFailures(impl.LoggerCollection):
    """A member that raised twice is dropped from later calls; error_isolation makes one failing call."""

    def __init__(self, logger_iterable: Iterable[Any]) -> None:
        super().__init__(logger_iterable)
        self._strikes: dict[int, int] = {}

    def _failed(self, failures: list[tuple[int, Exception]], method: str, index: int, logger: Any, error: Exception) -> None:  # type: ignore[override]
        impl.LoggerCollection._failed(failures, method, index, logger, error)
        self._strikes[index] = self._strikes.get(index, 0) + 1
        if self._strikes[index] >= 2:
            self._members = tuple(m for m in self._members if m[0] != index)


# --- subjects ------------------------------------------------------------------------------------


def _logger(cls: type[Any], rank_source: Any = None) -> LoggerSubject:
    return LoggerSubject(cls, f"{_MODULE}:{cls.__name__}", rank_source=rank_source)


def _merge(fn: Callable[..., Any]) -> MergeSubject:
    return MergeSubject(fn, f"{_MODULE}:{fn.__name__}")


def _collection(cls: type[Any]) -> CollectionSubject:
    return CollectionSubject(cls, f"{_MODULE}:{cls.__name__}")


def _rank(decorator: Callable[[Getter], Getter], source: Any = impl.rank_zero_only) -> RankSubject:
    return RankSubject(decorator, source, f"{_MODULE}:{decorator.__name__}")


ENVIRONMENT_ORDER = "rank.environment_order"
"""Proposed (core): without a setting, rank is the first of RANK, SLURM_PROCID, LOCAL_RANK that is set, else 0."""
ENVIRONMENT_MALFORMED = "rank.environment_malformed"
"""Proposed (strict): a set variable that is not an integer raises ValueError naming the variable."""


BROKEN = [
    # 1. Real metric names.
    Broken("logger.log_metrics_no_mutation", _logger(PopsEpoch), "'epoch' popped from the caller's dict"),
    Broken("logger.log_metrics_no_mutation", _logger(PopsStepKeys), "'step', 'global_step' popped"),
    Broken("logger.log_metrics_no_mutation", _logger(RenamesLrKeys), "'lr-SGD' renamed 'lr/SGD' in place"),
    Broken("logger.log_metrics_no_mutation", _logger(SplitsStagePrefix), "'train/loss' renamed 'loss' in place"),
    Broken("logger.log_metrics_no_mutation", _logger(DropsEpochSuffix), "'val_acc_epoch' renamed 'val_acc'"),
    Broken("logger.log_metrics_no_mutation", _logger(EpochMadeIntInPlace), "'epoch' made an int in place"),
    Broken("aggregation.metrics_not_shared", _logger(AggPopsEpoch), "'epoch' popped by agg_and_log_metrics"),
    Broken("aggregation.metrics_not_shared", _logger(AggPopsStep), "'step' popped by agg_and_log_metrics"),
    Broken("aggregation.metrics_not_shared", _logger(AggRenamesStagePrefix), "'train/loss' renamed in place"),
    Broken("aggregation.runs_logged_once", _logger(AggDropsEpoch), "a run's 'epoch' is never logged"),
    # 2. Key paths.
    Broken("logger.rejects_bad_input", _logger(LeafOnlyMessage), "the TypeError names the leaf key, not its path"),
    Broken("logger.rejects_bad_input", _logger(ChecksTwoLevels), "a str two mappings deep is recorded"),
    Broken("logger.rejects_bad_input", _logger(NestedKeysUnchecked), "a nested non-str key is recorded"),
    Broken("logger.rejects_bad_input", _logger(LeafIndexMessage), "the TypeError shows metrics[leaf], no path"),
    Broken("aggregation.rejected_call_keeps_state", _logger(AggLeafOnlyMessage), "the TypeError names the leaf only"),
    Broken("aggregation.rejected_call_keeps_state", _logger(AggChecksTwoLevels), "a str two mappings deep joins the run"),
    # 3. Collections.
    Broken("collection.properties", _collection(SaveDirOfFirstMember), "save_dir is the first member's"),
    Broken("collection.properties", _collection(SaveDirOfFirstLocalMember), "save_dir is the first one not None"),
    Broken("collection.properties", _collection(SaveDirCommonPath), "save_dir is the members' common directory"),
    Broken("collection.properties", _collection(SaveDirOfLastMember), "save_dir is the last member's"),
    Broken("collection.properties", _collection(ExperimentSkipsDummies), "members' dummy experiments left out"),
    Broken("collection.properties", _collection(NameSkipsUnnamed), "members named 'default' left out of name"),
    # 4. Ranks.
    Broken("rank.dummy_off_rank_zero", _rank(gate_positive), "rank > 0: rank -1 gets the real experiment"),
    Broken("rank.dummy_off_rank_zero", _rank(gate_at_least_one), "rank >= 1: rank -1 gets the real experiment"),
    Broken("rank.dummy_off_rank_zero", _rank(gate_small_ranks), "rank in range(1, 8): rank 8 gets the real one"),
    Broken("rank.dummy_off_rank_zero", _rank(gate_node_local), "rank % 8 gated: rank 8 gets the real one"),
    Broken("rank.dummy_off_rank_zero", _rank(gate_int32), "ranks past int32 get the real experiment"),
    Broken("rank.dummy_off_rank_zero", _rank(gate_on_clamping_rank, clamping_rank), "rank = -1 is stored as 0"),
    Broken("rank.dummy_iter_ends", _rank(gate_other_dummy_past_rank_one), "rank 2's dummy iterates forever"),
    Broken("rank.dummy_absorbs", _rank(gate_nop_dummy_past_a_node), "rank -1 and 8 get 1.5's nop dummy"),
    Broken("rank.dummy_copy_pickle", _rank(gate_locked_dummy_past_a_node), "rank -1 and 8: deepcopy raises"),
    Broken("rank.dummy_bool", _rank(gate_ambiguous_dummy_past_a_node), "rank -1 and 8: bool() raises"),
    Broken("rank.result_on_rank_zero", _rank(gate_dummies_per_local_rank), "after rank 8, rank 0 gets its dummy"),
    Broken(
        "logger.nothing_written_off_rank_zero",
        _logger(PositiveRankFileLogger, impl.rank_zero_only),
        "rank -1 writes its metrics",
    ),
    Broken(
        "logger.nothing_written_off_rank_zero",
        _logger(SmallRankFileLogger, impl.rank_zero_only),
        "rank 4 and up write their metrics",
    ),
    # 5. RankSource's environment sentence (the properties named here do not exist yet).
    Broken(ENVIRONMENT_ORDER, _rank(gate_slurm_first, slurm_first), "SLURM_PROCID read before RANK"),
    Broken(ENVIRONMENT_ORDER, _rank(gate_local_rank_first, local_rank_first), "LOCAL_RANK read first"),
    Broken(ENVIRONMENT_ORDER, _rank(gate_ignores_slurm, ignores_slurm), "SLURM_PROCID never read"),
    Broken(ENVIRONMENT_ORDER, _rank(gate_reads_jsm_rank, reads_jsm_rank), "JSM_NAMESPACE_RANK read too"),
    Broken(ENVIRONMENT_ORDER, _rank(gate_read_once, read_once), "the environment read once, then kept"),
    Broken(ENVIRONMENT_MALFORMED, _rank(gate_malformed_is_zero, malformed_is_zero), "RANK=abc is rank 0"),
    Broken(ENVIRONMENT_MALFORMED, _rank(gate_malformed_skipped, malformed_skipped), "RANK=abc is skipped"),
    Broken(ENVIRONMENT_MALFORMED, _rank(gate_malformed_unnamed, malformed_unnamed), "the ValueError names no variable"),
    Broken(ENVIRONMENT_MALFORMED, _rank(gate_empty_is_unset, empty_is_unset), "RANK='' is taken as unset"),
]

# Gaps found by the audit (docs/property-inputs.md), outside the five classes: each escaped its
# property until the property was generalised (issue 11's remaining items).
BROKEN += [
    Broken("logger.property_types", _logger(VersionNoneAfterClose), "version is None after close()"),
    Broken("logger.lifecycle_any_order", _logger(CloseFailsAfterHyperparams), "close() after hyperparams raises"),
    Broken(
        "logger.rejects_bad_input",
        LoggerSubject(RecordsThenRejects, f"{_MODULE}:RecordsThenRejects", harness=IN_MEMORY),
        "bad metrics recorded, then rejected",
    ),
    Broken("merge.all_none_key_skipped", _merge(nested_all_none_kept), "a nested all-None key is kept"),
    Broken("collection.error_isolation", _collection(DropsMemberAfterTwoFailures), "dropped after two failures"),
]

ESCAPES: list[Broken] = []
"""Broken implementations today's properties still certify: kept out of BROKEN, which must all be
rejected, until their properties are strengthened; ``tests/test_broken.py`` checks that each one still
escapes, so a fix moves it to BROKEN. (Empty: the last five, issue 11's remaining "fix" items in
docs/property-inputs.md, are in BROKEN now.)"""
