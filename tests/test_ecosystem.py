"""The ecosystem harnesses (W&B, Comet, DVCLive, Aim, SwanLab) on their real Lightning loggers, offline.

Each backend's tests skip, saying why, where it is not installed (the ``ecosystem`` extra, after
``pip install torch==2.13.0``). Every test runs under a network guard: a connection or name lookup
for anything but the loopback interface or a Unix socket raises, so a backend that tried the network
would fail loudly. (W&B's service, ``wandb-core``, is a separate process the guard cannot see; it
runs offline by its settings.)

For each harness: a negative control (the real logger made to drop a record, shift a step or lose
a hyperparameter fails ``logger.persisted_read_back`` with that diagnosis) and the real logger's
verdict, as docs/ecosystem-notes.md states it.
"""

from __future__ import annotations

import ipaddress
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import strategies as st

import conformance
from conformance import LoggerSubject

PROPERTY = "logger.persisted_read_back"


# --- the network guard ----------------------------------------------------------------------


def _local(address: object) -> bool:
    if not isinstance(address, tuple) or not address:  # a Unix socket's path
        return True
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any connection or lookup beyond loopback raises ConnectionRefusedError naming the address."""
    connect = socket.socket.connect
    getaddrinfo = socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if not _local(address):
            raise ConnectionRefusedError(f"network use in a test: connect to {address!r}")
        return connect(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _local((host,)):
            raise ConnectionRefusedError(f"network use in a test: name lookup of {host!r}")
        return getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    yield


class TestNetworkGuard:
    def test_a_remote_connection_raises(self) -> None:
        """The guard refuses a connection to a non-loopback address (so it can fail a test)."""
        with socket.socket() as s, pytest.raises(ConnectionRefusedError, match="network use"):
            s.connect(("192.0.2.1", 80))

    def test_loopback_is_allowed_through(self) -> None:
        """Loopback connections reach the real connect (refused here only because nothing listens)."""
        with socket.socket() as s, pytest.raises(OSError) as raised:
            s.connect(("127.0.0.1", 9))
        assert "network use" not in str(raised.value)


# --- helpers --------------------------------------------------------------------------------


def _need(*modules: str) -> None:
    for module in modules:
        pytest.importorskip(
            module, reason=f"{module} is not installed (pip install 'loggerspec[ecosystem]' after torch)"
        )


def _verdict(subject: LoggerSubject, max_examples: int = 10) -> conformance.PropertyResult:
    report = conformance.certify(subject, only=[PROPERTY], profile="ci", max_examples=max_examples)
    (result,) = report.subjects[0].results
    return result


def _as(broken: type[Any], factory: Callable[[Path], Any]) -> Callable[[Path], Any]:
    """``factory``'s logger, its class swapped for ``broken`` (a subclass): built exactly as the real one."""

    def make(directory: Path) -> Any:
        logger = factory(directory)
        logger.__class__ = broken
        return logger

    return make


def _shifts_steps(cls: type[Any]) -> type[Any]:
    class ShiftsSteps(cls):  # type: ignore[misc]
        """Logs every step one later than given."""

        def log_metrics(self, metrics: Any, step: int | None = None) -> None:
            super().log_metrics(metrics, None if step is None else step + 1)

    return ShiftsSteps


def _drops_records(cls: type[Any]) -> type[Any]:
    class DropsRecords(cls):  # type: ignore[misc]
        """Logs only the first of a call's metrics (the rest of the record is dropped)."""

        def log_metrics(self, metrics: Any, step: int | None = None) -> None:
            super().log_metrics(dict(list(metrics.items())[:1]), step)

    return DropsRecords


def _loses_a_hyperparameter(cls: type[Any]) -> type[Any]:
    class LosesAHyperparameter(cls):  # type: ignore[misc]
        """Leaves out the hyperparameter ``lr``."""

        def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
            values = dict(params if isinstance(params, dict) else vars(params))
            values.pop("lr", None)
            super().log_hyperparams(values)

    return LosesAHyperparameter


PARAMS = {"lr": 0.5, "name": "adam", "layers": [64, 64], "opt": {"beta": 0.9}}
ONLY_PARAMS: dict[str, Any] = {"metrics": st.just({}), "hyperparams": st.just(PARAMS)}
"""A harness narrowed to one hyperparameter dict and no metrics: a control on hyperparameters
alone (cheap to shrink, and untouched by how a storage handles repeated steps)."""


# --- W&B --------------------------------------------------------------------------------------


