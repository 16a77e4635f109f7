"""Every property rejects at least one deliberately broken implementation, and the reference passes them all."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import conformance
import tests.broken
from conformance._catalogue import all_properties
from tests.broken import Broken


def _broken() -> list[Broken]:
    found: list[Broken] = []
    for info in pkgutil.iter_modules(tests.broken.__path__):
        found.extend(importlib.import_module(f"tests.broken.{info.name}").BROKEN)
    return found


BROKEN = _broken()


class TestBrokenImplementations:
    @pytest.mark.parametrize("broken", BROKEN, ids=[f"{b.property_id}:{b.subject.target.rpartition(':')[2]}" for b in BROKEN])
    def test_the_property_written_for_it_rejects_it(self, broken: Broken) -> None:
        """The broken implementation fails the property it was written to break."""
        report = conformance.certify(broken.subject, only=[broken.property_id], profile="ci", max_examples=200)
        (result,) = report.subjects[0].results
        assert result.status == "failed", f"{broken.why}: {result}"
        assert result.message

    def test_every_property_is_tripped_by_some_broken_implementation(self) -> None:
        """No registered property is left without a broken implementation that it rejects."""
        tripped = {b.property_id for b in BROKEN}
        untested = [p.id for p in all_properties() if p.id not in tripped]
        assert untested == []
