"""How the suite watches a logger it did not write: fresh instances in fresh directories, and a
spy on ``log_metrics`` (everything a logger emits goes through it, by spec's definition of *log*)."""

from __future__ import annotations

import copy
import inspect
import shutil
import tempfile
from collections.abc import Callable, Generator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from conformance._core import ConformanceFailure, LoggerSubject, NotApplicable

# (argument_reader and has_close are not listed: a new string literal changes what Hypothesis draws; DEVELOPERS.md.)
__all__ = ["Emitted", "fresh_logger", "require_methods", "spy_log_metrics"]

Emitted = list[tuple[Any, Any]]
"""The ``(step, metrics)`` pairs a logger's ``log_metrics`` received, metrics deep-copied."""


@contextmanager
def fresh_logger(subject: LoggerSubject) -> Generator[tuple[Any, Path], None, None]:
    """A new logger from ``subject.factory`` in a new empty directory, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="loggerspec-"))
    try:
        try:
            logger = subject.factory(path)
        except Exception as error:
            raise ConformanceFailure(f"the factory raised {type(error).__name__}: {error}") from error
        yield logger, path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def has_close(subject: LoggerSubject) -> bool:
    """True when the subject's loggers have a ``close`` method (Lightning 2.x loggers do not)."""
    with fresh_logger(subject) as (logger, _):
        return callable(getattr(logger, "close", None))


_NO_SUCH_METHOD = "loggerspec_probe_no_logger_has_this"


def _has_method(logger: Any, name: str) -> bool:
    """True when ``logger.name`` is a method the logger has: found on the instance or its class, or
    given by a ``__getattr__`` that does not also give a name no logger has (a delegating proxy).

    A ``__getattr__`` that answers every name with a no-op (Lightning 2.x's ``DummyLogger``) gives no
    method by that route: its ``agg_and_log_metrics`` is not the 1.5 API, just absorbed.
    """
    try:
        if not callable(getattr(logger, name, None)):
            return False
        inspect.getattr_static(logger, name)
        return True
    except AttributeError:
        try:
            return not callable(getattr(logger, _NO_SUCH_METHOD, None))
        except Exception:
            return True
    except Exception:
        return False


def require_methods(subject: LoggerSubject, *names: str) -> None:
    """Raise :class:`NotApplicable` unless the subject's loggers have every method in ``names``
    (see :func:`_has_method`: a method only a catch-all ``__getattr__`` answers does not count)."""
    with fresh_logger(subject) as (logger, _):
        missing = [n for n in names if not _has_method(logger, n)]
    if missing:
        raise NotApplicable(f"{type(logger).__name__} has no {', '.join(missing)} (the 2.x API dropped it)")


def argument_reader(fn: Callable[..., Any]) -> Callable[[tuple[Any, ...], dict[str, Any]], tuple[Any, Any]]:
    """Return a reader of ``(metrics, step)`` from a call's arguments, whatever the parameters are named."""
    try:
        params = [
            p
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params] or ["metrics", "step"]

    def read(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
        values = dict(zip(names, args, strict=False))
        values.update(kwargs)
        metrics = values.get(names[0], values.get("metrics"))
        step = values.get(names[1], values.get("step")) if len(names) > 1 else values.get("step")
        return metrics, step

    return read


def spy_log_metrics(logger: Any) -> Emitted:
    """Wrap ``logger.log_metrics`` on the instance; return the list the wrapper appends
    ``(step, deep copy of metrics)`` to, before calling the original."""
    original = logger.log_metrics
    read = argument_reader(original)
    emitted: Emitted = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        metrics, step = read(args, kwargs)
        emitted.append((step, copy.deepcopy(metrics)))
        return original(*args, **kwargs)

    try:
        logger.log_metrics = spy
    except (AttributeError, TypeError) as error:
        raise NotApplicable(f"cannot observe {type(logger).__name__}.log_metrics: {error}") from error
    return emitted
