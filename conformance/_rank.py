"""Properties: being written."""
