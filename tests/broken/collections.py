"""Broken logger collections, one or more per collection property."""

from __future__ import annotations

import contextlib
from argparse import Namespace
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

import impl
import spec
from conformance._core import CollectionSubject
from tests.broken import Broken


class LoggerCollection15(impl.LightningLoggerBase):
    """pytorch_lightning 1.5.10's LoggerCollection: it keeps the iterable and re-reads it at every call
    (a generator serves one call), stops at the first member that raises, and has no ``__len__``."""

    def __init__(self, logger_iterable: Iterable[Any]) -> None:
        super().__init__()
        self._logger_iterable = logger_iterable

    def __getitem__(self, index: int) -> Any:
        return list(self._logger_iterable)[index]

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        for logger in self._logger_iterable:
            logger.after_save_checkpoint(checkpoint_callback)

    def update_agg_funcs(
        self,
        agg_key_funcs: Mapping[str, Callable[[Sequence[float]], float]] | None = None,
        agg_default_func: Callable[[Sequence[float]], float] = np.mean,
    ) -> None:
        for logger in self._logger_iterable:
            logger.update_agg_funcs(agg_key_funcs, agg_default_func)

    @property
    def experiment(self) -> list[Any]:
        return [logger.experiment for logger in self._logger_iterable]

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        for logger in self._logger_iterable:
            logger.agg_and_log_metrics(metrics, step)

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        for logger in self._logger_iterable:
            logger.log_metrics(metrics, step)

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        for logger in self._logger_iterable:
            logger.log_hyperparams(params)

    def log_graph(self, model: Any, input_array: Any = None) -> None:
        for logger in self._logger_iterable:
            logger.log_graph(model, input_array)

    def save(self) -> None:
        for logger in self._logger_iterable:
            logger.save()

    def finalize(self, status: str) -> None:
        for logger in self._logger_iterable:
            logger.finalize(status)

    def close(self) -> None:
        for logger in self._logger_iterable:
            logger.close()

    @property
    def save_dir(self) -> str | None:
        return None

    @property
    def name(self) -> str:
        return "_".join(str(logger.name) for logger in self._logger_iterable)

    @property
    def version(self) -> str:
        return "_".join(str(logger.version) for logger in self._logger_iterable)


class SavesTwice(impl.LoggerCollection):
    """Forwards ``save()`` twice to every member."""

    def save(self) -> None:
        super().save()
        super().save()


class DropsStep(impl.LoggerCollection):
    """Forwards ``log_metrics`` without its step."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().log_metrics(metrics)


class HyperparamsAsDict(impl.LoggerCollection):
    """Turns a Namespace of hyperparameters into a dict before forwarding it."""

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        super().log_hyperparams(vars(params) if isinstance(params, Namespace) else params, *args, **kwargs)


class ReversedMembers(impl.LoggerCollection):
    """Keeps its members in reverse order."""

    def __init__(self, logger_iterable: Iterable[spec.Logger]) -> None:
        super().__init__(list(logger_iterable)[::-1])


class DashJoined(impl.LoggerCollection):
    """Joins the members' names with "-"."""

    @property
    def name(self) -> str:
        return "-".join(str(logger.name) for logger in self)


class RawVersions(impl.LoggerCollection):
    """Joins the members' versions as written, dropping int versions."""

    @property
    def version(self) -> str:
        return "_".join(v for v in (logger.version for logger in self) if isinstance(v, str))


class ExperimentTupleOfNames(impl.LoggerCollection):
    """Its experiment is a tuple of the members' names."""

    @property
    def experiment(self) -> Any:
        return tuple(logger.name for logger in self)


class TruthyExperimentsOnly(impl.LoggerCollection):
    """Its experiment leaves out the members' falsy experiments."""

    @property
    def experiment(self) -> list[Any]:
        return [e for e in super().experiment if e]


class SaveDirIsCwd(impl.LoggerCollection):
    """Its save_dir is the current directory."""

    @property
    def save_dir(self) -> str | None:
        return "."


class PositiveIndexOnly(impl.LoggerCollection):
    """Rejects negative indices."""

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, int) and index < 0:
            raise IndexError(f"index {index} out of range")
        return super().__getitem__(index)


class LenCountsFromOne(impl.LoggerCollection):
    """``len()`` is one more than the number of members."""

    def __len__(self) -> int:
        return super().__len__() + 1


class SwallowsErrors(impl.LoggerCollection):
    """Reaches every member, then swallows their errors."""

    def _forward(self, method: str, *args: Any, **kwargs: Any) -> None:
        with contextlib.suppress(impl.LoggerCollectionError):
            super()._forward(method, *args, **kwargs)


