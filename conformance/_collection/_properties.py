"""The properties of a logger collection, each built from :mod:`._members` fakes."""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias, TypeGuard

import attrs
from hypothesis import strategies as st

import impl
from conformance import strategies as cst
from conformance._collection._members import (
    SIGNATURES,
    Call,
    Delivery,
    Marker,
    Member,
    check_delivery,
    check_unchanged,
    invoke,
    make,
    render,
    same_or_equal,
    snapshot,
    summary,
)
from conformance._compare import is_list
from conformance._core import CollectionSubject, ConformanceFailure, expect, register

__all__: list[str] = []


# Valid inputs for every method.
_markers = st.integers(0, 99)


def _marked(label: str) -> st.SearchStrategy[Marker]:
    """Fresh markers labelled ``label`` and a number."""

    def build(n: int) -> Marker:
        return Marker(f"{label} {n}")

    return st.builds(build, _markers)


_agg_functions = st.sampled_from((min, max, sum))
_metrics = st.one_of(cst.metric_dicts(), cst.nested_metric_dicts())
_key_funcs = st.one_of(st.none(), st.dictionaries(cst.metric_keys(), _agg_functions, max_size=3))
_statuses = st.sampled_from(("success", "failed", "aborted"))
_CALLS: dict[str, st.SearchStrategy[tuple[Any, ...]]] = {
    "log_metrics": st.one_of(st.tuples(_metrics), st.tuples(_metrics, cst.steps())),
    "log_hyperparams": st.tuples(cst.hyperparams()),
    "log_graph": st.one_of(
        st.tuples(_marked("model")),
        st.tuples(
            _marked("model"),
            st.one_of(st.none(), _marked("input array")),
        ),
    ),
    "agg_and_log_metrics": st.one_of(st.tuples(_metrics), st.tuples(_metrics, cst.steps())),
    "update_agg_funcs": st.one_of(st.tuples(), st.tuples(_key_funcs), st.tuples(_key_funcs, _agg_functions)),
    "save": st.just(()),
    "finalize": st.tuples(_statuses),
    "close": st.just(()),
    "after_save_checkpoint": st.tuples(_marked("checkpoint callback")),
}


@st.composite
def _call(draw: st.DrawFn, method: str) -> Call:
    """A valid call of ``method``: its arguments, the last ones (any number of them) by keyword."""
    args = draw(_CALLS[method])
    names = list(SIGNATURES[method].parameters)[1:]
    split = draw(st.integers(min_value=0, max_value=len(args)))
    return method, args[:split], dict(zip(names[split:], args[split:], strict=False))


def _calls() -> st.SearchStrategy[Call]:
    """One valid call to any of the logging methods."""
    return st.one_of([_call(method) for method in _CALLS])


# The default names real loggers use ("default", "lightning_logs", "") among any text.
_names = st.one_of(st.text(max_size=8), st.sampled_from(("default", "lightning_logs", "")))
# Members that keep files somewhere: the collection's save_dir must still be None, whatever they say.
_save_dirs = st.one_of(
    st.none(),
    st.sampled_from(("logs", "lightning_logs", "/tmp/tb_logs")),
    st.text(string.ascii_lowercase, min_size=1, max_size=6).map(lambda s: f"runs/{s}"),
)
_versions = st.one_of(
    st.integers(min_value=-5, max_value=10**6), st.text(string.ascii_letters + string.digits + "._-", max_size=6)
)
_experiments = st.one_of(
    _marked("experiment"),
    st.none(),
    st.builds(list[object]),
    st.builds(dict[object, object]),
    st.sampled_from((0, "", False, 0.0)),
    # What a member gated off rank 0 gives: a collection must list it like any other experiment.
    st.builds(impl.DummyExperiment),
)


@attrs.frozen
class _Spec:
    """What to build a member from."""

    name: str = "member"
    version: int | str = 0
    experiment: Any = None
    save_dir: str | None = None


_member_specs = st.builds(_Spec, _names, _versions, _experiments, _save_dirs)


def _members(specs: Iterable[_Spec], journal: list[Delivery]) -> list[Member]:
    return [
        Member(i, journal, name=s.name, version=s.version, experiment=s.experiment, save_dir=s.save_dir)
        for i, s in enumerate(specs)
    ]


def _build(subject: CollectionSubject, members: Iterable[Any], how: str = "a list") -> Any:
    try:
        return subject.factory(members)
    except Exception as error:
        raise ConformanceFailure(f"building a collection from {how} raised {type(error).__name__}: {error}") from error


_fan_out_cases = st.tuples(st.lists(_member_specs, max_size=4), st.lists(_calls(), min_size=1, max_size=8))


