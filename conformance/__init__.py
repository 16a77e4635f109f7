"""loggerspec's conformance suite: Hypothesis properties that certify any logger, merge function,
collection or rank gate against the contract in :mod:`spec`.

Three ways in: ``python -m conformance`` (the CLI), the pytest suite classes
(:class:`LoggerSuite` and friends), and :func:`certify` from Python. A :class:`Harness` reads back
what a logger persisted (shipped ones: :mod:`conformance.harnesses`).
"""

from conformance import strategies
from conformance._catalogue import all_properties
from conformance._core import (
    CollectionSubject,
    ConformanceFailure,
    LoggerSubject,
    MergeSubject,
    NotApplicable,
    Property,
    RankSubject,
    Subject,
)
from conformance._harness import SHIPPED_HARNESSES, Harness, ReadBack
from conformance._profiles import DEFAULT_PROFILE, PROFILES
from conformance._report import SCHEMA, PropertyResult, Report, SubjectReport
from conformance._runner import certify
from conformance._suites import CollectionSuite, LoggerSuite, MergeSuite, RankSuite

__all__ = [
    "CollectionSubject",
    "CollectionSuite",
    "ConformanceFailure",
    "DEFAULT_PROFILE",
    "Harness",
    "LoggerSubject",
    "LoggerSuite",
    "MergeSubject",
    "MergeSuite",
    "NotApplicable",
    "PROFILES",
    "Property",
    "PropertyResult",
    "RankSubject",
    "RankSuite",
    "ReadBack",
    "Report",
    "SCHEMA",
    "SHIPPED_HARNESSES",
    "Subject",
    "SubjectReport",
    "all_properties",
    "certify",
    "strategies",
]