class RaisesLastError(impl.LoggerCollection):
    """Reaches every member, then raises only the last member's error."""

    def _forward(self, method: str, *args: Any, **kwargs: Any) -> None:
        try:
            super()._forward(method, *args, **kwargs)
        except impl.LoggerCollectionError as group:
            raise group.exceptions[-1] from None


class RaisesSummary(impl.LoggerCollection):
    """Reaches every member, then raises a new RuntimeError that names the errors but carries none."""

    def _forward(self, method: str, *args: Any, **kwargs: Any) -> None:
        try:
            super()._forward(method, *args, **kwargs)
        except impl.LoggerCollectionError as group:
            raise RuntimeError(f"{method} failed: {[str(e) for e in group.exceptions]}") from None


class ReadsOnFirstCall(impl.LoggerCollection):
    """Keeps the iterable and reads it at the first call only; reading ``name`` or ``version``
    re-reads it (so a one-shot iterator is exhausted by then)."""

    def __init__(self, logger_iterable: Iterable[spec.Logger]) -> None:
        super().__init__([])
        self._source = logger_iterable
        self._read = False

    def _forward(self, method: str, *args: Any, **kwargs: Any) -> None:
        if not self._read:
            self._loggers = tuple(self._source)
            self._members = tuple(enumerate(self._loggers))
            self._read = True
        super()._forward(method, *args, **kwargs)

    @property
    def name(self) -> str:
        return "_".join(str(logger.name) for logger in self._source)

    @property
    def version(self) -> str:
        return "_".join(str(logger.version) for logger in self._source)


# --- found by the adversarial audit: subtler bugs ---------------------------------------------


def _floats(metrics: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _floats(v) if isinstance(v, Mapping) else float(v) for k, v in metrics.items()}


class ForwardsFloats(impl.LoggerCollection):
    """Forwards a copy of metrics with every value made a float (1 arrives as 1.0: equal, not the same)."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().log_metrics(_floats(metrics), step)

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().agg_and_log_metrics(_floats(metrics), step)


def _flat(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in metrics.items():
        if isinstance(value, Mapping):
            out.update(_flat(value, f"{prefix}{key}/"))
        else:
            out[f"{prefix}{key}"] = value
    return out


class FlattensNestedMetrics(impl.LoggerCollection):
    """Flattens nested metrics ({'d': {'a': 1}} -> {'d/a': 1}) before forwarding them."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().log_metrics(_flat(metrics), step)

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().agg_and_log_metrics(_flat(metrics), step)


class RenamedStep(impl.LoggerCollection):
    """agg_and_log_metrics names its step ``global_step``: Lightning's agg_and_log_metrics(m, step=s) fails."""

    def agg_and_log_metrics(self, metrics: dict[str, float], global_step: int | None = None) -> None:
        super().agg_and_log_metrics(metrics, global_step)


class ForwardsNoneDefault(impl.LoggerCollection):
    """update_agg_funcs(funcs) forwards agg_default_func=None: the members lose their default function."""

    def update_agg_funcs(self, agg_key_funcs: Any = None, agg_default_func: Any = None) -> None:
        for logger in self:
            getattr(logger, "update_agg_funcs")(agg_key_funcs, agg_default_func)  # noqa: B009 - not every spec.Logger has it


class MembersSortedByName(impl.LoggerCollection):
    """Keeps its members sorted by name (so they are reached in that order)."""

    def __init__(self, logger_iterable: Iterable[spec.Logger]) -> None:
        super().__init__(sorted(logger_iterable, key=lambda logger: str(logger.name)))


class VersionDashJoined(impl.LoggerCollection):
    """Joins the names with "_" but the versions with "-"."""

    @property
    def version(self) -> str:
        return "-".join(str(logger.version) for logger in self)


class DistinctVersions(impl.LoggerCollection):
    """Joins each distinct version once ("0_0" becomes "0")."""

    @property
    def version(self) -> str:
        return "_".join(dict.fromkeys(str(logger.version) for logger in self))


class ExperimentTuple(impl.LoggerCollection):
    """Its experiment is a tuple of the members' experiments, not a list."""

    @property
    def experiment(self) -> Any:
        return tuple(logger.experiment for logger in self)


class IteratesOnce(impl.LoggerCollection):
    """iter() returns one iterator made at construction: a second iteration yields nothing."""

    def __init__(self, logger_iterable: Iterable[spec.Logger]) -> None:
        super().__init__(logger_iterable)
        self._iterator = iter(tuple(super().__iter__()))

    def __iter__(self) -> Any:
        return self._iterator