@register("collection.fan_out", level="core", strategy=lambda s: _fan_out_cases)
def fan_out(subject: CollectionSubject, case: tuple[list[_Spec], list[Call]]) -> None:
    """Every logging method (log_metrics, log_hyperparams, log_graph, agg_and_log_metrics,
    update_agg_funcs, save, finalize, close, after_save_checkpoint) must reach every member exactly
    once, with the same arguments, in member order, and call no other method of a member."""
    # Members differ in name and version, so that a collection that reorders them by either shows.
    specs, calls = case
    journal: list[Delivery] = []
    collection = _build(subject, _members(specs, journal))
    for call in calls:
        start = len(journal)
        made: Call = snapshot(call)  # (a copy is made, so that the example shown is as drawn)
        invoke(collection, made)
        check_delivery(journal[start:], call, len(specs))
        check_unchanged(made, call)


def _joined(values: Iterable[Any]) -> str:
    return "_".join(str(v) for v in values)


def _read(collection: Any, attribute: str) -> Any:
    try:
        return getattr(collection, attribute)
    except Exception as error:
        raise ConformanceFailure(f"reading collection.{attribute} raised {type(error).__name__}: {error}") from error


_property_cases = st.lists(st.tuples(_member_specs, _member_specs), max_size=4)


@register("collection.properties", level="core", strategy=lambda s: _property_cases)
def properties(subject: CollectionSubject, pairs: list[tuple[_Spec, _Spec]]) -> None:
    """name and version must be the members' str(name) and str(version) joined by "_"; experiment
    must be the list of the members' experiments; save_dir must be None."""
    # Read twice: as built, and after every member's name, version, experiment and save_dir changed (a
    # logger's version and experiment can change when its run starts): a collection that keeps what
    # it read at construction does not show the members' values.
    members = _members([first for first, _ in pairs], [])
    collection = _build(subject, members)
    for when in ("", " after the members' name, version, experiment and save_dir changed"):
        if when:
            for member, (_, second) in zip(members, pairs, strict=True):
                member.become(second)
        for attribute, want in (
            ("name", _joined(m.name for m in members)),
            ("version", _joined(m.version for m in members)),
        ):
            got = _read(collection, attribute)
            expect(
                isinstance(got, str) and got == want,
                f"collection.{attribute}{when} must be {want!r} (the members' {attribute}s joined by '_'), "
                f"got {got!r}",
            )
        experiment = _read(collection, "experiment")
        want_experiments = [m.experiment for m in members]
        expect(
            is_list(experiment)
            and len(experiment) == len(want_experiments)
            and all(got is want for got, want in zip(experiment, want_experiments, strict=False)),
            f"collection.experiment{when} must be the list of the members' experiments {want_experiments!r}, "
            f"got {experiment!r}",
        )
        save_dir = _read(collection, "save_dir")
        expect(
            save_dir is None,
            f"collection.save_dir{when} must be None (the members' are {[m.save_dir for m in members]!r}), "
            f"got {save_dir!r}",
        )


@register("collection.indexing", level="core", strategy=lambda s: st.integers(min_value=0, max_value=4))
def indexing(subject: CollectionSubject, count: int) -> None:
    """collection[index] must return the member at index (negative indices count from the end; an
    index out of range must raise IndexError); iter() must yield the members in order."""
    members = _members([_Spec()] * count, [])
    collection = _build(subject, members)
    for attempt in ("first", "second"):
        try:
            yielded = list(iter(collection))
        except Exception as error:
            raise ConformanceFailure(f"iterating the collection raised {type(error).__name__}: {error}") from error
        expect(
            len(yielded) == count and all(got is want for got, want in zip(yielded, members, strict=False)),
            f"iter(collection) ({attempt} time) must yield the members {members!r} in order, got {yielded!r}",
        )
    for index in range(-count, count):
        try:
            got = collection[index]
        except Exception as error:
            raise ConformanceFailure(f"collection[{index}] raised {type(error).__name__}: {error}") from error
        expect(got is members[index], f"collection[{index}] must be {members[index]!r}, got {got!r}")
    # Out of range, as a list: 1.5's LoggerCollection and impl's raise IndexError (a wrap-around index
    # or a None would name a member that is not there).
    for index in (count, -count - 1):
        try:
            got = collection[index]
        except IndexError:
            continue
        except Exception as error:
            raise ConformanceFailure(
                f"collection[{index}] of {count} members must raise IndexError, raised {type(error).__name__}: {error}"
            ) from error
        raise ConformanceFailure(f"collection[{index}] of {count} members must raise IndexError, got {got!r}")


