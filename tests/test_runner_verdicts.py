"""Verdicts that never mislead: a subject that cannot be used, one of the wrong kind, a run that
checked nothing, a logger without close, an unwritable report and replay lines from certify()
each say so (issue 11; the commands are docs/property-inputs.md's "never mislead" table)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from collections.abc import Callable
from typing import Any

import pytest

import impl
from hypothesis import strategies as st

from conformance import PROFILES, SCHEMA, LoggerSubject, MergeSubject, PropertyResult, RankSubject, Report, certify
from conformance._core import ConformanceFailure, NotApplicable, Property
from conformance._runner import run_property
from conformance.__main__ import main
from tests.broken.merges import like_1_5
from tests.test_runner_cleanup import StandIn

FEW = ["--profile", "fast", "--max-examples", "3", "--quiet"]


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, out.getvalue()


class NeedsAProject(StandIn):
    """A logger whose constructor needs a second argument."""

    def __init__(self, save_dir: Path | str, project: str) -> None:
        super().__init__(save_dir)
        self.project = project


def neptune_like(directory: Path) -> Any:
    """A factory whose integration does not import (as Neptune's under Lightning 2.6.6)."""
    raise ImportError("cannot import name 'NeptuneLogger' from 'lightning.pytorch.loggers'")


def not_a_logger(directory: Path) -> Any:
    """A factory that returns something without log_metrics."""
    return {"directory": directory}


class TestUnusableSubjects:
    def test_a_constructor_needing_more_than_a_directory(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        """One line naming the exception, with a hint to write a factory; exit 2; the JSON says unusable."""
        path = tmp_path / "r.json"
        status, text = run("logger", "tests.test_runner_verdicts:NeedsAProject", "--report-json", str(path), *FEW)
        err = capsys.readouterr().err
        assert status == 2
        assert "error: tests.test_runner_verdicts:NeedsAProject: the factory raised TypeError:" in err
        assert "its constructor needs more than a directory: also project" in err
        assert "def make(directory): return NeedsAProject(directory, ...)" in err
        assert "Traceback" not in err + text
        data = json.loads(path.read_text())
        assert data["verdict"] == "unusable"
        (subject,) = data["subjects"]
        assert subject["verdict"] == "unusable" and subject["results"] == []
        assert subject["error"].startswith("the factory raised TypeError:")
        assert Report.from_dict(data).to_dict() == data

    def test_a_factory_raising_import_error(self) -> None:
        """certify() reports the factory's ImportError as the subject's error, without a hint, and runs nothing."""
        report = certify(LoggerSubject(neptune_like, "tests.test_runner_verdicts:neptune_like"), profile="fast")
        (subject,) = report.subjects
        assert (report.verdict, subject.verdict, subject.results) == ("unusable", "unusable", ())
        assert subject.error == (
            "the factory raised ImportError: cannot import name 'NeptuneLogger' from 'lightning.pytorch.loggers'"
        )
        assert not report.certified

    def test_a_factory_returning_no_logger(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A factory whose result has no log_metrics is refused before the run."""
        status, _ = run("logger", "tests.test_runner_verdicts:not_a_logger", *FEW)
        assert status == 2
        assert "which has no log_metrics: not a logger factory" in capsys.readouterr().err

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["merge", "impl:InMemoryLogger"], "it looks like a logger or a logger collection (it has log_metrics), not a merge function"),
            (["logger", "impl:merge_dicts"], "it looks like a merge function"),
            (["rank", "impl:InMemoryLogger"], "not a rank decorator: give it as KIND logger"),
            (["collection", "impl:merge_dicts"], "not a collection factory: give it as KIND merge"),
            (["logger", "impl:rank_zero_experiment"], "it looks like a rank decorator"),
            (["logger", "impl:LoggerCollection"], "it looks like a logger collection, give it as KIND collection"),
        ],
    )  # fmt: skip
    def test_a_subject_of_the_wrong_kind(self, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
        """A subject given as the wrong KIND is refused before the run, naming the kind it looks like; exit 2."""
        status, text = run(*argv, *FEW)
        assert status == 2
        assert message in capsys.readouterr().err
        assert "PASS" not in text and "FAIL" not in text

    @pytest.mark.parametrize(
        "subject",
        [
            MergeSubject(impl.merge_dicts, "impl:merge_dicts"),
            LoggerSubject(impl.InMemoryLogger, "impl:InMemoryLogger"),
            LoggerSubject(impl.JsonlLogger, "impl:JsonlLogger"),
            RankSubject(impl.rank_zero_experiment, impl.rank_zero_only, "impl:rank_zero_experiment"),
        ],
        ids=lambda s: s.target,
    )
    def test_real_subjects_are_not_refused(self, subject: Any) -> None:
        """impl's subjects of each kind pass the probe (the kind heuristics stay conservative)."""
        report = certify(subject, only=["merge.empty_input", "logger.property_types", "rank.result_on_rank_zero"], profile="fast")
        assert report.subjects[0].error is None


class TestNothingChecked:
    @pytest.mark.parametrize(
        "argv",
        [
            ["merge", "impl:merge_dicts", "--only", "logger.property_types"],
            ["logger", "tests.broken.round3:NoClose", "--only", "logger.persisted_read_back"],
        ],
    )
    def test_a_run_that_checked_nothing_is_not_certified(self, argv: list[str], tmp_path: Path) -> None:
        """No property ran (all n/a, or --only naming another kind's): the CLI says so and exits 2, the JSON too."""
        path = tmp_path / "r.json"
        status, text = run(*argv, "--report-json", str(path), *FEW)
        assert status == 2
        assert "CERTIFIED" not in text.replace("NOT CERTIFIED", "")
        assert "nothing was checked" in text
        data = json.loads(path.read_text())
        assert data["verdict"] == "nothing_checked" and data["subjects"][0]["verdict"] == "nothing_checked"


class TestProtocol:
    def test_a_logger_without_close_is_certified_as_core_logger(self, tmp_path: Path) -> None:
        """The verdict line and the JSON name spec.CoreLogger for a logger without close."""
        path = tmp_path / "r.json"
        status, text = run("logger", "tests.broken.round3:NoClose", "--only", "logger.protocol_conformance",
                           "--report-json", str(path), *FEW)  # fmt: skip
        assert status == 0
        assert "CERTIFIED as spec.CoreLogger only (it has no close) at level strict" in text
        assert json.loads(path.read_text())["subjects"][0]["protocol"] == "spec.CoreLogger"

    def test_a_logger_with_close_is_certified_as_logger(self) -> None:
        """A logger with close is certified as spec.Logger, the full 1.5 contract."""
        status, text = run("logger", "impl:InMemoryLogger", "--only", "logger.protocol_conformance", *FEW)
        assert status == 0
        assert "CERTIFIED as spec.Logger at level strict" in text


class TestFrontEnds:
    def test_an_unwritable_report_path_fails_before_the_run(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--report-json to a path that cannot be written exits 2 before any property runs."""
        status, text = run("merge", "impl:merge_dicts", "--only", "merge.empty_input",
                           "--report-json", "/nonexistent/dir/report.json")  # fmt: skip
        assert status == 2
        assert "--report-json /nonexistent/dir/report.json: cannot be written" in capsys.readouterr().err
        assert text == ""

    def test_a_writable_report_path_is_left_alone_before_the_run(self, tmp_path: Path) -> None:
        """Checking the path does not leave a file behind when the run does not write one."""
        path = tmp_path / "r.json"
        status, _ = run("merge", "impl:merge_dicts", "--only", "merge.nonexistent", "--report-json", str(path))
        assert status == 2
        assert not path.exists()

    def test_replay_from_certify_is_the_exact_command(self) -> None:
        """certify()'s replay line names the subject's target, not a placeholder."""
        report = certify(MergeSubject(like_1_5, "tests.broken.merges:like_1_5"), only=["merge.all_none_key_skipped"])
        replay = report.subjects[0].results[0].replay
        assert replay is not None
        assert replay.startswith("python -m conformance merge tests.broken.merges:like_1_5 --only merge.all_none_key_skipped")

    def test_replay_names_the_rank_object_and_a_python_objects_name(self) -> None:
        """Without a module:attribute target, the replay names the callable; the rank object is named too."""
        from tests.broken.loggers import AcceptsAnything

        report = certify(LoggerSubject(AcceptsAnything, rank_source=impl.rank_zero_only), only=["logger.rejects_bad_input"])
        replay = report.subjects[0].results[0].replay
        assert replay is not None
        assert replay.startswith(
            "python -m conformance logger tests.broken.loggers:AcceptsAnything --rank-object impl._rank:rank_zero_only"
        )

    def test_help_shows_the_exit_statuses(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--help lists what each exit status means."""
        status, _ = run("--help")
        text = capsys.readouterr().out
        assert status == 0
        assert "exit status:" in text
        assert "1  a property failed" in text and "no property ran" in text

    def test_list_filtered_by_kind(self) -> None:
        """--list KIND lists that kind's properties only."""
        status, text = run("--list", "rank")
        ids = [line.split()[0] for line in text.splitlines()]
        assert status == 0
        assert ids and all(i.startswith("rank.") or i == "logger.nothing_written_off_rank_zero" for i in ids)
        assert "merge.empty_input" not in ids

    def test_schema_one_reports_still_read(self) -> None:
        """A report written with schema /1 (no error, protocol, warnings) is still read."""
        data = certify(MergeSubject(impl.merge_dicts, "impl:merge_dicts"), only=["merge.empty_input"]).to_dict()
        assert data["schema"] == SCHEMA == "loggerspec-conformance/2"
        old = {**data, "schema": "loggerspec-conformance/1", "subjects": [
            {k: v for k, v in s.items() if k not in ("error", "protocol", "warnings")} for s in data["subjects"]
        ]}  # fmt: skip
        for s in old["subjects"]:
            s["results"] = [{k: v for k, v in r.items() if k != "warnings"} for r in s["results"]]
        assert Report.from_dict(old).subjects[0].results[0].status == "passed"


class TestNotApplicableEndsTheRun:
    def test_the_first_not_applicable_ends_the_checking_unshrunk(self) -> None:
        """A check that finds the sentence does not apply on its third example is not called again, and
        the result says so after 3 examples (raised into Hypothesis, it was shrunk as a failure)."""
        calls: list[Any] = []

        def check(subject: Any, example: Any) -> None:
            calls.append(example)
            if len(calls) == 3:
                raise NotApplicable("the subject has no such thing")

        prop = Property("merge.example", "merge", "core", "A sentence.", check, lambda s: st.integers())
        result = run_property(prop, MergeSubject(impl.merge_dicts), PROFILES["ci"])
        assert (result.status, result.reason, result.examples, len(calls)) == (
            "not_applicable",
            "the subject has no such thing",
            3,
            3,
        )


class TestDiagnosis:
    @staticmethod
    def _run(check: Callable[[Any, Any], None], diagnose: Callable[[Any], str | None]) -> PropertyResult:
        prop = Property("merge.example", "merge", "core", "A sentence.", check, lambda s: st.integers(), diagnose)
        return run_property(prop, MergeSubject(impl.merge_dicts), PROFILES["ci"])

    @staticmethod
    def _fails(subject: Any, example: Any) -> None:
        raise ConformanceFailure("it broke")

    def test_a_failure_gets_the_diagnosis_once(self) -> None:
        """After a failed run the property's diagnosis is asked once and added to the message."""
        asked: list[Any] = []

        def diagnose(subject: Any) -> str | None:
            asked.append(subject)
            return "it also does that"

        result = self._run(self._fails, diagnose)
        assert (result.status, result.message, len(asked)) == ("failed", "it broke; it also does that", 1)

    def test_a_pass_asks_for_no_diagnosis(self) -> None:
        """A passing run never asks for the diagnosis."""
        asked: list[Any] = []

        def diagnose(subject: Any) -> str | None:
            asked.append(subject)
            return "x"

        result = self._run(lambda subject, example: None, diagnose)
        assert (result.status, asked) == ("passed", [])

    def test_a_diagnosis_that_raises_keeps_the_verdict(self) -> None:
        """A diagnosis that raises leaves the failure and its message, saying the diagnosis raised."""

        def diagnose(subject: Any) -> str | None:
            raise OSError("disk gone")

        result = self._run(self._fails, diagnose)
        assert result.status == "failed"
        assert result.message == "it broke; (the diagnosis after the failure raised OSError: disk gone)"


class TestTheStateMachineTakesTheRunsExamples:
    def test_sequences_scale_with_max_examples(self) -> None:
        """aggregation.state_machine runs at least 1.5 sequences per example of the run, each on a fresh
        logger (Hypothesis also counts a few it gives up on), so --max-examples reaches it."""

        def sequences(max_examples: int) -> int:
            built: list[Path] = []

            def factory(directory: Path) -> impl.InMemoryLogger:
                built.append(directory)
                return impl.InMemoryLogger(directory)

            subject = LoggerSubject(factory, "tests:counted")
            report = certify(subject, only=["aggregation.state_machine"], max_examples=max_examples)
            assert report.subjects[0].results[0].status == "passed"
            return len(built) - 1  # (the factory is called once before the run, to see that it can be used)

        few, more = sequences(2), sequences(10)
        assert 3 <= few < 15 <= more < 150, (few, more)
