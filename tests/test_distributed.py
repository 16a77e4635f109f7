"""Rank gating in a real torch.distributed job, and the rank's environment variables in fresh processes.

The distributed job (world sizes 2 and 4, gloo on CPU, spawned by ``torch.multiprocessing``) needs
torch, and its CSVLogger half needs Lightning 2.x: without them those tests skip, so they run in the
Lightning venv. The environment-variable tests need neither; the comparison with pytorch_lightning
1.5.10 runs the Python named by ``$LOGGERSPEC_PL15_PYTHON``.
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
import inspect
import json
import os
import socket
import subprocess
import sys
import time
from argparse import Namespace
from pathlib import Path
from typing import Any

import attrs
import pytest

import impl
from tests import _distributed_worker as worker
from tests import _rank_probe

# One pytest-xdist worker runs the module: its module-scoped fixture is built once.
pytestmark = pytest.mark.xdist_group("distributed")

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_LIGHTNING = HAS_TORCH and importlib.util.find_spec("lightning") is not None
requires_torch = pytest.mark.skipif(
    not HAS_TORCH, reason="torch is not installed: the distributed job runs in the venv with torch and Lightning 2.x"
)
requires_lightning = pytest.mark.skipif(
    not HAS_LIGHTNING, reason="Lightning 2.x is not installed: its CSVLogger is checked in the venv that has it"
)

PL15_PYTHON_VARIABLE = "LOGGERSPEC_PL15_PYTHON"
PROBE = Path(_rank_probe.__file__)
JOB_TIMEOUT = 90.0  # seconds; the ranks' own barrier timeout (60 s) normally ends a stuck job first
JSONL = f"{worker.__name__}:make_jsonl_logger"
CSV = f"{worker.__name__}:make_csv_logger"
PL15_DUMMY = "pytorch_lightning.loggers.base.DummyExperiment"


# -- running a job ------------------------------------------------------------------------------


@attrs.frozen
class Outcome:
    """A finished job: where its loggers wrote, and each rank's report by global rank."""

    world_size: int
    save_root: Path
    reports: dict[int, dict[str, Any]]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _spawn(job: worker.Job) -> str | None:
    """Run ``job`` to its end; ``None`` if every rank exited 0, else what went wrong with each rank's stderr."""
    mp = importlib.import_module("torch.multiprocessing")
    context = mp.start_processes(
        worker.run_rank, args=(job,), nprocs=job.world_size, join=False, start_method="spawn"
    )
    deadline = time.monotonic() + JOB_TIMEOUT
    error = ""
    try:
        while not context.join(timeout=max(0.0, deadline - time.monotonic()), grace_period=5):
            if time.monotonic() >= deadline:
                error = f"the job did not finish in {JOB_TIMEOUT:.0f} s"
                break
    except (mp.ProcessRaisedException, mp.ProcessExitedException) as exc:  # join() has stopped the other ranks
        error = str(exc).strip()
    finally:
        for process in context.processes:
            if process.is_alive():
                process.kill()
            process.join()
        for path in context.error_files:  # torch leaves a failed rank's traceback file in the temp directory
            if os.path.exists(path):
                os.unlink(path)
    codes = [process.exitcode for process in context.processes]
    missing = [i for i in range(job.world_size) if not os.path.exists(worker.report_path(job.report_dir, i))]
    if not error and codes == [0] * job.world_size and not missing:
        return None
    lines = [f"world size {job.world_size}: exit codes by rank {codes}, no report from ranks {missing}"]
    lines += [error] if error else []
    for index, code in enumerate(codes):
        if code != 0 or index in missing:
            stderr = Path(worker.stderr_path(job.report_dir, index))
            text = stderr.read_text(errors="replace").strip() if stderr.exists() else "(no stderr file)"
            lines.append(f"--- rank {index} (exit code {code}) stderr:\n{text or '(empty)'}")
    return "\n".join(lines)


def _job(directory: Path, world_size: int, loggers: tuple[tuple[str, str], ...], lightning: bool) -> worker.Job:
    save_root, report_dir = directory / "logs", directory / "reports"
    save_root.mkdir(parents=True)
    report_dir.mkdir()
    init_method = f"tcp://127.0.0.1:{_free_port()}"
    return worker.Job(world_size, init_method, str(save_root), str(report_dir), loggers, lightning)


