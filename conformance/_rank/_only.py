"""The rank object as a decorator (``rank_zero_only(fn)``): the sentence of :class:`spec.RankGate`.

Checked on the subject's rank object when it is callable; a rank object that only holds the rank
(no ``__call__``) is not a gate, and the property is not applicable to it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._core import ConformanceFailure, NotApplicable, RankSubject, expect, register
from conformance._launch import at_rank
from conformance._rank._holders import ANY_RANK, RESULTS

__all__: list[str] = []

_arguments = st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=4), st.floats(allow_nan=False)), max_size=3)
# Keyword names a wrapper's own parameters are likely to have (``fn``, ``args``), and ``self``.
_keywords = st.dictionaries(
    st.one_of(st.sampled_from(("fn", "args", "kwargs", "self", "default", "rank")), st.from_regex(r"[a-z]{1,6}", fullmatch=True)),
    st.integers(),
    max_size=3,
)


@register(
    "rank.gate_runs_on_rank_zero_only",
    level="core",
    # The rank it is decorated at, then the ranks of the calls (rank 0 among them, and another rank first).
    strategy=lambda s: st.tuples(
        RESULTS, ANY_RANK, st.lists(ANY_RANK, max_size=3), cst.nonzero_ranks(), _arguments, _keywords
    ),
)
def gate_runs_on_rank_zero_only(
    subject: RankSubject, case: tuple[Any, int, list[int], int, list[Any], dict[str, Any]]
) -> None:
    """The rank object, used as a decorator, must wrap fn so that it runs, and returns its result,
    only while rank == 0; on any other rank the wrapper must return None without calling fn."""
    value, decorated, earlier, other, args, kwargs = case
    gate: Any = subject.rank_source
    if not callable(gate):
        raise NotApplicable("the rank object is not callable: it holds the rank but is not a rank_zero_only gate")
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def fn(*a: Any, **k: Any) -> Any:
        calls.append((a, k))
        return value

    with at_rank(gate, decorated):
        try:
            wrapped: Any = gate(fn)
        except Exception as error:
            raise ConformanceFailure(
                f"the rank object, used as a decorator (rank_zero_only(fn)) on rank {decorated}, raised "
                f"{type(error).__name__}: {error}"
            ) from error
    shown = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
    for i, at in enumerate([other, *earlier, 0]):
        before = len(calls)
        with at_rank(gate, at):
            got = wrapped(*args, **kwargs)
        before_ranks = [other, *earlier][:i]
        where = (
            f"on rank {at}, rank_zero_only(fn) (decorated on rank {decorated}"
            + (f", called before on ranks {before_ranks}" if before_ranks else "")
            + f") called as wrapper({shown})"
        )
        if at == 0:
            expect(len(calls) == before + 1, f"{where} must call fn once, it called it {len(calls) - before} times")
            expect(
                calls[-1] == (tuple(args), kwargs),
                f"{where} must call fn with the same arguments, fn got {calls[-1]!r}",
            )
            expect(got is value, f"{where} must return fn's result {value!r} itself, got {got!r}")
        else:
            expect(len(calls) == before, f"{where} must not call fn, it called it {len(calls) - before} times")
            expect(got is None, f"{where} must return None, got {got!r}")
