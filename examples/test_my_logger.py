"""Certify PrintLogger inside your own pytest run: one test per property (run `pytest` in this folder)."""

from __future__ import annotations

import conformance
from my_logger import PrintLogger


class TestPrintLogger(conformance.LoggerSuite):
    factory = PrintLogger
