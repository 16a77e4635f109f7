"""The Hypothesis settings profiles shipped with the suite."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final, cast

from hypothesis import HealthCheck, Phase, settings

__all__ = [
    "DEFAULT_PROFILE",
    "PROFILES",
    "derandomized",
    "in_force",
    "max_examples_of",
    "phases_of",
    "profile_settings",
    "settings_in_force",
    "source_independent_draws",
]

# No example database: verdicts must not depend on what an earlier run left in the directory.
# No deadline: loggers touch disk, and shared CI machines are noisy.
# No explain phase: its notes (which parts of a minimal example may vary) are never reported, and it
# reruns a failing test up to 500 times after shrinking, on fresh loggers: 362 s of a 364 s run of
# logger.rejects_bad_input on SwanLab's logger. Verdicts do not change; a minimal example may (its
# random variations sometimes found a smaller one), and each failure's message says what matters.
_COMMON: Final = {
    "database": None,
    "deadline": None,
    "phases": tuple(p for p in Phase if p is not Phase.explain),
    "print_blob": True,
    "report_multiple_bugs": False,
    "suppress_health_check": (HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example),
}

PROFILES: Final = {
    "fast": settings(max_examples=25, **_COMMON),  # type: ignore[arg-type]
    "ci": settings(max_examples=100, derandomize=True, **_COMMON),  # type: ignore[arg-type]
    "thorough": settings(max_examples=1000, **_COMMON),  # type: ignore[arg-type]
}
"""``fast`` for a quick look, ``ci`` (derandomized: the same verdict every run) and ``thorough``."""

DEFAULT_PROFILE: Final = "ci"

for _name, _settings in PROFILES.items():
    settings.register_profile(f"loggerspec-{_name}", _settings)


# Typed reads of a settings object: Hypothesis 6.170's settings attributes are partially unknown to
# pyright (strict), which flags every use.
def max_examples_of(chosen: settings) -> int:
    """``chosen.max_examples``."""
    return cast(int, getattr(chosen, "max_examples"))


def derandomized(chosen: settings) -> bool:
    """``chosen.derandomize``."""
    return cast(bool, getattr(chosen, "derandomize"))


def phases_of(chosen: settings) -> tuple[Phase, ...]:
    """``chosen.phases``."""
    return tuple(cast("tuple[Phase, ...]", getattr(chosen, "phases")))


def profile_settings(profile: str, max_examples: int | None = None, seed: int | None = None) -> settings:
    """The settings of ``profile``, with ``max_examples`` if given; a ``seed`` turns derandomizing off.

    Raises:
        ValueError: ``profile`` is not one of :data:`PROFILES` (the message lists them).
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, got {profile!r}")
    chosen = PROFILES[profile]
    if max_examples is not None:
        if max_examples < 1:
            raise ValueError(f"max_examples must be at least 1, got {max_examples}")
        chosen = settings(chosen, max_examples=max_examples)
    if seed is not None:
        chosen = settings(chosen, derandomize=False)
    return chosen


@contextmanager
def source_independent_draws() -> Generator[None, None, None]:
    """Within the block, Hypothesis draws nothing from the literals of local source.

    Hypothesis (6.1xx) sometimes draws a constant found in the source of the local modules loaded so
    far (not site-packages). That set changes with what else a process happened to import (a test
    run's order, pytest-xdist's workers, the caller's own project), so a derandomized run's examples,
    and the verdict on a subject that breaks a sentence rarely, would change with it. A verdict must
    depend on the subject, the suite and the settings only: the local set is empty here. Hypothesis'
    built-in constants are still drawn. (Its internals, read defensively: if they move, draws stay
    as Hypothesis makes them.)
    """
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants

        original = providers._get_local_constants
        cache = providers.CONSTANTS_CACHE.cache
    except (ImportError, AttributeError):  # pragma: no cover - another Hypothesis
        yield
        return
    empty = Constants()
    providers._get_local_constants = lambda: empty
    cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.clear()


_IN_FORCE: ContextVar[settings | None] = ContextVar("loggerspec_settings_in_force", default=None)


def in_force() -> settings | None:
    """The settings of the property run in progress (``None`` outside one): for a check that runs
    Hypothesis itself (the aggregation state machine), so ``--max-examples`` and the profile reach it."""
    return _IN_FORCE.get()


@contextmanager
def settings_in_force(chosen: settings) -> Generator[None, None, None]:
    """The block runs with :func:`in_force` giving ``chosen``."""
    token = _IN_FORCE.set(chosen)
    try:
        yield
    finally:
        _IN_FORCE.reset(token)
