"""One error vocabulary: every public entry point checks its input here before changing any state.

Wrong types raise ``TypeError``; wrong values raise ``ValueError``. Every message starts with the
argument's name and, for nested mappings, the key path (``metrics['d']['x']``).
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Mapping
from typing import Any, Final, TypeGuard, cast

__all__ = [
    "accept_metrics",
    "check_agg_funcs",
    "check_callable",
    "check_metrics",
    "check_status",
    "check_step",
    "describe",
    "is_mapping",
    "is_metric_value",
    "is_plain_metrics",
    "snapshot",
]

_NUMBERS: Final = frozenset({float, int})


def describe(value: Any) -> str:
    """A short ``repr`` of ``value`` and its type, for error messages."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def is_mapping(value: object) -> TypeGuard[Mapping[Any, object]]:
    """``isinstance(value, Mapping)``, typed so that its keys may be anything and its values are
    ``object`` (a bare isinstance leaves both unknown, which pyright's strict mode rejects)."""
    return isinstance(value, Mapping)


def _is_dict(value: object) -> TypeGuard[dict[Any, object]]:
    """``type(value) is dict``, typed (narrowing by ``type()`` leaves the items unknown to pyright)."""
    return type(value) is dict


def is_plain_metrics(metrics: object) -> TypeGuard[dict[str, float]]:
    """True for the common metrics: a plain ``dict`` of ``str`` keys to plain floats and ints.

    The hot paths (``agg_and_log_metrics``, ``LoggerCollection``) make this check on every call, in
    C with no Python-level call per item: ``str.join`` takes only ``str`` keys, and ``map(type,
    ...)`` compares the values' types. It accepts nothing that the full check
    (:func:`check_metrics`) rejects; what it does not accept takes the full check, which gives the
    verdict and the message.
    """
    if type(metrics) is not dict:
        return False
    plain = cast("dict[Any, object]", metrics)  # (narrowing by type() leaves the items unknown to pyright)
    try:
        "".join(plain)  # raises TypeError at the first key that is not a str (runs no code of the key's)
    except TypeError:
        return False
    return _NUMBERS.issuperset(map(type, plain.values()))


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
    if is_plain_metrics(metrics):
        return
    if not is_mapping(metrics):
        raise _not_a_mapping(metrics, arg)
    _check_items(metrics, arg)


def _not_a_mapping(metrics: object, arg: str) -> TypeError:
    return TypeError(f"{arg} must be a mapping of str to numbers, got {describe(metrics)}")


def _check_items(metrics: Mapping[Any, object], arg: str) -> None:
    """The full check of a mapping's keys and values (nested mappings recursively)."""
    for key, value in metrics.items():
        if not isinstance(key, str):
            raise TypeError(f"{arg}: key {key!r} must be a str, got {type(key).__name__}")
        if is_metric_value(value):
            continue
        if not is_mapping(value):
            raise TypeError(f"{arg}[{key!r}] must be a real number or a mapping, got {describe(value)}")
        _check_items(value, f"{arg}[{key!r}]")


def snapshot(metrics: Mapping[Any, object]) -> dict[str, Any]:
    """A copy of checked ``metrics`` whose nested mappings are copied too, so later changes by the
    caller cannot alter what was accepted."""
    if _is_dict(metrics) and _NUMBERS.issuperset(map(type, metrics.values())):
        return dict(metrics)  # nothing nested: the same as the comprehension below, in C
    return {k: snapshot(v) if is_mapping(v) else v for k, v in metrics.items()}


def accept_metrics(metrics: object, arg: str = "metrics") -> dict[str, Any]:
    """:func:`check_metrics`, then :func:`snapshot`: the copy of ``metrics`` a logger keeps, taken
    when it is checked (the common metrics are checked and copied in C)."""
    if is_plain_metrics(metrics):
        return metrics.copy()
    if not is_mapping(metrics):
        raise _not_a_mapping(metrics, arg)
    _check_items(metrics, arg)
    return snapshot(metrics)


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
    if not is_mapping(agg_key_funcs):
        raise TypeError(f"{arg} must be a mapping of metric names to functions, got {describe(agg_key_funcs)}")
    for key, fn in agg_key_funcs.items():
        path = f"{arg}[{key!r}]"
        if nested and is_mapping(fn):
            check_agg_funcs(fn, path)
        elif not callable(fn):
            raise TypeError(f"{path} must be callable, got {describe(fn)}")
