"""Deliberately broken implementations: each must be rejected by the property written for it.

Every module here defines ``BROKEN``, a list of :class:`Broken`; ``tests/test_broken.py`` runs each
one's property and checks that every registered property is tripped by at least one of them.
"""

from __future__ import annotations

import attrs

from conformance._core import Subject


@attrs.frozen
class Broken:
    """A subject that breaks ``property_id``'s contract sentence, and how it breaks it."""

    property_id: str
    subject: Subject
    why: str
