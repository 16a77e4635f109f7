"""Harness for SwanLab's Lightning logger, ``swanlab.integration.pytorch_lightning.SwanLabLogger``, offline.

An offline SwanLab run writes ``DIR/run-DATE-ID/run-ID.swanlab`` (the file ``swanlab sync``
uploads): a LevelDB-log-format file of ``swanlab.proto...record_pb2.Record`` messages, read with
SwanLab's own ``DataStoreReader``; its config is ``files/config.yaml`` (each key's ``value``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._harness import Harness, ReadBack, readback_hyperparams
from conformance.harnesses._common import backend

__all__ = ["SWANLAB", "swanlab_offline"]

_EXTRA = "swanlab"
_FRAMEWORK = "FRAMEWORK"  # what SwanLabLogger adds to the config itself


def _active_run() -> Any:
    swanlab = backend("swanlab", _EXTRA)
    try:
        return swanlab.get_run()
    except RuntimeError:
        return None


def _read(logger: Any, directory: Path) -> ReadBack:
    # SwanLabLogger.finalize('success') leaves the run open (SwanLab finishes it at interpreter exit).
    run = logger.__dict__.get("_experiment")
    if run is not None and _active_run() is run:
        backend("swanlab", _EXTRA).finish()
    store = backend("swanlab.sdk.internal.core_python.store", _EXTRA)
    record_pb2 = backend("swanlab.proto.swanlab.record.v1.record_pb2", _EXTRA)
    yaml = backend("yaml", _EXTRA)
    records: list[tuple[int | None, dict[str, Any]]] = []
    params: dict[str, Any] = {}
    for log in sorted(Path(directory).glob("run-*/run-*.swanlab")):
        reader = store.DataStoreReader()
        reader.open(str(log))
        try:
            for data in reader:
                record = record_pb2.Record()
                record.ParseFromString(data)
                if record.WhichOneof("record_type") == "scalar":
                    scalar = record.scalar
                    records.append((int(scalar.step), {scalar.key: scalar.value.number}))
        finally:
            reader.close()
        config = log.parent / "files" / "config.yaml"
        if config.is_file():
            loaded: dict[str, Any] = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
            params.update({key: entry["value"] for key, entry in loaded.items() if key != _FRAMEWORK})
    return ReadBack(tuple(records), params)


SWANLAB = Harness(
    _read,
    name="conformance.harnesses:SWANLAB",
    layout="series",
    ordered=True,
    none_step="any",
    metrics=cst.metric_dicts(
        values=st.one_of(st.floats(allow_nan=True), st.integers(min_value=-(2**53), max_value=2**53)),
    ),
    hyperparams=readback_hyperparams(),
)
"""SwanLab's ``SwanLabLogger`` offline: the run's record file (SwanLab's ``DataStoreReader``) and its config.yaml.

- One scalar record per metric and step, each metric's in logging order: ``layout="series"``.
- A call with ``step=None`` gets the metric's next step, so any step is accepted. SwanLab keeps
  the first value logged for a metric at a step and drops a later one (the property reports it lost).
- Values are doubles: they read back equal (NaN and infinities included).
- Hyperparameters: config.yaml holds the dict as logged (nested dicts, lists); SwanLabLogger adds
  ``FRAMEWORK``, which is not read back.
- Reading finishes the run first: ``finalize('success')`` leaves it open.
"""


_runs: list[tuple[Any, Any]] = []  # (run, its file watcher) of the runs the factory's loggers started


def _release_watchers() -> None:
    """Release the file watchers of finished runs that never started watching.

    SwanLab (0.10.3) gives every run a ``FileWatcher`` whose watchdog ``Observer`` is made at once
    but started only when a file is saved live; ``FileWatcher.stop`` stops it only if it was
    started. watchdog's inotify observer (7.x) opens its inotify instance, and a thread reading it,
    when it is made: so each run leaves one inotify instance and one thread behind after
    ``swanlab.finish()``. Measured: 128 loggers exhausted this user's inotify instances (the limit
    is per user, shared with every process of the user), and every later run failed to start
    ("inotify instance limit reached"). Released here as watchdog's own ``on_thread_stop`` does.
    """
    for run, watcher in list(_runs):
        if getattr(run, "alive", False):
            continue
        _runs.remove((run, watcher))
        observer = getattr(watcher, "_observer", None)
        inotify = getattr(observer, "_inotify_fd", None)
        if not getattr(watcher, "_started", True) and inotify is not None and inotify.is_alive():
            inotify.stop()
            inotify.join(timeout=5)


def _note_run(self: Any, *args: Any, **kwargs: Any) -> None:
    run = _active_run()
    if run is not None:
        _runs.append((run, getattr(getattr(run, "_core", None), "_watcher", None)))


def _watched(swanlab: Any) -> Any:
    """A SwanLab callback that notes each run it sees start, with its file watcher (a subclass of
    SwanLab's ``Callback``, made with ``type``: the base is only known at run time)."""
    base = backend("swanlab.sdk.protocol.callbacker", _EXTRA).Callback
    name = property(lambda self: "loggerspec-note-run")
    return type("NoteRun", (base,), {"on_run_initialized": _note_run, "name": name})()


def _settings(swanlab: Any) -> Any:
    """Run settings that keep the run cheap and the process as it was: no environment probe
    (requirements, which runs ``pip`` in subprocesses for about 1.2 s per run, git, runtime,
    hardware), no hardware monitor thread, no terminal capture (which would replace sys.stdout
    and sys.stderr)."""
    settings = swanlab.Settings
    return settings(
        probe=settings.Probe(hardware=False, runtime=False, requirements=False, conda=False, git=False, monitor=False),
        terminal=settings.Terminal(proxy_type="none"),
    )


def _quick_console_locations() -> None:
    """Make SwanLab's console find a message's caller without reading source.

    SwanLab (0.10.3) prefixes each warning and error it prints with its caller's
    ``module:function:line``, found with ``inspect.stack()``, which reads five lines of source for
    every frame of the stack: about 0.9 s per message under Hypothesis' deep stacks (measured: 190 s
    of a 325 s run of ``logger.lifecycle_any_order``, whose finished runs make SwanLab warn). The
    same location is found here from the frames alone; what is printed does not change.
    """
    console = backend("swanlab.sdk.internal.pkg.console", _EXTRA)
    this_file = getattr(console, "_this_file", None)
    if this_file is None or getattr(console._caller_location, "loggerspec_quick", False):
        return

    def caller_location() -> str:
        frame: Any = sys._getframe(1)
        while frame is not None:
            if os.path.abspath(frame.f_code.co_filename) != this_file:
                return f"{frame.f_globals.get('__name__', 'swanlab.internal')}:{frame.f_code.co_name}:{frame.f_lineno}"
            frame = frame.f_back
        return "swanlab.internal"

    caller_location.loggerspec_quick = True  # type: ignore[attr-defined]
    console._caller_location = caller_location


def swanlab_offline(directory: Path) -> Any:
    """A ``SwanLabLogger`` in offline mode writing under ``directory``: a logger subject.

    SwanLab keeps one run per process, and a ``SwanLabLogger`` joins a run in progress: the factory
    finishes the run in progress first, so each logger gets its own run, and releases the file
    watchers finished runs leave behind (:func:`_release_watchers`). The run captures nothing
    beyond what the logger is asked to log (:func:`_settings`), and SwanLab's console messages
    cost what printing them costs (:func:`_quick_console_locations`).
    """
    swanlab = backend("swanlab", _EXTRA)
    logger_class = backend("swanlab.integration.pytorch_lightning", _EXTRA).SwanLabLogger
    _quick_console_locations()
    if _active_run() is not None:
        swanlab.finish()
    _release_watchers()
    return logger_class(
        save_dir=str(directory),
        log_dir=str(directory),
        mode="offline",
        settings=_settings(swanlab),
        callbacks=[_watched(swanlab)],
    )
