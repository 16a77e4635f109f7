"""The logger-level sentence of :class:`spec.ExperimentDecorator`: off rank 0 nothing is written.

Each example is one process of a drawn rank other than 0, as a launcher makes it
(:func:`conformance._launch.launched_at`: the rank object and ``RANK``, ``LOCAL_RANK``,
``SLURM_PROCID``, ``JSM_NAMESPACE_RANK``, ``WORLD_SIZE``), and the logger is built inside it, so a
logger that reads the environment when it is constructed is judged as in a real job. Then a drawn
sequence of calls ("whatever is called": any order, repeated, after ``finalize`` too) is made, and
the save directory is looked at after each.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias

from hypothesis import strategies as st

from conformance import strategies as cst
from conformance._core import ConformanceFailure, LoggerSubject, NotApplicable, expect, register
from conformance._inputs import STATUSES
from conformance._launch import launched_at
from conformance._observe import fresh_logger

__all__: list[str] = []


class _Marker:
    """An opaque argument (a model, a checkpoint callback)."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __repr__(self) -> str:
        return f"<{self.label}>"


# One call on the logger: its name and arguments. "experiment.add_scalar" reads the experiment and
# uses it as a TensorBoard writer.
Call: TypeAlias = tuple[Any, ...]

_metrics = st.one_of(cst.metric_dicts(min_size=1), cst.nested_metric_dicts())
_calls = st.one_of(
    st.tuples(st.just("log_hyperparams"), cst.hyperparams()),
    st.tuples(st.just("log_metrics"), _metrics, cst.steps()),
    st.tuples(st.just("update_agg_funcs")),
    st.tuples(st.just("agg_and_log_metrics"), cst.metric_dicts(min_size=1), st.integers(min_value=0, max_value=3)),
    st.tuples(st.just("log_graph")),
    st.tuples(st.just("experiment")),
    st.tuples(st.just("experiment.add_scalar")),
    st.tuples(st.just("after_save_checkpoint")),
    st.tuples(st.just("save")),
    st.tuples(st.just("finalize"), st.sampled_from(STATUSES)),
    st.tuples(st.just("close")),
)
_OPTIONAL = ("update_agg_funcs", "agg_and_log_metrics", "close")
"""Methods a logger may lack (Lightning 2.x's): a drawn call of one it lacks is left out."""


def _logger_cases(subject: LoggerSubject) -> st.SearchStrategy[tuple[int, list[Call]]]:
    if subject.rank_source is None:
        raise NotApplicable("no rank object given")
    return st.tuples(cst.nonzero_ranks(), st.lists(_calls, min_size=1, max_size=10))


def _tree(path: Path) -> list[str]:
    """Everything under ``path``, relative to it (directories end with "/")."""
    return sorted(str(p.relative_to(path)) + ("/" if p.is_dir() else "") for p in path.rglob("*"))


def _statement(logger: Any, call: Call) -> tuple[str, Callable[[], Any], bool]:
    """What ``call`` is, as written; the function that makes it; and whether it may raise (using the
    experiment as a writer: an experiment that is no writer, a list or a client, may refuse)."""
    name = call[0]
    if name == "log_hyperparams":
        return f"log_hyperparams({call[1]!r})", lambda: logger.log_hyperparams(call[1]), False
    if name in ("log_metrics", "agg_and_log_metrics"):
        return f"{name}({call[1]!r}, {call[2]!r})", lambda: getattr(logger, name)(call[1], call[2]), False
    if name == "log_graph":
        return "log_graph(<model>)", lambda: logger.log_graph(_Marker("model")), False
    if name == "experiment":
        return "reading experiment", lambda: logger.experiment, False
    if name == "experiment.add_scalar":
        # Only what appears on disk breaks this sentence; an experiment *should* be a dummy off rank 0.
        return "experiment.add_scalar('loss', 1.0, 0)", lambda: logger.experiment.add_scalar("loss", 1.0, 0), True
    if name == "after_save_checkpoint":
        marker = _Marker("checkpoint callback")
        return "after_save_checkpoint(<checkpoint callback>)", lambda: logger.after_save_checkpoint(marker), False
    if name == "finalize":
        return f"finalize({call[1]!r})", lambda: logger.finalize(call[1]), False
    return f"{name}()", lambda: getattr(logger, name)(), False


@register("logger.nothing_written_off_rank_zero", level="core", strategy=_logger_cases)
def nothing_written_off_rank_zero(subject: LoggerSubject, case: tuple[int, list[Call]]) -> None:
    """Applied to a logger given a rank object: on a rank other than 0 nothing may appear under the
    logger's save directory, whatever is called."""
    if subject.rank_source is None:
        raise NotApplicable("no rank object given")
    rank, calls = case
    with launched_at(subject.rank_source, rank), fresh_logger(subject) as (logger, path):
        done: list[str] = []
        for call in calls:
            if call[0] in _OPTIONAL and not callable(getattr(logger, call[0], None)):
                continue
            what, fn, may_raise = _statement(logger, call)
            done.append(what)
            try:
                fn()
            except Exception as error:
                if not may_raise:
                    raise ConformanceFailure(
                        f"on rank {rank}, {what} raised {type(error).__name__}: {error}"
                    ) from error
            written = _tree(path)
            expect(
                not written,
                f"on rank {rank} nothing may appear under the save directory, but after "
                f"{' ; '.join(done)} it holds {written}",
            )
