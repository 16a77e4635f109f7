"""Show, against pytorch_lightning 1.5.10 itself, each behaviour the README's differences table lists.

Run it with a Python that has pytorch_lightning 1.5.10 (see DEVELOPERS.md / README for the recipe):

    /path/to/pl15-venv/bin/python docs/pl15_evidence.py

Each line prints what 1.5.10 does; docs/pl15_evidence.txt holds the output of the last run.
"""

from __future__ import annotations

import copy
import itertools
import os
import subprocess
import sys
import warnings
from typing import Any


def show(label: str, fn: Any) -> None:
    try:
        result = fn()
        print(f"{label}: returns {result!r}")
    except Exception as error:  # the point is to show what 1.5.10 raises
        print(f"{label}: raises {type(error).__name__}: {error}")


def main() -> None:
    import pytorch_lightning
    from pytorch_lightning.loggers.base import DummyExperiment, LightningLoggerBase, LoggerCollection, merge_dicts, rank_zero_experiment
    from pytorch_lightning.utilities import rank_zero_only

    print(f"pytorch_lightning {pytorch_lightning.__version__}")
    show("merge_dicts([])", lambda: merge_dicts([]))
    show("merge_dicts([{'a': None}, {'a': None, 'b': 1}])", lambda: merge_dicts([{"a": None}, {"a": None, "b": 1}]))
    show("merge_dicts([{'d': {'x': 1}}, {'d': 2}])", lambda: merge_dicts([{"d": {"x": 1}}, {"d": 2}]))
    show("merge_dicts([{'d': 2}, {'d': {'x': 1}}])", lambda: merge_dicts([{"d": 2}, {"d": {"x": 1}}]))
    show("merge_dicts(generator of [{'a': 1}, {'a': 3}])", lambda: merge_dicts(d for d in [{"a": 1}, {"a": 3}]))
    code = "from pytorch_lightning.loggers.base import merge_dicts; print(list(merge_dicts([{k: 1.0 for k in 'abcdefgh'}], default_func=max)))"
    orders = {
        subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True).stdout.strip()
        for seed in ("1", "2", "3", "4")
    }
    print(f"merge_dicts key order under PYTHONHASHSEED 1..4: {sorted(orders)}")

    show("copy.deepcopy(DummyExperiment())", lambda: copy.deepcopy(DummyExperiment()))
    show("len(list(islice(iter(DummyExperiment()), 1000)))", lambda: len(list(itertools.islice(iter(DummyExperiment()), 1000))))
    show("DummyExperiment().a.b", lambda: DummyExperiment().a.b)

    class Holder:
        @property
        @rank_zero_experiment
        def experiment(self) -> Any:
            return 0

    show("rank_zero_experiment on rank 0 with a real experiment 0", lambda: Holder().experiment)

    class Recorder(LightningLoggerBase):
        def __init__(self, name: str, fail: bool = False, **kw: Any) -> None:
            super().__init__(**kw)
            self._name, self.fail, self.logged = name, fail, []

        name = property(lambda self: self._name)
        version = property(lambda self: 0)
        experiment = property(lambda self: None)

        def log_metrics(self, metrics: Any, step: Any = None) -> None:
            self.logged.append((step, metrics))
            if self.fail:
                raise RuntimeError(f"{self._name} failed")

        def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
            pass

    members = [Recorder("a"), Recorder("b")]
    col = LoggerCollection(m for m in members)
    col.log_metrics({"x": 1.0}, 0)
    col.log_metrics({"x": 2.0}, 1)
    print(f"LoggerCollection(generator): members got {[len(m.logged) for m in members]} of 2 calls; name {col.name!r}")

    members = [Recorder("a", fail=True), Recorder("b")]
    show("LoggerCollection([raising, ok]).log_metrics", lambda: LoggerCollection(members).log_metrics({"x": 1.0}, 0))
    print(f"  after it, the second member got {len(members[1].logged)} calls")

    lg = Recorder("a")
    lg.agg_and_log_metrics({}, step=0)
    lg.save()
    print(f"an empty run, ended by save(): logged {lg.logged}")

    funcs = {"a": max}
    Recorder("a", agg_key_funcs=funcs).update_agg_funcs({"b": min})
    print(f"update_agg_funcs({{'b': min}}) on a logger built with funcs={{'a': max}}: the caller's dict is now {funcs}")

    lg = Recorder("a", fail=True)
    lg.agg_and_log_metrics({"a": 1.0}, step=0)
    show("a run whose log_metrics raises at the step change", lambda: lg.agg_and_log_metrics({"a": 9.0}, step=1))
    lg.fail, lg.logged = False, []
    lg.save()
    print(f"  after save(), logged {lg.logged} (the step-0 run is gone)")

    lg = Recorder("a")
    metrics = {"a": 1.0}
    lg.agg_and_log_metrics(metrics, step=0)
    metrics["a"] = 100.0
    lg.save()
    print(f"a dict changed after agg_and_log_metrics: logged {lg.logged}")

    class NoInit(Recorder):
        def __init__(self) -> None:
            self._name, self.fail, self.logged = "n", False, []

    show("agg_and_log_metrics on a subclass that skips super().__init__()", lambda: NoInit().agg_and_log_metrics({"a": 1.0}, 0))
    lg = Recorder("a")
    show("agg_and_log_metrics({'a': 'x'}, step='0') (no validation)", lambda: lg.agg_and_log_metrics({"a": "x"}, step="0"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Recorder("a").close()
    print(f"close() warns: {[str(w.message) for w in caught]}")
    print(f"rank_zero_only.rank is read once at import: {rank_zero_only.rank}; RANK=abc at import:")
    out = subprocess.run(
        [sys.executable, "-c", "import pytorch_lightning"], env={**os.environ, "RANK": "abc"}, capture_output=True, text=True
    )
    print("  " + (out.stderr.strip().splitlines() or ["(no error)"])[-1])


if __name__ == "__main__":
    main()
