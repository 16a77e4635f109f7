"""Shared fixtures, and the two tiers of the suite.

Every test starts with no explicit rank and none of the rank variables set.

``python -m pytest`` runs the fast tier: every part of the product, with fewer examples and, per
property, the broken implementations that it rejects quickly. ``python -m pytest --exhaustive`` runs
the exhaustive tier (CI runs both): every broken implementation against its property at the ci
profile, the full example counts, and the tests marked ``exhaustive`` (long sweeps, the checkers'
separate runs).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

import pytest
from hypothesis import Phase, settings

import conformance
import impl

T = TypeVar("T")

EXHAUSTIVE_OPTION = "--exhaustive"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        EXHAUSTIVE_OPTION,
        action="store_true",
        default=False,
        help="run the exhaustive tier: every broken implementation against its property at the ci profile, "
        "full example counts, and the tests marked exhaustive (about 11 minutes on 2 cores)",
    )


_exhaustive_run = False


def pytest_configure(config: pytest.Config) -> None:
    global _exhaustive_run
    config.addinivalue_line("markers", f"exhaustive: runs only in the exhaustive tier ({EXHAUSTIVE_OPTION})")
    _exhaustive_run = bool(config.getoption(EXHAUSTIVE_OPTION))


def examples(fast: int, exhaustive: int) -> int:
    """An example count for a Hypothesis ``@settings`` decorator, by tier: test modules are imported
    after ``pytest_configure`` (in each pytest-xdist worker too), so this can be called at import."""
    return exhaustive if _exhaustive_run else fast


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption(EXHAUSTIVE_OPTION):
        return
    kept = [item for item in items if item.get_closest_marker("exhaustive") is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item.get_closest_marker("exhaustive")])
        items[:] = kept


FAST_PROFILE = "loggerspec-tests-fast"
"""The fast tier's profile for runs that must fail: the ci profile (derandomized) without the shrink
and explain phases. Such a test asks whether the property rejects the subject, not for the minimal
example, and shrinking is most of its cost (6-7 s of CPU for a broken collection.fan_out, against
0.02 s to find the failure)."""


def fast_profile() -> settings:
    """The settings of :data:`FAST_PROFILE`."""
    return settings(conformance.PROFILES["ci"], phases=(Phase.explicit, Phase.reuse, Phase.generate))


class Tier:
    """The tier of this run, for the tests that run less in the fast one."""

    def __init__(self, exhaustive: bool, monkeypatch: pytest.MonkeyPatch) -> None:
        self.exhaustive = exhaustive
        self._monkeypatch = monkeypatch

    def pick(self, fast: T, exhaustive: T) -> T:
        """``exhaustive`` in the exhaustive tier, ``fast`` in the fast one."""
        return exhaustive if self.exhaustive else fast

    def rejection_profile(self) -> str:
        """The profile for a run that must fail: ``ci``, or in the fast tier :data:`FAST_PROFILE`
        (registered in ``conformance.PROFILES`` for this test only)."""
        if self.exhaustive:
            return "ci"
        self._monkeypatch.setitem(conformance.PROFILES, FAST_PROFILE, fast_profile())
        return FAST_PROFILE


@pytest.fixture
def tier(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Tier:
    """This run's tier: ``tier.pick(fast, exhaustive)``, ``tier.rejection_profile()``."""
    return Tier(bool(request.config.getoption(EXHAUSTIVE_OPTION)), monkeypatch)


@pytest.fixture(autouse=True)
def _clean_rank(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in impl.RANK_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    del impl.rank_zero_only.rank
    yield
    del impl.rank_zero_only.rank


pytest_plugins = ["pytester"]
