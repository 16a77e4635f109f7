"""Properties of the rank gate (``rank_zero_experiment`` and its dummy experiment): the sentences of
:class:`spec.ExperimentDecorator` and :class:`spec.AbsorbingExperiment`, and the logger-level one.

Each example sets ``rank_source.rank`` with :func:`at_rank`, which puts back exactly what was there
before. The decorator is applied to the getter of an ``experiment`` property of a small holder
class, as a logger applies it.
"""

from __future__ import annotations

import copy
import inspect
import itertools
import pickle
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeAlias, cast

from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._core import ConformanceFailure, LoggerSubject, NotApplicable, RankSubject, expect, register
from conformance._observe import fresh_logger

__all__ = ["at_rank"]

_MISSING: Any = object()


def _restorer(source: Any) -> Callable[[], None]:
    """Return a function that puts ``source``'s rank setting back as it is now.

    - A ``rank`` property backed by a private ``_rank`` (impl's ``RankZeroOnly``): ``_rank`` is put
      back exactly (``del source.rank`` would drop an explicit setting).
    - A plain attribute (pytorch_lightning's ``rank_zero_only`` function object): the instance's
      own ``rank`` is put back, or removed if it had none.
    - Another ``rank`` descriptor, or no instance dict: the value read now is set again, or the
      attribute deleted if reading it failed.
    """
    # (cast to object: type() of an Any is type[Unknown] to pyright, which strict mode rejects.)
    static: object = inspect.getattr_static(type(cast(object, source)), "rank", None)
    state: dict[str, Any] | None = getattr(source, "__dict__", None)
    if isinstance(static, property) and isinstance(state, dict) and "_rank" in state:
        private = state["_rank"]

        def restore_private() -> None:
            state["_rank"] = private

        return restore_private
    if not hasattr(type(static), "__set__") and isinstance(state, dict):
        own = state.get("rank", _MISSING)

        def restore_own() -> None:
            if own is _MISSING:
                state.pop("rank", None)
            else:
                state["rank"] = own

        return restore_own
    try:
        previous = getattr(source, "rank", _MISSING)
    except Exception:
        previous = _MISSING

    def restore_attribute() -> None:
        # An object that refuses the attribute (a read-only rank) was not changed: nothing to undo.
        with suppress(AttributeError, TypeError):
            if previous is _MISSING:
                del source.rank
            else:
                source.rank = previous

    return restore_attribute


@contextmanager
def at_rank(source: Any, rank: int) -> Generator[None, None, None]:
    """Set ``source.rank = rank`` for the block, then restore the previous state exactly."""
    restore = _restorer(source)
    try:
        try:
            source.rank = rank
        except Exception as error:
            raise ConformanceFailure(
                f"setting the rank object's rank to {rank} raised {type(error).__name__}: {error}"
            ) from error
        yield
    finally:
        restore()


class _Experiment:
    """A real experiment that the getter returns."""

    def __repr__(self) -> str:
        return "<real experiment>"


class _EmptyRun:
    """A falsy experiment object: an empty container-like run."""

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "<empty run (falsy)>"


class _GetterError(Exception):
    """What a getter raises on purpose (its experiment cannot be built)."""


def _holder(subject: RankSubject, value: Any, raises: Exception | None = None) -> tuple[Any, list[None]]:
    """An instance of a class whose ``experiment`` property is the decorated getter returning
    ``value`` (or raising ``raises``), and the list the getter appends to at each call."""
    calls: list[None] = []

    def experiment(self: Any) -> Any:
        calls.append(None)
        if raises is not None:
            raise raises
        return value

    try:
        gated = subject.decorator(experiment)
    except Exception as error:
        raise ConformanceFailure(f"decorating an experiment getter raised {type(error).__name__}: {error}") from error
    cls = type("Holder", (), {"experiment": property(gated)})
    return cls(), calls


