"""Shared fixtures: every test starts with no explicit rank and none of the rank variables set."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import impl


@pytest.fixture(autouse=True)
def _clean_rank(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in impl.RANK_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    del impl.rank_zero_only.rank
    yield
    del impl.rank_zero_only.rank


pytest_plugins = ["pytester"]
