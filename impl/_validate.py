"""One error vocabulary: every public entry point checks its input here before changing any state.

Wrong types raise ``TypeError``; wrong values raise ``ValueError``. Every message starts with the
argument's name and, for nested mappings, the key path (``metrics['d']['x']``).
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Mapping
from typing import Any, Final, cast

__all__ = [
    "accept_metrics",
    "check_agg_funcs",
    "check_callable",
    "check_metrics",
    "check_status",
    "check_step",
    "describe",
    "is_metric_value",
    "snapshot",
]


# The common metrics: a plain dict of str to plain floats and ints. Checking their types in C, with
# no per-value Python call, is what keeps the hot paths (agg_and_log_metrics, LoggerCollection)
# cheap; anything else takes the full check, which gives the same verdict and the messages.
_STR: Final = frozenset({str})
_NUMBERS: Final = frozenset({float, int})


def describe(value: Any) -> str:
    """A short ``repr`` of ``value`` and its type, for error messages."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def is_metric_value(value: object) -> bool:
    """True for a real number: int, float, bool, numpy real scalars, or a 0-d array or tensor."""
    if type(value) is float or type(value) is int:  # the common case, without an ABC check
        return True
    if isinstance(value, numbers.Real):
        return True
    # 0-d numpy arrays and torch tensors are not numbers.Real but convert to float exactly.
    return getattr(value, "shape", None) == () and hasattr(value, "__float__") and not isinstance(value, complex)


def check_metrics(metrics: object, arg: str = "metrics") -> None:
    """Raise ``TypeError`` unless ``metrics`` maps ``str`` to real numbers or to nested such mappings."""
    plain = cast("dict[str, Any]", metrics)  # (only when the next line checks that it is one)
    if type(plain) is dict and _STR.issuperset(map(type, plain)) and _NUMBERS.issuperset(map(type, plain.values())):
        return
    if not isinstance(metrics, Mapping):
        raise TypeError(f"{arg} must be a mapping of str to numbers, got {describe(metrics)}")
    # The casts (no-ops) are for pyright, whose strict mode rejects the Mapping[Unknown, Unknown] that
    # isinstance narrows to.
    for key, value in cast("Mapping[object, object]", metrics).items():
        if type(key) is not str:
            raise TypeError(f"{arg}: key {key!r} must be a str, got {type(key).__name__}")
        if is_metric_value(value):
            continue
        if isinstance(value, Mapping):
            check_metrics(cast(object, value), f"{arg}[{key!r}]")
            continue
        raise TypeError(f"{arg}[{key!r}] must be a real number or a mapping, got {describe(value)}")


def snapshot(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of checked ``metrics`` whose nested mappings are copied too, so later changes by the
    caller cannot alter what was accepted."""
    plain = cast("dict[str, Any]", metrics)  # (only when the next line checks that it is one)
    if type(plain) is dict and _NUMBERS.issuperset(map(type, plain.values())):
        return dict(plain)  # nothing nested: the same as the comprehension below, in C
    return {k: snapshot(cast("Mapping[str, Any]", v)) if isinstance(v, Mapping) else v for k, v in metrics.items()}


def accept_metrics(metrics: object, arg: str = "metrics") -> dict[str, Any]:
    """:func:`check_metrics`, then :func:`snapshot`: the copy of ``metrics`` a logger keeps, taken
    when it is checked (one pass over the common metrics instead of two)."""
    plain = cast("dict[str, Any]", metrics)  # (only when the next line checks that it is one)
    if type(plain) is dict and _STR.issuperset(map(type, plain)) and _NUMBERS.issuperset(map(type, plain.values())):
        return dict(plain)
    check_metrics(metrics, arg)
    return snapshot(plain)


def check_step(step: object, arg: str = "step") -> int | None:
    """Return ``step`` as an ``int`` (or ``None``); raise ``TypeError`` for anything else.

    Integral numpy scalars are accepted and converted; ``bool`` is rejected because ``True`` as a
    step is always a mistake.
    """
    if step is None or type(step) is int:
        return step
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise TypeError(f"{arg} must be an int or None, got {describe(step)}")
    return operator.index(step)


def check_status(status: object, arg: str = "status") -> None:
    """Raise ``TypeError`` unless ``status`` is a ``str``."""
    if not isinstance(status, str):
        raise TypeError(f"{arg} must be a str such as 'success', got {describe(status)}")


def check_callable(fn: object, arg: str) -> None:
    """Raise ``TypeError`` unless ``fn`` is callable."""
    if not callable(fn):
        raise TypeError(f"{arg} must be callable, got {describe(fn)}")


def check_agg_funcs(agg_key_funcs: object, arg: str = "agg_key_funcs", *, nested: bool = True) -> None:
    """Raise ``TypeError`` unless ``agg_key_funcs`` is ``None`` or maps keys to callables (or,
    when ``nested``, to nested such mappings)."""
    if agg_key_funcs is None:
        return
    if not isinstance(agg_key_funcs, Mapping):
        raise TypeError(f"{arg} must be a mapping of metric names to functions, got {describe(agg_key_funcs)}")
    for key, fn in cast("Mapping[object, object]", agg_key_funcs).items():  # (cast: as in check_metrics)
        path = f"{arg}[{key!r}]"
        if nested and isinstance(fn, Mapping):
            check_agg_funcs(cast(object, fn), path)
        elif not callable(fn):
            raise TypeError(f"{path} must be callable, got {describe(fn)}")

