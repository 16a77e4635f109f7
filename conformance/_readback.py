"""Read-back: what a finalized logger persisted, read from its own storage, against what was logged.

A :class:`Harness` knows one storage: how to read a finalized logger's records and hyperparameters
back with the storage's own reader (:class:`ReadBack`), which metrics and hyperparameters the
storage represents honestly, and the storage's documented transformations: how it narrows floats,
how it flattens hyperparameters, what step a record logged with ``step=None`` gets, whether it keeps
the logging order and whether it stores identical observations once. ``logger.persisted_read_back``
logs, finalizes, reads back and compares.

The harness of a subject is its own (:attr:`LoggerSubject.harness`, ``--harness`` on the command
line), else a shipped one chosen by the logger's class (:data:`SHIPPED_HARNESSES`, matched by
module and qualified name, so no backend is imported to look); without one the property is not
applicable.
"""

from __future__ import annotations

import copy
import importlib
import math
import string
from argparse import Namespace
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final, Literal, TypeAlias, cast

import attrs
from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._core import ConformanceFailure, LoggerSubject, NotApplicable, expect, register
from conformance._logger import CallLog, render_call
from conformance._observe import fresh_logger

__all__ = [
    "SHIPPED_HARNESSES",
    "Harness",
    "Layout",
    "NoneStep",
    "ReadBack",
    "as_harness",
    "harness_for",
    "readback_hyperparams",
]

Layout: TypeAlias = Literal["records", "series"]
"""``records``: one record per ``log_metrics`` call (a CSV row, a JSON line). ``series``: one
observation per metric and step (a TensorBoard scalar, an MLflow metric); a call of ``{}`` leaves nothing."""

NoneStep: TypeAlias = int | None | Literal["any"]
"""The step a record logged with ``step=None`` reads back with: that int, ``None`` (kept as ``None``),
or ``"any"`` (the storage numbers it; any step is accepted)."""

Record: TypeAlias = tuple[int | None, dict[str, Any]]


@attrs.frozen
class ReadBack:
    """What a logger persisted, as its storage's own reader gives it back.

    - ``metrics``: the ``(step, metrics)`` records in the storage's order. A storage of layout
      ``series`` gives one record per observation (one key each); their order matters only among
      the records of one key.
    - ``hyperparams``: the hyperparameters as the storage holds them (flattened as it flattens them).
    """

    metrics: tuple[Record, ...] = attrs.field(default=(), validator=attrs.validators.instance_of(tuple))
    hyperparams: dict[str, Any] = attrs.field(factory=lambda: _no_params(), validator=attrs.validators.instance_of(dict))


def _no_params() -> dict[str, Any]:
    return {}


def _finite_metric_dicts() -> st.SearchStrategy[dict[str, Any]]:
    return cst.metric_dicts(values=cst.metric_values(allow_infinity=False))


