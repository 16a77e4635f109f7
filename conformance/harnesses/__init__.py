"""Read-back harnesses shipped with loggerspec, and a factory for an MLflow logger on a local store.

``JSONL`` (impl's :class:`~impl.JsonlLogger`) needs nothing but the standard library. The others
read what Lightning's loggers persisted and need the ``loggerspec[lightning]`` extra (tensorboard,
PyYAML, mlflow-skinny, SQLAlchemy, alembic) next to the logger's own package; they import those
readers only when they read. Each is picked automatically for the logger classes listed in
:data:`conformance.SHIPPED_HARNESSES`; name one with ``--harness conformance.harnesses:CSV``.
"""

from conformance.harnesses._jsonl import JSONL
from conformance.harnesses._lightning import CSV, MLFLOW, TENSORBOARD, mlflow_sqlite, to_float32

__all__ = ["CSV", "JSONL", "MLFLOW", "TENSORBOARD", "mlflow_sqlite", "to_float32"]
