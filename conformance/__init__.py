"""loggerspec's conformance suite (being built: see issue 3)."""

__all__: list[str] = []
