"""The catalogue: every property, registered by importing the topic modules in the order the report
and ``--list`` show them (a topic module registers its properties as it is imported)."""

# Unsorted on purpose: this order is the report's and --list's.
from conformance import _merge, _logger, _readback, _aggregation, _collection, _rank  # noqa: F401, I001
from conformance._core import Kind, Level, Property, registered

__all__ = ["all_properties"]


def all_properties(kind: Kind | None = None, level: Level = "strict") -> list[Property]:
    """The registered properties of ``kind`` (all kinds if ``None``) up to ``level``, in registration order.

    ``level="core"`` gives the core properties only; ``"strict"`` gives core and strict.
    """
    return registered(kind, level)
