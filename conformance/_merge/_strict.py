"""The strict properties of a merge function (where pytorch_lightning 1.5 raises or is
nondeterministic), in report order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._core import ConformanceFailure, MergeSubject, expect, register
from conformance._merge._cases import (
    PATH_KEYS,
    VALUE_OR_NONE,
    Recorder,
    nested_with_nones,
    non_none_columns,
    seen_everywhere,
    zero,
)

__all__: list[str] = []


@register("merge.empty_input", level="strict")
def empty_input(subject: MergeSubject, _: None) -> None:
    """An empty dicts must return {}."""
    got = subject.merge([])
    expect(got == {}, f"merge([]) must be {{}}, got {got!r}")


@st.composite
def _with_all_none_keys(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[str]]:
    dicts = draw(st.lists(cst.metric_dicts(values=VALUE_OR_NONE), min_size=1, max_size=4))
    ghosts: list[str] = draw(st.lists(st.sampled_from(("ghost", "none_only", "d/empty")), unique=True, min_size=1))
    for key in ghosts:
        for d in draw(st.lists(st.sampled_from(range(len(dicts))), min_size=1, unique=True)):
            dicts[d][key] = None
    return dicts, ghosts


@register("merge.all_none_key_skipped", level="strict", strategy=lambda s: _with_all_none_keys())
def all_none_key_skipped(subject: MergeSubject, case: tuple[list[dict[str, Any]], list[str]]) -> None:
    """A key whose values are all None must be left out of the result, not raise."""
    dicts, ghosts = case
    # Every function records its calls: one called with no values (min() and max() raise there,
    # numpy.mean warns) did not leave the key out.
    ghost_funcs = {key: Recorder(0.0) for key in ghosts}
    default = Recorder(0.0)
    got = subject.merge(dicts, ghost_funcs, default)
    want = set(non_none_columns(dicts))
    expect(set(got) == want, f"expected keys {sorted(want)} (all-None keys {ghosts} left out), got {sorted(got)}")
    for name, fn in [*((f"agg_key_funcs[{k!r}]", f) for k, f in ghost_funcs.items()), ("default_func", default)]:
        expect(
            all(fn.calls),
            f"{name} was called with no values (an all-None key; min() would raise): calls {fn.calls!r}",
        )


@st.composite
def _mismatched(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[str]]:
    path = draw(st.lists(PATH_KEYS, min_size=1, max_size=3, unique=True))
    as_mapping: dict[str, Any] = {"leaf": 1.0}
    as_number: Any = draw(cst.metric_values(allow_infinity=False))
    for part in reversed(path[1:]):
        as_mapping, as_number = {part: as_mapping}, {part: as_number}
    first, second = {path[0]: as_mapping}, {path[0]: as_number}
    padding = draw(st.lists(cst.metric_dicts(keys=st.sampled_from(("a", "b"))), max_size=2))
    dicts = [*padding, first, second] if draw(st.booleans()) else [*padding, second, first]
    return dicts, path


@register("merge.mismatched_nesting", level="strict", strategy=lambda s: _mismatched())
def mismatched_nesting(subject: MergeSubject, case: tuple[list[dict[str, Any]], list[str]]) -> None:
    """A key that is a mapping in one input and a non-mapping in another must raise TypeError whose
    message names the key path."""
    dicts, path = case
    try:
        got = subject.merge(dicts, None, zero)
    except TypeError as error:
        missing = [part for part in path if part not in str(error)]
        expect(not missing, f"the TypeError must name the key path {path}, but says {str(error)!r}")
        return
    except Exception as error:
        raise ConformanceFailure(
            f"expected TypeError naming key path {path}, got {type(error).__name__}: {error}"
        ) from error
    raise ConformanceFailure(f"expected TypeError naming key path {path}, got a result {got!r}")


def _first_seen(dicts: Sequence[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(k for d in dicts for k, v in d.items() if v is not None))


def _check_order(got: dict[str, Any], dicts: list[dict[str, Any]], where: str) -> None:
    want = _first_seen(dicts)
    expect(list(got) == want, f"{where}: keys must come in first-seen order {want}, got {list(got)}")
    for key in want:
        nested = [d[key] for d in dicts if isinstance(d.get(key), dict)]
        if nested:
            _check_order(got[key], nested, f"{where} -> {key!r}")


def _consistent_nesting(dicts: list[dict[str, Any]]) -> bool:
    """True when no key is a dict in one input and a value (not None) in another."""
    nested = {k for d in dicts for k, v in d.items() if isinstance(v, dict)}
    return all(v is None or isinstance(v, dict) == (k in nested) for d in dicts for k, v in d.items())


# With None values: a key's place is where it first has a value (a merge that orders keys by any
# appearance, None included, puts {'a': None, 'b': 1}, {'a': 2}'s 'a' first).
# (Few keys first: a failure there shrinks to a small example, and quickly.)
# Every key keeps a value somewhere: a key that is None everywhere is merge.all_none_key_skipped's
# matter (1.5 raises IndexError there, and its key order is what this property shows).
_ordered_lists = st.one_of(
    st.lists(cst.metric_dicts(keys=st.sampled_from(("a", "b", "c")), values=VALUE_OR_NONE), min_size=2, max_size=4),
    st.lists(st.one_of(cst.metric_dicts(values=VALUE_OR_NONE), cst.nested_metric_dicts()), min_size=1, max_size=4),
).filter(seen_everywhere) | nested_with_nones(4)


@register("merge.first_seen_order", level="strict", strategy=lambda s: _ordered_lists.filter(_consistent_nesting))
def first_seen_order(subject: MergeSubject, dicts: list[dict[str, Any]]) -> None:
    """The result's keys, at every level, must be in first-seen order: the order in which they first
    appear with a non-None value, scanning the inputs in order."""
    got = subject.merge(dicts, None, zero)
    _check_order(got, dicts, "result")
