"""What a fresh process makes of the rank variables in its environment (a helper of ``tests/test_distributed.py``).

``python -P tests/_rank_probe.py impl SAVE_DIR`` prints one JSON object: impl's rank, whether a
``rank_zero_only`` function ran, and what a ``JsonlLogger`` under ``SAVE_DIR`` wrote, or the error.

``python -P tests/_rank_probe.py pl15 CASES`` (run with pytorch_lightning 1.5.10's Python) prints a JSON
list, one entry per case of the JSON list ``CASES``. 1.5.10 reads the rank once, when
``pytorch_lightning`` is imported, so each case runs in a forked child that imports it afresh with
the case's environment (torch, the slow part, is imported once before forking). A case is
``{"env": {...}, "lsf": bool}``; with ``lsf`` the child then also does what 1.5.10's DDP plugin does
in an LSF job: set the rank from ``LSFEnvironment``. Every entry reports 1.5.10 and impl side by side.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import impl

CLEARED = ("RANK", "LOCAL_RANK", "SLURM_PROCID", "JSM_NAMESPACE_RANK", "JSM_NAMESPACE_LOCAL_RANK",
           "JSM_NAMESPACE_SIZE", "LSB_JOBID", "LSB_DJOB_RANKFILE")  # fmt: skip
"""The variables a pl15 case starts without: the rank variables and those that make 1.5.10 see an LSF job."""


def _qualified_name(obj: object) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _error(error: Exception) -> dict[str, Any]:
    return {"error": type(error).__name__, "message": str(error)}


def _gate(rank_zero_only: Callable[[Callable[[], bool]], Callable[[], bool | None]]) -> bool:
    """Whether a function gated by ``rank_zero_only`` runs."""
    return rank_zero_only(lambda: True)() is True


def _experiment(rank_zero_experiment: Callable[[Callable[[Any], object]], Callable[[Any], object]]) -> str:
    """The qualified name of what a ``rank_zero_experiment`` getter returns (its real experiment is an object)."""
    return _qualified_name(rank_zero_experiment(lambda self: object())(None))


def impl_report(save_dir: str) -> dict[str, Any]:
    """impl's rank, gate and experiment here, and what a JsonlLogger under ``save_dir`` wrote; or the error."""
    try:
        rank = impl.rank_zero_only.rank
    except ValueError as error:
        return _error(error)
    logger = impl.JsonlLogger(save_dir, name="run")
    logger.log_hyperparams({"rank": rank})
    logger.log_metrics({"rank": float(rank)}, step=0)
    logger.finalize("success")
    run = impl.read_jsonl(logger.log_dir)
    return {
        "rank": rank,
        "ran": _gate(impl.rank_zero_only),
        "experiment": _qualified_name(logger.experiment),
        "records": len(run.metrics) + len(run.hyperparams),
        "wrote": os.path.exists(os.path.join(save_dir, "run")),
    }


def _both(distributed: Any, base: Any) -> dict[str, Any]:
    """1.5.10's and impl's rank, gate and experiment in this process."""
    return {
        "pl15": {
            "rank": distributed.rank_zero_only.rank,
            "ran": _gate(distributed.rank_zero_only),
            "experiment": _experiment(base.rank_zero_experiment),
        },
        "impl": {
            "rank": impl.rank_zero_only.rank,
            "ran": _gate(impl.rank_zero_only),
            "experiment": _experiment(impl.rank_zero_experiment),
        },
    }


def _pl15_case(case: dict[str, Any]) -> dict[str, Any]:
    """One case, in a child that has not imported pytorch_lightning yet."""
    for name in CLEARED:
        os.environ.pop(name, None)
    os.environ.update(case["env"])
    result: dict[str, Any] = {}
    distributed: Any = None
    try:
        distributed = importlib.import_module("pytorch_lightning.utilities.distributed")
    except ValueError as error:
        result["pl15_import"] = _error(error)
    try:
        impl.rank_zero_only.rank  # noqa: B018 - reading it reads the environment
    except ValueError as error:
        result["impl_error"] = _error(error)
    if result:
        return result
    base = importlib.import_module("pytorch_lightning.loggers.base")
    result["at_import"] = _both(distributed, base)
    if case["lsf"]:
        torch = importlib.import_module("torch")
        environments = importlib.import_module("pytorch_lightning.plugins.environments")
        plugins = importlib.import_module("pytorch_lightning.plugins")
        result["lsf_detected"] = environments.LSFEnvironment.is_using_lsf()
        environment = environments.LSFEnvironment()
        result["lsf_global_rank"] = environment.global_rank()
        # What 1.5.10's DDPPlugin.setup_distributed does: set_world_ranks() sets
        # rank_zero_only.rank = cluster_environment.global_rank().
        plugin = plugins.DDPPlugin(parallel_devices=[torch.device("cpu")] * 2, cluster_environment=environment)
        plugin.set_world_ranks()
        impl.rank_zero_only.rank = environment.global_rank()  # what a framework does for impl
        result["after_plugin"] = _both(distributed, base)
    return result


def pl15_report(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run every case in a forked child; return their results in order."""
    importlib.import_module("torch")  # once, before forking: each child imports only pytorch_lightning
    results = []
    for case in cases:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_end)
            try:
                payload = json.dumps(_pl15_case(case))
            except BaseException as error:  # noqa: BLE001 - every failure is reported to the parent
                payload = json.dumps({"crash": f"{type(error).__name__}: {error}"})
            with os.fdopen(write_end, "w") as pipe:
                pipe.write(payload)
            os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            payload = pipe.read()
        _, status = os.waitpid(pid, 0)
        results.append(json.loads(payload) if payload else {"crash": f"child exited with status {status}"})
    return results


def main(argv: list[str]) -> None:
    mode, argument = argv
    if mode == "impl":
        print(json.dumps(impl_report(argument)))
    elif mode == "pl15":
        print(json.dumps(pl15_report(json.loads(argument))))
    else:
        raise SystemExit(f"mode must be impl or pl15, got {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
