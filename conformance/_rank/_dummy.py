"""The dummy experiment: what absorbing every use means, and copying, iterating and truth-testing
it (the sentences of :class:`spec.AbsorbingExperiment`). Each is checked on a drawn rank other than 0."""

from __future__ import annotations

import copy
import itertools
import pickle
from collections.abc import Iterator
from typing import Any, TypeAlias

from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._core import ConformanceFailure, RankSubject, expect, register
from conformance._launch import at_rank
from conformance._rank._holders import Experiment, dummy_at

__all__: list[str] = []


# One step of using a dummy: ("attribute", name), ("own attribute", k) -- the k-th non-dunder name
# the object itself lists in dir(), where absorbing is most likely to break --, ("call", args,
# kwargs), ("index", key), or an assignment and a read of what was assigned: ("set attribute", name,
# value) is ``obj.name = value`` then ``obj.name``, ("set item", key, value) ``obj[key] = value``
# then ``obj[key]`` (``experiment.config["lr"] = 0.1`` runs on every rank).
Step: TypeAlias = tuple[Any, ...]


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _one_end(core: str, lead: bool) -> str:
    """``core`` with a double underscore before it (``__cache``) or after it (``x__``)."""
    return f"__{core}" if lead else f"{core}__"


_identifiers = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True).filter(lambda n: not _is_dunder(n)),
    # Names loggers use on their experiment, private ones too (1.5's TensorBoardLogger calls
    # experiment._get_file_writer()), and 1.5's DummyExperiment's own "nop".
    st.sampled_from(("_get_file_writer", "_private", "_", "add_scalar", "log_metrics", "nop")),
    # A double underscore at one end only is not a dunder (``__cache``, Python's private names;
    # ``x__``): a dummy that takes either end for both refuses them. Random names seldom have one.
    st.builds(
        _one_end,
        st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True).filter(lambda n: not n.endswith("_")),
        st.booleans(),
    ),
)
_argument_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.builds(Experiment),
)
# Keyword names include those a dummy's own parameters are likely to have (``dummy(self=1)`` must work).
# ("self" a branch of its own: one_of flattens _identifiers' branches into this one, so a name in a
# shared pool would come up too seldom.)
_keyword_names = st.one_of(st.just("self"), st.sampled_from(("args", "kwargs", "key", "name", "fn")), _identifiers)
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


_absorb_cases = st.tuples(cst.nonzero_ranks(), st.lists(_steps, min_size=1, max_size=8))


@register("rank.dummy_absorbs", level="core", strategy=lambda s: _absorb_cases)
def dummy_absorbs(subject: RankSubject, case: tuple[int, list[Step]]) -> None:
    """Any chain of attribute accesses (any non-dunder name), calls with any arguments, indexing with
    any key, and assignments to its attributes and items must succeed on the dummy experiment."""
    rank, steps = case
    with at_rank(subject.rank_source, rank):
        # One more attribute: what the last step gave must absorb too (a None that ends a chain is no dummy).
        _use(dummy_at(subject, rank), [*steps, ("attribute", "then")])


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


@register("rank.dummy_copy_pickle", level="strict", strategy=lambda s: cst.nonzero_ranks())
def dummy_copy_pickle(subject: RankSubject, rank: int) -> None:
    """copy.copy, copy.deepcopy and a pickle round trip of the dummy experiment must give a dummy again."""
    with at_rank(subject.rank_source, rank):
        dummy = dummy_at(subject, rank)
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


@register("rank.dummy_iter_ends", level="strict", strategy=lambda s: cst.nonzero_ranks())
def dummy_iter_ends(subject: RankSubject, rank: int) -> None:
    """Iterating the dummy experiment must end (it is empty)."""
    with at_rank(subject.rank_source, rank):
        dummy = dummy_at(subject, rank)
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


@register("rank.dummy_bool", level="strict", strategy=lambda s: cst.nonzero_ranks())
def dummy_bool(subject: RankSubject, rank: int) -> None:
    """bool() of the dummy experiment must not raise."""
    with at_rank(subject.rank_source, rank):
        dummy = dummy_at(subject, rank)
        try:
            bool(dummy)
        except Exception as error:
            raise ConformanceFailure(f"bool(dummy experiment) raised {type(error).__name__}: {error}") from error