class LenCountsNames(impl.LoggerCollection):
    """len() counts the members' distinct names."""

    def __len__(self) -> int:
        return len({str(logger.name) for logger in self})


class ChecksMembersThenLists(impl.LoggerCollection):
    """Checks that every member has log_metrics, then lists the iterable: a one-shot iterator is
    exhausted by the check, so the collection is empty."""

    def __init__(self, logger_iterable: Iterable[spec.Logger]) -> None:
        if not all(callable(getattr(logger, "log_metrics", None)) for logger in logger_iterable):
            raise TypeError("every member must be a logger")
        super().__init__(logger_iterable)


class RaisesFirstError(impl.LoggerCollection):
    """Reaches every member, then raises only the first member's error."""

    def _forward(self, method: str, *args: Any, **kwargs: Any) -> None:
        try:
            super()._forward(method, *args, **kwargs)
        except impl.LoggerCollectionError as group:
            raise group.exceptions[0] from None


class WrapsErrors(impl.LoggerCollection):
    """Reaches every member, then raises a group of RuntimeErrors that wrap (as __cause__) the members' errors."""

    def _forward(self, method: str, *args: Any, **kwargs: Any) -> None:
        try:
            super()._forward(method, *args, **kwargs)
        except impl.LoggerCollectionError as group:
            wrapped: list[Exception] = []
            for error in group.exceptions:
                outer = RuntimeError(f"{method}: {error}")
                outer.__cause__ = error
                wrapped.append(outer)
            raise ExceptionGroup(f"{method} failed", wrapped) from None


# --- found by the second adversarial audit ---------------------------------------------------


class AggAlsoLogs(impl.LoggerCollection):
    """agg_and_log_metrics also calls every member's log_metrics: each member logs the metrics twice."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        super().agg_and_log_metrics(metrics, step)
        super().log_metrics(metrics, step)


class FinalizeSavesFirst(impl.LoggerCollection):
    """finalize() saves every member first, then finalizes it (a call the caller did not make)."""

    def finalize(self, status: str) -> None:
        self._forward("save")
        super().finalize(status)


class SanitizesInPlace(impl.LoggerCollection):
    """log_metrics makes the caller's metric values floats, in the caller's dict, before forwarding it."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        for key, value in list(metrics.items()):
            if not isinstance(value, Mapping):
                metrics[key] = float(value)
        super().log_metrics(metrics, step)


class AddsStepInPlace(impl.LoggerCollection):
    """agg_and_log_metrics writes the step into the caller's metrics dict before forwarding it."""

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if step is not None:
            metrics["step"] = step
        super().agg_and_log_metrics(metrics, step)


class NameAtConstruction(impl.LoggerCollection):
    """name and version are read once, at construction (a member's version that changes when its run
    starts, as WandbLogger's does, is never seen)."""

    def __init__(self, logger_iterable: Iterable[spec.Logger]) -> None:
        super().__init__(logger_iterable)
        self._name = "_".join(str(logger.name) for logger in self)
        self._version = "_".join(str(logger.version) for logger in self)

    @property
    def name(self) -> str:
        return self._name

    @property
    def version(self) -> str:
        return self._version


class ExperimentAtConstruction(impl.LoggerCollection):
    """experiment is the list of the members' experiments as they were at construction."""

    def __init__(self, logger_iterable: Iterable[spec.Logger]) -> None:
        super().__init__(logger_iterable)
        self._experiments = [logger.experiment for logger in self]

    @property
    def experiment(self) -> list[Any]:
        return self._experiments


class DropsFailedMembers(impl.LoggerCollection):
    """A member that raised once is left out of every later call (a circuit breaker)."""

    def __init__(self, logger_iterable: Iterable[spec.Logger]) -> None:
        super().__init__(logger_iterable)
        self._dead: set[int] = set()

    def _forward(self, method: str, *args: Any, **kwargs: Any) -> None:
        failures: list[Exception] = []
        for index, logger in self._members:
            if index in self._dead:
                continue
            try:
                getattr(logger, method)(*args, **kwargs)
            except Exception as error:
                self._dead.add(index)
                failures.append(error)
        if failures:
            raise impl.LoggerCollectionError(f"{method} failed", failures)

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self._forward("log_metrics", metrics, step)

    def agg_and_log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        self._forward("agg_and_log_metrics", metrics, step)


