"""conformance.certify returns a typed report; subjects take the callables they document."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, assert_type

import conformance
import impl


def in_memory(path: Path) -> impl.InMemoryLogger:
    return impl.InMemoryLogger(path)


merge_subject = conformance.MergeSubject(impl.merge_dicts, "impl:merge_dicts")
logger_subject = conformance.LoggerSubject(in_memory, "in_memory", impl.rank_zero_only)
collection_subject = conformance.CollectionSubject(impl.LoggerCollection)
rank_subject = conformance.RankSubject(impl.rank_zero_experiment, impl.rank_zero_only)

report = conformance.certify(merge_subject, logger_subject, level="core", profile="fast", only=["merge.dispatch"])
assert_type(report, conformance.Report)
assert_type(report.certified, bool)
assert_type(report.level, Literal["core", "strict"])
assert_type(report.seed, int | None)
assert_type(report.versions, dict[str, str])
assert_type(report.subjects, tuple[conformance.SubjectReport, ...])
assert_type(report.subjects[0].failures, tuple[conformance.PropertyResult, ...])
assert_type(report.subjects[0].kind, Literal["merge", "logger", "collection", "rank"])
result = report.subjects[0].results[0]
assert_type(result, conformance.PropertyResult)
assert_type(result.status, Literal["passed", "failed", "not_applicable", "opted_out"])
assert_type(result.falsifying_example, str | None)
assert_type(report.to_dict(), dict[str, Any])
assert_type(report.to_json(), str)
assert_type(conformance.Report.from_dict(report.to_dict()), conformance.Report)
assert_type(conformance.all_properties("merge"), list[conformance.Property])
assert_type(conformance.SCHEMA, str)

# Rejected: an unknown level, and a subject that is not a subject.
conformance.certify(merge_subject, level="lenient")  # type: ignore[arg-type]
conformance.certify(impl.merge_dicts)  # type: ignore[arg-type]