def readback_hyperparams() -> st.SearchStrategy[dict[str, Any] | Namespace]:
    """Hyperparameters for read-back: a dict or an ``argparse.Namespace`` whose values are ``None``,
    bools, ints, finite floats, short strings, lists of those, or one level of dicts of those (so a
    storage's flattening of nested values is exercised). Names are ``[a-z_]+``, never ``__...``."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**6), 10**6),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(string.ascii_letters + string.digits + " _-", max_size=10),
    )
    # Not "__...": Namespace(__dict__=...) raises while the example is built.
    names = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8).filter(lambda n: not n.startswith("__"))
    flat = st.one_of(scalars, st.lists(scalars, max_size=3))
    values = st.one_of(flat, st.dictionaries(names, flat, max_size=3))
    params = st.dictionaries(names, values, max_size=5)
    return st.one_of(params, params.map(lambda d: Namespace(**d)))


def _kept(params: dict[str, Any]) -> dict[str, Any]:
    return params


def _check_layout(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in ("records", "series"):
        raise ValueError(f"{attribute.name} must be 'records' or 'series', got {value!r}")


def _check_none_step(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (value is None or value == "any" or (isinstance(value, int) and not isinstance(value, bool))):
        raise ValueError(f"{attribute.name} must be an int, None or 'any', got {value!r}")


@attrs.frozen
class Harness:
    """How to read back what a logger persisted, and what its storage represents.

    Args:
        read: ``read(logger, directory)`` returns the :class:`ReadBack` of a logger that was used
            and finalized; ``directory`` is the one its factory was given. It must read the storage
            with the storage's own reader, never from the logger's memory.
        name: What failure messages call it; ``MODULE:ATTR`` when it can be imported (replay lines use it).
        layout: ``"records"`` or ``"series"`` (see :data:`Layout`).
        ordered: Whether the storage keeps the logging order (of records, or of each key's observations).
        merges_identical: Whether the storage may store identical observations (same key, step and
            value) once; only for ``layout="series"`` with a fixed ``none_step``.
        none_step: What step a record logged with ``step=None`` reads back with (see :data:`NoneStep`).
        narrow: The storage's documented narrowing of a metric value (``None``: values read back equal).
        metrics: The metric dicts the storage represents honestly.
        hyperparams: The hyperparameters the storage represents honestly.
        flatten: The storage's documented flattening of a ``log_hyperparams`` call's dict.

    Raises:
        ValueError: ``layout``, ``none_step`` or ``merges_identical`` is not one of the allowed values
            (the message names it).
    """

    read: Callable[[Any, Path], ReadBack]
    name: str = attrs.field(default="<harness>", kw_only=True)
    layout: Layout = attrs.field(default="records", kw_only=True, validator=_check_layout)
    ordered: bool = attrs.field(default=True, kw_only=True)
    merges_identical: bool = attrs.field(default=False, kw_only=True)
    none_step: NoneStep = attrs.field(default="any", kw_only=True, validator=_check_none_step)
    narrow: Callable[[float], float] | None = attrs.field(default=None, kw_only=True)
    metrics: st.SearchStrategy[dict[str, Any]] = attrs.field(factory=_finite_metric_dicts, kw_only=True)
    hyperparams: st.SearchStrategy[dict[str, Any] | Namespace] = attrs.field(
        factory=readback_hyperparams, kw_only=True
    )
    flatten: Callable[[dict[str, Any]], dict[str, Any]] = attrs.field(default=_kept, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.merges_identical and (self.layout != "series" or self.none_step == "any"):
            raise ValueError("merges_identical needs layout='series' and a none_step other than 'any'")

    def __repr__(self) -> str:
        return f"Harness({self.name})"


def as_harness(obj: object, name: str | None = None) -> Harness:
    """``obj`` as a :class:`Harness`: a harness is returned as is, a callable becomes ``Harness(obj)``
    (records layout, the defaults) named ``name``.

    Raises:
        TypeError: ``obj`` is neither (the message names it).
    """
    if isinstance(obj, Harness):
        return obj
    if callable(obj):
        return Harness(cast("Callable[[Any, Path], ReadBack]", obj), name=name or repr(obj))
    raise TypeError(f"harness must be a conformance.Harness or a callable read(logger, directory), got {obj!r}")


SHIPPED_HARNESSES: Final[Mapping[str, str]] = {
    "impl._durable.JsonlLogger": "conformance.harnesses:JSONL",
    "lightning.pytorch.loggers.csv_logs.CSVLogger": "conformance.harnesses:CSV",
    "lightning.pytorch.loggers.tensorboard.TensorBoardLogger": "conformance.harnesses:TENSORBOARD",
    "lightning.pytorch.loggers.mlflow.MLFlowLogger": "conformance.harnesses:MLFLOW",
    # pytorch_lightning 1.5.10, and the pytorch_lightning mirror of Lightning 2.x: same storages.
    "pytorch_lightning.loggers.csv_logs.CSVLogger": "conformance.harnesses:CSV",
    "pytorch_lightning.loggers.tensorboard.TensorBoardLogger": "conformance.harnesses:TENSORBOARD",
    # The ecosystem: the Lightning loggers the tracking libraries' users use, offline or local.
    "lightning.pytorch.loggers.wandb.WandbLogger": "conformance.harnesses:WANDB",
    "pytorch_lightning.loggers.wandb.WandbLogger": "conformance.harnesses:WANDB",
    "lightning.pytorch.loggers.comet.CometLogger": "conformance.harnesses:COMET",
    "pytorch_lightning.loggers.comet.CometLogger": "conformance.harnesses:COMET",
    "dvclive.lightning.DVCLiveLogger": "conformance.harnesses:DVCLIVE",
    "aim.sdk.adapters.pytorch_lightning.AimLogger": "conformance.harnesses:AIM",
    "swanlab.integration.pytorch_lightning.SwanLabLogger": "conformance.harnesses:SWANLAB",
}
"""Logger class (``module.qualname``) to the shipped harness that reads its storage (``module:attribute``)."""


def _shipped(cls: type[Any]) -> Harness | None:
    target = SHIPPED_HARNESSES.get(f"{cls.__module__}.{cls.__qualname__}")
    if target is None:
        return None
    module, _, attribute = target.partition(":")
    return as_harness(getattr(importlib.import_module(module), attribute), target)


def harness_for(subject: LoggerSubject) -> Harness | None:
    """The subject's harness, else the shipped one for its loggers' class, else ``None``.

    The class is the factory when the factory is a class; otherwise one logger is built to see it.
    """
    if subject.harness is not None:
        return as_harness(subject.harness)
    if isinstance(subject.factory, type):
        return _shipped(cast("type[Any]", subject.factory))
    with fresh_logger(subject) as (logger, _):
        made: object = logger
        cls = type(made)
    return _shipped(cls)


# --- the calls a run makes ---------------------------------------------------------------------


@attrs.frozen(repr=False)
class _Run:
    """The calls of one example (finalize('success') follows them), with the harness that reads them back."""

    harness: Harness
    calls: tuple[tuple[str, tuple[Any, ...]], ...]

    def __repr__(self) -> str:
        return "; ".join(render_call(method, args) for method, args in self.calls) or "(no calls)"


def _runs(harness: Harness) -> st.SearchStrategy[_Run]:
    """log_metrics calls (steps repeat, go back, include 0 and None) with at most one log_hyperparams
    call somewhere among them: the seed documents one call recording the hyperparameters, and
    storages differ on a second one (MLflow refuses to change a value, TensorBoard shows the last)."""

    @st.composite
    def build(draw: st.DrawFn) -> _Run:
        logged = draw(st.lists(st.tuples(harness.metrics, cst.steps()), max_size=8))
        calls: list[tuple[str, tuple[Any, ...]]] = [("log_metrics", (m, s)) for m, s in logged]
        params = draw(st.one_of(st.none(), harness.hyperparams))
        if params is not None:
            calls.insert(draw(st.integers(min_value=0, max_value=len(calls))), ("log_hyperparams", (params,)))
        return _Run(harness, tuple(calls))

    return build()


def _cases(subject: LoggerSubject) -> st.SearchStrategy[_Run]:
    harness = harness_for(subject)
    if harness is None:
        raise NotApplicable(
            "no read-back harness given (--harness MODULE:ATTR, LoggerSuite.harness, LoggerSubject.harness) "
            "and none is shipped for this logger's class"
        )
    return _runs(harness)


# --- comparing ------------------------------------------------------------------------------


class _NaN:
    """NaN as a value that equals itself, so NaN logged and NaN read back compare equal."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _NaN)

    def __hash__(self) -> int:
        return 0x7FF8

    def __repr__(self) -> str:
        return "nan"


_ANY_STEP: Final = "<any step>"


def _canon(value: object) -> Any:
    """A hashable stand-in for ``value`` that compares as the property compares: ``==`` on numbers
    (1 == 1.0; -0.0 == 0.0), NaN equal to NaN, dicts regardless of key order."""
    if isinstance(value, Mapping):
        items = cast("Mapping[object, object]", value).items()
        return ("dict", frozenset((str(k), _canon(v)) for k, v in items))
    if isinstance(value, (list, tuple)):
        return ("list", tuple(_canon(v) for v in cast("Iterable[object]", value)))
    if isinstance(value, float) and math.isnan(value):
        return _NaN()
    return value


def _narrowed(value: object, narrow: Callable[[float], float] | None) -> Any:
    if isinstance(value, Mapping):
        return {k: _narrowed(v, narrow) for k, v in cast("Mapping[str, object]", value).items()}
    if narrow is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return narrow(value)


@attrs.frozen
class _Obs:
    """One thing compared: a record (``records``) or a key's value at a step (``series``)."""

    key: str | None  # None for a whole record
    step: Any  # int, None or _ANY_STEP
    value: Any  # _canon() of the (narrowed) metrics or value
    shown: tuple[Any, Any, Any] = attrs.field(eq=False)  # (step, as logged, as expected back) for messages


def _expected_obs(harness: Harness, logged: list[Record]) -> list[_Obs]:
    found: list[_Obs] = []
    for step, metrics in logged:
        at = (_ANY_STEP if harness.none_step == "any" else harness.none_step) if step is None else step
        expected = _narrowed(metrics, harness.narrow)
        if harness.layout == "records":
            found.append(_Obs(None, at, _canon(expected), (step, metrics, expected)))
        else:
            found.extend(_Obs(k, at, _canon(v), (step, {k: metrics[k]}, {k: v})) for k, v in expected.items())
    return found


def _read_obs(harness: Harness, records: Iterable[Record]) -> list[_Obs]:
    found: list[_Obs] = []
    for step, metrics in records:
        if harness.layout == "records":
            found.append(_Obs(None, step, _canon(metrics), (step, metrics, metrics)))
        else:
            found.extend(_Obs(k, step, _canon(v), (step, {k: v}, {k: v})) for k, v in metrics.items())
    return found


def _steps_match(expected: _Obs, read: _Obs) -> bool:
    return expected.step == _ANY_STEP or ((expected.step is None) == (read.step is None) and expected.step == read.step)


def _match(expected: list[_Obs], read: list[_Obs]) -> tuple[dict[int, int], list[int], list[int]]:
    """A largest matching of expected to read observations: ``(expected index -> read index, lost, extra)``.

    Exact steps are matched first, then observations whose step the storage numbers: read
    observations equal in key, step and value are interchangeable, so this order loses nothing.
    """
    free: dict[tuple[Any, Any, Any], list[int]] = {}
    for j, obs in enumerate(read):
        free.setdefault((obs.key, obs.step, obs.value), []).append(j)
    taken: set[int] = set()
    pairs: dict[int, int] = {}
    for i, obs in enumerate(expected):
        if obs.step == _ANY_STEP:
            continue
        candidates = free.get((obs.key, obs.step, obs.value))  # (a step of None is not 0: hashed apart)
        if candidates:
            pairs[i] = candidates.pop(0)
            taken.add(pairs[i])
    for i, obs in enumerate(expected):
        if obs.step != _ANY_STEP:
            continue
        found = next(
            (j for j, r in enumerate(read) if j not in taken and r.key == obs.key and r.value == obs.value), None
        )
        if found is not None:
            pairs[i] = found
            taken.add(found)
    lost = [i for i in range(len(expected)) if i not in pairs]
    extra = [j for j in range(len(read)) if j not in taken]
    return pairs, lost, extra


def _in_order(expected: list[_Obs], read: list[_Obs]) -> bool:
    """Each key's (or the records') read observations match the expected ones position by position."""
    keys = {o.key for o in expected} | {o.key for o in read}
    for key in keys:
        mine = [o for o in expected if o.key == key]
        theirs = [o for o in read if o.key == key]
        if len(mine) != len(theirs):
            return False
        if not all(e.value == r.value and _steps_match(e, r) for e, r in zip(mine, theirs, strict=True)):
            return False
    return True


def _show(obs: _Obs) -> str:
    step, metrics, _ = obs.shown
    return f"({step!r}, {metrics!r})"


def _metric_problems(harness: Harness, logged: list[Record], back: ReadBack) -> list[str]:
    expected = _expected_obs(harness, logged)
    read = _read_obs(harness, back.metrics)
    what = "record" if harness.layout == "records" else "observation"
    pairs, lost, extra = _match(expected, read)
    if harness.merges_identical:
        # An identical observation may be stored once: lost is fine when its twin was read back.
        matched = {expected[i] for i in pairs}
        lost = [i for i in lost if expected[i] not in matched]
    if not lost and not extra:
        if harness.ordered and not _in_order(expected, read):
            order = "records" if harness.layout == "records" else "each key's observations"
            return [
                f"every {what} was read back, but the storage keeps the logging order of {order} and they "
                f"came back in another: logged {[_show(o) for o in expected]}, read back {[_show(o) for o in read]}"
            ]
        return []
    problems: list[str] = []
    for i in lost:
        e = expected[i]
        twin = next((j for j in extra if read[j].key == e.key and read[j].value == e.value), None)
        if twin is not None:
            extra.remove(twin)
            problems.append(f"step changed: the {what} logged as {_show(e)} was read back at step {read[twin].step!r}")
            continue
        twin = next((j for j in extra if read[j].key == e.key and _steps_match(e, read[j])), None)
        if twin is not None and (e.key is not None or _same_keys(e, read[twin])):
            extra.remove(twin)
            narrowing = "" if harness.narrow is None else f", expected back as {e.shown[2]!r} after the storage's narrowing"
            problems.append(f"value changed: logged {_show(e)}{narrowing}, read back {_show(read[twin])}")
            continue
        problems.append(f"{what} lost: {_show(e)} was logged and is not in what was read back")
    for j in extra:
        r = read[j]
        logged_times = sum(1 for e in expected if e == r or (e.step == _ANY_STEP and (e.key, e.value) == (r.key, r.value)))
        if logged_times:
            times = sum(1 for o in read if o == r)
            problems.append(f"{what} duplicated: {_show(r)} was read back {times} times, logged {logged_times}")
        else:
            problems.append(f"{what} never logged was read back: {_show(r)}")
    return problems


def _same_keys(expected: _Obs, read: _Obs) -> bool:
    a: object = expected.shown[1]
    b: object = read.shown[1]
    return isinstance(a, dict) and isinstance(b, dict) and set(cast("Mapping[object, object]", a)) == set(
        cast("Mapping[object, object]", b)
    )


def _hyperparam_problems(harness: Harness, logged: dict[str, Any] | None, back: ReadBack) -> list[str]:
    expected = harness.flatten(copy.deepcopy(logged)) if logged is not None else {}
    read = back.hyperparams
    problems: list[str] = []
    for key, value in expected.items():
        if key not in read:
            problems.append(f"hyperparameter lost: {key!r} (expected back as {value!r}) is not in {dict(read)!r}")
        elif _canon(read[key]) != _canon(value):
            problems.append(f"hyperparameter changed: {key!r} expected back as {value!r}, read back as {read[key]!r}")
    problems.extend(
        f"hyperparameter never logged was read back: {key!r} = {read[key]!r}" for key in read if key not in expected
    )
    return problems


@register("logger.persisted_read_back", level="core", strategy=_cases)
def persisted_read_back(subject: LoggerSubject, run: _Run) -> None:
    """After log_metrics and log_hyperparams calls and finalize('success'), the logger's storage, read
    with its own reader, must give back every record logged exactly once (none lost, none duplicated),
    each under the step it was logged at (a step of None may be numbered by the storage), with the
    values logged (up to the storage's documented narrowing, such as float32 in TensorBoard), in the
    logging order where the storage keeps it, and the hyperparameters logged, equal after the
    storage's documented flattening; not applicable without a read-back harness for the logger."""
    harness = run.harness
    logged: list[Record] = []
    params: dict[str, Any] | None = None
    with fresh_logger(subject) as (logger, path):
        calls = CallLog(logger)
        for method, args in run.calls:
            if method == "log_metrics":
                logged.append((args[1], copy.deepcopy(args[0])))
            else:
                given = args[0]
                params = copy.deepcopy(dict(vars(given)) if isinstance(given, Namespace) else dict(given))
            calls.run(method, *copy.deepcopy(args))
        calls.run("finalize", "success")
        try:
            back = harness.read(logger, path)
        except Exception as error:
            raise ConformanceFailure(
                f"reading back with {harness.name} raised {type(error).__name__}: {error}; calls made: {calls}"
            ) from error
    if not isinstance(back, ReadBack):
        raise ConformanceFailure(f"the harness {harness.name} returned {back!r}, not a conformance.ReadBack")
    problems = _metric_problems(harness, logged, back) + _hyperparam_problems(harness, params, back)
    shown = problems[:4] + ([f"and {len(problems) - 4} more"] if len(problems) > 4 else [])
    expect(not problems, f"read back with {harness.name}: " + "; ".join(shown) + f"; calls made: {calls}")
