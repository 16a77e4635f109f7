"""spec.Collection accepts LoggerCollection; pins what indexing, iterating and experiment give."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, assert_type

import impl
import spec


def fan_out(collection: spec.Collection) -> None:
    """Training code that takes a collection of loggers."""


members: list[spec.Logger] = [impl.InMemoryLogger(), impl.DummyLogger()]
collection = impl.LoggerCollection(members)
fan_out(collection)
as_collection: spec.Collection = collection
as_logger: spec.Logger = collection

assert_type(collection.experiment, list[Any])
assert_type(collection[0], spec.Logger)
assert_type(collection[-1].experiment, Any)
assert_type(collection[:1], tuple[spec.Logger, ...])
assert_type(iter(collection), Iterator[spec.Logger])
assert_type(len(collection), int)
assert_type(collection.name, str)
assert_type(collection.version, str)
assert_type(collection.save_dir, str | None)
assert_type(impl.LoggerCollection(iter(members)), impl.LoggerCollection)

# DummyLogger stands in for a collection: indexing gives the dummy itself.
assert_type(impl.DummyLogger()[0], impl.DummyLogger)
assert_type(impl.DummyLogger()[0][1].experiment, impl.DummyExperiment)
assert_type(impl.DummyLogger().experiment.add_image("x"), impl.DummyExperiment)


def spec_collection(collection: spec.Collection) -> None:
    assert_type(collection[0], spec.Logger)
    assert_type(collection.experiment, list[Any])
    for member in collection:
        assert_type(member, spec.Logger)


# Rejected: a single logger is not a collection, and a collection takes loggers, not anything.
fan_out(impl.InMemoryLogger())  # type: ignore[arg-type]
fan_out(impl.DummyLogger())  # type: ignore[arg-type]
impl.LoggerCollection([object()])  # type: ignore[list-item]
impl.LoggerCollection(impl.InMemoryLogger())  # type: ignore[arg-type]