def _experiment_at(holder: Any, rank: int) -> Any:
    """``holder.experiment`` read on ``rank``; an exception is a failure."""
    try:
        return holder.experiment
    except Exception as error:
        raise ConformanceFailure(
            f"on rank {rank}, reading experiment raised {type(error).__name__}: {error}"
        ) from error


def _dummy(subject: RankSubject, rank: int) -> Any:
    """What the decorated getter gives while the rank is set to ``rank`` (not 0): it must not be
    None, and the getter must not have been called."""
    holder, calls = _holder(subject, _Experiment())
    got = _experiment_at(holder, rank)
    expect(got is not None, f"on rank {rank} the decorated getter must return a dummy experiment, got None")
    expect(not calls, f"on rank {rank} the wrapped getter must not be called, it was called {len(calls)} times")
    return got


# Reads at these ranks come first, on the same holder: a gate that keeps the rank (or the result) of
# its first read, per getter or per instance, must not pass.
_earlier_ranks = st.lists(st.integers(min_value=0, max_value=7), max_size=3)


def _read_at(subject: RankSubject, holder: Any, rank: int) -> Any:
    with at_rank(subject.rank_source, rank):
        return _experiment_at(holder, rank)


def _history(ranks: list[int]) -> str:
    return f" (read before on ranks {ranks})" if ranks else ""


@register(
    "rank.dummy_off_rank_zero",
    level="core",
    strategy=lambda s: st.tuples(_earlier_ranks, st.integers(min_value=1, max_value=7)),
)
def dummy_off_rank_zero(subject: RankSubject, case: tuple[list[int], int]) -> None:
    """On every rank other than 0 the wrapper must return an AbsorbingExperiment and must not call fn."""
    # Decorated on rank 0 and read on another, as a class is defined at import and the launcher sets
    # the rank later: a gate that reads the rank when it decorates must not pass.
    earlier, rank = case
    with at_rank(subject.rank_source, 0):
        holder, calls = _holder(subject, _Experiment())
    for i, at in enumerate([*earlier, rank]):
        before = len(calls)
        got = _read_at(subject, holder, at)
        if at == 0:
            continue
        expect(
            got is not None,
            f"on rank {at} the decorated getter (decorated on rank 0){_history(earlier[:i])} must return a "
            "dummy experiment, got None",
        )
        expect(
            not isinstance(got, _Experiment),
            f"on rank {at} the decorated getter (decorated on rank 0){_history(earlier[:i])} must return a "
            f"dummy experiment, got the real one {got!r}",
        )
        expect(
            len(calls) == before,
            f"on rank {at} the wrapped getter (decorated on rank 0){_history(earlier[:i])} must not be called, "
            f"it was called {len(calls) - before} times",
        )


_results = st.one_of(
    st.sampled_from((0, "", None, False, 0.0)),
    st.builds(list[object]),
    st.builds(dict[object, object]),
    st.builds(_EmptyRun),
    st.builds(_Experiment),
    st.integers(min_value=1),
    st.text(min_size=1, max_size=6),
    st.lists(st.integers(), min_size=1, max_size=3),
)


@register("rank.result_on_rank_zero", level="core", strategy=lambda s: st.tuples(_results, _earlier_ranks))
def result_on_rank_zero(subject: RankSubject, case: tuple[Any, list[int]]) -> None:
    """On rank 0 the wrapper must call fn once and return its result unchanged, even when that result
    is falsy; an exception fn raises must come through."""
    value, earlier = case
    with at_rank(subject.rank_source, 1):  # decorated on another rank: the rank is read when called
        holder, calls = _holder(subject, value)
    for i, at in enumerate([*earlier, 0]):
        before = len(calls)
        got = _read_at(subject, holder, at)
        if at != 0:
            continue
        where = f"on rank 0 the decorated getter (decorated on rank 1){_history(earlier[:i])}"
        expect(got is value, f"{where} must return the getter's result {value!r} itself, got {got!r}")
        expect(len(calls) == before + 1, f"{where} must call the getter once, it called it {len(calls) - before} times")
    # A getter that cannot build its experiment: on rank 0 its error is the caller's to see.
    error = _GetterError("the experiment cannot be built")
    with at_rank(subject.rank_source, 1):
        failing, _ = _holder(subject, value, raises=error)
    with at_rank(subject.rank_source, 0):
        try:
            got = failing.experiment
        except Exception as raised:
            expect(
                raised is error,
                f"on rank 0, a getter that raises {error!r} must let it through, the wrapper raised "
                f"{type(raised).__name__}: {raised}",
            )
        else:
            raise ConformanceFailure(
                f"on rank 0, a getter that raises {error!r} must let it through, the wrapper returned {got!r}"
            )


