"""Read-back harnesses shipped with loggerspec, and factories for loggers that need more than a directory.

``JSONL`` (impl's :class:`~impl.JsonlLogger`) and ``MEMORY`` (impl's :class:`~impl.InMemoryLogger`,
read from the logger itself) need nothing but the standard library. ``CSV``,
``TENSORBOARD`` and ``MLFLOW`` read what Lightning's loggers persisted and need the
``loggerspec[lightning]`` extra (tensorboard, PyYAML, mlflow-skinny, SQLAlchemy, alembic) next to
the logger's own package. ``WANDB``, ``COMET``, ``DVCLIVE``, ``AIM`` and ``SWANLAB`` read the
Lightning loggers that those tracking libraries' users use, offline or local, and need the backend
(the ``loggerspec[ecosystem]`` extra, after torch). Every harness imports its reader only when it
reads. Each is picked automatically for the logger classes listed in
:data:`conformance.SHIPPED_HARNESSES`; name one with ``--harness conformance.harnesses:CSV``.

The factories (``mlflow_sqlite``, ``wandb_offline``, ...) are logger subjects:
``python -m conformance logger conformance.harnesses:wandb_offline``.
"""

from conformance.harnesses._aim import AIM, aim_local
from conformance.harnesses._comet import COMET, comet_offline, read_comet_archive
from conformance.harnesses._dvclive import DVCLIVE, dvclive_local
from conformance.harnesses._jsonl import JSONL
from conformance.harnesses._lightning import CSV, MLFLOW, TENSORBOARD, mlflow_sqlite, to_float32
from conformance.harnesses._memory import MEMORY
from conformance.harnesses._swanlab import SWANLAB, swanlab_offline
from conformance.harnesses._wandb import WANDB, read_wandb_log, wandb_offline

__all__ = [
    "AIM",
    "COMET",
    "CSV",
    "DVCLIVE",
    "JSONL",
    "MEMORY",
    "MLFLOW",
    "SWANLAB",
    "TENSORBOARD",
    "WANDB",
    "aim_local",
    "comet_offline",
    "dvclive_local",
    "mlflow_sqlite",
    "read_comet_archive",
    "read_wandb_log",
    "swanlab_offline",
    "to_float32",
    "wandb_offline",
]