class TestWandb:
    def test_a_shifted_step_fails(self) -> None:
        """WandbLogger made to log every step one later fails, diagnosed as a step change."""
        _need("wandb", "lightning")
        from conformance.harnesses import WANDB, wandb_offline

        broken = _as(_shifts_steps(_wandb_class()), wandb_offline)
        result = _verdict(LoggerSubject(broken, "ShiftsSteps", harness=WANDB))
        assert result.status == "failed"
        assert result.message is not None and "step changed" in result.message

    def test_the_offline_logger_passes(self) -> None:
        """WandbLogger offline (wandb_offline) passes: the picked harness reads back what was logged."""
        _need("wandb", "lightning")
        from conformance._harness import harness_for
        from conformance.harnesses import WANDB, wandb_offline

        subject = LoggerSubject(wandb_offline, "conformance.harnesses:wandb_offline")
        assert harness_for(subject) is WANDB
        assert _verdict(subject).status == "passed"


def _wandb_class() -> type[Any]:
    from lightning.pytorch.loggers import WandbLogger  # type: ignore[import-not-found, unused-ignore]

    return WandbLogger  # type: ignore[no-any-return, unused-ignore]


# --- Comet ------------------------------------------------------------------------------------


class TestComet:
    def test_a_dropped_metric_fails(self) -> None:
        """CometLogger made to drop all but a call's first metric fails, diagnosed as a lost observation."""
        _need("comet_ml", "lightning")
        from lightning.pytorch.loggers import CometLogger  # type: ignore[import-not-found, unused-ignore]

        from conformance.harnesses import COMET, comet_offline

        result = _verdict(LoggerSubject(_as(_drops_records(CometLogger), comet_offline), "DropsRecords", harness=COMET))
        assert result.status == "failed"
        assert result.message is not None and "observation lost" in result.message

    def test_the_offline_experiment_passes(self) -> None:
        """CometLogger with an offline experiment (comet_offline) passes, and leaves no directory behind."""
        _need("comet_ml", "lightning")
        from conformance._harness import harness_for
        from conformance.harnesses import COMET, comet_offline

        subject = LoggerSubject(comet_offline, "conformance.harnesses:comet_offline")
        assert harness_for(subject) is COMET
        assert _verdict(subject).status == "passed"

    def test_online_false_persists_nothing(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """CometLogger(online=False) is Comet's disabled mode: after logging and ending, nothing is on disk."""
        _need("comet_ml", "lightning")
        from lightning.pytorch.loggers import CometLogger  # type: ignore[import-not-found, unused-ignore]

        from conformance.harnesses import COMET

        # Every Comet experiment makes a temporary directory, and only an offline one removes it: keep
        # the disabled experiment's under tmp_path.
        (tmp_path / "tmp").mkdir()
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
        logger = CometLogger(online=False, offline_directory=str(tmp_path))
        logger.log_metrics({"a": 1.0}, step=0)
        logger.finalize("success")
        assert COMET.read(logger, tmp_path).metrics == ()


# --- DVCLive ----------------------------------------------------------------------------------


def _dvclive_fixed() -> type[Any]:
    from dvclive.lightning import DVCLiveLogger  # type: ignore[import-not-found, unused-ignore]

    class StepZeroKept(DVCLiveLogger):  # type: ignore[misc]
        """DVCLiveLogger with its step test fixed (``step is not None`` instead of ``if step:``)."""

        def log_metrics(self, metrics: Any, step: int | None = None, sync: bool | None = False) -> None:
            if step == 0:  # the logger adds one to the step when it sees none: from -1, this lands at 0
                self.experiment.step = -1
                step = None
            super().log_metrics(metrics, step, sync)

    return StepZeroKept


class TestDvclive:
    def test_a_lost_hyperparameter_fails(self) -> None:
        """DVCLiveLogger made to leave out a hyperparameter fails, diagnosed as a lost hyperparameter."""
        _need("dvclive", "lightning")
        from dvclive.lightning import DVCLiveLogger  # type: ignore[import-not-found, unused-ignore]

        from conformance.harnesses import DVCLIVE, dvclive_local

        harness = attrs.evolve(DVCLIVE, **ONLY_PARAMS)
        subject = LoggerSubject(_as(_loses_a_hyperparameter(DVCLiveLogger), dvclive_local), "Loses", harness=harness)
        result = _verdict(subject, max_examples=5)
        assert result.status == "failed"
        assert result.message is not None and "hyperparameter lost: 'lr'" in result.message

    def test_step_zero_is_read_back_at_step_one(self, tmp_path: Path) -> None:
        """The bug the property reports: ``if step:`` treats step 0 as no step, so a record logged at
        step 0 is stored at the previous step plus one. (If this fails, DVCLive fixed it.)"""
        _need("dvclive", "lightning")
        from conformance.harnesses import DVCLIVE, dvclive_local

        logger = dvclive_local(tmp_path)
        logger.log_metrics({"a": 0.0}, step=0)
        logger.finalize("success")
        assert DVCLIVE.read(logger, tmp_path).metrics == ((1, {"a": 0.0}),)

    def test_with_the_step_fixed_it_passes(self) -> None:
        """DVCLiveLogger with only its step test fixed passes: the step is its one failure here."""
        _need("dvclive", "lightning")
        from conformance.harnesses import DVCLIVE, dvclive_local

        subject = LoggerSubject(_as(_dvclive_fixed(), dvclive_local), "StepZeroKept", harness=DVCLIVE)
        assert _verdict(subject).status == "passed"

    def test_the_working_directory_is_left_alone(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """dvclive_local makes its run inside the logger's directory: a Git checkout that is the
        working directory gets no .dvc/ (Live() would run dvc init there)."""
        _need("dvclive", "lightning", "git")
        import subprocess

        from conformance.harnesses import dvclive_local

        checkout = tmp_path / "checkout"
        checkout.mkdir()
        subprocess.run(["git", "init", "-q", str(checkout)], check=True)
        monkeypatch.chdir(checkout)
        logger = dvclive_local(tmp_path / "run")
        logger.log_metrics({"a": 1.0}, step=1)
        logger.finalize("success")
        assert sorted(p.name for p in checkout.iterdir()) == [".git"]


# --- Aim --------------------------------------------------------------------------------------


class TestAim:
    def test_a_lost_hyperparameter_fails(self) -> None:
        """AimLogger made to leave out a hyperparameter fails, diagnosed as a lost hyperparameter."""
        _need("aim", "lightning")
        from aim.pytorch_lightning import AimLogger  # type: ignore[import-not-found, unused-ignore]

        from conformance.harnesses import AIM, aim_local

        harness = attrs.evolve(AIM, **ONLY_PARAMS)
        subject = LoggerSubject(_as(_loses_a_hyperparameter(AimLogger), aim_local), "Loses", harness=harness)
        result = _verdict(subject, max_examples=5)
        assert result.status == "failed"
        assert result.message is not None and "hyperparameter lost: 'lr'" in result.message

    def test_its_hyperparameters_pass(self) -> None:
        """The real AimLogger passes the same hyperparameter-only check (the control's failure is the breakage)."""
        _need("aim", "lightning")
        from conformance.harnesses import AIM, aim_local

        subject = LoggerSubject(aim_local, "aim_local", harness=attrs.evolve(AIM, **ONLY_PARAMS))
        assert _verdict(subject, max_examples=5).status == "passed"

    def test_a_second_value_at_a_step_replaces_the_first(self, tmp_path: Path) -> None:
        """What the property reports: Aim keys a metric's values by step, so ``a`` logged with step
        None (numbered 0) then at step 0 reads back once, the first value gone."""
        _need("aim", "lightning")
        from conformance.harnesses import AIM, aim_local

        logger = aim_local(tmp_path)
        logger.log_metrics({"a": 1.0}, step=None)
        logger.log_metrics({"a": 2.0}, step=0)
        logger.finalize("success")
        assert AIM.read(logger, tmp_path).metrics == ((0, {"a": 2.0}),)


# --- SwanLab ----------------------------------------------------------------------------------


class TestSwanlab:
    def test_a_lost_hyperparameter_fails(self) -> None:
        """SwanLabLogger made to leave out a hyperparameter fails, diagnosed as a lost hyperparameter."""
        _need("swanlab", "lightning")
        from swanlab.integration.pytorch_lightning import SwanLabLogger  # type: ignore[import-not-found, unused-ignore]

        from conformance.harnesses import SWANLAB, swanlab_offline

        harness = attrs.evolve(SWANLAB, **ONLY_PARAMS)
        subject = LoggerSubject(_as(_loses_a_hyperparameter(SwanLabLogger), swanlab_offline), "Loses", harness=harness)
        result = _verdict(subject, max_examples=3)
        assert result.status == "failed"
        assert result.message is not None and "hyperparameter lost: 'lr'" in result.message

    def test_a_second_value_at_a_step_is_dropped(self, tmp_path: Path) -> None:
        """What the property reports: SwanLab keeps the first value of a metric at a step and drops a later one."""
        _need("swanlab", "lightning")
        from conformance.harnesses import SWANLAB, swanlab_offline

        logger = swanlab_offline(tmp_path)
        logger.log_metrics({"a": 1.0}, step=0)
        logger.log_metrics({"a": 2.0}, step=0)
        logger.finalize("success")
        assert SWANLAB.read(logger, tmp_path).metrics == ((0, {"a": 1.0}),)

    def test_a_none_hyperparameter_reads_back_as_an_empty_dict(self, tmp_path: Path) -> None:
        """SwanLab stores a hyperparameter None as {} (config.yaml's value is ``{}``)."""
        _need("swanlab", "lightning")
        from conformance.harnesses import SWANLAB, swanlab_offline

        logger = swanlab_offline(tmp_path)
        logger.log_hyperparams({"none": None, "lr": 0.5})
        logger.finalize("success")
        assert SWANLAB.read(logger, tmp_path).hyperparams == {"none": {}, "lr": 0.5}
