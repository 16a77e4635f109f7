"""The contract of a logger collection: one logger that forwards every call to its members."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol, runtime_checkable

from spec._aggregation import AggregatingLogger
from spec._logger import Logger

__all__ = ["Collection"]


@runtime_checkable
class Collection(AggregatingLogger, Protocol):
    """A logger built from an iterable of member loggers (``LoggerCollection(loggers)``).

    - Every logging method (``log_metrics``, ``log_hyperparams``, ``log_graph``,
      ``agg_and_log_metrics``, ``update_agg_funcs``, ``save``, ``finalize``, ``close``,
      ``after_save_checkpoint``) must reach every member exactly once, with the same arguments,
      in member order, and call no other method of a member; the caller's arguments must not be
      changed. Checked by: ``collection.fan_out``.
    - ``name`` and ``version`` must be the members' ``str(name)`` and ``str(version)`` joined by
      ``"_"``, and ``experiment`` the list of the members' experiments, each as the members' are
      when read (not as they were at construction); ``save_dir`` must be ``None``.
      Checked by: ``collection.properties``.
    - Strict: a collection built from a one-shot iterator must behave as one built from a list,
      for every call. Checked by: ``collection.one_shot_iterator``.
    - Strict: a member that raises must not stop delivery to the members after it; after
      delivering to all, the call must raise one exception that carries every member's error; a
      member that raised must still be reached by later calls. Checked by: ``collection.error_isolation``.
    """

    def __getitem__(self, index: int) -> Logger:
        """Must return the member at ``index`` (negative indices count from the end); an index out
        of range must raise ``IndexError``. Checked by: ``collection.indexing``."""
        ...

    def __iter__(self) -> Iterator[Logger]:
        """Must yield the members in order. Checked by: ``collection.indexing``."""
        ...

    def __len__(self) -> int:
        """Strict: must return the number of members (the seed documents no ``len()``; 1.5's has none).
        Checked by: ``collection.length``."""
        ...

    @property
    def experiment(self) -> list[Any]:
        """The members' experiments, in member order. Checked by: ``collection.properties``."""
        ...