def _run_job(
    directory: Path, world_size: int, loggers: tuple[tuple[str, str], ...], *, lightning: bool
) -> Outcome:
    """Run a job; a rank that crashed or hung fails the test with its stderr."""
    for attempt in (1, 2):
        job = _job(directory / f"attempt_{attempt}", world_size, loggers, lightning)
        failure = _spawn(job)
        if failure is None:
            reports = [json.loads(Path(worker.report_path(job.report_dir, i)).read_text()) for i in range(world_size)]
            return Outcome(world_size, Path(job.save_root), {report["rank"]: report for report in reports})
        if attempt == 1 and "EADDRINUSE" in failure:
            continue  # another process took the free port between our probe and the store's bind
        pytest.fail(failure, pytrace=False)
    raise AssertionError("unreachable")


# -- the checks ---------------------------------------------------------------------------------


def _files(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def _expected_metrics() -> list[tuple[int | None, dict[str, Any]]]:
    return [(step, worker.metrics_for(0, step)) for step in worker.STEPS]


def _jsonl_violations(outcome: Outcome, kind: str) -> list[str]:
    """How the durable logger's files differ from rank 0's records alone (read back with read_jsonl)."""
    root = outcome.save_root / kind
    expected_files = {"run/version_0/records.jsonl"}
    problems = []
    if _files(root) != expected_files:
        problems.append(f"files {sorted(_files(root))}, expected only rank 0's {sorted(expected_files)}")
    run = impl.read_jsonl(root / "run" / "version_0")
    expected = impl.JsonlRun(_expected_metrics(), [worker.hparams_for(0)])
    if run != expected:
        problems.append(f"records.jsonl read back as {run}, expected rank 0's {expected}")
    return problems


def _csv_violations(outcome: Outcome, kind: str) -> list[str]:
    """How CSVLogger's files differ from rank 0's records alone (metrics.csv by csv, hparams.yaml by yaml)."""
    yaml = importlib.import_module("yaml")
    root = outcome.save_root / kind
    log_dir = root / "run" / "version_0"
    expected_files = {"run/version_0/hparams.yaml", "run/version_0/metrics.csv"}
    problems = []
    if _files(root) != expected_files:
        problems.append(f"files {sorted(_files(root))}, expected only rank 0's {sorted(expected_files)}")
    if (log_dir / "metrics.csv").exists():
        with open(log_dir / "metrics.csv", newline="") as file:
            rows = list(csv.DictReader(file))
        try:
            # An empty cell (a key another row has) reads as None: it can only come from another rank's row.
            metrics = [
                (int(row.pop("step")), {key: float(value) if value else None for key, value in row.items()})
                for row in rows
            ]
        except (KeyError, TypeError, ValueError):  # a row torn or mixed by two writers
            problems.append(f"metrics.csv holds rows that are not records: {rows}")
        else:
            if metrics != _expected_metrics():
                problems.append(f"metrics.csv read back as {metrics}, expected rank 0's {_expected_metrics()}")
    if (log_dir / "hparams.yaml").exists():
        hparams = yaml.safe_load((log_dir / "hparams.yaml").read_text())
        if hparams != worker.hparams_for(0):
            problems.append(f"hparams.yaml read back as {hparams}, expected rank 0's {worker.hparams_for(0)}")
    return problems


def _experiment_violations(outcome: Outcome, kind: str, dummy: str) -> list[str]:
    """The ranks whose ``experiment`` was the dummy on rank 0, or anything but the dummy elsewhere."""
    problems = []
    for rank, report in sorted(outcome.reports.items()):
        name = report["experiments"][kind]
        if (name == dummy) != (rank != 0):
            problems.append(f"rank {rank}'s experiment was {name}")
    return problems


# -- the negative controls: run in the ranks, so they are module-level and importable -----------


class _PlainWriter:
    """JSON Lines appended with no lock: impl's JsonlWriter refuses a second writer of a run (its
    flock), which would crash the ungated ranks instead of letting their records reach the disk."""

    def __init__(self, path: str) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the logger's life

    def append(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()

    def sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())


class _UngatedJsonlLogger(impl.JsonlLogger):
    """impl's durable logger with the rank gates taken out: every rank writes through its experiment."""

    _ungated_writer: _PlainWriter | None = None

    @property
    def experiment(self) -> _PlainWriter:  # type: ignore[override]
        if self._ungated_writer is None:
            self._ungated_writer = _PlainWriter(os.path.join(self.log_dir, impl.RECORDS_FILE))
        return self._ungated_writer

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self.experiment.append({"kind": "metrics", "step": step, "metrics": metrics})

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        self.experiment.append({"kind": "hparams", "params": vars(params) if isinstance(params, Namespace) else params})

    def save(self) -> None:
        self.experiment.sync()


def _ungated_jsonl_logger(save_dir: str) -> impl.JsonlLogger:
    return _UngatedJsonlLogger(save_dir, name="run")


_CSV_GATED_METHODS = ("finalize", "log_hyperparams", "log_metrics", "save")


def _ungated_csv_logger(save_dir: str) -> Any:
    """Lightning's CSVLogger with its gates unwrapped: what it does on rank 0, every rank does."""
    base = importlib.import_module("lightning.pytorch.loggers").CSVLogger
    members: dict[str, Any] = {"experiment": property(inspect.unwrap(base.experiment.fget))}
    for name in _CSV_GATED_METHODS:
        method = getattr(base, name)
        if not hasattr(method, "__wrapped__"):
            raise AssertionError(f"CSVLogger.{name} is not rank-gated by a decorator any more")
        members[name] = inspect.unwrap(method)
    return type("UngatedCSVLogger", (base,), members)(save_dir, name="run")


def _crash_on_rank_one(save_dir: str) -> impl.JsonlLogger:
    """impl's logger, except that rank 1 dies while building it (without a Python traceback)."""
    if impl.rank_zero_only.rank == 1:
        sys.stderr.write("deliberate crash of rank 1\n")
        sys.stderr.flush()
        os._exit(3)
    return worker.make_jsonl_logger(save_dir)


# -- the distributed job ------------------------------------------------------------------------


@pytest.fixture(scope="module", params=[2, 4], ids=lambda n: f"world{n}")
def job(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """A job in which every rank logs through impl's durable logger and (with Lightning) CSVLogger, and
    through their ungated versions (the negative controls, each in its own directory)."""
    if not HAS_TORCH:
        pytest.skip("torch is not installed")
    world_size: int = request.param
    loggers: tuple[tuple[str, str], ...] = (("jsonl", JSONL), ("ungated_jsonl", f"{__name__}:_ungated_jsonl_logger"))
    if HAS_LIGHTNING:
        loggers += (("csv", CSV), ("ungated_csv", f"{__name__}:_ungated_csv_logger"))
    return _run_job(tmp_path_factory.mktemp(f"world{world_size}"), world_size, loggers, lightning=HAS_LIGHTNING)


@requires_torch
class TestRankGatingInADistributedJob:
    def test_every_rank_ran_with_its_global_rank_as_the_gates_rank(self, job: Outcome) -> None:
        """Each of the ranks 0..n-1 ran in its own process, exited 0, and had its global rank set on the gates."""
        reports = job.reports
        assert sorted(reports) == list(range(job.world_size))
        assert len({report["pid"] for report in reports.values()}) == job.world_size
        assert all(report["world_size"] == job.world_size for report in reports.values())
        assert all(report["impl_gate_rank"] == rank for rank, report in reports.items())
        if HAS_LIGHTNING:
            assert all(report["lightning"]["rank"] == rank for rank, report in reports.items())

    def test_only_rank_zeros_records_are_on_disk_jsonl(self, job: Outcome) -> None:
        """impl's durable logger holds rank 0's records, read back with read_jsonl, and no other file."""
        assert _jsonl_violations(job, "jsonl") == []

    def test_every_other_ranks_experiment_is_a_dummy_jsonl(self, job: Outcome) -> None:
        """impl's logger's experiment is the real writer on rank 0 and impl's DummyExperiment on every other rank."""
        assert _experiment_violations(job, "jsonl", worker.IMPL_DUMMY) == []

    @requires_lightning
    def test_only_rank_zeros_records_are_on_disk_csv(self, job: Outcome) -> None:
        """CSVLogger's metrics.csv and hparams.yaml hold rank 0's records only, and there is no other file."""
        assert _csv_violations(job, "csv") == []

    @requires_lightning
    def test_every_other_ranks_experiment_is_a_dummy_csv(self, job: Outcome) -> None:
        """CSVLogger's experiment is its writer on rank 0 and Lightning's _DummyExperiment on every other rank."""
        assert _experiment_violations(job, "csv", worker.CSV_DUMMY) == []

    @requires_lightning
    def test_lightnings_rank_gates_are_one_object(self, job: Outcome) -> None:
        """In Lightning 2.x the pytorch, fabric and lightning_utilities rank_zero_only are one object, so
        setting any of them gates CSVLogger's experiment and its log_*/save/finalize alike."""
        assert all(report["lightning"]["one_object"] for report in job.reports.values())


@requires_torch
class TestTheChecksCatchBrokenRanks:
    def test_an_ungated_jsonl_logger_is_caught(self, job: Outcome) -> None:
        """In the same job, impl's logger with its gates taken out puts other ranks' records on disk and
        gives them real experiments: both checks catch it."""
        assert _jsonl_violations(job, "ungated_jsonl") != []
        assert _experiment_violations(job, "ungated_jsonl", worker.IMPL_DUMMY) == [
            f"rank {rank}'s experiment was {worker.qualified_name(_PlainWriter)}" for rank in range(1, job.world_size)
        ]

    @requires_lightning
    def test_an_ungated_csv_logger_is_caught(self, job: Outcome) -> None:
        """In the same job, CSVLogger with its gates unwrapped puts other ranks' records on disk and gives
        them real experiments: both checks catch it."""
        assert _csv_violations(job, "ungated_csv") != []
        assert _experiment_violations(job, "ungated_csv", worker.CSV_DUMMY) == [
            f"rank {rank}'s experiment was lightning.pytorch.loggers.csv_logs.ExperimentWriter"
            for rank in range(1, job.world_size)
        ]

    def test_a_crashed_rank_fails_the_job_with_its_stderr(self, tmp_path: Path) -> None:
        """A rank that dies makes the job fail, and the failure names the rank, its exit code and its stderr."""
        job = _job(tmp_path, 2, (("jsonl", f"{__name__}:_crash_on_rank_one"),), lightning=False)
        failure = _spawn(job)
        assert failure is not None
        assert "--- rank 1 (exit code 3) stderr:" in failure
        assert "deliberate crash of rank 1" in failure


# -- the rank variables in fresh processes ------------------------------------------------------


def _environment(variables: dict[str, str]) -> dict[str, str]:
    """This process's environment without any rank or LSF variable, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if k not in _rank_probe.CLEARED}
    return env | variables


def _probe(python: str, args: list[str], variables: dict[str, str], cwd: Path) -> Any:
    result = subprocess.run(
        # -P: the script's directory (tests/, whose typing/ would shadow the standard library) stays off sys.path
        [python, "-P", str(PROBE), *args],
        env=_environment(variables),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        pytest.fail(f"{python} {PROBE.name} {args[0]} exited {result.returncode}:\n{result.stderr}", pytrace=False)
    return json.loads(result.stdout)


def _impl_probe(variables: dict[str, str], tmp_path: Path) -> dict[str, Any]:
    report: dict[str, Any] = _probe(sys.executable, ["impl", str(tmp_path / "logs")], variables, tmp_path)
    return report


class TestRankVariablesInAFreshProcess:
    @pytest.mark.parametrize(
        ("variables", "rank"),
        [
            ({}, 0),
            ({"RANK": "2"}, 2),
            ({"SLURM_PROCID": "3"}, 3),
            ({"LOCAL_RANK": "1"}, 1),
            ({"RANK": "0"}, 0),
        ],
        ids=["none", "RANK", "SLURM_PROCID", "LOCAL_RANK", "RANK=0"],
    )
    def test_each_variable_alone_sets_the_rank(self, variables: dict[str, str], rank: int, tmp_path: Path) -> None:
        """Each of RANK, SLURM_PROCID, LOCAL_RANK alone is the rank; off rank 0 nothing is written and the
        experiment is a dummy."""
        report = _impl_probe(variables, tmp_path)
        on_rank_zero = rank == 0
        assert report == {
            "rank": rank,
            "ran": on_rank_zero,
            "experiment": "impl._durable.JsonlWriter" if on_rank_zero else worker.IMPL_DUMMY,
            "records": 2 if on_rank_zero else 0,
            "wrote": on_rank_zero,
        }

    @pytest.mark.parametrize(
        ("variables", "rank"),
        [
            ({"RANK": "1", "SLURM_PROCID": "2", "LOCAL_RANK": "3"}, 1),
            ({"SLURM_PROCID": "2", "LOCAL_RANK": "3"}, 2),
            ({"RANK": "0", "SLURM_PROCID": "2", "LOCAL_RANK": "3"}, 0),
            ({"SLURM_PROCID": "0", "LOCAL_RANK": "3"}, 0),
            ({"RANK": "1", "SLURM_PROCID": "x", "LOCAL_RANK": "y"}, 1),
        ],
        ids=["all", "SLURM_PROCID-over-LOCAL_RANK", "RANK=0-over-others", "SLURM_PROCID=0-over-LOCAL", "later-unread"],
    )
    def test_precedence_is_rank_then_slurm_procid_then_local_rank(
        self, variables: dict[str, str], rank: int, tmp_path: Path
    ) -> None:
        """The first of RANK, SLURM_PROCID, LOCAL_RANK that is set is the rank; the later ones are not read."""
        report = _impl_probe(variables, tmp_path)
        assert (report["rank"], report["ran"], report["wrote"]) == (rank, rank == 0, rank == 0)

    @pytest.mark.parametrize(
        ("variables", "name"),
        [
            ({"RANK": "one"}, "RANK"),
            ({"SLURM_PROCID": "2.0"}, "SLURM_PROCID"),
            ({"LOCAL_RANK": ""}, "LOCAL_RANK"),
            ({"RANK": "x", "SLURM_PROCID": "1"}, "RANK"),
        ],
        ids=["RANK", "SLURM_PROCID", "LOCAL_RANK-empty", "RANK-first"],
    )
    def test_a_malformed_variable_raises_naming_it(self, variables: dict[str, str], name: str, tmp_path: Path) -> None:
        """A malformed value of the first variable set raises ValueError naming that variable; nothing is written."""
        report = _impl_probe(variables, tmp_path)
        assert report["error"] == "ValueError"
        assert report["message"].startswith(f"environment variable {name} must be an integer rank")
        assert not (tmp_path / "logs").exists()

    def test_jsm_namespace_rank_is_not_read(self, tmp_path: Path) -> None:
        """JSM_NAMESPACE_RANK alone leaves the rank at 0 (impl reads only RANK_ENV_VARS)."""
        assert impl.RANK_ENV_VARS == ("RANK", "SLURM_PROCID", "LOCAL_RANK")
        report = _impl_probe({"JSM_NAMESPACE_RANK": "3"}, tmp_path)
        assert (report["rank"], report["ran"], report["wrote"]) == (0, True, True)


# -- the same, side by side with pytorch_lightning 1.5.10 -----------------------------------------

# (id, variables, whether to run 1.5.10's LSF environment and DDP plugin); an LSF job's rank file
# is filled in by the fixture.
PL15_CASES: list[tuple[str, dict[str, str], bool]] = [
    ("none", {}, False),
    ("RANK", {"RANK": "2"}, False),
    ("SLURM_PROCID", {"SLURM_PROCID": "3"}, False),
    ("LOCAL_RANK", {"LOCAL_RANK": "1"}, False),
    ("all", {"RANK": "1", "SLURM_PROCID": "2", "LOCAL_RANK": "3"}, False),
    ("SLURM_PROCID-over-LOCAL_RANK", {"SLURM_PROCID": "2", "LOCAL_RANK": "3"}, False),
    ("RANK=0-over-others", {"RANK": "0", "SLURM_PROCID": "2", "LOCAL_RANK": "3"}, False),
    ("later-unread", {"RANK": "1", "SLURM_PROCID": "x"}, False),
    ("malformed-RANK", {"RANK": "one"}, False),
    ("JSM_NAMESPACE_RANK", {"JSM_NAMESPACE_RANK": "3"}, False),
    ("lsf-job", {"LSB_JOBID": "1234", "JSM_NAMESPACE_LOCAL_RANK": "1", "JSM_NAMESPACE_SIZE": "4",
                 "JSM_NAMESPACE_RANK": "3"}, True),
]  # fmt: skip


def _pl15_python() -> str:
    python = os.environ.get(PL15_PYTHON_VARIABLE)
    if not python:
        pytest.skip(f"${PL15_PYTHON_VARIABLE} is not set: set it to the Python of the pytorch_lightning 1.5.10 venv")
    if not os.access(python, os.X_OK):
        pytest.skip(f"${PL15_PYTHON_VARIABLE}={python} is not an executable")
    return python


@pytest.fixture(scope="module")
def pl15(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Each case's results, 1.5.10's and impl's side by side, from one run of the probe with 1.5.10's Python."""
    python = _pl15_python()
    directory = tmp_path_factory.mktemp("pl15")
    rank_file = directory / "rankfile"  # LSF's host file: the launch node, then this host (node rank 0)
    rank_file.write_text(f"launch-node\n{socket.gethostname()}\n")
    lsf_files = {"LSB_DJOB_RANKFILE": str(rank_file)}
    cases = [{"env": env | (lsf_files if lsf else {}), "lsf": lsf} for _, env, lsf in PL15_CASES]
    results: list[dict[str, Any]] = _probe(python, ["pl15", json.dumps(cases)], {}, directory)
    return {case_id: result for (case_id, _, _), result in zip(PL15_CASES, results, strict=True)}


def _side_by_side(result: dict[str, Any], when: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """1.5.10's and impl's (rank, ran, experiment is the dummy) at ``when``."""
    assert "crash" not in result, result
    pl15, ours = result[when]["pl15"], result[when]["impl"]
    return (
        {"rank": pl15["rank"], "ran": pl15["ran"], "dummy": pl15["experiment"] == PL15_DUMMY},
        {"rank": ours["rank"], "ran": ours["ran"], "dummy": ours["experiment"] == worker.IMPL_DUMMY},
    )


class TestPl15AgreesOnTheRankVariables:
    @pytest.mark.parametrize(
        ("case_id", "rank"),
        [
            ("none", 0),
            ("RANK", 2),
            ("SLURM_PROCID", 3),
            ("LOCAL_RANK", 1),
            ("all", 1),
            ("SLURM_PROCID-over-LOCAL_RANK", 2),
            ("RANK=0-over-others", 0),
            ("later-unread", 1),
        ],
    )
    def test_same_variables_same_order(self, pl15: dict[str, dict[str, Any]], case_id: str, rank: int) -> None:
        """1.5.10 (at import) and impl read RANK, SLURM_PROCID, LOCAL_RANK in that order, and gate alike."""
        theirs, ours = _side_by_side(pl15[case_id], "at_import")
        assert theirs == ours == {"rank": rank, "ran": rank == 0, "dummy": rank != 0}

    def test_a_malformed_variable_is_a_value_error_in_both(self, pl15: dict[str, dict[str, Any]]) -> None:
        """RANK=one is a ValueError in both: 1.5.10's import fails with int()'s message, impl's names RANK
        (a documented difference)."""
        result = pl15["malformed-RANK"]
        assert result["pl15_import"]["error"] == result["impl_error"]["error"] == "ValueError"
        assert result["pl15_import"]["message"] == "invalid literal for int() with base 10: 'one'"
        assert "environment variable RANK" in result["impl_error"]["message"]

    def test_jsm_namespace_rank_alone_is_read_by_neither(self, pl15: dict[str, dict[str, Any]]) -> None:
        """With only JSM_NAMESPACE_RANK=3 set, 1.5.10's rank_zero_only.rank and impl's are both 0: gated work runs."""
        theirs, ours = _side_by_side(pl15["JSM_NAMESPACE_RANK"], "at_import")
        assert theirs == ours == {"rank": 0, "ran": True, "dummy": False}

    def test_in_an_lsf_job_the_rank_comes_from_the_cluster_environment(self, pl15: dict[str, dict[str, Any]]) -> None:
        """In an LSF job 1.5.10 still imports with rank 0; its LSFEnvironment reads JSM_NAMESPACE_RANK and its DDP
        plugin sets rank_zero_only.rank from it, and impl, set the same way, gates the same."""
        result = pl15["lsf-job"]
        assert (result["lsf_detected"], result["lsf_global_rank"]) == (True, 3)
        at_import, after_plugin = _side_by_side(result, "at_import"), _side_by_side(result, "after_plugin")
        assert at_import == ({"rank": 0, "ran": True, "dummy": False},) * 2
        assert after_plugin == ({"rank": 3, "ran": False, "dummy": True},) * 2
