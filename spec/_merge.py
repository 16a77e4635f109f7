"""The contract of a merge function (``merge_dicts``) and of aggregation functions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeAlias, Union

__all__ = ["AggKeyFuncs", "AggregationFunction", "MergeFunction", "NestedAggKeyFuncs"]

AggregationFunction: TypeAlias = Callable[[Sequence[float]], float]
"""Reduces one key's values, in input order, to one value (``numpy.mean``, ``min``, ``max``, ``sum``)."""

AggKeyFuncs: TypeAlias = Mapping[str, AggregationFunction]
"""The seed's type of ``agg_key_funcs``: metric name to aggregation function."""

NestedAggKeyFuncs: TypeAlias = Mapping[str, Union[AggregationFunction, "NestedAggKeyFuncs"]]
"""``agg_key_funcs`` as ``merge_dicts`` accepts it at run time: a nested mapping mirrors a nested metric dict."""


class MergeFunction(Protocol):
    """A function with ``merge_dicts``' signature.

    Protocol parameters are typed exactly as the seed types them, so pytorch_lightning's own
    ``merge_dicts`` conforms; at run time ``agg_key_funcs`` may also be a :data:`NestedAggKeyFuncs`.
    """

    def __call__(
        self,
        dicts: Sequence[Mapping[str, Any]],
        agg_key_funcs: AggKeyFuncs | None = None,
        default_func: AggregationFunction = ...,
    ) -> dict[str, Any]:
        """Merge ``dicts`` into one dict, aggregating each key's values with one function.

        Core contract (pytorch_lightning 1.5's documented behaviour):

        - The keys of the result must be exactly the keys that have at least one non-``None``
          value in some input. Checked by: ``merge.result_keys``.
        - For a key whose values are not mappings, the result must be ``f(values)``, where
          ``values`` is the list of that key's non-``None`` values in input order and ``f`` is
          ``agg_key_funcs[key]`` if present, else ``default_func``. Each function must be called
          once per key it aggregates. Checked by: ``merge.dispatch``, ``merge.values_in_order``.
        - A merge may compute a key whose function is ``numpy.mean`` another way (many keys at
          once, say), but the result must be exactly ``numpy.mean(values)``: the same type (a
          ``float32`` mean of ``float32`` values) and the same bits, NaN, infinities and ``-0.0``
          included, so numpy's pairwise order of summation is kept. Checked by: ``merge.numpy_mean_exact``.
        - For a key whose values are mappings, the result must be the merge of those mappings,
          with ``agg_key_funcs[key]`` (a mapping) as the nested ``agg_key_funcs`` and the same
          ``default_func``. Checked by: ``merge.nested_dispatch``.
        - The inputs and ``agg_key_funcs`` must not be mutated. Checked by: ``merge.no_mutation``.
        - When the key sets of the inputs are pairwise disjoint and every function returns
          ``v`` for ``[v]``, merging ``[a, b, c]`` must equal merging ``[merge([a, b]), c]`` and
          ``[a, merge([b, c])]``. Checked by: ``merge.associative_on_disjoint_keys``.
        - The seed's docstring example must print the seed's output. Checked by: ``merge.seed_example``.

        Strict contract (where pytorch_lightning 1.5 raises or is nondeterministic):

        - An empty ``dicts`` must return ``{}``. Checked by: ``merge.empty_input``.
        - A key whose values are all ``None`` must be left out of the result, not raise.
          Checked by: ``merge.all_none_key_skipped``.
        - A key that is a mapping in one input and a non-mapping in another must raise
          ``TypeError`` whose message names the key path (``'d' -> 'x'``).
          Checked by: ``merge.mismatched_nesting``.
        - The result's keys (at every level) must be in first-seen order: the order in which they
          first appear with a non-``None`` value, scanning the inputs in order. Checked by: ``merge.first_seen_order``.
        """
        ...
