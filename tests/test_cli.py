"""The command line: exit statuses, failure reports with replays, and the JSON report."""

from __future__ import annotations

import io
import warnings
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

import pytest

import impl
from conformance import SCHEMA, MergeSubject, Report, certify
from conformance.__main__ import main
from tests.conftest import Tier

ROOT = Path(__file__).resolve().parents[1]
BROKEN = "tests.broken.merges:like_1_5"


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, out.getvalue()


class TestExitStatus:
    def test_certified_subject_exits_0(self) -> None:
        """A subject that passes every property selected exits 0 and says CERTIFIED."""
        status, text = run("merge", "impl:merge_dicts", "--max-examples", "10")
        assert status == 0
        assert "CERTIFIED at level strict: 12 passed, 0 failed" in text

    def test_failing_subject_exits_1_with_example_and_replay(self) -> None:
        """A failing property exits 1 and prints the contract, the minimal example and a replay command."""
        status, text = run("merge", BROKEN, "--only", "merge.all_none_key_skipped")
        assert status == 1
        assert "FAILED merge.all_none_key_skipped on tests.broken.merges:like_1_5" in text
        assert "minimal falsifying example: ([{'ghost': None}], [('ghost',)])" in text
        assert "replay:   python -m conformance merge tests.broken.merges:like_1_5 --only merge.all_none_key_skipped" in text

    def test_the_printed_replay_command_reproduces_the_failure(self) -> None:
        """Running the printed replay line fails again on the same minimal example."""
        _, text = run("merge", BROKEN, "--only", "merge.mismatched_nesting", "--seed", "7")
        replay = next(line.split("replay:", 1)[1].strip() for line in text.splitlines() if "replay:" in line)
        assert "--reproduce" in replay and "--seed 7" in replay
        words = replay.split()
        assert words[:3] == ["python", "-m", "conformance"]
        out = subprocess.run([sys.executable, *words[1:]], cwd=ROOT, capture_output=True, text=True, check=False)
        assert out.returncode == 1, out.stderr
        assert "FAILED merge.mismatched_nesting" in out.stdout

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["merge", "nosuchmodule:fn"], "cannot import module 'nosuchmodule'"),
            (["merge", "impl:nosuch"], "module 'impl' has no attribute 'nosuch'"),
            (["merge", "impl"], "must be of the form module:attribute"),
            (["merge", "impl:RANK_ENV_VARS"], "must be callable"),
            (["merge"], "give both KIND and TARGET"),
            (["merge", "impl:merge_dicts", "--only", "merge.nonexistent"], "unknown property id 'merge.nonexistent'"),
        ],
    )
    def test_unloadable_subject_or_bad_usage_exits_2(
        self, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A subject that cannot be loaded, or a wrong usage, exits 2 with a message saying why."""
        status, _ = run(*argv)
        assert status == 2
        assert message in capsys.readouterr().err

    def test_unknown_kind_exits_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        """An unknown KIND is a usage error (exit 2)."""
        assert run("bogus", "impl:merge_dicts")[0] == 2


def overflowing_merge(dicts: Any, agg_key_funcs: Any = None, default_func: Any = np.mean) -> dict[str, Any]:
    """impl's merge_dicts, after a numpy overflow (a RuntimeWarning) on every call."""
    np.add.reduce(np.array([1e308, 1e308]))
    return impl.merge_dicts(dicts, agg_key_funcs, default_func)


class TestWarnings:
    def test_runtime_warnings_of_the_subject_are_not_printed(self) -> None:
        """numpy's RuntimeWarnings on drawn inputs do not appear among the results (nor on stderr)."""
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "merge", "tests.test_cli:overflowing_merge", "--only", "merge.dispatch",
             "--max-examples", "5", "--quiet"],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "CERTIFIED" in done.stdout
        assert "RuntimeWarning" not in done.stdout + done.stderr

    def test_other_warnings_of_the_subject_are_left_alone(self) -> None:
        """A UserWarning raised by the subject is not swallowed."""

        def noisy(dicts: Any, agg_key_funcs: Any = None, default_func: Any = np.mean) -> dict[str, Any]:
            warnings.warn("from the subject", UserWarning, stacklevel=2)
            return impl.merge_dicts(dicts, agg_key_funcs, default_func)

        with pytest.warns(UserWarning, match="from the subject"):
            certify(MergeSubject(noisy, "noisy"), profile="fast", max_examples=3, only=["merge.dispatch"])


class TestReport:
    def test_json_report_records_settings_versions_and_results(self, tmp_path: Path, tier: Tier) -> None:
        """--report-json writes the documented schema, and Report.from_dict reads it back."""
        path = tmp_path / "report.json"
        # (The fast tier certifies two properties, the exhaustive one every merge property: 10 s of CPU.)
        only = tier.pick(["--only", "merge.empty_input", "--only", "merge.dispatch"], [])
        status, _ = run("merge", BROKEN, "--max-examples", "20", "--report-json", str(path), *only)
        data = json.loads(path.read_text())
        assert status == 1
        assert (data["schema"], data["verdict"], data["level"], data["profile"], data["max_examples"]) == (
            SCHEMA, "failed", "strict", "ci", 20,
        )  # fmt: skip
        assert {"python", "hypothesis", "numpy", "attrs", "loggerspec"} <= set(data["versions"])
        (subject,) = data["subjects"]
        statuses = {r["id"]: r["status"] for r in subject["results"]}
        assert statuses["merge.empty_input"] == "failed" and statuses["merge.dispatch"] == "passed"
        assert Report.from_dict(data).to_dict() == data

    def test_list_names_every_property(self) -> None:
        """--list prints every property id with its kind, level and contract sentence."""
        status, text = run("--list")
        assert status == 0
        assert "merge.associative_on_disjoint_keys" in text and "core" in text
