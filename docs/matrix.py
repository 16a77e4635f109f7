"""Regenerate docs/conformance-matrix.md: Lightning 2.x, pytorch_lightning 1.5.10, impl and the ecosystem loggers, property by property.

Run from the repository root with the dev Python::

    python docs/matrix.py [--jobs N] [--profile ci] [--max-examples N]

Each subject is certified by ``python -m conformance ... --level strict --report-json`` in the
Python that has its package: ``$LOGGERSPEC_LIGHTNING_PYTHON`` (Lightning 2.x, default
/tmp/l2/bin/python), ``$LOGGERSPEC_PL15_PYTHON`` (pytorch_lightning 1.5.10, default
/tmp/pl15/bin/python), ``$LOGGERSPEC_ECOSYSTEM_PYTHON`` (Lightning 2.x with the ``ecosystem``
extra: W&B, Comet, DVCLive, Aim, SwanLab; default /tmp/eco/bin/python), and this Python for impl.
Like the others, a missing engine Python stops the script (exit 2) before anything is certified.
A subject's core verdict is read from the same run: the core properties are the same checks with
the same (derandomized) examples at either level.

Every failure must have an entry in ``CAUSES`` (a bug in that library, with its minimal example, or a
documented deliberate difference); a failure without one, an entry whose failure did not happen,
an ecosystem Python whose versions differ from the extra's pins, or a Neptune row that no longer
holds, makes the script exit 1 after writing the page, so the page never carries an unexplained failure.

This module is also what the subprocesses import (``matrix:...``, run with this directory as the
current one) for the three subjects that need a small adapter; importing it does nothing else.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import re
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs

HERE = Path(__file__).resolve().parent
PAGE = HERE / "conformance-matrix.md"
RANK_2X = "lightning.pytorch.utilities.rank_zero:rank_zero_only"
RANK_15 = "pytorch_lightning.utilities:rank_zero_only"


# --- adapters the subprocesses load as matrix:NAME -------------------------------------------


def _module(name: str) -> Any:
    # By name: the engines' packages are not installed in the dev venv, where this file is type-checked.
    return importlib.import_module(name)


def dummy_logger_2x(directory: Path) -> Any:
    """Lightning 2.x's ``DummyLogger`` as a logger subject (its constructor takes no directory)."""
    return _module("lightning.pytorch.loggers.logger").DummyLogger()