# Strict: the seed documents no len() (pytorch_lightning 1.5's LoggerCollection has none).
@register("collection.length", level="strict", strategy=lambda s: st.integers(min_value=0, max_value=4))
def length(subject: CollectionSubject, count: int) -> None:
    """len() must return the number of members."""
    collection = _build(subject, _members([_Spec()] * count, []))
    try:
        got = len(collection)
    except Exception as error:
        raise ConformanceFailure(f"len(collection) raised {type(error).__name__}: {error}") from error
    expect(got == count, f"len(collection) of {count} members must be {count}, got {got!r}")


def _outcome(read: Callable[[], Any]) -> tuple[str, Any]:
    """``("value", value)`` or ``("raised", exception type name)``."""
    try:
        return "value", read()
    except Exception as error:
        return "raised", type(error).__name__


def _observe(collection: Any, members: list[Member]) -> dict[str, tuple[str, Any]]:
    """What a collection shows besides forwarding, members (and their experiments) given by index."""

    def positions(objects: Iterable[Any]) -> list[Any]:
        return [o.index if isinstance(o, Member) else repr(o) for o in objects]

    def experiments() -> list[list[int]]:
        return [[m.index for m in members if m.experiment is e] for e in collection.experiment]

    return {
        "collection.name": _outcome(lambda: collection.name),
        "collection.version": _outcome(lambda: collection.version),
        "collection.experiment (as member indices)": _outcome(experiments),
        "len(collection)": _outcome(lambda: len(collection)),
        "iter(collection) (as member indices)": _outcome(lambda: positions(iter(collection))),
        "collection[0] (as a member index)": _outcome(lambda: positions([collection[0]])),
        "collection[-1] (as a member index)": _outcome(lambda: positions([collection[-1]])),
    }


def _same_deliveries(a: list[Delivery], b: list[Delivery]) -> bool:
    return len(a) == len(b) and all(
        x.member == y.member
        and x.method == y.method
        and x.arguments.keys() == y.arguments.keys()
        and all(same_or_equal(x.arguments[k], y.arguments[k]) for k in x.arguments)
        for x, y in zip(a, b, strict=True)
    )


def _forward(collection: Any, call: Call, journal: list[Delivery]) -> tuple[str, list[Delivery]]:
    """Make ``call``; return how it ended (``"returned"`` or the exception's type) and what reached the members."""
    start = len(journal)
    try:
        make(collection, call)
        ended = "returned"
    except Exception as error:
        ended = f"raised {type(error).__name__}"
    return ended, journal[start:]


_one_shot_cases = st.tuples(st.lists(_member_specs, max_size=4), st.lists(_calls(), min_size=1, max_size=6))


@register("collection.one_shot_iterator", level="strict", strategy=lambda s: _one_shot_cases)
def one_shot_iterator(subject: CollectionSubject, case: tuple[list[_Spec], list[Call]]) -> None:
    """A collection built from a one-shot iterator must behave as one built from a list, for every call."""
    specs, calls = case
    listed_journal: list[Delivery] = []
    one_shot_journal: list[Delivery] = []
    listed_members = _members(specs, listed_journal)
    one_shot_members = _members(specs, one_shot_journal)
    listed = _build(subject, list(listed_members))
    one_shot = _build(subject, iter(list(one_shot_members)), "a one-shot iterator")
    name, version = _joined(s.name for s in specs), _joined(s.version for s in specs)
    done: list[str] = []
    for call in [None, *calls]:
        if call is not None:
            done.append(render(call))
            listed_ended, listed_got = _forward(listed, call, listed_journal)
            one_shot_ended, one_shot_got = _forward(one_shot, call, one_shot_journal)
            expect(
                listed_ended == one_shot_ended and _same_deliveries(listed_got, one_shot_got),
                f"calls {' ; '.join(done)}: built from a list, the last call {listed_ended} and reached "
                f"{summary(listed_got)}; built from a one-shot iterator, it {one_shot_ended} and reached "
                f"{summary(one_shot_got)}",
            )
        when = f"after calls {' ; '.join(done)}" if done else "before any call"
        listed_seen, one_shot_seen = _observe(listed, listed_members), _observe(one_shot, one_shot_members)
        for attribute, want in (("name", name), ("version", version)):
            how, got = one_shot_seen[f"collection.{attribute}"]
            expect(
                (how, got) == ("value", want),
                f"{when}: a collection built from a one-shot iterator must have {attribute} {want!r}, got "
                + (repr(got) if how == "value" else f"{got} raised"),
            )
        for what, seen in listed_seen.items():
            expect(
                one_shot_seen[what] == seen,
                f"{when}: {what} gave {seen} for a collection built from a list, but {one_shot_seen[what]} "
                "for one built from a one-shot iterator",
            )


