"""Harness for Aim's Lightning logger, ``aim.pytorch_lightning.AimLogger``, on a local repository.

An Aim repository (``DIR/.aim``) keeps each run in its own RocksDB chunks (``meta/chunks/<hash>``,
``seqs/chunks/<hash>``) and answers queries from an index that Aim's indexing thread (or ``aim``'s
UI and CLI) builds from them. The harness reads with Aim's own SDK: it indexes the logger's run
as that thread does (``finalize`` of the run's meta tree into the index), then opens it read-only
(``aim.Run(hash, read_only=True)``) and reads ``run['hparams']`` and each metric's ``data``.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import attrs
from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._harness import Harness, ReadBack, readback_hyperparams
from conformance.harnesses._common import backend

__all__ = ["AIM", "aim_local"]

_EXTRA = "aim"
_EPOCH = "epoch"  # AimLogger pops a metric of this name and tracks it as every value's epoch
_PREFIXES = {"train": "train_", "val": "val_", "test": "test_"}  # AimLogger's default context prefixes


def _index(repo: Any, run_hash: str) -> None:
    """Index one run as Aim's indexing thread does (``RepoIndexManager.index``), without starting
    the thread and its file watchers."""
    index = repo._get_index_tree("meta", 0).view(())
    meta = repo.request_tree("meta", run_hash, read_only=True, skip_read_optimization=True).subtree("meta")
    meta.subtree("chunks").subtree(run_hash).finalize(index=index)


def _read(logger: Any, directory: Path) -> ReadBack:
    aim = backend("aim", _EXTRA)
    aim_dir = Path(directory) / ".aim"
    if not aim_dir.is_dir():
        return ReadBack()
    repo = aim.Repo.from_path(str(directory))
    records: list[tuple[int | None, dict[str, Any]]] = []
    params: dict[str, Any] = {}
    try:
        for run_hash in repo.list_all_runs():
            _index(repo, run_hash)
            run = aim.Run(run_hash, repo=repo, read_only=True)
            with contextlib.suppress(KeyError):  # KeyError: log_hyperparams was not called
                params.update(dict(run["hparams"]))
            for metric in run.metrics():
                context = metric.context.to_dict()
                name = _PREFIXES.get(context.get("subset"), "") + metric.name
                records.extend((int(step), {name: row[0]}) for step, row in metric.data.items())
    finally:
        repo.close()
    return ReadBack(tuple(records), params)


def _kept_name(key: str) -> bool:
    """A name AimLogger tracks under a name it can be told back from: not ``epoch``, and not only a
    context prefix (``val_`` would be tracked with an empty name)."""
    return key != _EPOCH and key not in _PREFIXES.values()


AIM = Harness(
    _read,
    name="conformance.harnesses:AIM",
    layout="series",
    ordered=False,
    none_step="any",
    metrics=cst.metric_dicts(
        keys=cst.metric_keys().filter(_kept_name),
        values=st.one_of(
            st.floats(allow_nan=False),
            st.integers(min_value=-(2**53), max_value=2**53),
        ),
    ),
    hyperparams=readback_hyperparams(),
)
"""Aim's ``AimLogger`` on a local repository: the run read with Aim's SDK (see the module docstring).

