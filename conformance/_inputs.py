"""Inputs that several topics draw: finalize's statuses, hyperparameters, and malformed metrics
and steps (each with the words its TypeError's message must contain)."""

from __future__ import annotations

from argparse import Namespace
from typing import Any

from hypothesis import strategies as st

from conformance import strategies as cst

# Not listed: each name would be a new string literal, and Hypothesis draws from the literals of
# local source (DEVELOPERS.md): the ci profile's examples stay those of before the layering.
__all__: list[str] = []

STATUSES = ("success", "failed", "aborted")


def hyperparams() -> st.SearchStrategy[dict[str, Any] | Namespace]:
    """``strategies.hyperparams()`` (kept under this name: the aggregation state machine's source names
    it, and that source seeds its derandomized run)."""
    return cst.hyperparams()


_bad_keys = st.sampled_from(("bad_key", "oops", "val/oops"))
_non_mappings = st.sampled_from(([("a", 1.0)], "a=1.0", 1.0, None, ("a",), {"a", "b"}))
_non_str_keys = st.sampled_from((1, 0.5, None, ("a",), b"a"))
# Not real numbers: strs (half the time), and what a check that only refuses strs lets through.
_non_numbers = st.one_of(st.sampled_from(("x", "1.0", "")), st.sampled_from((None, [1.0], 1j, b"1", (0.5,))))
# A bool is an int to isinstance, but never a step: step=True is a mistake (a flag passed by position).
bad_steps = st.sampled_from(("0", "1", 1.0, 0.5, "None", True, False))


# At least one valid sibling at every level: a call that takes half of a malformed argument (its valid
# part) before refusing it shows only if there is a valid part to take.
_small_metrics = cst.metric_dicts(min_size=1, max_size=3)
# Parent keys no message contains by accident (not "d": "dict", "invalid", "expected"... contain it),
# so a message that names only the leaf, or only some of the path, shows.
_parent_keys = st.text("abcdefghijklmnopqrstuvwxyz", min_size=5, max_size=7).map(lambda s: f"grp_{s}")
# Depth of the bad key: at the top, or 1 to 3 mappings down (three times in four).
_depths = st.sampled_from((0, 1, 2, 3))


@st.composite
def bad_metrics(draw: st.DrawFn) -> tuple[Any, tuple[str, ...]]:
    """A malformed ``metrics`` argument and the words (argument name, each key of the path) naming the fault.

    The fault (a key that is not a str, a value that is not a real number) sits at the top or 1 to 3
    mappings down, under parent keys drawn to be distinctive, each level with at least one valid sibling."""
    case = draw(st.sampled_from(("non_mapping", "non_str_key", "str_value", "str_value")))
    if case == "non_mapping":
        return draw(_non_mappings), ("metrics",)
    depth = draw(_depths)
    path: list[str] = draw(st.lists(_parent_keys, min_size=depth, max_size=depth, unique=True))
    if case == "non_str_key":
        bad: tuple[Any, Any] = (draw(_non_str_keys), 1.0)
        names: tuple[str, ...] = ("metrics", *path)
    else:
        key = draw(_bad_keys)
        bad, names = (key, draw(_non_numbers)), ("metrics", *path, key)
    for parent in reversed([None, *path]):
        level: dict[Any, Any] = dict(draw(_small_metrics))
        level.pop(bad[0], None)
        items = list(level.items())
        items.insert(draw(st.integers(0, len(items))), bad)
        bad = (parent, dict(items))
    return bad[1], names
