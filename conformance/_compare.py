"""Comparing values exactly, as the properties compare what a subject gave with what it must give:
NaN equal to NaN, and, where a sentence says so, the same types and the same key order."""

from __future__ import annotations

import math
from typing import Any, TypeGuard

# Not listed: each name would be a new string literal, and Hypothesis draws from the literals of
# local source (DEVELOPERS.md): the ci profile's examples stay those of before the layering.
__all__: list[str] = []


def is_dict(value: object) -> TypeGuard[dict[Any, Any]]:
    """True when ``value`` is a dict."""
    # (A TypeGuard, not isinstance: pyright (strict) types an isinstance-narrowed dict as dict[Unknown, Unknown].)
    return isinstance(value, dict)


def is_list(value: object) -> TypeGuard[list[Any]]:
    """True when ``value`` is a list."""
    # (As is_dict: pyright (strict) types an isinstance-narrowed list as list[Unknown].)
    return isinstance(value, list)


def is_tuple(value: object) -> TypeGuard[tuple[Any, ...]]:
    """True when ``value`` is a tuple."""
    # (As is_dict: pyright (strict) types an isinstance-narrowed tuple as tuple[Unknown, ...].)
    return isinstance(value, tuple)


def as_dict(value: object) -> dict[Any, Any] | None:
    """``value`` if it is a dict, else ``None``."""
    return value if is_dict(value) else None


def same(a: Any, b: Any) -> bool:
    """Equality that treats NaN as equal to NaN, recursively."""
    x, y = as_dict(a), as_dict(b)
    if x is not None and y is not None:
        return set(x) == set(y) and all(same(x[k], y[k]) for k in x)
    try:
        if math.isnan(a) and math.isnan(b):
            return True
    except TypeError:
        pass
    return bool(a == b)


def same_typed(got: Any, want: Any) -> bool:
    """``want`` (a dict of dicts and values) with values of the same types, NaN equal to NaN."""
    x, y = as_dict(got), as_dict(want)
    if x is not None and y is not None:
        return set(x) == set(y) and all(same_typed(x[k], y[k]) for k in y)
    return type(got) is type(want) and same(got, want)


def identical(a: object, b: object) -> bool:
    """Same keys in the same order, and leaves of the same type and value (NaN equal to NaN)."""
    x, y = as_dict(a), as_dict(b)
    if x is not None and y is not None:
        return list(x) == list(y) and all(identical(x[k], y[k]) for k in x)
    return type(a) is type(b) and same(a, b)
