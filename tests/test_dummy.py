"""DummyExperiment and DummyLogger: absorb everything, and copy, pickle and iterate sanely."""

from __future__ import annotations

import copy
import pickle

import pytest

from impl import DummyExperiment, DummyLogger


class TestDummyExperiment:
    def test_absorbs_any_chain_of_attributes_calls_and_indexing(self) -> None:
        """Any attribute chain, call and index gives the dummy back."""
        exp = DummyExperiment()
        assert exp.add_scalar("a", 1.0, global_step=3).flush()[0]["x"]._private.deeper is exp
        exp.anything = 3
        exp[0] = 4
        del exp.anything
        assert exp.nop(1, 2, k=3).x is exp  # 1.5's nop is a method returning None, which ends a chain
        assert exp(self=1)[slice(None)] is exp

    @pytest.mark.parametrize("clone", [copy.copy, copy.deepcopy, lambda e: pickle.loads(pickle.dumps(e))])
    def test_copies_are_dummies(self, clone: object) -> None:
        """copy, deepcopy and a pickle round trip give a DummyExperiment (1.5's deepcopy gives None)."""
        assert isinstance(clone(DummyExperiment()), DummyExperiment)  # type: ignore[operator]

    def test_iteration_ends(self) -> None:
        """Iterating a dummy yields nothing and ends (1.5 iterates forever)."""
        assert list(DummyExperiment()) == []

    def test_dunder_names_are_not_absorbed(self) -> None:
        """Protocol hooks (dunder names) are not absorbed, so copy and pickle find no fake hooks."""
        with pytest.raises(AttributeError):
            DummyExperiment().__deepcopy__  # noqa: B018
        assert bool(DummyExperiment()) is True


class TestDummyLogger:
    def test_absorbs_every_logging_call(self) -> None:
        """Every logging method accepts anything and does nothing."""
        lg = DummyLogger()
        lg.log_metrics("anything", step="x")
        lg.agg_and_log_metrics("anything")
        lg.log_hyperparams(1, 2, a=3)
        lg.save()
        lg.finalize("success")
        lg.close()
        assert (lg.name, lg.version, lg.save_dir) == ("", "", None)
        assert isinstance(lg.experiment, DummyExperiment)

    def test_stands_in_for_an_empty_collection(self) -> None:
        """DummyLogger()[i] is the logger itself and iterating it yields nothing."""
        lg = DummyLogger()
        assert lg[0] is lg and lg[5] is lg
        assert list(lg) == []
