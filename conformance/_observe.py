"""How the suite watches a logger it did not write: fresh instances in fresh directories, ended
(finalized, then closed) before their directories go, and a spy on ``log_metrics`` (everything a
logger emits goes through it, by spec's definition of *log*).

A run (:func:`conformance.certify`) opens a :class:`Cleanup` with :func:`cleaning_up`: every logger's
directory is made under the run's one directory, and what went wrong while ending loggers is
collected for the report instead of masking the property's verdict.
"""

from __future__ import annotations

import copy
import functools
import inspect
import shutil
import tempfile
import threading
import warnings
from collections.abc import Callable, Generator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from conformance._core import ConformanceFailure, LoggerSubject, NotApplicable

__all__ = [
    "CLEANUP_TIMEOUT",
    "Cleanup",
    "Emitted",
    "argument_reader",
    "cleaning_up",
    "fresh_logger",
    "has_close",
    "require_methods",
    "spy_log_metrics",
]

Emitted = list[tuple[Any, Any]]
"""The ``(step, metrics)`` pairs a logger's ``log_metrics`` received, metrics deep-copied."""

CLEANUP_TIMEOUT = 30.0
"""Seconds the suite waits for one logger's ``finalize`` and ``close`` before it reports a hang."""


@attrs.define
class Cleanup:
    """How the loggers of one run are ended: where their directories are made (``directory``;
    ``None``: each in its own new temporary directory), how long each logger's ``finalize`` and
    ``close`` may take, and the problems met (read them with :meth:`take_problems`)."""

    directory: Path | None = None
    timeout: float = CLEANUP_TIMEOUT
    problems: list[str] = attrs.field(factory=list[str])
    hung: bool = False
    """A cleanup of this run timed out: later ones are started but hardly waited for."""

    def take_problems(self) -> list[str]:
        """The problems met since the last call, each once, with how many times it happened."""
        counts: dict[str, int] = {}
        for problem in self.problems:
            counts[problem] = counts.get(problem, 0) + 1
        self.problems.clear()
        return [p if n == 1 else f"{p} ({n} times)" for p, n in counts.items()]

    def new_directory(self) -> Path:
        """A new empty directory for one logger."""
        if self.directory is None:
            return Path(tempfile.mkdtemp(prefix="loggerspec-"))
        return Path(tempfile.mkdtemp(prefix="logger-", dir=self.directory))

    def end(self, logger: Any, ended: set[str]) -> bool:
        """Finalize ``logger`` (with ``"success"``, unless a call to ``finalize`` already returned),
        then close it (if it has a callable ``close`` not already called), in a daemon thread;
        wait up to :attr:`timeout` seconds. True when it ended in time."""
        errors: list[str] = []
        name = type(logger).__name__

        def work() -> None:
            steps: list[tuple[str, Callable[[], Any]]] = []
            if "finalize" not in ended and callable(getattr(logger, "finalize", None)):
                steps.append((f"{name}.finalize('success')", lambda: logger.finalize("success")))
            close = getattr(logger, "close", None)
            if callable(close) and "close" not in ended:
                steps.append((f"{name}.close()", close))
            for what, call in steps:
                try:
                    call()
                except BaseException as error:  # noqa: BLE001 (reported, never raised: the verdict is the property's)
                    errors.append(f"ending the logger: {what} raised {type(error).__name__}: {error}")

        thread = threading.Thread(target=work, name=f"loggerspec cleanup of {name}", daemon=True)
        thread.start()
        thread.join(min(self.timeout, 0.5) if self.hung else self.timeout)
        if thread.is_alive():
            if self.hung:
                self.problems.append(f"ending the logger: {name}'s finalize/close was not waited for (an earlier one hung)")
            else:
                self.problems.append(
                    f"ending the logger: {name}'s finalize/close did not return within {self.timeout:g} s; "
                    "left running in a daemon thread, its directory removed at the end of the run"
                )
            self.hung = True
            return False
        self.problems.extend(errors)
        return True


_CLEANUPS: list[Cleanup] = []


@contextmanager
def cleaning_up(directory: Path | None, timeout: float = CLEANUP_TIMEOUT) -> Generator[Cleanup, None, None]:
    """Make :func:`fresh_logger` put every logger's directory under ``directory`` and end each
    logger within ``timeout`` seconds, collecting the problems in the :class:`Cleanup` yielded."""
    cleanup = Cleanup(directory, timeout)
    _CLEANUPS.append(cleanup)
    try:
        yield cleanup
    finally:
        _CLEANUPS.remove(cleanup)


def _track_endings(logger: Any) -> set[str]:
    """Wrap the instance's ``finalize`` and ``close`` (where the class or instance defines them) so
    that each call that returns is recorded in the set returned; the wrapper keeps the method's
    signature. A method only a ``__getattr__`` gives, or a logger that refuses new attributes, is
    not tracked: it is ended anyway (the contract allows ``finalize`` and ``close`` any number of times)."""
    ended: set[str] = set()

    def tracker(method: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def tracked(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            ended.add(method)
            return result

        return tracked

    for method in ("finalize", "close"):
        try:
            inspect.getattr_static(logger, method)
            original = getattr(logger, method)
            if callable(original):
                setattr(logger, method, tracker(method, original))
        except Exception:  # noqa: BLE001 (no such method, __slots__, a __setattr__ that refuses)
            continue
    return ended


def _build(subject: LoggerSubject, path: Path) -> Any:
    try:
        return subject.factory(path)
    except Exception as error:
        raise ConformanceFailure(f"the factory raised {type(error).__name__}: {error}") from error


@contextmanager
def fresh_logger(subject: LoggerSubject) -> Generator[tuple[Any, Path], None, None]:
    """A new logger from ``subject.factory`` in a new empty directory; afterwards the logger is
    finalized (unless the caller finalized it) and closed (if it can be), then the directory removed.

    Raises:
        ConformanceFailure: the factory raised (the message names the exception).
    """
    cleanup = _CLEANUPS[-1] if _CLEANUPS else Cleanup()
    path = cleanup.new_directory()
    in_time = True
    try:
        logger = _build(subject, path)
        ended = _track_endings(logger)
        try:
            yield logger, path
        finally:
            in_time = cleanup.end(logger, ended)
    finally:
        if in_time:
            shutil.rmtree(path, ignore_errors=True)
        if not _CLEANUPS:
            for problem in cleanup.take_problems():
                warnings.warn(problem, ResourceWarning, stacklevel=3)


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
