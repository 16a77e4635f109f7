"""A suite that survives real loggers: every logger it builds is ended (finalized, closed) before its
directory goes, within a timeout that is reported, and nothing is left in the temporary directory.

The stand-ins here behave as the heavyweight loggers of issue 10 did: background work that only
``finalize`` stops (Aim, Comet), a ``finalize`` that hangs, a backend with one run per process
(W&B, SwanLab), a factory that raises (Neptune's integration, a constructor wanting more).
"""

from __future__ import annotations

import io
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

import impl
from conformance import LoggerSubject, all_properties, certify
from conformance.__main__ import main

FEW = {"profile": "fast", "max_examples": 3}
NO_FINALIZE = ["logger.log_metrics_no_mutation"]  # a property that never calls finalize itself
RELEASE = threading.Event()
"""Set at the end of a test: lets HangingFinalize's hung threads end."""


class StandIn:
    """A minimal logger without aggregation: every method does nothing."""

    def __init__(self, save_dir: Path | str) -> None:
        self._save_dir = str(save_dir)

    @property
    def name(self) -> str:
        return "stand_in"

    @property
    def version(self) -> int:
        return 0

    @property
    def save_dir(self) -> str:
        return self._save_dir

    @property
    def experiment(self) -> None:
        return None

    def log_metrics(self, metrics: Any, step: Any = None) -> None:
        pass

    def log_hyperparams(self, params: Any) -> None:
        pass

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        pass

    def save(self) -> None:
        pass

    def finalize(self, status: str) -> None:
        pass

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        pass

    def close(self) -> None:
        pass


class BackgroundWork(StandIn):
    """Keeps writing a heartbeat into its directory (recreating it when it is removed) until finalized."""

    made: ClassVar[list[BackgroundWork]] = []

    def __init__(self, save_dir: Path | str) -> None:
        super().__init__(save_dir)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)
        self._thread.start()
        BackgroundWork.made.append(self)

    def _beat(self) -> None:
        while not self._stop.wait(0.002):
            os.makedirs(self._save_dir, exist_ok=True)
            Path(self._save_dir, "heartbeat").write_text("alive")

    def finalize(self, status: str) -> None:
        self._stop.set()
        self._thread.join()


class HangingFinalize(StandIn):
    """Its finalize never returns (until the test releases it)."""

    def finalize(self, status: str) -> None:
        RELEASE.wait()


class RaisingFinalize(StandIn):
    """Its finalize always raises."""

    def finalize(self, status: str) -> None:
        raise RuntimeError("the backend is gone")


class OneRunPerProcess(impl.InMemoryLogger):
    """A backend that keeps one run per process: a second logger cannot start until the first is finalized."""

    live: ClassVar[int] = 0

    def __init__(self, save_dir: Path | str) -> None:
        if OneRunPerProcess.live:
            raise RuntimeError("one run per process: finish the live run before starting another")
        super().__init__(save_dir)
        OneRunPerProcess.live += 1
        self._live = True

    def finalize(self, status: str) -> None:
        super().finalize(status)
        if self._live:
            self._live = False
            OneRunPerProcess.live -= 1


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary directory of the test's own, as the system's for this test."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    RELEASE.clear()
    yield directory
    RELEASE.set()


class TestEndingLoggers:
    def test_loggers_are_finalized_before_their_directories_go(self, private_tmp: Path) -> None:
        """Every logger built is finalized (its background work stops) and nothing is left in the temp dir."""
        BackgroundWork.made.clear()
        report = certify(
            LoggerSubject(BackgroundWork, "tests.test_runner_cleanup:BackgroundWork"),
            only=["logger.property_types", *NO_FINALIZE],
            **FEW,  # type: ignore[arg-type]
        )
        assert report.certified, report.to_json()
        assert len(BackgroundWork.made) >= 3
        assert [logger for logger in BackgroundWork.made if logger._thread.is_alive()] == []
        assert sorted(os.listdir(private_tmp)) == []

    def test_a_hanging_finalize_is_reported_and_the_run_completes(self, private_tmp: Path) -> None:
        """A finalize that never returns is given up after the timeout, reported, and the verdict stands."""
        report = certify(
            LoggerSubject(HangingFinalize, "tests.test_runner_cleanup:HangingFinalize"),
            only=NO_FINALIZE,
            cleanup_timeout=0.2,
            **FEW,  # type: ignore[arg-type]
        )
        (subject,) = report.subjects
        assert [r.status for r in subject.results] == ["passed"]
        assert any("did not return within 0.2 s" in w for w in subject.warnings), subject.warnings
        assert subject.results[0].warnings, "the property's own loggers' cleanups are reported too"
        assert sorted(os.listdir(private_tmp)) == []

    def test_the_cli_prints_the_hang_as_a_warning(self, private_tmp: Path) -> None:
        """The CLI shows the hang as a warning line and still gives the property's verdict."""
        out = io.StringIO()
        status = main(
            ["logger", "tests.test_runner_cleanup:HangingFinalize", "--only", NO_FINALIZE[0], "--profile", "fast",
             "--max-examples", "2", "--cleanup-timeout", "0.2", "--quiet"],
            out=out,
        )  # fmt: skip
        text = out.getvalue()
        assert status == 0, text
        assert "warning: tests.test_runner_cleanup:HangingFinalize: ending the logger: HangingFinalize's finalize/close did not return within 0.2 s" in text

    def test_errors_while_ending_are_reported_not_failing(self, private_tmp: Path) -> None:
        """A finalize that raises while the suite ends a logger is reported; the property's verdict is kept."""
        report = certify(
            LoggerSubject(RaisingFinalize, "tests.test_runner_cleanup:RaisingFinalize"), only=NO_FINALIZE, **FEW  # type: ignore[arg-type]
        )
        (result,) = report.subjects[0].results
        assert result.status == "passed"
        assert any(
            "RaisingFinalize.finalize('success') raised RuntimeError: the backend is gone" in w for w in result.warnings
        ), result.warnings

    def test_a_backend_with_one_run_per_process_is_certified(self, private_tmp: Path) -> None:
        """Loggers are built one at a time, each finalized before the next: a one-run-per-process backend passes."""
        OneRunPerProcess.live = 0
        report = certify(
            LoggerSubject(OneRunPerProcess, "tests.test_runner_cleanup:OneRunPerProcess"),
            # Every logger property but the state machine (its settings are fixed, so it is slow; it holds
            # one logger per run, built in __init__ and ended in teardown).
            only=[p.id for p in all_properties("logger") if p.id != "aggregation.state_machine"],
            **FEW,  # type: ignore[arg-type]
        )
        failures = [(r.id, r.message) for r in report.subjects[0].results if r.status == "failed"]
        assert failures == []
        assert report.certified
        assert OneRunPerProcess.live == 0