# One step of using a dummy: ("attribute", name), ("own attribute", k) -- the k-th non-dunder name
# the object itself lists in dir(), where absorbing is most likely to break --, ("call", args,
# kwargs), ("index", key), or an assignment and a read of what was assigned: ("set attribute", name,
# value) is ``obj.name = value`` then ``obj.name``, ("set item", key, value) ``obj[key] = value``
# then ``obj[key]`` (``experiment.config["lr"] = 0.1`` runs on every rank).
Step: TypeAlias = tuple[Any, ...]


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


_identifiers = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True).filter(lambda n: not _is_dunder(n)),
    # Names loggers use on their experiment, private ones too (1.5's TensorBoardLogger calls
    # experiment._get_file_writer()), and 1.5's DummyExperiment's own "nop".
    st.sampled_from(("_get_file_writer", "_private", "_", "add_scalar", "log_metrics", "nop")),
)
_argument_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.builds(_Experiment),
)
# Keyword names include those a dummy's own parameters are likely to have (``dummy(self=1)`` must work).
_keyword_names = st.one_of(_identifiers, st.sampled_from(("self", "args", "kwargs", "key", "name", "fn")))
_keys = st.one_of(
    st.integers(min_value=-5, max_value=5),
    st.text(max_size=5),
    st.tuples(st.integers(min_value=-3, max_value=3), st.text(max_size=3)),
    st.slices(10),
)


_steps = st.one_of(
    st.tuples(st.just("attribute"), _identifiers),
    st.tuples(st.just("own attribute"), st.integers(min_value=0, max_value=50)),
    st.tuples(
        st.just("call"),
        st.lists(_argument_values, max_size=3).map(tuple),
        st.dictionaries(_keyword_names, _argument_values, max_size=3),
    ),
    st.tuples(st.just("index"), _keys),
    st.tuples(st.just("set attribute"), _identifiers, _argument_values),
    st.tuples(st.just("set item"), _keys, _argument_values),
)


def _own_name(obj: Any, k: int) -> str:
    try:
        names = sorted(n for n in dir(obj) if not _is_dunder(n))
    except Exception:
        names = []
    return names[k % len(names)] if names else "experiment"


def _use(dummy: Any, steps: list[Step], start: str = "dummy") -> Any:
    """Apply ``steps`` one after another; an exception is a failure naming the statements so far."""
    obj = dummy
    expression = start
    done: list[str] = []  # the assignments made so far, for the message
    for step in steps:
        kind = step[0]
        doing = expression
        try:
            if kind in ("attribute", "own attribute", "set attribute"):
                name = step[1] if kind != "own attribute" else _own_name(obj, step[1])
                if kind == "set attribute":
                    doing = f"{expression}.{name} = {step[2]!r}"
                    setattr(obj, name, step[2])
                    done.append(doing)
                doing = expression = f"{expression}.{name}"
                obj = getattr(obj, name)
            elif kind == "call":
                words = [repr(a) for a in step[1]] + [f"{k}={v!r}" for k, v in step[2].items()]
                doing = expression = f"{expression}({', '.join(words)})"
                obj = obj(*step[1], **step[2])
            else:
                if kind == "set item":
                    doing = f"{expression}[{step[1]!r}] = {step[2]!r}"
                    obj[step[1]] = step[2]
                    done.append(doing)
                doing = expression = f"{expression}[{step[1]!r}]"
                obj = obj[step[1]]
        except Exception as error:
            shown = "; ".join([*done, doing] if doing not in done else done)
            raise ConformanceFailure(
                f"the dummy experiment must absorb every use, but {shown} raised {type(error).__name__}: {error}"
            ) from error
    return obj


