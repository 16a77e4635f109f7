"""Properties of a logger collection (``LoggerCollection``): the sentences of :class:`spec.Collection`.

Members are recording fakes (:class:`Member`) that satisfy :class:`spec.AggregatingLogger`: every
method call appends ``(member index, method, arguments by parameter name)`` to a journal shared by
the members, so the order in which a collection reaches them is visible. Only valid inputs are sent
(a collection may check its input first), and only what the contract states is compared: for each
call of a method, the calls of that same method that reached the members.
"""

from conformance._collection import _properties  # noqa: F401 - registers the properties

__all__: list[str] = []