def dummy_experiment_gate_15(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A rank gate that returns pytorch_lightning 1.5.10's ``DummyExperiment`` on a rank other than 0
    and ``fn(self)`` unchanged on rank 0, reading 1.5.10's ``rank_zero_only.rank``: the rank
    properties then certify the ``DummyExperiment`` itself (1.5.10's own gate is a subject of its own)."""
    dummy_experiment = _module("pytorch_lightning.loggers.base").DummyExperiment
    rank_zero_only = _module("pytorch_lightning.utilities").rank_zero_only

    @functools.wraps(fn)
    def experiment(self: Any) -> Any:
        if rank_zero_only.rank != 0:
            return dummy_experiment()
        return fn(self)

    return experiment


# --- the subjects ----------------------------------------------------------------------------


@attrs.frozen
class Subject:
    """One column of the matrix: what it is, which Python certifies it, and the CLI words that name it."""

    key: str
    label: str
    engine: str  # "lightning", "pl15", "dev" or "eco" (the ecosystem section)
    words: tuple[str, ...]
    alone: tuple[str, ...] = ()  # properties certified in a process of their own, in parallel (slow ones)
    jobs: int = 1  # `python -m conformance --jobs`: worker processes for its properties


SUBJECTS = (
    Subject(
        "csv-2",
        "Lightning 2.x `CSVLogger`",
        "lightning",
        ("logger", "lightning.pytorch.loggers:CSVLogger", "--rank-object", RANK_2X),
    ),
    Subject(
        "tb-2",
        "Lightning 2.x `TensorBoardLogger`",
        "lightning",
        ("logger", "lightning.pytorch.loggers:TensorBoardLogger", "--rank-object", RANK_2X),
    ),
    Subject(
        "mlflow-2",
        "Lightning 2.x `MLFlowLogger` (sqlite store, `conformance.harnesses:mlflow_sqlite`)",
        "lightning",
        ("logger", "conformance.harnesses:mlflow_sqlite", "--rank-object", RANK_2X),
        # Each rank-1 logger makes and migrates a store of its own (the bug this property finds): seconds
        # per example, and Hypothesis shrinks for up to 5 minutes. Started first, beside the rest.
        alone=("logger.nothing_written_off_rank_zero",),
    ),
    Subject(
        "dummy-2",
        "Lightning 2.x `DummyLogger` (`matrix:dummy_logger_2x`)",
        "lightning",
        ("logger", "matrix:dummy_logger_2x", "--rank-object", RANK_2X),
    ),
    Subject(
        "jsonl",
        "loggerspec `impl.JsonlLogger`",
        "dev",
        ("logger", "impl:JsonlLogger", "--rank-object", "impl:rank_zero_only"),
    ),
    Subject(
        "csv-1.5",
        "pytorch_lightning 1.5.10 `CSVLogger`",
        "pl15",
        ("logger", "pytorch_lightning.loggers:CSVLogger", "--rank-object", RANK_15),
    ),
    Subject(
        "tb-1.5",
        "pytorch_lightning 1.5.10 `TensorBoardLogger`",
        "pl15",
        ("logger", "pytorch_lightning.loggers:TensorBoardLogger", "--rank-object", RANK_15),
    ),
    Subject("merge-1.5", "pytorch_lightning 1.5.10 `merge_dicts`", "pl15", ("merge", "pytorch_lightning.loggers.base:merge_dicts")),
    Subject("merge-2", "Lightning 2.x `merge_dicts`", "lightning", ("merge", "lightning.pytorch.loggers.logger:merge_dicts")),
    Subject(
        "collection-1.5",
        "pytorch_lightning 1.5.10 `LoggerCollection`",
        "pl15",
        ("collection", "pytorch_lightning.loggers.base:LoggerCollection"),
    ),
    Subject(
        "rank-1.5",
        "pytorch_lightning 1.5.10 `rank_zero_experiment` (with its `rank_zero_only`)",
        "pl15",
        ("rank", "pytorch_lightning.loggers.base:rank_zero_experiment", "--rank-object", RANK_15),
    ),
    Subject(
        "dummy-1.5",
        "pytorch_lightning 1.5.10 `DummyExperiment` (`matrix:dummy_experiment_gate_15`)",
        "pl15",
        ("rank", "matrix:dummy_experiment_gate_15", "--rank-object", RANK_15),
    ),
    Subject(
        "rank-2",
        "Lightning 2.x `rank_zero_experiment` (with its `rank_zero_only`)",
        "lightning",
        ("rank", "lightning.pytorch.loggers.logger:rank_zero_experiment", "--rank-object", RANK_2X),
    ),
    # The ecosystem section: the Lightning loggers of tracking libraries, each through the factory of
    # conformance.harnesses that keeps it offline (or local) and gives each logger a run of its own.
    *(
        Subject(key, label, "eco", ("logger", f"conformance.harnesses:{factory}", "--rank-object", RANK_2X), jobs=jobs)
        for key, label, factory, jobs in (
            ("wandb", "W&B `WandbLogger`, offline", "wandb_offline", 1),
            ("comet", "Comet `CometLogger` with an `OfflineExperiment`", "comet_offline", 1),
            ("dvclive", "DVCLive `DVCLiveLogger`", "dvclive_local", 1),
            # Not Aim in forked workers: a worker deadlocked in AimLogger.finalize (RocksDB state and
            # locks of the parent's threads, copied by the fork).
            ("aim", "Aim `AimLogger`, local repository", "aim_local", 1),
            # One failing property (logger.lifecycle_any_order: shrinking, then Hypothesis' explain
            # phase, about 500 examples of a logger with a run each) takes most of its time: its other
            # properties run beside it.
            ("swanlab", "SwanLab `SwanLabLogger`, offline", "swanlab_offline", 2),
        )
    ),
)

# --- why each failure happens ------------------------------------------------------------------
# (subject key, property id) -> (kind, one line). kind "bug": a bug in that library, shown with the
# minimal falsifying example of the run; "difference": a deliberate, documented difference between
# that library and loggerspec's contract (the README's differences table, or the 2.x API).

BUG = "bug in that library"
DIFFERENCE = "documented difference"
CHOICE = "documented choice of that library"

_NO_CHECKS = (
    "no input checks (README: 'no input checks'): a malformed metrics, step or status (such as the minimal "
    "example's) is taken instead of raising TypeError"
)
_FLATTEN = (
    "Lightning 2.x's `_flatten_dict` takes an empty list for a list of dicts (`all()` of nothing is true) "
    "and flattens it to nothing, so `log_hyperparams({'layers': []})` stores no `layers` "
    "(1.5.10 stores `'[]'`; a non-empty list is kept as its repr)"
)
_NEGATIVE_RANK = (
    "2.x's `rank_zero_experiment` returns the `_DummyExperiment` only when `rank_zero_only.rank > 0` "
    "(1.5.10's gate runs the getter only when the rank `== 0`), so on a negative rank (the `LOCAL_RANK=-1` "
    "convention of a process outside a distributed job) the real experiment is built"
)
_MERGE = {
    "merge.empty_input": "`merge_dicts([])` raises TypeError (README: 'merge_dicts([]) raises TypeError')",
    "merge.all_none_key_skipped": "a key whose values are all None raises IndexError (README: 'a key whose values are all None')",
    "merge.mismatched_nesting": (
        "no nesting check (README: 'a key that is a dict in one input and a number in another'): the values go "
        "to the function as they are, so a function that takes them (the suite's returns 0.0) gives a result, "
        "and numpy.mean an unrelated TypeError"
    ),
    "merge.first_seen_order": "keys come out in `set` order (README: 'output key order follows a set')",
}
_DUMMY = {
    "rank.dummy_absorbs": (
        "an attribute of `DummyExperiment` is a plain no-op method that absorbs nothing further, so "
        "`dummy.nop.then` (like `dummy.a.b`) raises AttributeError, and `dummy()` raises TypeError "
        "(README: 'DummyExperiment().a.b raises AttributeError')"
    ),
    "rank.dummy_copy_pickle": "`copy.deepcopy(DummyExperiment())` returns None (README: 'copy.deepcopy(DummyExperiment())')",
    "rank.dummy_iter_ends": "`iter(DummyExperiment())` never ends (README: 'iter(DummyExperiment()) never ends')",
}
_AGGREGATION_15 = {
    "logger.rejects_bad_input": _NO_CHECKS,
    "aggregation.empty_run_not_logged": "a run of `{}` ended by save() is logged (README: 'an empty run ended by save()')",
    "aggregation.rejected_call_keeps_state": (
        "no input checks (README: 'no input checks'): `agg_and_log_metrics({}, step='0')` is accepted"
    ),
    "aggregation.update_agg_funcs_rejects_non_callable": (
        "no input checks (README: 'no input checks'): `update_agg_funcs({...}, 'max')` takes a str as the "
        "default function, which fails only when a run is merged"
    ),
    "aggregation.metrics_not_shared": (
        "the run keeps the caller's dict (README: 'a dict changed after agg_and_log_metrics changes what is "
        "logged'): a key the caller adds to `d` after `agg_and_log_metrics(d, step=None)` is logged by save()"
    ),
}

# The ecosystem loggers (each cause read in that library's installed source, versions on the page).
_NO_CHECKS_ECO = (
    "no input checks, like Lightning's own loggers (README: 'no input checks'): a malformed metrics, step or "
    "status (such as the minimal example's) is taken instead of raising TypeError"
)
_NEGATIVE_RANK_ECO = (
    "the logger's `experiment` is gated by Lightning 2.x's `rank_zero_experiment`, which returns the "
    "`_DummyExperiment` only when `rank_zero_only.rank > 0`, so on a negative rank (the `LOCAL_RANK=-1` convention of "
    "a process outside a distributed job) the real experiment is built"
)
_NESTED_NAMESPACE_DVCLIVE = (
    "`DVCLiveLogger._sanitize_params` turns only a top-level `Namespace` into a string; a nested one reaches "
    "DVCLive's YAML dumper, and `log_hyperparams({'_': {'_': Namespace()}})` raises `InvalidParameterTypeError: "
    "cannot represent an object: Namespace()`. `Live.log_params` keeps the value before dumping, so every later "
    "`log_hyperparams` of that run raises too: a module whose saved hyperparameters nest a Namespace stops the fit "
    "when Lightning logs them"
)
_ECOSYSTEM: dict[tuple[str, str], tuple[str, str]] = {
    ("wandb", "logger.property_types"): (
        CHOICE,
        "`WandbLogger.version` is 'the id of the experiment if the experiment exists else the id given to the "
        "constructor' (its docstring), typed `Optional[str]` as Lightning 2.x's `Logger.version` is, and the run is made "
        "at first use: a new `WandbLogger(save_dir=d, offline=True)` has version None",
    ),
    ("wandb", "logger.rejects_bad_input"): (DIFFERENCE, _NO_CHECKS_ECO),
    ("wandb", "logger.nothing_written_off_rank_zero"): (
        BUG,
        _NEGATIVE_RANK_ECO + ": reading `experiment` on rank -1 starts an offline run, writing `wandb/offline-run-*/` "
        "under the save directory",
    ),
    ("comet", "logger.property_types"): (
        CHOICE,
        "`CometLogger.name` is the experiment's project name, typed `Optional[str]` as Lightning 2.x's `Logger.name` "
        "is: None for an experiment without a project",
    ),
    ("comet", "logger.rejects_bad_input"): (DIFFERENCE, _NO_CHECKS_ECO),
    ("comet", "logger.nothing_written_off_rank_zero"): (
        BUG,
        _NEGATIVE_RANK_ECO + ": `CometLogger.__init__` makes no experiment on rank -1 (its own check of the rank "
        "environment, `_get_rank() != 0`, holds), but reading `experiment` then makes one, whose archive "
        "(`<key>-<suffix>.zip`) lands in the save directory",
    ),
    ("dvclive", "logger.hyperparams_dict_and_namespace"): (BUG, _NESTED_NAMESPACE_DVCLIVE),
    # (the same bug: the lifecycle's scripts log hyperparameters too)
    ("dvclive", "logger.lifecycle_any_order"): (BUG, _NESTED_NAMESPACE_DVCLIVE),
    ("dvclive", "logger.rejects_bad_input"): (DIFFERENCE, _NO_CHECKS_ECO + " (the status is not read)"),
    ("dvclive", "logger.persisted_read_back"): (
        BUG,
        "`DVCLiveLogger.log_metrics` tests `if step:`, so step 0 counts as no step and the record is stored at the "
        "previous step plus one: `log_metrics({'a': 0.0}, 0)` is read back at step 1. A user's first step "
        "(global_step 0) is shifted, and shares its step with the record logged at step 1",
    ),
    ("dvclive", "logger.nothing_written_off_rank_zero"): (
        BUG,
        _NEGATIVE_RANK_ECO + ": on rank -1 `DVCLiveLogger.experiment`'s own `assert rank_zero_only.rank == 0` then "
        "raises AssertionError ('tried to init DVCLive in non global_rank=0')",
    ),
    ("aim", "logger.property_types"): (
        BUG,
        "`AimLogger.name` is annotated `-> str` but returns the `experiment` argument, None by default; Lightning's "
        "`ModelCheckpoint` without a `dirpath` puts checkpoints under `os.path.join(save_dir, str(name), version, "
        "'checkpoints')`, so a default AimLogger's go to a directory named `None`",
    ),
    ("aim", "logger.rejects_bad_input"): (DIFFERENCE, _NO_CHECKS_ECO),
    ("aim", "logger.persisted_read_back"): (
        BUG,
        "Aim keeps one value per metric, context and step (`Tracker._add_value`: `val_view[step_hash] = val`), though "
        "`Run.track`'s docstring says it 'appends' the value: a second value logged for a metric at a step it "
        "already has silently replaces the first (the minimal example logs the same value twice and reads one back): "
        "a user whose metric is logged twice at one step keeps only the last value, with no warning",
    ),
    ("aim", "logger.nothing_written_off_rank_zero"): (
        BUG,
        _NEGATIVE_RANK_ECO + ": reading `experiment` on rank -1 creates a run, and an Aim repository `.aim/` for it, "
        "under the save directory",
    ),
    ("swanlab", "logger.property_types"): (
        CHOICE,
        "`SwanLabLogger.version` is the run's id, typed `Optional[str]`, and None until the run is made (at first use)",
    ),
    ("swanlab", "logger.lifecycle_any_order"): (
        BUG,
        "`SwanLabLogger.finalize` with a status other than 'success' finishes SwanLab's run "
        "(`swanlab.finish(state='crashed')`) but the logger keeps it, so the next `log_metrics` raises RuntimeError "
        "(`run.log() requires an active Run`). Lightning finalizes every logger with 'failed' when fit, validate, test "
        "or predict raises (or is interrupted), so after one failed or interrupted call the same logger cannot log "
        "in the next",
    ),
    ("swanlab", "logger.rejects_bad_input"): (DIFFERENCE, _NO_CHECKS_ECO + " (a status other than 'success' is taken as a crash)"),
    ("swanlab", "logger.persisted_read_back"): (
        BUG,
        "SwanLab's run config stores each top-level value through `parse()`, which turns None into `{}` "
        "(`if config is None: return {}`, meant for a whole config): `log_hyperparams({'lr': None})` is stored and read "
        "back as `{'lr': {}}`. (SwanLab also drops a second value of a metric at a step it already has; "
        "tests/test_ecosystem.py pins both)",
    ),
    ("swanlab", "logger.nothing_written_off_rank_zero"): (
        BUG,
        _NEGATIVE_RANK_ECO + " (SwanLab imports it from Lightning): reading `experiment` on rank -1 starts an offline "
        "run, writing `run-*/` and `.gitignore` under the save directory",
    ),
}

CAUSES: dict[tuple[str, str], tuple[str, str]] = {
    **_ECOSYSTEM,
    ("csv-2", "logger.rejects_bad_input"): (DIFFERENCE, _NO_CHECKS + "; unchanged in 2.x"),
    ("tb-2", "logger.rejects_bad_input"): (DIFFERENCE, _NO_CHECKS + "; unchanged in 2.x"),
    ("tb-2", "logger.persisted_read_back"): (BUG, _FLATTEN),
    ("mlflow-2", "logger.rejects_bad_input"): (DIFFERENCE, _NO_CHECKS + "; unchanged in 2.x"),
    ("mlflow-2", "logger.persisted_read_back"): (BUG, _FLATTEN),
    ("mlflow-2", "logger.log_metrics_no_mutation"): (
        BUG,
        "`MLFlowLogger.log_metrics` strips characters MLflow refuses from a metric name, but not the path "
        "shapes it refuses (names must be normalized relative paths), so `log_metrics({'/': 0.0})` raises MlflowException",
    ),
    ("mlflow-2", "logger.lifecycle_any_order"): (
        BUG,
        "`MLFlowLogger.finalize` maps 'success' and 'failed' to MLflow's run statuses but passes 'aborted' "
        "(a status the seed and Lightning's own `Logger.finalize` docstring name) through, and MLflow "
        "refuses it (its status for that is 'KILLED'): `finalize('aborted')` raises",
    ),
    ("mlflow-2", "logger.nothing_written_off_rank_zero"): (
        BUG,
        "`MLFlowLogger.__init__` builds an `MlflowClient` on every rank, and the client opens the tracking "
        "store: with a sqlite URI, constructing the logger on rank 1 creates and migrates `mlflow.db` "
        "(seconds; every rank does it, on the same file as rank 0)",
    ),
    ("csv-2", "logger.nothing_written_off_rank_zero"): (
        BUG,
        _NEGATIVE_RANK + ": reading `experiment` on rank -1 creates `lightning_logs/version_0/`",
    ),
    ("tb-2", "logger.nothing_written_off_rank_zero"): (
        BUG,
        _NEGATIVE_RANK + ": on rank -1 `TensorBoardLogger.experiment`'s own `assert rank_zero_only.rank == 0` "
        "then raises AssertionError",
    ),
    ("rank-2", "rank.dummy_off_rank_zero"): (BUG, _NEGATIVE_RANK),
    ("rank-2", "rank.dummy_bool"): (BUG, _NEGATIVE_RANK + ": the getter is called on rank -1"),
    ("dummy-2", "logger.rejects_bad_input"): (
        DIFFERENCE,
        "`DummyLogger` takes anything on purpose (its methods are no-ops, and `__getattr__` answers every "
        "name): a malformed metrics, step or status is taken",
    ),
    **{("csv-1.5", pid): (DIFFERENCE, text) for pid, text in _AGGREGATION_15.items()},
    **{("tb-1.5", pid): (DIFFERENCE, text) for pid, text in _AGGREGATION_15.items()},
    **{("merge-1.5", pid): (DIFFERENCE, text) for pid, text in _MERGE.items()},
    **{("merge-2", pid): (DIFFERENCE, text + "; the same code in 2.x") for pid, text in _MERGE.items()},
    ("collection-1.5", "collection.length"): (
        DIFFERENCE,
        "`len(LoggerCollection)` raises TypeError (README: 'len(LoggerCollection(...)) raises'): 1.5.10 "
        "defines no `__len__`; the seed documents none, and loggerspec's strict level adds it",
    ),
    ("collection-1.5", "collection.one_shot_iterator"): (
        DIFFERENCE,
        "a collection built from a generator reads it up once: later calls reach no member and name and "
        "version become '' (README: 'a LoggerCollection built from a generator')",
    ),
    ("collection-1.5", "collection.error_isolation"): (
        DIFFERENCE,
        "a raising member stops the call from reaching the members after it (README: 'one member raising')",
    ),
    ("rank-1.5", "rank.result_on_rank_zero"): (
        DIFFERENCE,
        "on rank 0 a falsy real experiment (here 0) is replaced by a DummyExperiment (README: 'rank_zero_experiment "
        "replaces a falsy real experiment')",
    ),
    **{("rank-1.5", pid): (DIFFERENCE, text) for pid, text in _DUMMY.items()},
    **{("dummy-1.5", pid): (DIFFERENCE, text) for pid, text in _DUMMY.items()},
    **{("rank-2", pid): (DIFFERENCE, text + "; 2.x's `_DummyExperiment` is unchanged") for pid, text in _DUMMY.items()},
}


# --- running ---------------------------------------------------------------------------------


def _engines() -> dict[str, str]:
    return {
        "dev": sys.executable,
        "lightning": os.environ.get("LOGGERSPEC_LIGHTNING_PYTHON", "/tmp/l2/bin/python"),
        "pl15": os.environ.get("LOGGERSPEC_PL15_PYTHON", "/tmp/pl15/bin/python"),
        "eco": os.environ.get("LOGGERSPEC_ECOSYSTEM_PYTHON", "/tmp/eco/bin/python"),
    }


def _scratch_env() -> dict[str, str]:
    """The subprocesses' environment: temporary directories on /dev/shm when there is one (a durable
    logger fsyncs, and an sqlite store commits, at every example: free there, tens of ms on a disk)."""
    env = dict(os.environ)
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        env["TMPDIR"] = "/dev/shm"
    env.setdefault("PYTHONWARNINGS", "ignore")  # 1.5.10 warns at every close(); the report is what counts
    # 1.5.10's merge_dicts orders keys by a set of str, whose order follows the hash seed: a fixed seed
    # keeps that failure's minimal example, and so the page, the same from run to run.
    env["PYTHONHASHSEED"] = "0"
    return env


_VERSIONS = """
import importlib.metadata as m, json
found = {}
for d in ("lightning", "pytorch-lightning", "torch", "tensorboard", "mlflow-skinny", "loggerspec", "hypothesis",
          "wandb", "comet_ml", "dvclive", "aim", "swanlab", "watchdog"):
    try:
        found[d] = m.version(d)
    except m.PackageNotFoundError:
        pass
print(json.dumps(found))
"""


def _versions(python: str) -> dict[str, str]:
    out = subprocess.run([python, "-c", _VERSIONS], capture_output=True, text=True, check=True)
    versions: dict[str, str] = json.loads(out.stdout)
    return versions


# Neptune's Lightning integration, neptune.integrations.pytorch_lightning (neptune 1.14, the last
# release), is one line: `from pytorch_lightning.loggers import NeptuneLogger`. neptune is not in the
# ecosystem extra, so where it is not installed that line is run as it stands; where it is, the
# integration itself is imported. Lightning's own NeptuneLogger is then constructed.
_NEPTUNE = """
import importlib.util, json, re
seen = {"neptune": importlib.util.find_spec("neptune") is not None}
try:
    if seen["neptune"]:
        import neptune.integrations.pytorch_lightning
    else:
        from pytorch_lightning.loggers import NeptuneLogger
    seen["integration"] = "imported"
except ImportError as error:  # (without the path it ends with, which differs between machines)
    seen["integration"] = f"{type(error).__name__}: {re.sub(r' [(][^)]*[)]$', '', ' '.join(str(error).split()))}"
try:
    from lightning.pytorch.loggers.neptune import NeptuneLogger
    NeptuneLogger()
    seen["lightning"] = "constructed"
except Exception as error:
    seen["lightning"] = f"{type(error).__name__}: {' '.join(str(error).split())}"
print(json.dumps(seen))
"""


def _neptune(python: str) -> dict[str, Any]:
    """What importing Neptune's Lightning integration and constructing Lightning's NeptuneLogger do
    in the ecosystem Python (offline: neither reaches the network)."""
    command = [*_no_network(), python, "-c", _NEPTUNE]
    out = subprocess.run(command, cwd=HERE, env=_scratch_env(), capture_output=True, text=True, check=True)
    seen: dict[str, Any] = json.loads(out.stdout)
    return seen


def _pins() -> dict[str, str]:
    """The ``name==version`` pins of pyproject.toml's ``ecosystem`` extra."""
    import tomllib

    project = tomllib.loads((HERE.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = (entry.partition("==") for entry in project["optional-dependencies"]["ecosystem"])
    return {name.strip(): version.strip() for name, sep, version in pinned if sep}


@attrs.frozen
class _Job:
    """One ``python -m conformance`` run: a subject, all its properties or the ``only`` ones."""

    subject: Subject
    only: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.subject.key + (f" [{', '.join(self.only)}]" if 0 < len(self.only) < 3 else " [the rest]" if self.only else "")


def _jobs(subjects: Sequence[Subject]) -> list[_Job]:
    """The runs to make, the properties certified alone first (they are the slow ones)."""
    from conformance import all_properties

    alone = [_Job(s, (pid,)) for s in subjects for pid in s.alone]
    rest = [
        _Job(s, tuple(p.id for p in all_properties(s.words[0]) if p.id not in s.alone)) if s.alone else _Job(s)  # type: ignore[arg-type]
        for s in subjects
    ]
    # The long ones first (the rest of a subject with a slow property, the ecosystem loggers), so
    # that they are not what is left running at the end.
    rest.sort(key=lambda job: not (job.subject.alone or job.subject.engine == "eco"))
    return alone + rest


@functools.cache
def _no_network() -> tuple[str, ...]:
    """``unshare -n``, where it works: the command then runs in a network namespace of its own,
    with no network at all (not even loopback), so an ecosystem logger that tried to reach a
    server would fail instead of reaching it. Empty where it does not work (no permission)."""
    try:
        works = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False).returncode == 0
    except OSError:
        works = False
    return ("unshare", "-n") if works else ()


def _certify(job: _Job, python: str, options: Sequence[str], scratch: Path) -> dict[str, Any]:
    report = scratch / f"{job.subject.key}-{len(job.only)}-{abs(hash(job.only))}.json"
    only = [w for pid in job.only for w in ("--only", pid)]
    isolated = _no_network() if job.subject.engine == "eco" else ()
    jobs = ["--jobs", str(job.subject.jobs)] if job.subject.jobs > 1 else []
    command = [
        *isolated, python, "-m", "conformance", *job.subject.words, "--level", "strict", *options, *jobs, *only,
        "--quiet", "--report-json", str(report),
    ]
    started, wall_started = time.perf_counter(), time.time()
    done = subprocess.run(command, cwd=HERE, env=_scratch_env(), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1) or not report.is_file():
        raise RuntimeError(
            f"{job.name}: {' '.join(command)} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    data["matrix_wall"] = [wall_started, wall_started + seconds]  # this run's start and end (epoch seconds)
    data["no_network"] = bool(isolated)
    print(f"  {job.name:<40} {seconds:6.1f}s  {data['subjects'][0]['verdict']}", flush=True)
    return data


def _joined(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One subject's report from the reports of its runs, results in registration order."""
    from conformance import all_properties

    results = {r["id"]: r for part in parts for r in part["subjects"][0]["results"]}
    order = [p.id for p in all_properties()]
    joined = dict(parts[-1])
    joined["subjects"] = [dict(parts[-1]["subjects"][0], results=sorted(results.values(), key=lambda r: order.index(r["id"])))]
    # Wall time from its first run's start to its last run's end (its runs may overlap).
    joined["wall_seconds"] = round(max(p["matrix_wall"][1] for p in parts) - min(p["matrix_wall"][0] for p in parts), 1)
    joined["no_network"] = all(p.get("no_network", False) for p in parts)
    return joined


# --- the page --------------------------------------------------------------------------------

_CELL = {"passed": "pass", "failed": "**FAIL**", "not_applicable": "n/a", "opted_out": "out"}


def _verdict(results: list[dict[str, Any]], level: str) -> str:
    chosen = [r for r in results if level == "strict" or r["level"] == "core"]
    failed = sum(r["status"] == "failed" for r in chosen)
    return "certified" if not failed else f"**not certified** ({failed} failed)"


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split()).replace("|", "\\|")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _property_table(chosen: Sequence[Subject], reports: dict[str, dict[str, Any]]) -> list[str]:
    by_subject = {s.key: {r["id"]: r for r in reports[s.key]["subjects"][0]["results"]} for s in chosen}
    ids: list[str] = []
    for s in chosen:
        ids.extend(i for i in by_subject[s.key] if i not in ids)
    levels = {i: next(by_subject[s.key][i]["level"] for s in chosen if i in by_subject[s.key]) for i in ids}
    lines = ["| property | level | " + " | ".join(f"`{s.key}`" for s in chosen) + " |", "|---|---|" + "---|" * len(chosen)]
    for i in ids:
        cells = [_CELL[by_subject[s.key][i]["status"]] if i in by_subject[s.key] else "" for s in chosen]
        lines.append(f"| `{i}` | {levels[i]} | " + " | ".join(cells) + " |")
    return lines


def _failures(chosen: Sequence[Subject], reports: dict[str, dict[str, Any]], problems: list[str], seen: set[tuple[str, str]]) -> list[str]:
    """One line per failure of ``chosen``, with its cause from ``CAUSES`` (a missing one is a problem)."""
    lines: list[str] = []
    for subject in chosen:
        for r in reports[subject.key]["subjects"][0]["results"]:
            if r["status"] != "failed":
                continue
            seen.add((subject.key, r["id"]))
            cause = CAUSES.get((subject.key, r["id"]))
            example = f" Minimal example: `{_one_line(r['falsifying_example'], 200)}`." if r.get("falsifying_example") else ""
            if cause is None:
                problems.append(f"no cause written for {subject.key} / {r['id']}: {_one_line(r['message'] or '')}")
                lines.append(f"- `{subject.key}` `{r['id']}` ({r['level']}): UNEXPLAINED: {_one_line(r['message'] or '')}.{example}")
                continue
            kind, text = cause
            lines.append(f"- `{subject.key}` `{r['id']}` ({r['level']}): {kind}: {text}.{example}")
    return lines


def _not_applicable(chosen: Sequence[Subject], reports: dict[str, dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for subject in chosen:
        results = reports[subject.key]["subjects"][0]["results"]
        reasons: dict[str, list[str]] = {}
        for r in results:
            if r["status"] == "not_applicable":
                reasons.setdefault(_one_line(r["reason"] or ""), []).append(r["id"])
        for reason, ids in reasons.items():
            groups = {i.partition(".")[0] for i in ids}
            whole = [g for g in groups if [i for i in ids if i.startswith(g + ".")] == [r["id"] for r in results if r["id"].startswith(g + ".")]]
            named = [f"every `{g}.*` property" for g in sorted(whole)] + [f"`{i}`" for i in ids if i.partition(".")[0] not in whole]
            lines.append(f"- `{subject.key}`: {', '.join(named)}: {reason}.")
    return lines


def _ecosystem(
    reports: dict[str, dict[str, Any]],
    versions: dict[str, dict[str, str]],
    options: Sequence[str],
    neptune: dict[str, Any],
    jobs: int,
    problems: list[str],
    seen: set[tuple[str, str]],
) -> list[str]:
    """The ecosystem section: the tracking libraries' Lightning loggers, and Neptune's row."""
    chosen = [s for s in SUBJECTS if s.engine == "eco"]
    found = versions.get("eco", {})
    pins = _pins()
    for name, pinned in pins.items():
        if name in found and found[name] != pinned:
            problems.append(f"the ecosystem Python has {name} {found[name]}, the ecosystem extra pins {pinned}")
    shown = ("torch", "lightning", "wandb", "comet_ml", "dvclive", "aim", "swanlab")  # (watchdog: not pinned)
    lines = [
        "",
        "## Ecosystem loggers",
        "",
        "The Lightning loggers of five experiment-tracking libraries, certified like the subjects above "
        f"(`python -m conformance logger ... --level strict {' '.join(options)} --rank-object {RANK_2X}`), each through "
        "the factory in `conformance.harnesses` that keeps it offline or local (nothing reaches the network) and gives "
        "each logger a run of its own, and read back with its shipped harness; docs/ecosystem-notes.md says why each "
        "factory does what it does. "
        + (
            "Each was certified with no network at all (`unshare -n`: a network namespace of its own). "
            if all(reports[s.key].get("no_network") for s in chosen)
            else "(`unshare -n` was not available: the runs were not isolated from the network.) "
        )
        + "Versions, as pinned by the `ecosystem` extra of pyproject.toml: "
        + ", ".join(f"{name} {found[name]}" for name in shown if name in found)
        + ". Wall time: the subject's `python -m conformance` run within this matrix run, "
        f"{jobs} subjects certified at a time on a 2-core machine shared with other work, so it is an upper bound; "
        "alone, each takes less (docs/ecosystem-notes.md has the times measured alone).",
        "",
        "| subject | core | strict | wall time |",
        "|---|---|---|---|",
    ]
    for subject in chosen:
        report = reports[subject.key]
        results = report["subjects"][0]["results"]
        wall = report.get("wall_seconds")
        lines.append(
            f"| `{subject.key}`: {subject.label} (`{subject.words[1]}`) | {_verdict(results, 'core')} | "
            f"{_verdict(results, 'strict')} | {'' if wall is None else f'{wall:.0f} s'} |"
        )
    integration, lightning = str(neptune.get("integration", "")), str(neptune.get("lightning", ""))
    if not integration.startswith("ImportError") or "sunset" not in lightning:
        problems.append(f"the Neptune row no longer holds: the ecosystem Python says {neptune!r}")
    lines.append("| `neptune`: Neptune `NeptuneLogger` | not certifiable | not certifiable | |")
    lines += [
        "",
        "Neptune: its Lightning integration, `neptune.integrations.pytorch_lightning` (neptune 1.14.0.post2, its latest release), "
        "is `from pytorch_lightning.loggers import NeptuneLogger`"
        + (" (imported from the installed neptune)" if neptune.get("neptune") else " (run as it stands; neptune is not installed)")
        + f", which under Lightning {found.get('lightning', '2.x')} raises `{_one_line(integration)}`; and Lightning's own "
        f"`lightning.pytorch.loggers.neptune.NeptuneLogger()` raises `{_one_line(lightning)}` (the service was sunset).",
        "",
        *_property_table(chosen, reports),
        "",
        "### Failures and their causes",
        "",
        *_failures(chosen, reports, problems, seen),
        "",
        "### Not applicable",
        "",
        *_not_applicable(chosen, reports),
    ]
    return lines


def render(
    reports: dict[str, dict[str, Any]],
    versions: dict[str, dict[str, str]],
    options: Sequence[str],
    neptune: dict[str, Any],
    jobs: int = 2,
) -> tuple[str, list[str]]:
    """The page, and the problems with ``CAUSES`` (failures without a cause, causes without a failure),
    the ecosystem pins and Neptune's row."""
    engines = [s for s in SUBJECTS if s.engine != "eco"]
    lines = [
        "# Conformance matrix",
        "",
        "<!-- Generated by `python docs/matrix.py`; do not edit by hand. -->",
        "",
        "Every subject below was certified with `python -m conformance ... --level strict "
        f"{' '.join(options)}` (derandomized: the same verdict on every run) in the Python that has its package. "
        "The core verdict counts the core properties only; they are the same checks with the same "
        "examples at either level, so one strict run gives both. A failure's cause is a bug in that "
        "library (with the run's minimal falsifying example), or a documented difference: a row of the "
        "README's differences table (pytorch_lightning 1.5.10 against loggerspec; Lightning 2.x where it "
        "kept 1.5.10's code), or a documented choice of that library.",
        "",
        "Versions: " + "; ".join(
            f"{engine}: " + ", ".join(f"{k} {v}" for k, v in sorted(found.items())) for engine, found in versions.items()
        ) + ".",
        "",
        "## Verdicts",
        "",
        "| subject | kind | core | strict |",
        "|---|---|---|---|",
    ]
    for subject in engines:
        results = reports[subject.key]["subjects"][0]["results"]
        lines.append(
            f"| `{subject.key}`: {subject.label} | {subject.words[0]} | {_verdict(results, 'core')} | {_verdict(results, 'strict')} |"
        )
    lines.append("")
    lines.append("(The ecosystem loggers, W&B, Comet, DVCLive, Aim, SwanLab and Neptune, have a section of their own below.)")
    for kind in ("logger", "merge", "collection", "rank"):
        lines += ["", f"## {kind.capitalize()} subjects", "", *_property_table([s for s in engines if s.words[0] == kind], reports)]

    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    lines += ["", "## Failures and their causes", "", *_failures(engines, reports, problems, seen)]
    lines += ["", "## Not applicable", "", *_not_applicable(engines, reports)]
    lines += _ecosystem(reports, versions, options, neptune, jobs, problems, seen)
    problems += [f"a cause is written for {k} / {p}, which did not fail" for k, p in CAUSES if (k, p) not in seen]
    return "\n".join(lines) + "\n", problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=2, help="subjects certified at once (default 2)")
    parser.add_argument("--profile", default="ci", help="Hypothesis profile (default ci: derandomized)")
    parser.add_argument("--max-examples", type=int, help="examples per property (default: the profile's)")
    parser.add_argument("--only", action="append", default=[], metavar="KEY", help="certify these subjects only (no page is written)")
    parser.add_argument("--keep-json", type=Path, metavar="DIR", help="also save each subject's JSON report in DIR")
    parser.add_argument("--from-json", type=Path, metavar="DIR", help="write the page from the reports --keep-json saved (no run)")
    args = parser.parse_args(argv)
    options = ["--profile", args.profile] + (["--max-examples", str(args.max_examples)] if args.max_examples else [])
    engines = _engines()
    if args.from_json is not None:
        saved = {s.key: json.loads((args.from_json / f"{s.key}.json").read_text(encoding="utf-8")) for s in SUBJECTS}
        versions, options, neptune, jobs = (
            json.loads((args.from_json / f"{name}.json").read_text(encoding="utf-8"))
            for name in ("versions", "options", "neptune", "jobs")
        )
        return _write(saved, versions, options, neptune, jobs)
    chosen = [s for s in SUBJECTS if not args.only or s.key in args.only]
    for engine in sorted({s.engine for s in chosen}):
        if not Path(engines[engine]).exists():
            print(f"error: no Python for {engine} at {engines[engine]} (set LOGGERSPEC_*_PYTHON)", file=sys.stderr)
            return 2
    started = time.perf_counter()
    print(f"certifying {len(chosen)} subjects, {args.jobs} at a time ({' '.join(options)}):", flush=True)
    with tempfile.TemporaryDirectory(prefix="loggerspec-matrix-") as scratch, ThreadPoolExecutor(args.jobs) as pool:
        futures = [(job, pool.submit(_certify, job, engines[job.subject.engine], options, Path(scratch))) for job in _jobs(chosen)]
        parts: dict[str, list[dict[str, Any]]] = {}
        for job, future in futures:
            parts.setdefault(job.subject.key, []).append(future.result())
    reports = {s.key: _joined(parts[s.key]) for s in chosen}
    print(f"certified in {time.perf_counter() - started:.0f}s", flush=True)
    if args.only:
        for key, report in reports.items():
            for r in report["subjects"][0]["results"]:
                if r["status"] == "failed":
                    print(f"{key} {r['id']}: {_one_line(r['message'] or '')}\n    example: {r.get('falsifying_example')}")
        return 0
    versions = {engine: _versions(engines[engine]) for engine in ("lightning", "pl15", "dev", "eco")}
    neptune = _neptune(engines["eco"])
    if args.keep_json is not None:
        args.keep_json.mkdir(parents=True, exist_ok=True)
        for key, report in reports.items():
            (args.keep_json / f"{key}.json").write_text(json.dumps(report), encoding="utf-8")
        for name, value in (("versions", versions), ("options", options), ("neptune", neptune), ("jobs", args.jobs)):
            (args.keep_json / f"{name}.json").write_text(json.dumps(value), encoding="utf-8")
    return _write(reports, versions, options, neptune, args.jobs)


def _unquoted() -> list[str]:
    """The ``README: '...'`` quotes in CAUSES that README.md does not contain (a row renamed there),
    both read without backquotes."""
    readme = (HERE.parent / "README.md").read_text(encoding="utf-8").replace("`", "")
    quotes = {q for _, text in CAUSES.values() for q in re.findall(r"README: '(.+?)'\)", text)}
    return [f"README.md does not contain {q!r}, which a cause quotes" for q in sorted(quotes) if q not in readme]


def _write(
    reports: dict[str, dict[str, Any]],
    versions: dict[str, dict[str, str]],
    options: Sequence[str],
    neptune: dict[str, Any],
    jobs: int,
) -> int:
    page, problems = render(reports, versions, options, neptune, jobs)
    problems += _unquoted()
    PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(HERE.parent)}")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
