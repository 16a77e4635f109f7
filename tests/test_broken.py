"""Every property rejects at least one deliberately broken implementation, and the reference passes them all.

The fast tier runs each broken implementation that its property rejects within
:data:`FAST_MAX_EXAMPLES` examples, derandomized like the ci profile, and without shrinking the
failing example (``tests.conftest.FAST_PROFILE``; the aggregation state machine shrinks anyway: it
has settings of its own); :data:`SLOW` lists the others. The exhaustive tier
(``--exhaustive``) runs every one of them at the ci profile with 200 examples, shrinking included.
``python -m tests.test_broken`` measures every broken implementation the fast tier's way and prints
what :data:`SLOW` should be.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import time
from collections.abc import Iterator

import pytest

import conformance
import impl
import tests.broken
from conformance import all_properties
from tests.broken import Broken
from tests.broken.round3 import ESCAPES
from tests.conftest import FAST_PROFILE, Tier, fast_profile


def _broken() -> list[Broken]:
    found: list[Broken] = []
    for info in pkgutil.iter_modules(tests.broken.__path__):
        found.extend(importlib.import_module(f"tests.broken.{info.name}").BROKEN)
    return found


BROKEN = _broken()

FAST_MAX_EXAMPLES = 25
"""Examples per property in the fast tier."""
FAST_CPU_SECONDS = 0.25
"""A broken implementation whose rejection costs more CPU than this, measured the fast tier's way, is SLOW."""

SLOW = {
    "aggregation.metrics_not_shared:AggPopsFirstKey",  # 0.25 s
    "aggregation.runs_logged_once:BoundaryOffByOne",  # 0.26 s
    "aggregation.runs_logged_once:MeanBySumOverLen",  # 0.36 s
    "aggregation.runs_logged_once:NanMean",  # not rejected
    "aggregation.runs_logged_once:SingleRunIntsAsFloats",  # 0.28 s
    "aggregation.state_machine:FuncsAtCallTime",  # 0.28 s
    "collection.fan_out:AddsStepInPlace",  # not rejected
    "collection.fan_out:FlattensNestedMetrics",  # not rejected
    "collection.fan_out:ForwardsFloats",  # not rejected
    "logger.lifecycle_any_order:SaveTwiceRaises",  # not rejected
    "logger.log_metrics_no_mutation:EpochMadeIntInPlace",  # not rejected
    "logger.log_metrics_no_mutation:NanZeroedInPlace",  # not rejected
    "logger.log_metrics_no_mutation:PopsStepKeys",  # not rejected
    "logger.nothing_written_off_rank_zero:PositiveRankFileLogger",  # not rejected
    "logger.rejects_bad_input:BoolStepTaken",  # 0.27 s
    "logger.rejects_bad_input:NumpyComplexTaken",  # not rejected
    "merge.numpy_mean_exact:float64_mean",  # not rejected
    "merge.result_keys:drops_nan_results",  # not rejected
    "merge.values_in_order:sorted_values",  # not rejected
}


def _id(broken: Broken) -> str:
    return f"{broken.property_id}:{broken.subject.target.rpartition(':')[2]}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "broken" in metafunc.fixturenames:
        chosen = BROKEN if metafunc.config.getoption("--exhaustive") else [b for b in BROKEN if _id(b) not in SLOW]
        metafunc.parametrize("broken", chosen, ids=[_id(b) for b in chosen])


class TestBrokenImplementations:
    def test_the_property_written_for_it_rejects_it(self, broken: Broken, tier: Tier) -> None:
        """The broken implementation fails the property it was written to break."""
        profile, max_examples = tier.rejection_profile(), tier.pick(FAST_MAX_EXAMPLES, 200)
        report = conformance.certify(broken.subject, only=[broken.property_id], profile=profile, max_examples=max_examples)
        (result,) = report.subjects[0].results
        hint = "" if profile == "ci" else f" (in the fast tier: if it needs more examples, list {_id(broken)!r} in SLOW)"
        assert result.status == "failed", f"{broken.why}: {result}{hint}"
        assert result.message

    def test_every_property_is_tripped_by_some_broken_implementation(self) -> None:
        """No registered property is left without a broken implementation that it rejects."""
        tripped = {b.property_id for b in BROKEN}
        untested = [p.id for p in all_properties() if p.id not in tripped]
        assert untested == []

    def test_the_fast_tier_trips_every_property(self) -> None:
        """Every property keeps a broken implementation in the fast tier, and SLOW names only broken ones."""
        fast = {b.property_id for b in BROKEN if _id(b) not in SLOW}
        assert [p.id for p in all_properties() if p.id not in fast] == []
        assert sorted(SLOW - {_id(b) for b in BROKEN}) == []


@pytest.mark.exhaustive
class TestKnownEscapes:
    @pytest.mark.parametrize("escape", ESCAPES, ids=[_id(b) for b in ESCAPES])
    def test_still_escapes(self, escape: Broken) -> None:
        """A known escape (tests/broken/round3.py: ESCAPES) is still certified by its property: once a
        strengthened property rejects it, it belongs in BROKEN."""
        report = conformance.certify(escape.subject, only=[escape.property_id], profile="ci", max_examples=200)
        assert report.subjects[0].results[0].status == "passed", f"{escape.why}: now rejected, move it to BROKEN"


def _measure() -> Iterator[tuple[str, str, float]]:
    """Each broken implementation certified the fast tier's way: its id, verdict and CPU seconds."""
    conformance.PROFILES[FAST_PROFILE] = fast_profile()  # (this process only: the tests register it per test)
    for name in impl.RANK_ENV_VARS:
        os.environ.pop(name, None)
    for broken in BROKEN:
        del impl.rank_zero_only.rank
        started = time.process_time()
        report = conformance.certify(
            broken.subject, only=[broken.property_id], profile=FAST_PROFILE, max_examples=FAST_MAX_EXAMPLES
        )
        yield _id(broken), report.subjects[0].results[0].status, time.process_time() - started


if __name__ == "__main__":
    measured = list(_measure())
    cheapest: dict[str, tuple[float, str]] = {}
    for key, status, seconds in measured:
        print(f"{seconds:7.3f} s  {status:6s}  {key}", flush=True)
        property_id = key.rpartition(":")[0]
        if status == "failed" and seconds < cheapest.get(property_id, (float("inf"), ""))[0]:
            cheapest[property_id] = (seconds, key)
    kept = {key for _, key in cheapest.values()}
    print("SLOW = {")
    for key, status, seconds in sorted(measured):
        if key not in kept and (status != "failed" or seconds > FAST_CPU_SECONDS):
            print(f'    "{key}",  # {"not rejected" if status != "failed" else f"{seconds:.2f} s"}')
    print("}")
