"""The pytest suite classes take a class, a function or a staticmethod as their factory (what the suite
calls is checked when it runs: mypy binds a function set in a class body, so no narrower type takes all three)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

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


class TestPlainFunction(conformance.LoggerSuite):
    factory = build  # a function set in the class body: the suite calls it unbound


def build_collection(loggers: Iterable[Any]) -> impl.LoggerCollection:
    return impl.LoggerCollection(loggers)


class TestCollectionFunction(conformance.CollectionSuite):
    factory = build_collection