class WrapsAroundIndex(impl.LoggerCollection):
    """collection[i] wraps around (i % len): collection[len] is the first member, not an IndexError."""

    def __getitem__(self, index: Any) -> Any:
        return super().__getitem__(index % len(self) if isinstance(index, int) and len(self) else index)


def _subject(factory: Callable[[Iterable[Any]], Any]) -> CollectionSubject:
    return CollectionSubject(factory, f"tests.broken.collections:{factory.__name__}")


BROKEN = [
    Broken("collection.fan_out", _subject(SavesTwice), "save() reaches every member twice"),
    Broken("collection.fan_out", _subject(DropsStep), "log_metrics forwards no step"),
    Broken("collection.fan_out", _subject(HyperparamsAsDict), "a Namespace arrives as a dict"),
    Broken("collection.fan_out", _subject(ReversedMembers), "members reached in reverse order"),
    Broken("collection.properties", _subject(DashJoined), "name joined with '-'"),
    Broken("collection.properties", _subject(RawVersions), "int versions dropped from version"),
    Broken("collection.properties", _subject(ExperimentTupleOfNames), "experiment is a tuple of the names"),
    Broken("collection.properties", _subject(TruthyExperimentsOnly), "falsy experiments left out"),
    Broken("collection.properties", _subject(SaveDirIsCwd), "save_dir is '.'"),
    Broken("collection.indexing", _subject(PositiveIndexOnly), "negative indices rejected"),
    Broken("collection.indexing", _subject(ReversedMembers), "indexing and iteration reversed"),
    Broken("collection.length", _subject(LenCountsFromOne), "len() off by one"),
    Broken("collection.length", _subject(LoggerCollection15), "1.5: no __len__"),
    Broken("collection.one_shot_iterator", _subject(LoggerCollection15), "1.5: the iterable is re-read at every call"),
    Broken("collection.one_shot_iterator", _subject(ReadsOnFirstCall), "name re-reads an exhausted iterator"),
    Broken("collection.error_isolation", _subject(LoggerCollection15), "1.5: the first error stops delivery"),
    Broken("collection.error_isolation", _subject(SwallowsErrors), "errors swallowed"),
    Broken("collection.error_isolation", _subject(RaisesLastError), "only the last error raised"),
    Broken("collection.error_isolation", _subject(RaisesSummary), "a new exception that carries no member error"),
    # Found by the adversarial audit.
    Broken("collection.fan_out", _subject(ForwardsFloats), "metrics forwarded as floats"),
    Broken("collection.fan_out", _subject(FlattensNestedMetrics), "nested metrics flattened"),
    Broken("collection.fan_out", _subject(RenamedStep), "agg_and_log_metrics(step=...) fails"),
    Broken("collection.fan_out", _subject(ForwardsNoneDefault), "an omitted default forwarded as None"),
    Broken("collection.fan_out", _subject(MembersSortedByName), "members reached sorted by name"),
    Broken("collection.properties", _subject(DistinctVersions), "repeated versions joined once"),
    Broken("collection.properties", _subject(VersionDashJoined), "versions joined with '-'"),
    Broken("collection.properties", _subject(ExperimentTuple), "experiment is a tuple"),
    Broken("collection.indexing", _subject(IteratesOnce), "a second iteration yields nothing"),
    Broken("collection.length", _subject(LenCountsNames), "len() counts distinct names"),
    Broken("collection.one_shot_iterator", _subject(ChecksMembersThenLists), "the check exhausts an iterator"),
    Broken("collection.error_isolation", _subject(RaisesFirstError), "only the first error raised"),
    Broken("collection.error_isolation", _subject(WrapsErrors), "errors wrapped, not carried"),
    # Found by the second audit.
    Broken("collection.fan_out", _subject(AggAlsoLogs), "agg_and_log_metrics also calls log_metrics"),
    Broken("collection.fan_out", _subject(FinalizeSavesFirst), "finalize() also calls save()"),
    Broken("collection.fan_out", _subject(SanitizesInPlace), "the caller's metrics made floats in place"),
    Broken("collection.fan_out", _subject(AddsStepInPlace), "the step written into the caller's metrics"),
    Broken("collection.properties", _subject(NameAtConstruction), "name and version read at construction"),
    Broken("collection.properties", _subject(ExperimentAtConstruction), "experiments read at construction"),
    Broken("collection.indexing", _subject(WrapsAroundIndex), "an index out of range wraps around"),
    Broken("collection.error_isolation", _subject(DropsFailedMembers), "a member that raised is dropped"),
]
