"""Properties of step aggregation: the sentences of :class:`spec.AggregatingLogger`.

Every property first asks for ``agg_and_log_metrics`` and ``update_agg_funcs`` (a Lightning 2.x
logger has neither: the properties are not applicable to it). What a logger *logs* is what reaches
its ``log_metrics`` (:func:`~conformance._observe.spy_log_metrics`); :class:`._model.Model` says what
that must be, run by run.

Comparing values: a run of one call must be logged unchanged, so it is compared exactly, value types
included; a run of several calls is compared with ``impl.merge_dicts`` of the run and the functions in
force (on a fresh logger ``numpy.mean``, whose result is defined to the bit: ``merge.numpy_mean_exact``),
or by its keys where a property sets no functions of its own to compare with. A run whose value is
``{}`` may or may not be logged at core level (1.5 logs it at a flush); strict
``aggregation.empty_run_not_logged`` requires that it is not.

Laid out by job: ``_model`` (what must be logged, compared with what was), ``_cases`` (what is
drawn), then the properties, imported here in their report order: ``_runs`` (core), ``_machine``
(the state machine, core), ``_strict``.
"""

from conformance._aggregation import _runs, _machine, _strict  # noqa: F401, I001 - registers, in this order

__all__: list[str] = []
