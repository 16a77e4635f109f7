"""A logger written from scratch, outside loggerspec: it inherits nothing and imports nothing of ours.

Certify it from the command line (run from this folder):

    python -m conformance logger my_logger:PrintLogger

or from pytest: see test_my_logger.py beside this file.
"""

from __future__ import annotations

import json
from argparse import Namespace
from pathlib import Path
from typing import Any


def _check_numbers(values: dict[Any, Any], path: str, depth: int = 1) -> None:
    """Raise TypeError naming the key path unless ``values`` maps str to numbers or to nested such
    dicts; ValueError naming it for dicts nested more than 100 deep (a dict that contains itself too)."""
    if depth > 100:
        raise ValueError(f"{path}: nested more than 100 dicts deep (or a dict that contains itself)")
    for key, value in values.items():
        if not isinstance(key, str):
            raise TypeError(f"{path}: key {key!r} must be a str")
        if isinstance(value, dict):
            _check_numbers(value, f"{path}[{key!r}]", depth + 1)
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{path}[{key!r}] must be a number, got {type(value).__name__}")


class PrintLogger:
    """Writes one JSON line per call to save_dir/log.jsonl; no aggregation (the Lightning 2.x API)."""

    def __init__(self, save_dir: Path | str) -> None:
        self._save_dir = str(save_dir)
        self._lines: list[str] = []

    @property
    def name(self) -> str:
        return "print_logger"

    @property
    def version(self) -> int:
        return 0

    @property
    def save_dir(self) -> str:
        return self._save_dir

    @property
    def experiment(self) -> list[str]:
        return self._lines

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if not isinstance(metrics, dict):
            raise TypeError(f"metrics must be a dict, got {type(metrics).__name__}")
        _check_numbers(metrics, "metrics")
        if step is not None and (isinstance(step, bool) or not isinstance(step, int)):
            raise TypeError(f"step must be an int or None, got {type(step).__name__}")
        self._lines.append(json.dumps({"step": step, "metrics": metrics}))

    def log_hyperparams(self, params: dict[str, Any] | Namespace) -> None:
        values = vars(params) if isinstance(params, Namespace) else dict(params)
        self._lines.append(json.dumps({"hparams": values}, default=str))

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        pass

    def save(self) -> None:
        if self._lines:
            with open(Path(self._save_dir) / "log.jsonl", "a", encoding="utf-8") as f:
                f.write("\n".join(self._lines) + "\n")
            self._lines.clear()

    def finalize(self, status: str) -> None:
        if not isinstance(status, str):
            raise TypeError(f"status must be a str, got {type(status).__name__}")
        self.save()

    def close(self) -> None:
        self.save()

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        pass
