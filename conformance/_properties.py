"""Importing this module registers every property, in the order the report lists them."""

from conformance import _merge, _logger, _readback, _aggregation, _collection, _rank  # noqa: F401, I001
