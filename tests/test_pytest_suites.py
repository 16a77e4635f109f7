"""The pytest way in: suite classes give one test per property, opt-outs need reasons and are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import all_properties

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


class TestSuites:
    def test_a_suite_class_runs_one_test_per_property(self, pytester: pytest.Pytester) -> None:
        """Subclassing MergeSuite with a merge function gives one passing test per merge property."""
        pytester.makepyfile(
            test_it="""
            import conformance, impl

            class TestReference(conformance.MergeSuite):
                merge = impl.merge_dicts
                max_examples = 5
            """
        )
        result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
        result.assert_outcomes(passed=len(all_properties("merge")))

    def test_failures_report_the_contract_example_and_replay(self, pytester: pytest.Pytester) -> None:
        """A failing property fails its test with the contract sentence, the minimal example and a replay line."""
        pytester.makepyfile(
            test_it="""
            import conformance
            from tests.broken.merges import like_1_5

            class TestBroken(conformance.MergeSuite):
                merge = like_1_5
                max_examples = 50
            """
        )
        pytester.syspathinsert(Path(__file__).resolve().parents[1])
        result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider", "-k", "all_none")
        result.assert_outcomes(failed=1)
        text = result.stdout.str()
        assert "merge.all_none_key_skipped: A key whose values are all None must be left out" in text
        assert "minimal falsifying example: ([{'ghost': None}], [('ghost',)])" in text
        assert "replay: python -m conformance merge tests.broken.merges:like_1_5 --only merge.all_none_key_skipped" in text

    def test_opt_outs_need_a_reason_and_are_listed(self, pytester: pytest.Pytester) -> None:
        """An opt-out with a reason is skipped and listed in the summary; one without a reason fails."""
        pytester.makepyfile(
            test_it="""
            import conformance, impl

            class TestReasoned(conformance.MergeSuite):
                merge = impl.merge_dicts
                max_examples = 5
                opt_out = {"merge.empty_input": "our callers never merge nothing"}

            class TestSilent(conformance.MergeSuite):
                merge = impl.merge_dicts
                max_examples = 5
                opt_out = {"merge.first_seen_order": " "}
            """
        )
        result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider", "-k", "empty_input or first_seen")
        result.assert_outcomes(passed=2, skipped=1, failed=1)
        result.stdout.fnmatch_lines(
            [
                "*opting out of a property needs a reason*",
                "*loggerspec conformance: opted-out properties*",
                "*TestReasoned: merge.empty_input -- our callers never merge nothing*",
            ]
        )

    def test_an_unknown_opt_out_is_an_error(self, pytester: pytest.Pytester) -> None:
        """An opt_out naming no property of the suite's kind fails the suite's tests, as certify() refuses it."""
        pytester.makepyfile(
            test_it="""
            import conformance, impl

            class TestTypo(conformance.MergeSuite):
                merge = impl.merge_dicts
                max_examples = 5
                opt_out = {"merge.no_such_property": "typo"}
            """
        )
        result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider", "-k", "empty_input")
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(["*TestTypo.opt_out names 'merge.no_such_property', not a merge property*"])

    def test_the_replay_line_names_the_rank_object(self, pytester: pytest.Pytester) -> None:
        """A LoggerSuite's failure replays with --rank-object naming the suite's rank object as MODULE:ATTR."""
        pytester.makepyfile(
            test_it="""
            import conformance, impl
            from tests.broken.loggers import AcceptsAnything

            class TestLoose(conformance.LoggerSuite):
                factory = AcceptsAnything
                rank_object = impl.rank_zero_only
                max_examples = 5
            """
        )
        pytester.syspathinsert(Path(__file__).resolve().parents[1])
        result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider", "-k", "rejects_bad_input")
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(
            ["*replay: python -m conformance logger tests.broken.loggers:AcceptsAnything --rank-object impl._rank:rank_zero_only --only*"]
        )

    def test_the_example_third_party_logger_certifies_from_pytest(self, pytester: pytest.Pytester) -> None:
        """examples/test_my_logger.py certifies a logger defined outside the package, every property passing or n/a."""
        pytester.syspathinsert(EXAMPLES)
        for name in ("my_logger.py", "test_my_logger.py"):
            pytester.makepyfile(**{name[:-3]: (EXAMPLES / name).read_text()})
        result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider", "--conformance-max-examples", "10", "-rs")
        outcomes = result.parseoutcomes()
        assert outcomes.get("failed", 0) == 0
        assert outcomes.get("passed", 0) + outcomes.get("skipped", 0) == len(all_properties("logger"))
