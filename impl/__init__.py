"""loggerspec's reference implementation: pytorch_lightning 1.5's ``loggers.base``, right where 1.5 is wrong.

``from impl import LightningLoggerBase`` replaces ``from pytorch_lightning.loggers.base import
LightningLoggerBase``; the README's table lists every deliberate difference.
"""

from impl._collection import LoggerCollection, LoggerCollectionError
from impl._dummy import DummyExperiment, DummyLogger
from impl._durable import RECORDS_FILE, JsonlLogger, JsonlRun, JsonlStorageError, JsonlWriter, read_jsonl
from impl._logger import LightningLoggerBase
from impl._memory import Call, InMemoryLogger
from impl._merge import merge_dicts
from impl._rank import RANK_ENV_VARS, RankZeroOnly, rank_from_environment, rank_zero_experiment, rank_zero_only
from impl._validate import MAX_DEPTH

__all__ = [
    "Call",
    "DummyExperiment",
    "DummyLogger",
    "InMemoryLogger",
    "JsonlLogger",
    "JsonlRun",
    "JsonlStorageError",
    "JsonlWriter",
    "LightningLoggerBase",
    "LoggerCollection",
    "LoggerCollectionError",
    "MAX_DEPTH",
    "RANK_ENV_VARS",
    "RECORDS_FILE",
    "RankZeroOnly",
    "merge_dicts",
    "rank_from_environment",
    "rank_zero_experiment",
    "rank_zero_only",
    "read_jsonl",
]
