"""One error vocabulary: every public entry point checks its input here before changing any state.

Wrong types raise ``TypeError``; wrong values raise ``ValueError``. Every message starts with the
argument's name and, for nested mappings, the key path (``metrics['d']['x']``); a key or value is
quoted by a ``repr`` cut to at most 80 characters, so a message stays short whatever the input.

Accepted means loggable: a metric value passes :func:`is_metric_value` only if every part of impl
can merge, log and store it (a real number; an int within numpy's int64/uint64 range), and nested
input passes only within :data:`MAX_DEPTH` levels and without a mapping that contains itself.
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, TypeGuard, cast

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "MAX_DEPTH",
    "accept_metrics",
    "check_agg_funcs",
    "check_callable",
    "check_metrics",
    "check_params",
    "check_status",
    "check_step",
    "describe",
    "is_mapping",
    "is_metric_value",
    "is_plain_metrics",
    "short_repr",
    "snapshot",
]

MAX_DEPTH: Final = 32
"""How deeply metrics, hyperparameters and ``agg_key_funcs`` may nest: a dict is level 1, a dict
(or, in hyperparameters, a list or tuple) inside it level 2, and so on. Deeper input, or a mapping
that contains itself, raises ``ValueError`` naming the argument and key path."""

_NUMBERS: Final = frozenset({float, int})
_INT_LOW: Final = -(2**63)  # the ints accepted as metric values: what numpy's int64 and uint64 hold,
_INT_HIGH: Final = 2**64  # so numpy.mean never overflows on them (on larger ints it overflows or raises)
_REAL_KINDS: Final = frozenset("biuf")  # numpy dtype kinds of real numbers: bool, int, uint, float
_MAX_REPR: Final = 80


def short_repr(value: Any, limit: int = _MAX_REPR) -> str:
    """``repr(value)``, cut to at most ``limit`` characters (ending in ``...`` when cut)."""
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the error being reported
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(value: Any) -> str:
    """A short ``repr`` of ``value`` and its type, for error messages."""
    return f"{short_repr(value, 60)} ({type(value).__name__})"


def is_mapping(value: object) -> TypeGuard[Mapping[Any, object]]:
    """``isinstance(value, Mapping)``, typed so that its keys may be anything and its values are
    ``object`` (a bare isinstance leaves both unknown, which pyright's strict mode rejects)."""
    return isinstance(value, Mapping)


def _is_list_or_tuple(value: object) -> TypeGuard[list[object] | tuple[object, ...]]:
    return isinstance(value, (list, tuple))


def _is_dict(value: object) -> TypeGuard[dict[Any, object]]:
    """``type(value) is dict``, typed (narrowing by ``type()`` leaves the items unknown to pyright)."""
    return type(value) is dict


def is_plain_metrics(metrics: object) -> TypeGuard[dict[str, float]]:
    """True for the common metrics: a plain ``dict`` of ``str`` keys to plain floats and ints.

    The hot paths (``agg_and_log_metrics``, ``LoggerCollection``) make this check on every call, in
    C with no Python-level call per item: ``str.join`` takes only ``str`` keys, ``map(type, ...)``
    compares the values' types, and when there are ints (rarer than floats) ``min`` and ``max``
    check that they are in range. It accepts nothing that the full check
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
    values = plain.values()
    if operator.countOf(map(type, values), float) == len(plain):
        return True  # all floats: the commonest case
    if not _NUMBERS.issuperset(map(type, values)):
        return False
    # Floats and ints: the ints must lie in [-2**63, 2**64). min and max compare ints and floats
    # exactly; a NaN they return fails both comparisons, so the full check decides then.
    return _INT_LOW <= min(values) and max(values) < _INT_HIGH  # type: ignore[type-var,operator]


def is_metric_value(value: object) -> bool:
    """True for a real number that every part of impl can merge, log and store.

    Accepted: ``bool``; ``int`` from ``-2**63`` to ``2**64 - 1`` (what numpy's int64 and uint64
    hold: beyond, numpy.mean of a run overflows or raises); ``float``; numpy
    real scalars (bool, integer, floating) and 0-d real arrays; other ``numbers.Real`` that
    ``float()`` converts (a ``Fraction``); and a tensor-like of ``shape == ()`` whose ``.item()``
    gives one of the Python numbers above and which numpy reads as a 0-d real array (a CPU tensor
    that does not require grad). Not accepted: complex numbers, ``datetime64``/``timedelta64``,
    0-d str, bytes or object arrays, a tensor-like whose ``.item()`` raises or is not real.
    """
    kind = type(value)
    if kind is float or kind is bool:  # the common cases first, without an isinstance check
        return True
    if kind is int:
        return _INT_LOW <= cast("int", value) < _INT_HIGH
    if isinstance(value, (np.generic, np.ndarray)):
        array = cast("npt.NDArray[Any]", value)  # (a numpy scalar has a shape and dtype too)
        return array.shape == () and array.dtype.kind in _REAL_KINDS
    if isinstance(value, float):
        return True
    if isinstance(value, int):  # an int subclass (an IntEnum)
        return _INT_LOW <= value < _INT_HIGH
    if isinstance(value, numbers.Real):  # a Fraction
        return _fits_float(value)
    return _is_real_tensor(value)


def _fits_float(value: object) -> bool:
    try:
        float(cast("float", value))
    except Exception:  # OverflowError for an int or Fraction past float64's range
        return False
    return True


def _is_real_tensor(value: object) -> bool:
    """A tensor-like: 0-d, ``.item()`` a real Python number, read by numpy as a 0-d real array."""
    try:
        if getattr(value, "shape", None) != ():
            return False
        item = getattr(value, "item", None)
        if not callable(item):
            return False
        result = item()
        if type(result) is int:
            if not _INT_LOW <= result < _INT_HIGH:
                return False
        elif type(result) is not float and type(result) is not bool:
            return False
        array = np.asarray(value)
    except Exception:  # a tensor-like that cannot say what it holds is not a real number
        return False
    return array.shape == () and array.dtype.kind in _REAL_KINDS


def check_metrics(metrics: object, arg: str = "metrics") -> None:
    """Raise unless ``metrics`` maps ``str`` to real numbers or to nested such mappings.

    Raises:
        TypeError: ``metrics`` is not a mapping, a key is not a ``str``, or a value is neither a
            real number (:func:`is_metric_value`) nor a mapping.
        ValueError: the mappings nest deeper than :data:`MAX_DEPTH` levels, or one contains itself.
    """
    if is_plain_metrics(metrics):
        return
    if not is_mapping(metrics):
        raise _not_a_mapping(metrics, arg)
    _check_items(metrics, arg, (id(metrics),))


def _not_a_mapping(metrics: object, arg: str) -> TypeError:
    return TypeError(f"{arg} must be a mapping of str to numbers, got {describe(metrics)}")


def _nesting_error(arg: str, value: object, ancestors: tuple[int, ...]) -> ValueError | None:
    """The error for a nested mapping (or container) at ``arg`` whose ancestors' ids are ``ancestors``, if any."""
    if id(value) in ancestors:
        return ValueError(f"{arg} contains itself (it would nest without end)")
    if len(ancestors) >= MAX_DEPTH:
        return ValueError(f"{arg} is nested deeper than MAX_DEPTH ({MAX_DEPTH}) levels")
    return None


def _check_items(metrics: Mapping[Any, object], arg: str, ancestors: tuple[int, ...]) -> None:
    """The full check of a mapping's keys and values (nested mappings recursively, up to MAX_DEPTH)."""
    for key, value in metrics.items():
        if not isinstance(key, str):
            raise TypeError(f"{arg}: key {short_repr(key)} must be a str, got {type(key).__name__}")
        if is_metric_value(value):
            continue
        path = f"{arg}[{short_repr(key)}]"
        if not is_mapping(value):
            raise TypeError(f"{path} must be a real number or a mapping, got {describe(value)}")
        error = _nesting_error(path, value, ancestors)
        if error is not None:
            raise error
        _check_items(value, path, (*ancestors, id(value)))


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
    _check_items(metrics, arg, (id(metrics),))
    return snapshot(metrics)


def check_params(params: Mapping[Any, object], arg: str = "params") -> None:
    """Raise ``ValueError`` if hyperparameters cannot be stored as given: mappings, lists and tuples
    nested deeper than :data:`MAX_DEPTH` levels, a container that contains itself, or two keys of
    one mapping that are equal once turned into ``str`` (``1`` and ``'1'``)."""
    _check_params(params, arg, (id(params),))


def _check_params(value: object, arg: str, ancestors: tuple[int, ...]) -> None:
    if is_mapping(value):
        keys = list(value)
        if not all(type(key) is str for key in keys):
            seen: dict[str, object] = {}
            for key in keys:
                text = key if isinstance(key, str) else str(key)
                if text in seen:
                    raise ValueError(
                        f"{arg}: keys {short_repr(seen[text])} and {short_repr(key)} are both stored as {short_repr(text)}"
                    )
                seen[text] = key
        children: list[tuple[str, object]] = [(f"{arg}[{short_repr(k)}]", v) for k, v in value.items()]
    elif _is_list_or_tuple(value):
        children = [(f"{arg}[{i}]", v) for i, v in enumerate(value)]
    else:
        return
    for path, child in children:
        if is_mapping(child) or _is_list_or_tuple(child):
            error = _nesting_error(path, child, ancestors)
            if error is not None:
                raise error
            _check_params(child, path, (*ancestors, id(child)))


def check_step(step: object, arg: str = "step") -> int | None:
    """Return ``step`` as an ``int`` (or ``None``); raise ``TypeError`` for anything else.

    Integral numpy scalars are accepted and converted; ``bool`` is rejected because ``True`` as a
    step is always a mistake, and so is a ``timedelta64`` (numpy registers it as an integer).
    """
    if step is None or type(step) is int:
        return step
    if isinstance(step, (bool, np.timedelta64)) or not isinstance(step, numbers.Integral):
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
    """Raise unless ``agg_key_funcs`` is ``None`` or maps keys to callables (or, when ``nested``, to
    nested such mappings).

    Raises:
        TypeError: it is not a mapping, or an entry is neither callable nor (when ``nested``) a mapping.
        ValueError: the mappings nest deeper than :data:`MAX_DEPTH` levels, or one contains itself.
    """
    if agg_key_funcs is None:
        return
    if not is_mapping(agg_key_funcs):
        raise TypeError(f"{arg} must be a mapping of metric names to functions, got {describe(agg_key_funcs)}")
    _check_funcs(agg_key_funcs, arg, nested, (id(agg_key_funcs),))


def _check_funcs(funcs: Mapping[Any, object], arg: str, nested: bool, ancestors: tuple[int, ...]) -> None:
    for key, fn in funcs.items():
        path = f"{arg}[{short_repr(key)}]"
        if nested and is_mapping(fn):
            error = _nesting_error(path, fn, ancestors)
            if error is not None:
                raise error
            _check_funcs(fn, path, nested, (*ancestors, id(fn)))
        elif not callable(fn):
            raise TypeError(f"{path} must be callable, got {describe(fn)}")
