"""Properties of a merge function (``merge_dicts``): the sentences of :class:`spec.MergeFunction`.

Laid out by job: ``_cases`` (what is drawn, the recording functions, the key tree a result must
have), then the properties, imported here in their report order: ``_properties`` (core), ``_strict``.
"""

from conformance._merge import _properties, _strict  # noqa: F401, I001 - registers, in this order

__all__: list[str] = []
