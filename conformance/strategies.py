"""Public Hypothesis strategies for logger inputs, for the suite and for logger authors' own tests.

Keys come from a small pool by default so that dicts overlap, and steps from a small range so
that runs of equal steps repeat, go back, and include 0 and ``None``.
"""

from __future__ import annotations

import string
from argparse import Namespace
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

__all__ = [
    "KEY_POOL",
    "REAL_NAMES",
    "agg_calls",
    "agg_key_funcs_for",
    "hyperparams",
    "metric_dicts",
    "metric_keys",
    "metric_values",
    "namespace",
    "nested_metric_dicts",
    "nonzero_ranks",
    "pool_keys",
    "steps",
]

KEY_POOL = ("a", "b", "c", "loss", "acc", "lr/group0", "val_loss")
"""Metric names drawn most of the time, so that dicts share keys."""


REAL_NAMES = (
    "epoch",
    "step",
    "global_step",
    "hp_metric",
    "lr-SGD",
    "lr-Adam/pg1",
    "train/loss",
    "val/acc",
    "val_acc_epoch",
    "train_loss_step",
    "loss_step",
    "val_loss_epoch",
)
"""Names training code logs and real loggers special-case (the counters ``epoch``, ``step``,
``global_step``; a learning-rate monitor's ``lr-<optimizer>``; stage prefixes; the ``_step`` and
``_epoch`` suffixes Lightning adds; TensorBoard's ``hp_metric``): a logger that pops or rewrites one
of them must meet it, so a third of the keys drawn are one of these."""


def pool_keys() -> st.SearchStrategy[str]:
    """Metric names from :data:`KEY_POOL` or (a third of the time) :data:`REAL_NAMES`, so that dicts share keys."""
    return st.one_of(st.sampled_from(KEY_POOL), st.sampled_from(KEY_POOL), st.sampled_from(REAL_NAMES))


def metric_keys() -> st.SearchStrategy[str]:
    """Metric names: from :data:`KEY_POOL`, from :data:`REAL_NAMES` (a third each), or any short
    identifier-like text."""
    return st.one_of(
        st.sampled_from(KEY_POOL),
        st.sampled_from(REAL_NAMES),
        st.text(string.ascii_letters + string.digits + "_/.-", min_size=1, max_size=12),
    )


def metric_values(*, allow_nan: bool = False, allow_infinity: bool = True) -> st.SearchStrategy[float | int]:
    """Metric values: floats (optionally NaN and infinities) and ints."""
    return st.one_of(
        st.floats(allow_nan=allow_nan, allow_infinity=allow_infinity, width=64),
        st.integers(min_value=-(2**53), max_value=2**53),
    )


def metric_dicts(
    *,
    keys: st.SearchStrategy[str] | None = None,
    values: st.SearchStrategy[Any] | None = None,
    min_size: int = 0,
    max_size: int = 4,
) -> st.SearchStrategy[dict[str, Any]]:
    """Flat metric dicts: names to values."""
    return st.dictionaries(
        keys if keys is not None else metric_keys(),
        values if values is not None else metric_values(),
        min_size=min_size,
        max_size=max_size,
    )


def nested_metric_dicts(
    *, values: st.SearchStrategy[Any] | None = None, max_depth: int = 2, max_size: int = 3
) -> st.SearchStrategy[dict[str, Any]]:
    """Metric dicts whose values may be metric dicts, ``max_depth`` levels deep.

    A key always holds the same kind (a nested dict or a value) in every dict this strategy draws,
    so any two of them can be merged: nested keys are stage names (``train``, ``val``, ``per_class``),
    value keys never are (``a``, ``b``, ``loss``, ``x``, or a third of the time one of :data:`REAL_NAMES`).
    """
    leaf_values = values if values is not None else metric_values()
    short = st.sampled_from(("a", "b", "loss", "x"))
    value_keys = st.one_of(short, short, st.sampled_from(REAL_NAMES))
    nested_keys = st.sampled_from(("train", "val", "per_class"))

    def joined(flat: dict[str, Any], nested: dict[str, Any]) -> dict[str, Any]:
        return {**flat, **nested}

    def level(depth: int) -> st.SearchStrategy[dict[str, Any]]:
        # Annotated: pyright infers the keys as Literal["a", "b", "loss", "x"] (mypy: str), and dict is invariant.
        leaves: st.SearchStrategy[dict[str, Any]] = st.dictionaries(value_keys, leaf_values, max_size=max_size)
        if depth == 0:
            return leaves
        return st.builds(
            joined,
            leaves,
            st.dictionaries(nested_keys, level(depth - 1), max_size=2),
        )

    return level(max_depth)


