"""The contract of an experiment logger: what every logger must do, aggregating or not."""

from __future__ import annotations

import abc
from argparse import Namespace
from typing import Any, Protocol, runtime_checkable

__all__ = ["CoreLogger", "Logger", "LoggerABC"]


@runtime_checkable
class CoreLogger(Protocol):
    """The members pytorch_lightning 1.5 and Lightning 2.x share (2.x's loggers have no ``close``).

    Lightning 2.x's ``TensorBoardLogger`` conforms; its ``CSVLogger`` does not, because its
    ``log_metrics`` takes ``dict[str, Tensor | float]``, which is not the seed's ``dict[str, float]``.

    Parameter types are exactly the seed's (never broader), so a logger typed the way the seed
    and Lightning type theirs conforms; a logger may accept more than this (``*args``, wider types).
    At run time, every member must be present, every property readable, and every method must take
    the protocol's parameters by position and by name, with its defaults. Checked by:
    ``logger.protocol_conformance``.
    """

    @property
    def name(self) -> str:
        """The experiment name: must be a ``str``, on a new logger and after any calls (once it has
        logged, once it is finalized). Checked by: ``logger.property_types``."""
        ...

    @property
    def version(self) -> int | str:
        """The experiment version: must be an ``int`` or a ``str``, on a new logger and after any
        calls. Checked by: ``logger.property_types``."""
        ...

    @property
    def experiment(self) -> Any:
        """The backend object (a writer, a run, a client); on a rank other than 0 it should be a
        dummy that absorbs every use (see :class:`spec.AbsorbingExperiment`)."""
        ...

    @property
    def save_dir(self) -> str | None:
        """The root directory the logger writes under: must be a ``str``, or ``None`` when the
        logger keeps nothing locally, on a new logger and after any calls. Checked by:
        ``logger.property_types``."""
        ...

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        """Record ``metrics`` at ``step`` now, without aggregation.

        - Must not mutate ``metrics``. Checked by: ``logger.log_metrics_no_mutation``.
        - Once the logger is finalized, its storage, read with its own reader, must give back every
          record logged exactly once, under the step it was logged at (a step of ``None`` may be
          numbered by the storage), with the values logged (up to the storage's documented narrowing,
          such as float32 in TensorBoard), in the logging order where the storage keeps it.
          Checked by: ``logger.persisted_read_back`` (for a logger with a read-back harness).
        - Strict: a ``metrics`` that is not a mapping of ``str`` to real numbers (or to nested such
          mappings), or a ``step`` that is not an ``int`` or ``None`` (a ``bool`` is not a step), must raise ``TypeError``
          naming the argument and key path, and record nothing (complex numbers, numpy complex
          scalars, ``datetime64`` and ``timedelta64`` values, 0-d complex, str, bytes or object arrays
          and tensor-likes whose ``.item()`` is complex or raises are not real numbers). Checked by:
          ``logger.rejects_bad_input`` (that nothing is recorded, through the logger's read-back
          harness where it has one).
        - Strict: a ``metrics`` that contains itself must raise ``TypeError`` or ``ValueError`` naming
          the argument and key path, and one that nests deeper than the logger can store must raise
          ``TypeError`` or ``ValueError`` naming the argument (never ``RecursionError``); either records
          nothing. (A logger that can store a ``metrics`` nested deeper than Python's recursion limit
          may take it.) Checked by: ``logger.rejects_bad_input``.
        """
        ...

    def log_hyperparams(self, params: dict[str, Any] | Namespace) -> None:
        """Record hyperparameters.

        Must accept both a ``dict`` and an ``argparse.Namespace``, whose values may be nested dicts
        and Namespaces (the seed's ``_flatten_dict`` flattens both), and must not mutate ``params``;
        ``save()`` and ``finalize(status)`` after it must not raise. (The seed's abstract method also
        takes ``*args, **kwargs``; the protocol leaves them out because the seed's own
        ``LoggerCollection`` and Lightning 2.x's ``CSVLogger`` do not take them.)
        Checked by: ``logger.hyperparams_dict_and_namespace``.

        Once the logger is finalized, its storage, read with its own reader, must give back the
        hyperparameters logged, equal after the storage's documented flattening. Checked by:
        ``logger.persisted_read_back`` (for a logger with a read-back harness).
        """
        ...

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        """Record the model graph; may do nothing. Must not raise for any ``model``. Checked by:
        ``logger.lifecycle_any_order``."""
        ...

    def save(self) -> None:
        """Persist what was logged. Must not raise when called in any order with ``finalize`` and
        ``close``, any number of times. Checked by: ``logger.lifecycle_any_order``."""
        ...

    def finalize(self, status: str) -> None:
        """Finish the experiment with ``status`` (``"success"``, ``"failed"``, ``"aborted"``).

        Must not raise when called in any order with ``save`` and ``close``, any number of times.
        Strict: a ``status`` that is not a ``str`` must raise ``TypeError`` naming ``status``.
        Checked by: ``logger.lifecycle_any_order``, ``logger.rejects_bad_input``.
        """
        ...

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        """Called after a checkpoint callback saved a checkpoint; may do nothing. Checked by:
        ``collection.fan_out``."""
        ...


@runtime_checkable
class Logger(CoreLogger, Protocol):
    """An experiment logger, as pytorch_lightning 1.5 and Lightning 2.x call it.

    The full 1.5 contract: :class:`CoreLogger` and ``close`` (which Lightning 2.x's loggers do not have).
    """

    def close(self) -> None:
        """Release what the experiment holds. Must not raise when called in any order with
        ``save`` and ``finalize``, any number of times. Checked by: ``logger.lifecycle_any_order``."""
        ...


class LoggerABC(abc.ABC):
    """Nominal base for loggers that prefer inheritance: the seed's abstract members are abstract.

    The other members have the seed's documented defaults: ``save_dir`` is ``None``, and
    ``log_graph``, ``save``, ``finalize``, ``close`` and ``after_save_checkpoint`` do nothing.
    """

    @property
    @abc.abstractmethod
    def name(self) -> str:
        """See :attr:`CoreLogger.name`."""

    @property
    @abc.abstractmethod
    def version(self) -> int | str:
        """See :attr:`CoreLogger.version`."""

    @property
    @abc.abstractmethod
    def experiment(self) -> Any:
        """See :attr:`CoreLogger.experiment`."""

    @property
    def save_dir(self) -> str | None:
        """See :attr:`CoreLogger.save_dir`; by default ``None``."""
        return None

    @abc.abstractmethod
    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        """See :meth:`CoreLogger.log_metrics`."""

    @abc.abstractmethod
    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        """See :meth:`CoreLogger.log_hyperparams`; ``args`` and ``kwargs`` depend on the logger."""

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        """See :meth:`CoreLogger.log_graph`; by default does nothing."""

    def save(self) -> None:
        """See :meth:`CoreLogger.save`; by default does nothing."""

    def finalize(self, status: str) -> None:
        """See :meth:`CoreLogger.finalize`; by default does nothing."""

    def close(self) -> None:
        """See :meth:`Logger.close`; by default does nothing."""

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        """See :meth:`CoreLogger.after_save_checkpoint`; by default does nothing."""