class _MemberError(Exception):
    """An error a member raises on purpose."""


_ERROR_TYPES: tuple[type[Exception], ...] = (_MemberError, ValueError, RuntimeError, KeyError, OSError)


Round: TypeAlias = tuple[Call, dict[int, Exception]]
"""One call to make on a collection, and the members that raise (with their errors) when it reaches them."""


@st.composite
def _isolation_cases(draw: st.DrawFn) -> tuple[int, list[Round]]:
    """1-4 members and 1-6 calls in turn, each with its own raising members: the same ones as the call
    before (half the time) or drawn afresh, or none (a clean call), so a member often fails twice or
    more, in a row or not, and between failures a clean call must reach it."""
    count = draw(st.integers(min_value=1, max_value=4))
    members = st.lists(st.integers(min_value=0, max_value=count - 1), unique=True, max_size=count).map(set)
    rounds: list[Round] = []
    raising: set[int] = draw(st.sets(st.integers(min_value=0, max_value=count - 1), min_size=1))
    for n in range(draw(st.integers(min_value=1, max_value=6))):
        if n and not draw(st.booleans()):
            raising = draw(members)
        call = draw(_calls())
        errors: dict[int, Exception] = {}
        for i in sorted(raising):
            errors[i] = draw(st.sampled_from(_ERROR_TYPES))(f"member {i} failed on purpose (call {n + 1})")
        rounds.append((call, errors))
    return count, rounds


def _leaves(error: BaseException) -> list[BaseException]:
    """The exceptions an exception group carries, at any depth (or the exception itself)."""
    if _is_group(error):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


def _is_group(error: BaseException) -> TypeGuard[BaseExceptionGroup[BaseException]]:
    # (Not isinstance at the call: pyright (strict) types the narrowed group as BaseExceptionGroup[Unknown].)
    return isinstance(error, BaseExceptionGroup)


def _check_round(
    collection: Any, count: int, call: Call, errors: dict[int, Exception], journal: list[Delivery], done: str
) -> None:
    """``call`` on ``collection`` reaches every member, and raises one exception carrying every error
    in ``errors`` (nothing when it is empty)."""
    method = call[0]
    start = len(journal)
    raised: Exception | None = None
    try:
        make(collection, call)
    except Exception as error:
        raised = error
    reached = [d.member for d in journal[start:] if d.method == method]
    missing = [i for i in range(count) if i not in reached]
    raising = f"with members {sorted(errors)} raising" if errors else "with no member raising"
    expect(
        not missing,
        f"{done}collection.{render(call)} {raising} (of {count}): members {missing} were never reached "
        f"(reached {reached})",
    )
    if not errors:
        expect(
            raised is None,
            f"{done}collection.{render(call)} {raising} must not raise; it raised {type(raised).__name__}: {raised!r}",
        )
        return
    if raised is None:
        raise ConformanceFailure(
            f"{done}collection.{render(call)} {raising} must raise an exception carrying "
            f"{list(errors.values())!r}; it raised nothing"
        )
    if not (len(errors) == 1 and raised is next(iter(errors.values()))):
        leaves = _leaves(raised)
        lost = [e for e in errors.values() if not any(leaf is e for leaf in leaves)]
        expect(
            not lost,
            f"{done}collection.{render(call)} must raise one exception carrying every member's error "
            f"{list(errors.values())!r} (the error itself, or an exception group holding them); it raised "
            f"{type(raised).__name__}: {raised!r}, which does not carry {lost!r}",
        )


@register("collection.error_isolation", level="strict", strategy=lambda s: _isolation_cases())
def error_isolation(subject: CollectionSubject, case: tuple[int, list[Round]]) -> None:
    """A member that raises must not stop delivery to the members after it; after delivering to all,
    the call must raise one exception that carries every member's error. A member that raised, any
    number of times, must still be reached by later calls."""
    count, rounds = case
    journal: list[Delivery] = []
    members = [Member(i, journal) for i in range(count)]
    collection = _build(subject, members)
    done: list[str] = []
    for call, errors in rounds:
        for member in members:
            member.raise_on({call[0]: errors[member.index]} if member.index in errors else {})
        _check_round(collection, count, call, errors, journal, f"after {' ; '.join(done)}: " if done else "")
        done.append(f"{render(call)} [{f'members {sorted(errors)} raising' if errors else 'none raising'}]")
    # The members no longer raise: each method called again must reach every one of them (a member
    # that raised is not dropped from later calls, however many times it raised).
    for member in members:
        member.stop_raising()
    for call, _ in rounds:
        _check_round(collection, count, call, {}, journal, f"after {' ; '.join(done)}, then with none raising: ")
