"""Broken rank gates, dummy experiments and rank-blind loggers, one or more per rank property."""

from __future__ import annotations

import copy
import functools
import itertools
import os
import threading
from argparse import Namespace
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import impl
from conformance._core import LoggerSubject, RankSubject
from tests.broken import Broken

Getter = Callable[[Any], Any]


class DummyExperiment15:
    """pytorch_lightning 1.5.10's DummyExperiment: every attribute is ``nop`` (a function that returns
    None, so chains fail), it is not callable, deepcopy finds ``nop`` as ``__deepcopy__`` and gives
    None, and iteration goes on forever through ``__getitem__``."""

    def nop(self, *args: Any, **kw: Any) -> None:
        pass

    def __getattr__(self, _: str) -> Any:
        return self.nop

    def __getitem__(self, idx: Any) -> DummyExperiment15:
        return self

    def __setitem__(self, *args: Any, **kwargs: Any) -> None:
        pass


def rank_zero_experiment_15(fn: Getter) -> Getter:
    """pytorch_lightning 1.5.10's rank_zero_experiment: a falsy experiment is replaced by the dummy."""

    @functools.wraps(fn)
    def experiment(self: Any) -> Any:
        @impl.rank_zero_only
        def get_experiment() -> Any:
            return fn(self)

        return get_experiment() or DummyExperiment15()

    return experiment


def calls_getter_everywhere(fn: Getter) -> Getter:
    """Builds the real experiment on every rank, then discards it off rank 0."""

    @functools.wraps(fn)
    def experiment(self: Any) -> Any:
        real = fn(self)
        return real if impl.rank_zero_only.rank == 0 else impl.DummyExperiment()

    return experiment


def none_off_rank_zero(fn: Getter) -> Getter:
    """``rank_zero_only`` used as the experiment decorator: None off rank 0."""
    return impl.rank_zero_only(fn)


def _gate(dummy: Callable[[], Any]) -> Callable[[Getter], Getter]:
    """A correct gate that returns ``dummy()`` off rank 0."""

    def decorator(fn: Getter) -> Getter:
        @functools.wraps(fn)
        def experiment(self: Any) -> Any:
            return fn(self) if impl.rank_zero_only.rank == 0 else dummy()

        return experiment

    decorator.__name__ = f"gate_with_{dummy.__name__}"
    return decorator


