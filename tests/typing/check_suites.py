"""The pytest suite classes take a logger class, a collection class or a function as their factory."""

from __future__ import annotations

from pathlib import Path

import conformance
import impl


class TestJsonl(conformance.LoggerSuite):
    factory = impl.JsonlLogger  # a class whose constructor takes the directory


class TestInMemory(conformance.LoggerSuite):
    factory = impl.InMemoryLogger
    rank_object = impl.rank_zero_only


class TestBuilt(conformance.LoggerSuite):
    @staticmethod
    def factory(directory: Path) -> impl.JsonlLogger:
        return impl.JsonlLogger(directory, name="built")


def build(directory: Path) -> impl.JsonlLogger:
    return impl.JsonlLogger(directory)


class TestFunction(conformance.LoggerSuite):
    factory = staticmethod(build)


class TestCollection(conformance.CollectionSuite):
    factory = impl.LoggerCollection


class TestMerge(conformance.MergeSuite):
    merge = impl.merge_dicts


class TestRank(conformance.RankSuite):
    decorator = impl.rank_zero_experiment


class NeedsAnInt:
    def __init__(self, x: int) -> None: ...


# Rejected: a factory that cannot be called with the directory (a Path).
class TestWrongFactory(conformance.LoggerSuite):
    factory = NeedsAnInt  # type: ignore[assignment]
