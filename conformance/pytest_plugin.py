"""The pytest plugin of the conformance suite (being built: see issue 3)."""
