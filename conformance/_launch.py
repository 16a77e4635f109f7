"""What a launcher sets: simulating a rank, and changing the environment, each undone exactly.

- :func:`at_rank` sets the rank object's ``rank`` only (what the rank gate's sentences are about:
  "setting ``rank`` must take effect for every later gated call").
- :func:`launched_at` sets what a launcher (``torchrun``, SLURM, Lightning's own) sets for a
  process of that rank: the rank object and the environment variables of :func:`launcher_environment`,
  so that a logger that reads the environment (at construction, say) is judged as in a real job.
- :func:`environment` sets and unsets variables for a block.

Each puts back exactly what was there: a variable that was unset is unset again, and the rank
object's setting is restored (or removed) as it was, even when the block raises.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Generator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from typing import Any, Final, cast

from conformance._core import ConformanceFailure

__all__ = [
    "IGNORED_VARIABLES",
    "LAUNCHER_VARIABLES",
    "RANK_VARIABLES",
    "at_rank",
    "environment",
    "launched_at",
    "launcher_environment",
    "object_state",
]

RANK_VARIABLES: Final = ("RANK", "SLURM_PROCID", "LOCAL_RANK")
"""The variables a rank object reads, in :class:`spec.RankSource`'s order (pytorch_lightning 1.5.10's)."""

IGNORED_VARIABLES: Final = ("JSM_NAMESPACE_RANK", "NODE_RANK", "GROUP_RANK")
"""Rank-like variables a launcher may set that :class:`spec.RankSource` does not read (Lightning 2.x
reads ``JSM_NAMESPACE_RANK`` after the three; 1.5.10 does not)."""

LAUNCHER_VARIABLES: Final = ("RANK", "LOCAL_RANK", "SLURM_PROCID", "JSM_NAMESPACE_RANK", "WORLD_SIZE")
"""What :func:`launched_at` sets: every variable either Lightning line reads for the rank, and the world size."""

_MISSING: Any = object()


def launcher_environment(rank: int) -> dict[str, str]:
    """The variables a launcher sets in the process of global rank ``rank``, on one node: every rank
    variable holds ``rank`` (``RANK``, ``LOCAL_RANK``, ``SLURM_PROCID``, ``JSM_NAMESPACE_RANK``) and
    ``WORLD_SIZE`` is ``abs(rank) + 1``, the smallest world that has that rank."""
    given = {name: str(rank) for name in LAUNCHER_VARIABLES if name != "WORLD_SIZE"}
    return {**given, "WORLD_SIZE": str(abs(rank) + 1)}


@contextmanager
def environment(values: Mapping[str, str | None]) -> Generator[None, None, None]:
    """Set each variable of ``values`` (``None``: unset it) for the block, then put back exactly what
    was there: the old value, or no variable."""
    before = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def object_state(source: Any) -> Callable[[], None]:
    """Return a function that puts ``source``'s instance state back as it is now: its ``__dict__``
    exactly (entries added since removed, changed ones put back) and the values of its ``__slots__``."""
    state: dict[str, Any] | None = getattr(source, "__dict__", None)
    saved = dict(state) if isinstance(state, dict) else None
    slots: dict[str, Any] = {}
    for klass in type(cast(object, source)).__mro__:
        names: Any = vars(klass).get("__slots__", ())
        for name in (names,) if isinstance(names, str) else names:
            if name not in ("__dict__", "__weakref__"):
                found: object = vars(klass).get(name)
                if hasattr(type(found), "__get__") and hasattr(type(found), "__set__"):
                    member: Any = found
                    try:
                        slots[name] = (member, member.__get__(source, type(source)))
                    except AttributeError:
                        slots[name] = (member, _MISSING)

    def restore() -> None:
        if isinstance(state, dict) and saved is not None:
            state.clear()
            state.update(saved)
        for member, value in slots.values():
            with suppress(AttributeError):
                if value is _MISSING:
                    member.__delete__(source)
                else:
                    member.__set__(source, value)

    return restore


def _restorer(source: Any) -> Callable[[], None]:
    """Return a function that puts ``source``'s rank setting back as it is now.

    - A ``rank`` property backed by a private ``_rank`` (impl's ``RankZeroOnly``): ``_rank`` is put
      back exactly (``del source.rank`` would drop an explicit setting).
    - A plain attribute (pytorch_lightning's ``rank_zero_only`` function object): the instance's
      own ``rank`` is put back, or removed if it had none.
    - Another ``rank`` descriptor, or no instance dict: the value read now is set again, or the
      attribute deleted if reading it failed.
    """
    # (cast to object: type() of an Any is type[Unknown] to pyright, which strict mode rejects.)
    static: object = inspect.getattr_static(type(cast(object, source)), "rank", None)
    state: dict[str, Any] | None = getattr(source, "__dict__", None)
    if isinstance(static, property) and isinstance(state, dict) and "_rank" in state:
        private = state["_rank"]

        def restore_private() -> None:
            state["_rank"] = private

        return restore_private
    if not hasattr(type(static), "__set__") and isinstance(state, dict):
        own = state.get("rank", _MISSING)

        def restore_own() -> None:
            if own is _MISSING:
                state.pop("rank", None)
            else:
                state["rank"] = own

        return restore_own
    try:
        previous = getattr(source, "rank", _MISSING)
    except Exception:
        previous = _MISSING

    def restore_attribute() -> None:
        # An object that refuses the attribute (a read-only rank) was not changed: nothing to undo.
        with suppress(AttributeError, TypeError):
            if previous is _MISSING:
                del source.rank
            else:
                source.rank = previous

    return restore_attribute


@contextmanager
def at_rank(source: Any, rank: int) -> Generator[None, None, None]:
    """Set ``source.rank = rank`` for the block, then restore the previous state exactly."""
    restore = _restorer(source)
    try:
        try:
            source.rank = rank
        except Exception as error:
            raise ConformanceFailure(
                f"setting the rank object's rank to {rank} raised {type(error).__name__}: {error}"
            ) from error
        yield
    finally:
        restore()


@contextmanager
def launched_at(source: Any, rank: int) -> Generator[None, None, None]:
    """Be the process of rank ``rank`` for the block, as a launcher makes it: the variables of
    :func:`launcher_environment` set and ``source.rank = rank``; then both put back exactly."""
    with ExitStack() as stack:
        stack.enter_context(environment(launcher_environment(rank)))
        stack.enter_context(at_rank(source, rank))
        yield