_absorb_cases = st.tuples(st.integers(min_value=1, max_value=7), st.lists(_steps, min_size=1, max_size=8))


@register("rank.dummy_absorbs", level="core", strategy=lambda s: _absorb_cases)
def dummy_absorbs(subject: RankSubject, case: tuple[int, list[Step]]) -> None:
    """Any chain of attribute accesses (any non-dunder name), calls with any arguments, indexing with
    any key, and assignments to its attributes and items must succeed on the dummy experiment."""
    rank, steps = case
    with at_rank(subject.rank_source, rank):
        # One more attribute: what the last step gave must absorb too (a None that ends a chain is no dummy).
        _use(_dummy(subject, rank), [*steps, ("attribute", "then")])


_PROBES: tuple[list[Step], ...] = (
    [("attribute", "add_scalar")],
    [("call", ("loss", 1.0), {"global_step": 3})],
    [("index", 0)],
    [("attribute", "log_metrics"), ("call", ({"loss": 1.0},), {"step": 3}), ("index", "k"), ("attribute", "x")],
)
"""Uses of a dummy: one attribute, one call, one index, and a chain of all three."""


def _survives(obj: Any, steps: list[Step]) -> bool:
    try:
        _use(obj, steps)
    except ConformanceFailure:
        return False
    return True


def _pickled(obj: Any) -> Any:
    return pickle.loads(pickle.dumps(obj))


@register("rank.dummy_copy_pickle", level="strict")
def dummy_copy_pickle(subject: RankSubject, _: None) -> None:
    """copy.copy, copy.deepcopy and a pickle round trip of the dummy experiment must give a dummy again."""
    with at_rank(subject.rank_source, 1):
        dummy = _dummy(subject, 1)
        # The copies are held to what the dummy itself absorbs, so that this property is about copying
        # (rank.dummy_absorbs is about absorbing).
        absorbed = [steps for steps in _PROBES if _survives(dummy, steps)]
        for how, duplicate in (
            ("copy.copy", copy.copy),
            ("copy.deepcopy", copy.deepcopy),
            ("a pickle round trip", _pickled),
        ):
            try:
                got = duplicate(dummy)
            except Exception as error:
                raise ConformanceFailure(
                    f"{how} of the dummy experiment raised {type(error).__name__}: {error}"
                ) from error
            expect(got is not None, f"{how} of the dummy experiment must give a dummy again, got None")
            for steps in absorbed:
                try:
                    _use(got, steps, f"({how} of the dummy)")
                except ConformanceFailure as failure:
                    raise ConformanceFailure(
                        f"{how} of the dummy experiment must give a dummy again, absorbing what the dummy "
                        f"absorbs; {failure}"
                    ) from failure


_LIMIT = 1000


@register("rank.dummy_iter_ends", level="strict")
def dummy_iter_ends(subject: RankSubject, _: None) -> None:
    """Iterating the dummy experiment must end (it is empty)."""
    with at_rank(subject.rank_source, 1):
        dummy = _dummy(subject, 1)
        try:
            iterator: Iterator[object] = iter(dummy)
            items = list(itertools.islice(iterator, _LIMIT))
        except Exception as error:
            raise ConformanceFailure(
                f"iterating the dummy experiment raised {type(error).__name__}: {error}"
            ) from error
        expect(len(items) < _LIMIT, f"iterating the dummy experiment must end; it gave {_LIMIT} items and went on")
        expect(not items, f"iterating the dummy experiment must give nothing (it is empty), it gave {items!r}")
        count = 0
        try:
            for _item in dummy:
                count += 1
                if count >= _LIMIT:
                    break
        except Exception as error:
            raise ConformanceFailure(
                f"a for loop over the dummy experiment raised {type(error).__name__}: {error}"
            ) from error
        expect(count < _LIMIT, f"a for loop over the dummy experiment must end; it ran {_LIMIT} times and went on")