- One value per metric, context and step: ``layout="series"``; a sequence is read back in step
  order, not in logging order (``ordered=False``). A second value logged for a metric at a step it
  already has replaces the first (Aim's sequences are keyed by step): the property reports the first
  as lost.
- A call with ``step=None`` gets the sequence's next step, so any step is accepted.
- AimLogger tracks ``train_x``, ``val_x``, ``test_x`` as ``x`` with the context
  ``{'subset': 'train' | 'val' | 'test'}`` (documented): the harness reads the name back as
  ``prefix + name``. It pops the metric ``epoch`` and stores it as each value's epoch, so the strategy
  never draws that name.
- Values: floats and ints read back equal (as floats); the strategy draws no NaN (Aim reads a
  missing value as NaN).
- Hyperparameters: ``run['hparams']`` holds the dict as logged (nested dicts, lists, None).
"""


@functools.cache
def _empty_repo() -> Path:
    """An Aim repository Aim created and migrated, made once per process (a new one takes seconds)."""
    aim = backend("aim", _EXTRA)
    directory = Path(tempfile.mkdtemp(prefix="loggerspec-aim-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    logger = backend("aim.pytorch_lightning", _EXTRA).AimLogger(
        repo=os.fspath(directory), system_tracking_interval=None, log_system_params=False, capture_terminal_logs=False
    )
    logger.experiment  # the first run creates and migrates the repository  # noqa: B018
    logger.finalize("success")
    run_hashes = aim.Repo.from_path(str(directory)).list_all_runs()
    aim.Repo.from_path(str(directory)).delete_runs(run_hashes)
    return directory / ".aim"


def _identity(path: Path) -> tuple[int, int] | None:
    """The device and inode of ``path`` (None if it is gone): a directory removed and made again
    under the same name has another identity."""
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_dev, found.st_ino)


@attrs.frozen
class _Made:
    """A logger :func:`aim_local` made, with the identities of its directory and of the directory's
    parent when it was made."""

    logger: Any
    directory: Path
    identity: tuple[int, int] | None
    parent_identity: tuple[int, int] | None

    def gone(self, path: Path, identity: tuple[int, int] | None) -> bool:
        """``path`` was removed since (it may have been made again, by a run's background thread)."""
        return identity is None or _identity(path) != identity


_made: list[_Made] = []  # loggers aim_local made whose run may still be open


def _close_abandoned(everything: bool = False) -> None:
    """Close the runs of the loggers made earlier whose directory was removed (the suite is done with
    them; with ``everything``, all of them), and remove what their runs'
    background threads wrote after the directory was removed: a run's status reporter makes
    ``.aim/check_ins`` again under it, and its parent too when the suite removed that as well (the
    directories made again are told by their identity, :func:`_identity`). What closing a run whose
    repository is gone raises (RocksDB cannot flush there) is dropped: there is nothing left to save."""
    for made in list(_made):
        directory_gone = made.gone(made.directory, made.identity)
        if not directory_gone and not everything:
            continue
        _made.remove(made)
        try:
            # The run itself, not the logger's finalize: that is rank_zero_only, and the rank may be
            # another one now (a logger of a rank property made its run on rank -1).
            run = made.logger.__dict__.get("_run")
            if run is not None:
                with contextlib.suppress(Exception):
                    run.close()
                made.logger._run = None
        finally:
            if directory_gone:
                shutil.rmtree(made.directory, ignore_errors=True)
                if made.gone(made.directory.parent, made.parent_identity):
                    shutil.rmtree(made.directory.parent, ignore_errors=True)


def _run_aim_finalizers() -> None:
    """Run Aim's remaining exit finalizers (``aim.ext.cleanup.AutoClean``) here, in Aim's order
    (highest priority first, the newest first among equals), each on its own: what one raises is
    dropped, and a finalizer that has run is not run again."""
    cleanup = sys.modules.get("aim.ext.cleanup")
    if cleanup is None:
        return
    registered = list(cleanup.AutoClean._finalizers.items())
    for _instance, (_priority, finalizer) in reversed(sorted(registered, key=lambda item: item[1][0])):
        with contextlib.suppress(Exception):
            finalizer()


def _at_exit() -> None:
    """At interpreter exit, before Aim's own clean-up: close the run of every logger :func:`aim_local`
    made, then run Aim's remaining finalizers (:func:`_run_aim_finalizers`).

    Aim's exit hook (aim 3.29.1, ``AutoClean.cleanup``) runs its finalizers in a thread and waits
    for an event that thread sets after the last one: when a finalizer raises (a RocksDB flush into
    a repository that was removed while a run was open), the thread dies before setting it and the
    interpreter waits forever. Measured: a run of the suite hung at exit after certifying.
    """
    try:
        _close_abandoned(everything=True)
    finally:
        _run_aim_finalizers()


def _before_aim_at_exit() -> None:
    """(Re-)register :func:`_at_exit` so that it runs before every exit hook registered so far,
    Aim's among them (:mod:`atexit` runs the newest first; Aim registers its hook once, when its
    first resource is made)."""
    atexit.unregister(_at_exit)
    atexit.register(_at_exit)


def aim_local(directory: Path) -> Any:
    """An ``AimLogger`` on the repository ``directory/.aim``, with no system metrics, system
    parameters or terminal capture (no background tracking thread): a logger subject.

    The repository is a copy of an empty one Aim created once per process, which saves its
    migrations (seconds) per logger. It is copied on rank 0 only (Lightning's
    ``rank_zero_only.rank``): off rank 0 the logger makes no run, and nothing may appear under
    ``directory``.

    The runs of loggers made earlier whose directory was removed are closed here (and at interpreter
    exit): an open run's status reporter keeps writing under the removed directory.
    At exit, the factory's hook runs before Aim's, which would otherwise hang (:func:`_at_exit`).
    """
    logger_class = backend("aim.pytorch_lightning", _EXTRA).AimLogger
    rank_zero_only = backend("lightning.pytorch.utilities.rank_zero", _EXTRA).rank_zero_only
    _close_abandoned()
    if getattr(rank_zero_only, "rank", 0) == 0:
        shutil.copytree(_empty_repo(), Path(directory) / ".aim")
    logger = logger_class(
        repo=os.fspath(directory),
        system_tracking_interval=None,
        log_system_params=False,
        capture_terminal_logs=False,
    )
    directory = Path(directory)
    _made.append(_Made(logger, directory, _identity(directory), _identity(directory.parent)))
    _before_aim_at_exit()
    return logger
