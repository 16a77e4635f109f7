"""--jobs: properties in worker processes give a sequential run's verdicts, in registration order."""

from __future__ import annotations

import io
from typing import Any

import pytest

from conformance import LoggerSubject, MergeSubject, Report, all_properties, certify
from conformance.__main__ import main
from tests.broken.merges import like_1_5
from tests.conftest import Tier
from tests.test_runner_cleanup import RaisingFinalize


def _verdicts(report: Report) -> list[tuple[Any, ...]]:
    return [
        (r.id, r.status, r.examples, r.message, r.falsifying_example, r.replay, r.reason, r.warnings)
        for s in report.subjects
        for r in s.results
    ]


class TestJobs:
    def test_two_jobs_give_the_sequential_verdicts_in_order(self, tier: Tier) -> None:
        """A broken merge certified with jobs=2 gets exactly the sequential run's results, in registration order."""
        subject = MergeSubject(like_1_5, "tests.broken.merges:like_1_5")
        # (The fast tier does not shrink: most of the 30 s the failures took. The workers are forked, so
        # they have the profile this test registers.)
        profile = tier.rejection_profile()
        sequential = certify(subject, profile=profile, max_examples=20)
        parallel = certify(subject, profile=profile, max_examples=20, jobs=2)
        assert [r.id for r in parallel.subjects[0].results] == [p.id for p in all_properties("merge")]
        assert _verdicts(parallel) == _verdicts(sequential)
        assert parallel.verdict == "failed"

    def test_cleanup_warnings_come_back_from_the_workers(self) -> None:
        """Problems ending loggers in a worker are reported as in a sequential run."""
        subject = LoggerSubject(RaisingFinalize, "tests.test_runner_cleanup:RaisingFinalize")
        only = ["logger.log_metrics_no_mutation", "logger.hyperparams_dict_and_namespace"]
        report = certify(subject, only=only, profile="fast", max_examples=3, jobs=2)
        (result, _) = report.subjects[0].results
        assert any("RaisingFinalize.finalize('success') raised RuntimeError" in w for w in result.warnings)

    def test_the_cli_takes_jobs(self) -> None:
        """--jobs N runs from the command line; a bad N is a usage error."""
        out = io.StringIO()
        assert main(["merge", "impl:merge_dicts", "--max-examples", "5", "--jobs", "2", "--quiet"], out=out) == 0
        assert "CERTIFIED at level strict: 12 passed, 0 failed" in out.getvalue()
        with pytest.raises(ValueError, match="jobs must be at least 1"):
            certify(MergeSubject(like_1_5, "x:y"), jobs=0)