class AbsorbingDummy:
    """A correct dummy, written apart from ``impl.DummyExperiment``;
    each broken dummy below breaks one thing of it."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        return self

    def __getitem__(self, key: Any) -> Any:
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        pass

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        return iter(())


class NotCallableDummy:
    """Absorbs attributes and indexing but cannot be called."""

    def __getattr__(self, name: str) -> NotCallableDummy:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self

    def __getitem__(self, key: Any) -> NotCallableDummy:
        return self


class MangledNamesDummy(AbsorbingDummy):
    """Takes a name with a leading double underscore (``__cache``, Python's private names) for a
    dunder and refuses it: ``dummy.__cache`` raises AttributeError."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self


class TrailingUnderscoresDummy(AbsorbingDummy):
    """Refuses a name that starts or ends with a double underscore (``either end`` for ``both
    ends``): ``dummy.x__`` raises AttributeError."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name.endswith("__"):
            raise AttributeError(name)
        return self


class TupleIndexDummy(AbsorbingDummy):
    """Indexes a one-item tuple: only 0 and -1 work (a slice gives a tuple)."""

    __slots__ = ()

    def __getitem__(self, key: Any) -> Any:
        return (self,)[key]


class NopDummy(AbsorbingDummy):
    """Keeps 1.5's ``nop`` method: ``dummy.nop`` is a real method,
    so ``dummy.nop.x`` and ``dummy.nop().x`` raise."""

    __slots__ = ()

    def nop(self, *args: Any, **kwargs: Any) -> None:
        pass


class SelfKeywordDummy(AbsorbingDummy):
    """``__call__``'s ``self`` is not positional-only, so
    ``dummy(self=1)`` raises TypeError."""

    __slots__ = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self


class LockedDummy(AbsorbingDummy):
    """Holds a lock, so neither deepcopy nor pickle can copy it."""

    def __init__(self) -> None:
        object.__setattr__(self, "lock", threading.Lock())  # (the dummy's own __setattr__ absorbs)


class EndlessDummy(AbsorbingDummy):
    """Iterating yields the dummy forever."""

    __slots__ = ()

    def __iter__(self) -> Iterator[Any]:
        return itertools.repeat(self)


class LenAbsorbingDummy(AbsorbingDummy):
    """``len()`` is absorbed too (it returns the dummy), so ``bool()`` raises TypeError."""

    __slots__ = ()

    def __len__(self) -> Any:
        return self


class AmbiguousDummy(AbsorbingDummy):
    """``bool()`` raises, like a tensor with several elements."""

    __slots__ = ()

    def __bool__(self) -> bool:
        raise RuntimeError("the truth value of a dummy experiment is ambiguous")


class UngatedFileLogger(impl.LightningLoggerBase):
    """Writes every metrics dict to ``save_dir/metrics.csv`` on every rank (its experiment is gated)."""

    def __init__(self, save_dir: str | os.PathLike[str]) -> None:
        super().__init__()
        self._dir = Path(save_dir)
        self._rows: list[str] = []

    @property
    def name(self) -> str:
        return "ungated"

    @property
    def version(self) -> int:
        return 0

    @property
    def save_dir(self) -> str:
        return str(self._dir)

    @property
    @impl.rank_zero_experiment
    def experiment(self) -> list[str]:
        return self._rows

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        with open(self._dir / "metrics.csv", "a") as file:
            file.write(f"{step},{metrics}\n")

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        pass


class EnvironmentRankIgnoredLogger(UngatedFileLogger):
    """Reads ``RANK`` when it is built, as CometLogger does, but writes its metrics whatever it read."""

    def __init__(self, save_dir: str | os.PathLike[str]) -> None:
        super().__init__(save_dir)
        self.launched_rank = int(os.environ.get("RANK", "0"))


class _Writer:
    """A backend writer that creates its directory when built."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.scalars: list[tuple[str, float, int]] = []

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        self.scalars.append((tag, value, step))


class EagerWriterLogger(UngatedFileLogger):
    """Writes nothing itself, but its experiment is not gated: building the writer creates
    ``save_dir/version_0`` on every rank."""

    _writer: _Writer | None = None

    @property
    def experiment(self) -> Any:
        if self._writer is None:
            self._writer = _Writer(self._dir / "version_0")
        return self._writer

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        pass


# --- found by the adversarial audit: subtler bugs ---------------------------------------------


def rank_read_at_decoration(fn: Getter) -> Getter:
    """Reads the rank once, when it decorates (at import, before the launcher sets the rank)."""
    on_rank_zero = impl.rank_zero_only.rank == 0

    @functools.wraps(fn)
    def experiment(self: Any) -> Any:
        return fn(self) if on_rank_zero else impl.DummyExperiment()

    return experiment


def reads_the_environment(fn: Getter) -> Getter:
    """Reads $RANK itself instead of the rank object (a rank set on the object is ignored)."""

    @functools.wraps(fn)
    def experiment(self: Any) -> Any:
        return fn(self) if int(os.environ.get("RANK", "0")) == 0 else impl.DummyExperiment()

    return experiment


def returns_a_copy(fn: Getter) -> Getter:
    """On rank 0 returns a (shallow) copy of the experiment, not the experiment."""

    @functools.wraps(fn)
    def experiment(self: Any) -> Any:
        return copy.copy(fn(self)) if impl.rank_zero_only.rank == 0 else impl.DummyExperiment()

    return experiment


class ShallowDummy(AbsorbingDummy):
    """Absorbs two levels of attributes; the third attribute in a row raises (it counts its depth)."""

    __slots__ = ("__depth__",)

    def __init__(self, depth: int = 0) -> None:
        object.__setattr__(self, "__depth__", depth)  # (the dummy's own __setattr__ absorbs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        if self.__depth__ >= 2:
            raise AttributeError(f"dummy experiment: no attribute {name!r} at depth {self.__depth__ + 1}")
        return ShallowDummy(self.__depth__ + 1)


class PrivateNamesNoneDummy(AbsorbingDummy):
    """Gives None for a name that starts with "_" (not a dunder): dummy._get_file_writer() raises."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            if name.startswith("__") and name.endswith("__"):
                raise AttributeError(name)
            return None
        return self


class PositionalOnlyCallDummy(AbsorbingDummy):
    """Its call takes positional arguments only: dummy(step=3) raises."""

    __slots__ = ()

    def __call__(self, /, *args: Any) -> Any:
        return self


def local_dummy() -> Any:
    """A dummy whose class is defined inside a function: copy works, pickle cannot find the class."""

    class Local(AbsorbingDummy):
        __slots__ = ()

    return Local()


class NextAbsorbingDummy(AbsorbingDummy):
    """iter() returns the dummy, and next() is absorbed too: iterating never ends."""

    __slots__ = ()

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        return self


class BoolIsTheDummy(AbsorbingDummy):
    """``__bool__`` is absorbed like everything else: it returns the dummy, so bool() raises TypeError."""

    __slots__ = ()

    def __bool__(self) -> Any:
        return self


class HparamsEverywhereLogger(UngatedFileLogger):
    """Gates its metrics, but writes ``hparams.yaml`` on every rank."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if impl.rank_zero_only.rank == 0:
            super().log_metrics(metrics, step)

    def log_hyperparams(self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any) -> None:
        values = vars(params) if isinstance(params, Namespace) else params
        (self._dir / "hparams.yaml").write_text("".join(f"{k}: {v!r}\n" for k, v in values.items()))


class RankReadAtImportLogger(UngatedFileLogger):
    """Writes only "on rank 0", the rank read once when the class was defined."""

    _on_rank_zero = impl.rank_zero_only.rank == 0

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if self._on_rank_zero:
            super().log_metrics(metrics, step)


# --- found by the second adversarial audit ---------------------------------------------------


def rank_of_first_read(fn: Getter) -> Getter:
    """Reads the rank at the getter's first call and keeps it (the experiment read before the
    launcher sets the rank decides for good)."""
    first: list[int] = []

    @functools.wraps(fn)
    def experiment(self: Any) -> Any:
        if not first:
            first.append(impl.rank_zero_only.rank)
        return fn(self) if first[0] == 0 else impl.DummyExperiment()

    return experiment


def cached_on_the_instance(fn: Getter) -> Getter:
    """Keeps the first result (real or dummy) on the instance: a later rank is never looked at."""

    @functools.wraps(fn)
    def experiment(self: Any) -> Any:
        cached = vars(self).get("_gated_experiment")
        if cached is None:
            cached = fn(self) if impl.rank_zero_only.rank == 0 else impl.DummyExperiment()
            vars(self)["_gated_experiment"] = cached
        return cached

    return experiment


def calls_getter_twice(fn: Getter) -> Getter:
    """On rank 0 calls the getter once to check it and again to return it (two experiments built)."""

    @functools.wraps(fn)
    def experiment(self: Any) -> Any:
        if impl.rank_zero_only.rank != 0:
            return impl.DummyExperiment()
        fn(self)
        return fn(self)

    return experiment


def swallows_getter_errors(fn: Getter) -> Getter:
    """On rank 0 a getter that raises gives the dummy: the user never learns the experiment failed."""

    @functools.wraps(fn)
    def experiment(self: Any) -> Any:
        if impl.rank_zero_only.rank != 0:
            return impl.DummyExperiment()
        try:
            return fn(self)
        except Exception:
            return impl.DummyExperiment()

    return experiment


class IteratesItselfDummy(AbsorbingDummy):
    """Iterating gives the dummy once (so ``for e in experiment`` runs its body once)."""

    __slots__ = ()

    def __iter__(self) -> Iterator[Any]:
        return iter((self,))


class StoresAttributesDummy:
    """Absorbs reads, calls and indexing, but is a plain object otherwise: ``dummy.config = {}`` stores
    the dict (``dummy.config.x`` then raises) and ``dummy[k] = v`` raises."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self

    def __call__(self, /, *args: Any, **kwargs: Any) -> Any:
        return self

    def __getitem__(self, key: Any) -> Any:
        return self

    def __iter__(self) -> Iterator[Any]:
        return iter(())


# Rank objects whose decorator (``rank_zero_only(fn)``, spec.RankGate) is broken; the rank itself
# is kept as impl's (set, read from the environment, dropped). Found by the suite's mutation run:
# no property used the rank object as a decorator.


class _BrokenGate(impl.RankZeroOnly):
    """impl's rank object whose decorator's wrapper calls :meth:`run` at each call."""

    def __call__(self, fn: Callable[..., Any], /) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return self.run(fn, args, kwargs)

        return wrapped

    def run(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return fn(*args, **kwargs) if self.rank == 0 else None


class CallsFnEverywhere(_BrokenGate):
    """Calls ``fn`` on every rank (its side effects run everywhere) and returns None off rank 0."""

    def run(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        result = fn(*args, **kwargs)
        return result if self.rank == 0 else None


class RunsOnNegativeRanks(_BrokenGate):
    """Runs ``fn`` while ``rank <= 0``: rank -1 (``LOCAL_RANK=-1``) runs it."""

    def run(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return fn(*args, **kwargs) if self.rank <= 0 else None


class FalsyResultLost(_BrokenGate):
    """Returns ``fn(...) or None``: a falsy result (0, "", []) comes back as None."""

    def run(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return (fn(*args, **kwargs) or None) if self.rank == 0 else None


class RankReadWhenDecorating(impl.RankZeroOnly):
    """Reads the rank once, when it decorates: a function decorated at import runs on every rank."""

    def __call__(self, fn: Callable[..., Any], /) -> Callable[..., Any]:
        on_rank_zero = self.rank == 0

        @functools.wraps(fn)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return fn(*args, **kwargs) if on_rank_zero else None

        return wrapped


class KeywordsDropped(_BrokenGate):
    """Passes ``fn`` its positional arguments only."""

    def run(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return fn(*args) if self.rank == 0 else None


def _gate_object(cls: type[impl.RankZeroOnly]) -> RankSubject:
    """A correct ``rank_zero_experiment`` on an instance of ``cls``: only the decorator is broken."""
    source = cls()

    def decorator(fn: Getter) -> Getter:
        @functools.wraps(fn)
        def experiment(self: Any) -> Any:
            return fn(self) if source.rank == 0 else impl.DummyExperiment()

        return experiment

    return RankSubject(decorator, source, f"tests.broken.ranks:{cls.__name__}")


def _rank(decorator: Callable[[Getter], Getter]) -> RankSubject:
    return RankSubject(decorator, impl.rank_zero_only, f"tests.broken.ranks:{decorator.__name__}")


def _logger(factory: type[Any]) -> LoggerSubject:
    return LoggerSubject(factory, f"tests.broken.ranks:{factory.__name__}", rank_source=impl.rank_zero_only)


BROKEN = [
    Broken("rank.gate_runs_on_rank_zero_only", _gate_object(CallsFnEverywhere), "fn runs on every rank"),
    Broken("rank.gate_runs_on_rank_zero_only", _gate_object(RunsOnNegativeRanks), "rank <= 0: rank -1 runs fn"),
    Broken("rank.gate_runs_on_rank_zero_only", _gate_object(FalsyResultLost), "a falsy result comes back as None"),
    Broken("rank.gate_runs_on_rank_zero_only", _gate_object(RankReadWhenDecorating), "the rank read when decorating"),
    Broken("rank.gate_runs_on_rank_zero_only", _gate_object(KeywordsDropped), "fn's keyword arguments dropped"),
    Broken("rank.dummy_off_rank_zero", _rank(calls_getter_everywhere), "the getter runs on every rank"),
    Broken("rank.dummy_off_rank_zero", _rank(none_off_rank_zero), "None off rank 0"),
    Broken("rank.result_on_rank_zero", _rank(rank_zero_experiment_15), "1.5: a falsy experiment becomes the dummy"),
    Broken("rank.dummy_absorbs", _rank(rank_zero_experiment_15), "1.5: attributes are nop, so chains fail"),
    Broken("rank.dummy_absorbs", _rank(_gate(NotCallableDummy)), "the dummy cannot be called"),
    Broken("rank.dummy_absorbs", _rank(_gate(TupleIndexDummy)), "only index 0 and -1 work"),
    Broken("rank.dummy_absorbs", _rank(_gate(NopDummy)), "dummy.nop is a real method (as in 1.5)"),
    Broken("rank.dummy_absorbs", _rank(_gate(SelfKeywordDummy)), "dummy(self=1) raises"),
    Broken("rank.dummy_absorbs", _rank(_gate(MangledNamesDummy)), "dummy.__cache raises (taken for a dunder)"),
    Broken("rank.dummy_absorbs", _rank(_gate(TrailingUnderscoresDummy)), "dummy.x__ raises (either end taken for both)"),
    Broken("rank.dummy_copy_pickle", _rank(rank_zero_experiment_15), "1.5: deepcopy gives None"),
    Broken("rank.dummy_copy_pickle", _rank(_gate(LockedDummy)), "deepcopy and pickle raise"),
    Broken("rank.dummy_iter_ends", _rank(rank_zero_experiment_15), "1.5: __getitem__ iterates forever"),
    Broken("rank.dummy_iter_ends", _rank(_gate(EndlessDummy)), "__iter__ repeats forever"),
    Broken("rank.dummy_bool", _rank(_gate(LenAbsorbingDummy)), "__len__ returns the dummy"),
    Broken("rank.dummy_bool", _rank(_gate(AmbiguousDummy)), "__bool__ raises"),
    Broken("logger.nothing_written_off_rank_zero", _logger(UngatedFileLogger), "log_metrics writes on every rank"),
    Broken("logger.nothing_written_off_rank_zero", _logger(EagerWriterLogger), "the experiment is built on every rank"),
    Broken(
        "logger.nothing_written_off_rank_zero",
        _logger(EnvironmentRankIgnoredLogger),
        "RANK read when built, then written anyway",
    ),
    # Found by the adversarial audit.
    Broken("rank.dummy_off_rank_zero", _rank(rank_read_at_decoration), "the rank is read when decorating"),
    Broken("rank.dummy_off_rank_zero", _rank(reads_the_environment), "$RANK read, the rank object ignored"),
    Broken("rank.result_on_rank_zero", _rank(rank_read_at_decoration), "the rank is read when decorating"),
    Broken("rank.result_on_rank_zero", _rank(returns_a_copy), "a copy of the experiment on rank 0"),
    Broken("rank.dummy_absorbs", _rank(_gate(ShallowDummy)), "the third chained attribute raises"),
    Broken("rank.dummy_absorbs", _rank(_gate(PositionalOnlyCallDummy)), "dummy(step=3) raises"),
    Broken("rank.dummy_absorbs", _rank(_gate(PrivateNamesNoneDummy)), "dummy._private is None"),
    Broken("rank.dummy_copy_pickle", _rank(_gate(local_dummy)), "pickle cannot find a local class"),
    Broken("rank.dummy_iter_ends", _rank(_gate(NextAbsorbingDummy)), "next() is absorbed: iteration never ends"),
    Broken("rank.dummy_bool", _rank(_gate(BoolIsTheDummy)), "__bool__ returns the dummy"),
    Broken("logger.nothing_written_off_rank_zero", _logger(HparamsEverywhereLogger), "hparams.yaml on every rank"),
    Broken("logger.nothing_written_off_rank_zero", _logger(RankReadAtImportLogger), "the rank read at import"),
    # Found by the second audit.
    Broken("rank.dummy_off_rank_zero", _rank(rank_of_first_read), "the rank of the first read is kept"),
    Broken("rank.dummy_off_rank_zero", _rank(cached_on_the_instance), "the first result is kept on the instance"),
    Broken("rank.result_on_rank_zero", _rank(cached_on_the_instance), "the first result is kept on the instance"),
    Broken("rank.result_on_rank_zero", _rank(calls_getter_twice), "the getter is called twice on rank 0"),
    Broken("rank.result_on_rank_zero", _rank(swallows_getter_errors), "the getter's error becomes the dummy"),
    Broken("rank.dummy_absorbs", _rank(_gate(StoresAttributesDummy)), "assignments are not absorbed"),
    Broken("rank.dummy_iter_ends", _rank(_gate(IteratesItselfDummy)), "iterating gives the dummy once"),
]
