"""loggerspec's contract: Protocols and ABCs for experiment loggers, with no behaviour.

Each member's docstring states its contract as testable sentences; ``Checked by:`` names the
``conformance`` property that enforces each sentence.
"""

from spec._aggregation import AggregatingLogger, AggregatingLoggerABC
from spec._collection import Collection
from spec._logger import CoreLogger, Logger, LoggerABC
from spec._merge import AggKeyFuncs, AggregationFunction, MergeFunction, NestedAggKeyFuncs
from spec._rank import AbsorbingExperiment, ExperimentDecorator, RankGate, RankSource

__all__ = [
    "AbsorbingExperiment",
    "AggKeyFuncs",
    "AggregatingLogger",
    "AggregatingLoggerABC",
    "AggregationFunction",
    "Collection",
    "CoreLogger",
    "ExperimentDecorator",
    "Logger",
    "LoggerABC",
    "MergeFunction",
    "NestedAggKeyFuncs",
    "RankGate",
    "RankSource",
]