def steps() -> st.SearchStrategy[int | None]:
    """Steps: ``None`` or a small int, so consecutive calls often share a step and steps repeat later."""
    return st.one_of(st.none(), st.integers(min_value=0, max_value=3))


def nonzero_ranks() -> st.SearchStrategy[int]:
    """Ranks other than 0: any int from ``-2**63`` to ``2**63``, with the ranks a narrow gate gets
    wrong drawn half the time: -1 (the ``LOCAL_RANK=-1`` convention), 1, 2, 8 (the first rank of a
    second node of 8), ``2**31`` (past int32) and ``2**63`` (past int64)."""
    return st.one_of(
        st.sampled_from((-1, 1, 2, 8, 2**31, 2**63)),
        st.integers(min_value=-(2**63), max_value=2**63).filter(bool),
    )


def agg_calls(
    *, metrics: st.SearchStrategy[dict[str, Any]] | None = None, max_size: int = 12
) -> st.SearchStrategy[list[tuple[dict[str, Any], int | None]]]:
    """Sequences of ``agg_and_log_metrics(metrics, step)`` arguments, drawn as runs of equal steps."""
    run = st.tuples(steps(), st.integers(min_value=1, max_value=4))
    dicts = metrics if metrics is not None else metric_dicts()

    @st.composite
    def build(draw: st.DrawFn) -> list[tuple[dict[str, Any], int | None]]:
        calls: list[tuple[dict[str, Any], int | None]] = []
        for step, length in draw(st.lists(run, max_size=max(1, max_size // 2))):
            calls.extend((draw(dicts), step) for _ in range(length))
        return calls[:max_size]

    return build()


def hyperparams() -> st.SearchStrategy[dict[str, Any] | Namespace]:
    """Hyperparameters: a dict or an ``argparse.Namespace`` of JSON-like values (names never start with ``__``)."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**6), 10**6),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(string.ascii_letters + string.digits + " _-", max_size=10),
    )
    values = st.one_of(scalars, st.lists(scalars, max_size=3))
    # Not "__...": Hypothesis also tries literals found in loaded source (``__dict__``), and
    # ``Namespace(__dict__=None)`` raises while the example is built.
    names = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8).filter(lambda n: not n.startswith("__"))
    params = st.dictionaries(names, values, max_size=5)
    return st.one_of(params, params.map(namespace))


def namespace(params: dict[str, Any]) -> Namespace:
    """An ``argparse.Namespace`` holding ``params`` (not ``Namespace(**params)``, which fails for a name ``self``)."""
    made = Namespace()
    vars(made).update(params)
    return made


def _key_tree(dicts: list[Any]) -> dict[str, Any]:
    """The keys of ``dicts`` (mappings, some values None): each to None where it holds values,
    or to its own tree where every non-None value is a mapping."""
    columns: dict[str, list[Any]] = {}
    for d in dicts:
        for key, value in d.items():
            if value is not None:
                columns.setdefault(key, []).append(value)
    return {
        key: _key_tree(values) if all(isinstance(v, Mapping) for v in values) else None
        for key, values in columns.items()
    }


def agg_key_funcs_for(
    dicts: list[Any], *, functions: st.SearchStrategy[Any] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """``agg_key_funcs`` that agree with the shape of ``dicts``: for some of their keys a function
    where the key holds values and a nested mapping (built the same way) where it holds mappings,
    and entries for keys the inputs never have, a function at the top and a mapping below.

    (A fixed mapping cannot do this: ``{"d": {"a": min}}`` gives a key ``d`` that an input may
    hold as a value, an input the contract has no answer for.)
    """
    funcs = functions if functions is not None else st.sampled_from((max, min, sum, len))
    unused = st.text(string.ascii_lowercase, min_size=6, max_size=8).map(lambda s: f"unused_{s}")

    @st.composite
    def build(draw: st.DrawFn, tree: dict[str, Any]) -> dict[str, Any]:
        made: dict[str, Any] = {}
        for key, subtree in tree.items():
            if draw(st.booleans()):
                made[key] = draw(funcs) if subtree is None else draw(build(subtree))
        for key in draw(st.lists(unused, max_size=2, unique=True)):
            made.setdefault(key, draw(funcs) if draw(st.booleans()) else {key: draw(funcs)})
        return made

    return build(_key_tree(dicts))
