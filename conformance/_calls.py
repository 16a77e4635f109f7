"""Journaling the calls made on a logger, so that a failure message says which calls led to it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance._core import ConformanceFailure

# Not listed: each name would be a new string literal, and Hypothesis draws from the literals of
# local source (DEVELOPERS.md): the ci profile's examples stay those of before the layering.
__all__: list[str] = []


def render_call(method: str, args: tuple[Any, ...] = (), kwargs: Mapping[str, Any] | None = None) -> str:
    """``method(arg, ..., name=value)`` with reprs, as a failure message shows a call."""
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in (kwargs or {}).items()]
    return f"{method}({', '.join(parts)})"


class CallLog:
    """The calls made on one logger, in order; :meth:`run` makes one and turns an exception into a
    :class:`ConformanceFailure` that lists the calls made."""

    def __init__(self, logger: Any) -> None:
        self.logger = logger
        self.made: list[str] = []

    def note(self, text: str) -> None:
        """Journal ``text`` (a call made some other way)."""
        self.made.append(text)

    def run(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``logger.method(*args, **kwargs)``; any exception is a failure (the input is valid)."""
        text = render_call(method, args, kwargs)
        self.made.append(text)
        try:
            return getattr(self.logger, method)(*args, **kwargs)
        except Exception as error:
            raise ConformanceFailure(
                f"{text} raised {type(error).__name__}: {error} (the call is valid and must not raise); "
                f"calls made: {self}"
            ) from error

    def __str__(self) -> str:
        return "; ".join(self.made) if self.made else "(none)"
