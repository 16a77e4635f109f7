"""Properties of the rank gate (``rank_zero_experiment`` and its dummy experiment) and of the rank
object: the sentences of :class:`spec.ExperimentDecorator`, :class:`spec.AbsorbingExperiment` and
:class:`spec.RankSource`, and the logger-level one.

- ``_holders``: the holder class whose ``experiment`` property is the decorated getter, as a logger
  applies the decorator, and the ranks drawn (every rank other than 0, negative and past int32 too).
- ``_gate``: ``rank.dummy_off_rank_zero``, ``rank.result_on_rank_zero``.
- ``_dummy``: ``rank.dummy_absorbs``, ``rank.dummy_copy_pickle``, ``rank.dummy_iter_ends``, ``rank.dummy_bool``.
- ``_environment``: ``rank.environment_order``, ``rank.environment_malformed``.
- ``_only``: ``rank.gate_runs_on_rank_zero_only``, the rank object used as a decorator (``rank_zero_only(fn)``).
- ``_written``: ``logger.nothing_written_off_rank_zero``, in a process of that rank as a launcher makes it.

Each example sets the rank with :func:`conformance._launch.at_rank` (or
:func:`~conformance._launch.launched_at`), which puts back exactly what was there before.
"""

from conformance._launch import at_rank
# Unsorted on purpose: this order is the report's.
from conformance._rank import _gate, _dummy, _environment, _only, _written  # noqa: F401, I001 - registers the properties

__all__ = ["at_rank"]