@register("rank.dummy_bool", level="strict")
def dummy_bool(subject: RankSubject, _: None) -> None:
    """bool() of the dummy experiment must not raise."""
    with at_rank(subject.rank_source, 1):
        dummy = _dummy(subject, 1)
        try:
            bool(dummy)
        except Exception as error:
            raise ConformanceFailure(f"bool(dummy experiment) raised {type(error).__name__}: {error}") from error


class _Marker:
    """An opaque argument (a model, a checkpoint callback)."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __repr__(self) -> str:
        return f"<{self.label}>"


def _logger_cases(subject: LoggerSubject) -> st.SearchStrategy[tuple[int, dict[str, Any], Any, int]]:
    if subject.rank_source is None:
        raise NotApplicable("no rank object given")
    return st.tuples(
        st.integers(min_value=1, max_value=3),
        cst.metric_dicts(min_size=1),
        cst.hyperparams(),
        st.integers(min_value=0, max_value=3),
    )


def _tree(path: Path) -> list[str]:
    """Everything under ``path``, relative to it (directories end with "/")."""
    return sorted(str(p.relative_to(path)) + ("/" if p.is_dir() else "") for p in path.rglob("*"))


@register("logger.nothing_written_off_rank_zero", level="core", strategy=_logger_cases)
def nothing_written_off_rank_zero(subject: LoggerSubject, case: tuple[int, dict[str, Any], Any, int]) -> None:
    """Applied to a logger given a rank object: on a rank other than 0 nothing may appear under the
    logger's save directory, whatever is called."""
    if subject.rank_source is None:
        raise NotApplicable("no rank object given")
    rank, metrics, params, step = case
    with at_rank(subject.rank_source, rank), fresh_logger(subject) as (logger, path):
        done: list[str] = []

        def call(what: str, fn: Callable[[], Any], *, may_raise: bool = False) -> Any:
            done.append(what)
            result: Any = None
            try:
                result = fn()
            except Exception as error:
                if not may_raise:
                    raise ConformanceFailure(
                        f"on rank {rank}, {what} raised {type(error).__name__}: {error}"
                    ) from error
            written = _tree(path)
            expect(
                not written,
                f"on rank {rank} nothing may appear under the save directory, but after {' ; '.join(done)} "
                f"it holds {written}",
            )
            return result

        def has(method: str) -> bool:
            return callable(getattr(logger, method, None))

        call(f"log_hyperparams({params!r})", lambda: logger.log_hyperparams(params))
        call(f"log_metrics({metrics!r}, {step})", lambda: logger.log_metrics(metrics, step))
        if has("update_agg_funcs"):
            call("update_agg_funcs()", lambda: logger.update_agg_funcs())
        if has("agg_and_log_metrics"):
            call(f"agg_and_log_metrics({metrics!r}, {step})", lambda: logger.agg_and_log_metrics(metrics, step))
            call(f"agg_and_log_metrics({metrics!r}, {step + 1})", lambda: logger.agg_and_log_metrics(metrics, step + 1))
        call("log_graph(<model>)", lambda: logger.log_graph(_Marker("model")))
        experiment = call("reading experiment", lambda: logger.experiment)
        # Using the experiment as a TensorBoard writer shows an ungated writer by what it writes; an
        # experiment that is no writer (a list, a client) may raise here: the experiment *should* be a
        # dummy off rank 0, but only what appears on disk breaks this sentence.
        call(
            "experiment.add_scalar('loss', 1.0, 0)",
            lambda: experiment.add_scalar("loss", 1.0, 0),
            may_raise=True,
        )
        call(
            "after_save_checkpoint(<checkpoint callback>)",
            lambda: logger.after_save_checkpoint(_Marker("checkpoint callback")),
        )
        call("save()", lambda: logger.save())
        call("finalize('success')", lambda: logger.finalize("success"))
        if has("close"):
            call("close()", lambda: logger.close())
