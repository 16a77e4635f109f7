"""One rank of the distributed job of ``tests/test_distributed.py`` (a helper, not a test module).

``torch.multiprocessing`` spawns :func:`run_rank` once per rank. Every rank builds the same loggers
over the same directories, sets the rank the way Lightning's DDP strategy does, logs values that
name the rank, finalizes, and writes a report of what it saw. torch and Lightning are imported
inside the rank only: this module is imported by test runs that have neither.
"""

from __future__ import annotations

import faulthandler
import importlib
import json
import os
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import attrs

import impl

__all__ = [
    "CSV_DUMMY",
    "IMPL_DUMMY",
    "Job",
    "RANK_VARIABLES",
    "STEPS",
    "hparams_for",
    "make_csv_logger",
    "make_jsonl_logger",
    "metrics_for",
    "qualified_name",
    "report_path",
    "run_rank",
    "stderr_path",
]

RANK_VARIABLES = ("RANK", "LOCAL_RANK", "SLURM_PROCID", "JSM_NAMESPACE_RANK")
"""Every variable impl, pytorch_lightning 1.5.10 or Lightning 2.x reads a rank from."""

STEPS = (0, 1, 2)
"""The steps every rank logs metrics at."""

# The qualified names of the experiments off rank 0.
IMPL_DUMMY = "impl._dummy.DummyExperiment"
CSV_DUMMY = "lightning.fabric.loggers.logger._DummyExperiment"

_TIMEOUT = timedelta(seconds=60)  # a rank that never arrives fails the job instead of hanging it


def metrics_for(rank: int, step: int) -> dict[str, float]:
    """The metrics ``rank`` logs at ``step``: every value differs from rank to rank (exact in binary)."""
    return {"loss": rank + step / 8, "rank": float(rank)}


def hparams_for(rank: int) -> dict[str, Any]:
    """The hyperparameters ``rank`` logs: they name the rank."""
    return {"rank": rank, "tag": f"rank-{rank}"}


@attrs.frozen
class Job:
    """What every rank of one job does.

    ``loggers`` are ``(kind, "module:factory")`` pairs: each rank calls ``factory(save_root/kind)``.
    ``lightning`` says whether to set Lightning's rank gate too (it imports Lightning).
    """

    world_size: int
    init_method: str
    save_root: str
    report_dir: str
    loggers: tuple[tuple[str, str], ...]
    lightning: bool


def report_path(report_dir: str, index: int) -> str:
    return os.path.join(report_dir, f"rank_{index}.json")


def stderr_path(report_dir: str, index: int) -> str:
    return os.path.join(report_dir, f"rank_{index}.stderr")


def qualified_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def make_jsonl_logger(save_dir: str) -> impl.JsonlLogger:
    return impl.JsonlLogger(save_dir, name="run")


def make_csv_logger(save_dir: str) -> Any:
    loggers = importlib.import_module("lightning.pytorch.loggers")
    return loggers.CSVLogger(save_dir, name="run")


def _factory(spec: str) -> Callable[[str], Any]:
    module, _, attr = spec.partition(":")
    factory: Callable[[str], Any] = getattr(importlib.import_module(module), attr)
    return factory


def _set_lightning_rank(rank: int) -> dict[str, Any]:
    """Set Lightning's gate as ``DDPStrategy.set_world_ranks`` does, and say which objects that is."""
    utilities = importlib.import_module("lightning.pytorch.utilities")
    core = importlib.import_module("lightning_utilities.core.rank_zero")
    # DDPStrategy: rank_zero_only.rank = utils_rank_zero_only.rank = self.global_rank
    utilities.rank_zero_only.rank = core.rank_zero_only.rank = rank
    fabric = importlib.import_module("lightning.fabric.utilities.rank_zero")
    gates = {
        # the gate of CSVLogger's experiment (rank_zero_experiment reads it) ...
        "experiment": importlib.import_module("lightning.fabric.loggers.logger").rank_zero_only,
        # ... and of its log_* / save / finalize (lightning_utilities' rank_zero_only reads itself)
        "methods": core.rank_zero_only,
        "lightning.pytorch.utilities": utilities.rank_zero_only,
        "lightning.fabric.utilities.rank_zero": fabric.rank_zero_only,
    }
    return {"rank": gates["experiment"].rank, "one_object": len({id(g) for g in gates.values()}) == 1}


def run_rank(index: int, job: Job) -> None:
    """Run rank ``index`` of ``job``: its stderr goes to :func:`stderr_path`, its report to :func:`report_path`."""
    with open(stderr_path(job.report_dir, index), "wb") as err:
        os.dup2(err.fileno(), 2)
    faulthandler.enable()  # a hard crash leaves its traceback in the rank's stderr file
    # The rank comes from the process group, never from a variable the test run happened to inherit.
    for name in RANK_VARIABLES:
        os.environ.pop(name, None)
    if sys.platform == "linux":
        os.environ["GLOO_SOCKET_IFNAME"] = "lo"  # gloo's own sockets on the loopback too, like the store
    torch = importlib.import_module("torch")
    dist = importlib.import_module("torch.distributed")
    torch.set_num_threads(1)  # the ranks share two cores
    dist.init_process_group(
        "gloo", init_method=job.init_method, rank=index, world_size=job.world_size, timeout=_TIMEOUT
    )
    try:
        rank: int = dist.get_rank()
        impl.rank_zero_only.rank = rank  # as a framework does once it knows the global rank
        lightning = _set_lightning_rank(rank) if job.lightning else None
        loggers = {kind: _factory(spec)(os.path.join(job.save_root, kind)) for kind, spec in job.loggers}
        dist.barrier()  # every rank has its loggers before any logs: they log at the same time
        for logger in loggers.values():
            logger.log_hyperparams(hparams_for(rank))
            for step in STEPS:
                logger.log_metrics(metrics_for(rank, step), step=step)
        experiments = {kind: qualified_name(type(logger.experiment)) for kind, logger in loggers.items()}
        dist.barrier()  # every rank has logged before any finalizes
        for logger in loggers.values():
            logger.finalize("success")
        dist.barrier()
        report = {
            "index": index,
            "rank": rank,
            "world_size": dist.get_world_size(),
            "pid": os.getpid(),
            "impl_gate_rank": impl.rank_zero_only.rank,
            "lightning": lightning,
            "experiments": experiments,
        }
    finally:
        dist.destroy_process_group()
    path = report_path(job.report_dir, index)
    with open(path + ".tmp", "w") as file:
        json.dump(report, file)
    os.replace(path + ".tmp", path)  # a report is there whole or not at all
