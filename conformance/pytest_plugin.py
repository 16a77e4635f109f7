"""The pytest plugin (entry point ``loggerspec``): options for the suite classes, and a summary of opt-outs.

Options: ``--conformance-profile``, ``--conformance-max-examples``, ``--conformance-level``.
"""

from __future__ import annotations

from typing import Any

from conformance._core import LEVELS
from conformance._profiles import PROFILES
from conformance._suites import OPTED_OUT_ATTRIBUTE

__all__ = ["pytest_addoption", "pytest_terminal_summary"]


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("loggerspec", "loggerspec conformance suites")
    group.addoption("--conformance-profile", choices=sorted(PROFILES), default=None, help="Hypothesis profile for the suites")
    group.addoption("--conformance-max-examples", type=int, default=None, help="examples per property")
    group.addoption("--conformance-level", choices=LEVELS, default=None, help="run core properties only, or strict")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    opted_out = getattr(terminalreporter.config, OPTED_OUT_ATTRIBUTE, [])
    if opted_out:
        terminalreporter.section("loggerspec conformance: opted-out properties")
        for suite, property_id, reason in opted_out:
            terminalreporter.write_line(f"{suite}: {property_id} -- {reason}")
