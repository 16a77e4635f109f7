"""Read-back: the harness value types, how the property compares, each shipped harness on its real
logger, and the diagnosis of each deliberately broken logger.

The real loggers' tests skip, saying why, where their package is not installed: run them with the
Lightning 2.x venv's Python (``/tmp/l2/bin/python -m pytest tests/test_readback.py``) and with
pytorch_lightning 1.5.10's (``/tmp/pl15/bin/python -m pytest tests/test_readback.py``).
"""

from __future__ import annotations

import io
import math
import os
import tempfile
from argparse import Namespace
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, cast

import attrs
import pytest
from hypothesis import strategies as st

import conformance
import impl
from conformance import Harness, LoggerSubject, ReadBack
from conformance import strategies as cst
from conformance.__main__ import main
from conformance._harness import as_harness, harness_for, readback_hyperparams
from conformance._observe import _has_method
from conformance._readback import _hyperparam_problems, _metric_problems
from conformance.harnesses import CSV, JSONL, MEMORY, MLFLOW, TENSORBOARD, mlflow_sqlite, to_float32
from tests.broken.readback import BROKEN
from tests.conftest import Tier

PROPERTY = "logger.persisted_read_back"
Record = tuple[int | None, dict[str, Any]]


def _verdict(
    subject: LoggerSubject, max_examples: int | None = None, profile: str = "ci"
) -> conformance.PropertyResult:
    report = conformance.certify(subject, only=[PROPERTY], profile=profile, max_examples=max_examples)
    (result,) = report.subjects[0].results
    return result


@pytest.fixture(autouse=True)
def _ram_tmp(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The suite's fresh directories on /dev/shm where there is one: a durable logger fsyncs at every
    finalize, which costs tens of milliseconds per example on a disk and nothing there."""
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        monkeypatch.setattr(tempfile, "tempdir", "/dev/shm")
    yield


def _never_read(logger: Any, directory: Path) -> ReadBack:
    raise AssertionError("not read in these tests")


def _jsonl_logger(directory: Path) -> impl.JsonlLogger:
    return impl.JsonlLogger(directory)


# --- the value types ------------------------------------------------------------------------


class TestHarness:
    def test_a_bad_layout_names_the_argument(self) -> None:
        """A layout other than records or series raises ValueError naming layout."""
        with pytest.raises(ValueError, match="layout"):
            Harness(_never_read, layout="rows")  # type: ignore[arg-type]

    def test_a_bad_none_step_names_the_argument(self) -> None:
        """A none_step that is not an int, None or 'any' raises ValueError naming none_step."""
        with pytest.raises(ValueError, match="none_step"):
            Harness(_never_read, none_step="zero")  # type: ignore[arg-type]

    def test_merging_identical_observations_needs_a_fixed_step_for_none(self) -> None:
        """merges_identical with a none_step of 'any' is refused: the merge could not be told from a loss."""
        with pytest.raises(ValueError, match="merges_identical"):
            Harness(_never_read, layout="series", merges_identical=True)

    def test_a_callable_becomes_a_harness_with_the_defaults(self) -> None:
        """as_harness wraps a read function in a records-layout Harness named as given."""
        harness = as_harness(_never_read, "mod:read")
        assert (harness.read, harness.name, harness.layout, harness.ordered) == (_never_read, "mod:read", "records", True)

    def test_something_else_is_not_a_harness(self) -> None:
        """as_harness refuses an object that is neither a Harness nor callable, naming harness."""
        with pytest.raises(TypeError, match="harness must be"):
            as_harness(42)

    def test_hyperparameter_names_may_be_any_namespace_attribute(self) -> None:
        """A drawn name ``self`` becomes a Namespace attribute: ``Namespace(**d)`` raised on it while
        the example was built, an error of the suite's own in any read-back run that drew it."""
        made = cst.namespace({"self": 1, "lr": 0.5})
        assert vars(made) == {"self": 1, "lr": 0.5}

    def test_read_back_checks_its_field_types(self) -> None:
        """ReadBack takes a tuple of records and a dict of hyperparameters, and refuses a list."""
        with pytest.raises(TypeError, match="metrics"):
            ReadBack([(0, {"a": 1.0})])  # type: ignore[arg-type]
        assert ReadBack() == ReadBack((), {})


# --- how the property compares --------------------------------------------------------------

RECORDS = Harness(_never_read, none_step=None)
SERIES_MERGING = Harness(_never_read, layout="series", ordered=False, merges_identical=True, none_step=0)


class TestComparison:
    def test_everything_read_back_is_no_problem(self) -> None:
        """Records read back as logged, in order, give no problem."""
        logged: list[Record] = [(1, {"a": 1.0}), (None, {"b": 2})]
        assert _metric_problems(RECORDS, logged, ReadBack(((1, {"a": 1.0}), (None, {"b": 2})))) == []

    def test_a_missing_record_is_lost(self) -> None:
        """A record logged and not read back is reported lost."""
        (problem,) = _metric_problems(RECORDS, [(1, {"a": 1.0}), (2, {"a": 2.0})], ReadBack(((1, {"a": 1.0}),)))
        assert problem.startswith("record lost: (2, {'a': 2.0})")

    def test_a_record_read_back_twice_is_duplicated(self) -> None:
        """A record read back more often than logged is reported duplicated."""
        (problem,) = _metric_problems(RECORDS, [(1, {"a": 1.0})], ReadBack(((1, {"a": 1.0}), (1, {"a": 1.0}))))
        assert problem == "record duplicated: (1, {'a': 1.0}) was read back 2 times, logged 1"

    def test_step_zero_is_not_none(self) -> None:
        """A record logged at step 0 and read back at step None has its step changed."""
        (problem,) = _metric_problems(RECORDS, [(0, {"a": 1.0})], ReadBack(((None, {"a": 1.0}),)))
        assert problem.startswith("step changed")

    def test_records_out_of_order_are_reported_where_order_is_kept(self) -> None:
        """Every record read back, but in another order, fails an ordered storage and passes an unordered one."""
        logged: list[Record] = [(1, {"a": 1.0}), (2, {"a": 2.0})]
        back = ReadBack(((2, {"a": 2.0}), (1, {"a": 1.0})))
        (problem,) = _metric_problems(RECORDS, logged, back)
        assert "came back in another" in problem
        assert _metric_problems(attrs.evolve(RECORDS, ordered=False), logged, back) == []

    def test_a_storage_that_numbers_none_steps_may_give_any_step(self) -> None:
        """With none_step='any' a record logged at step None may read back at any step, but not at another value."""
        numbering = attrs.evolve(RECORDS, none_step="any")
        assert _metric_problems(numbering, [(None, {"a": 1.0})], ReadBack(((7, {"a": 1.0}),))) == []
        (problem,) = _metric_problems(numbering, [(None, {"a": 1.0})], ReadBack(((7, {"a": 1.5}),)))
        assert problem.startswith("value changed")

    def test_narrowed_values_must_be_exactly_the_narrowing(self) -> None:
        """With float32 narrowing, 0.1 must read back as float32(0.1) exactly; the unnarrowed double is a change."""
        tb = Harness(_never_read, layout="series", narrow=to_float32)
        assert _metric_problems(tb, [(0, {"a": 0.1})], ReadBack(((0, {"a": to_float32(0.1)}),))) == []
        (problem,) = _metric_problems(tb, [(0, {"a": 0.1})], ReadBack(((0, {"a": 0.1}),)))
        assert "after the storage's narrowing" in problem

    @pytest.mark.parametrize(("times", "fine"), [(0, False), (1, True), (2, True), (3, False)])
    def test_identical_observations_may_be_stored_once(self, times: int, fine: bool) -> None:
        """A storage that merges identical observations may read two back once or twice, never zero or three times."""
        logged: list[Record] = [(1, {"a": 1.0}), (1, {"a": 1.0})]
        back = ReadBack(tuple((1, {"a": 1.0}) for _ in range(times)))
        assert (_metric_problems(SERIES_MERGING, logged, back) == []) is fine

    def test_series_ignore_an_empty_call(self) -> None:
        """In a series storage a call of {} leaves nothing, and nothing is expected of it."""
        assert _metric_problems(SERIES_MERGING, [(1, {})], ReadBack()) == []

    def test_nan_reads_back_equal_to_nan(self) -> None:
        """NaN logged and NaN read back are the same value."""
        assert _metric_problems(RECORDS, [(0, {"a": math.nan})], ReadBack(((0, {"a": math.nan}),))) == []

    def test_hyperparameters_lost_changed_and_invented(self) -> None:
        """A hyperparameter missing, changed or never logged is each reported."""
        problems = _hyperparam_problems(RECORDS, {"a": 1, "b": 2}, ReadBack(hyperparams={"b": 3, "c": 4}))
        assert [p.partition(":")[0] for p in problems] == [
            "hyperparameter lost",
            "hyperparameter changed",
            "hyperparameter never logged was read back",
        ]


# --- the property on impl and on subjects without a harness --------------------------------


class TestProperty:
    def test_the_in_memory_logger_passes_with_its_shipped_harness(self) -> None:
        """impl.InMemoryLogger passes, read back from itself by the harness picked by its class."""
        subject = LoggerSubject(impl.InMemoryLogger, "impl:InMemoryLogger")
        assert harness_for(subject) is MEMORY
        assert _verdict(subject).status == "passed"

    def test_the_durable_logger_passes_with_its_shipped_harness(self) -> None:
        """impl.JsonlLogger passes, read back by the harness picked by its class."""
        subject = LoggerSubject(impl.JsonlLogger, "impl:JsonlLogger")
        assert harness_for(subject) is JSONL
        assert _verdict(subject).status == "passed"

    def test_a_factory_function_gets_the_harness_of_the_logger_it_builds(self) -> None:
        """A factory that is not a class is matched by the class of the logger it returns."""

        def factory(directory: Path) -> impl.JsonlLogger:
            return impl.JsonlLogger(directory, name="run")

        assert harness_for(LoggerSubject(factory)) is JSONL

    def test_without_a_harness_it_is_not_applicable(self) -> None:
        """A logger with no harness given and none shipped gets not applicable, with the reason (a
        subclass of a logger that has one is another class: the shipped harnesses match exactly)."""

        class Unshipped(impl.InMemoryLogger):
            pass

        result = _verdict(LoggerSubject(Unshipped, "tests:Unshipped"))
        assert result.status == "not_applicable"
        assert result.reason is not None and "no read-back harness" in result.reason

    def test_a_read_function_given_as_the_harness_is_used(self) -> None:
        """A plain read(logger, directory) given as the harness reads back (here impl's reader, so it passes)."""

        def read(logger: Any, directory: Path) -> ReadBack:
            run = impl.read_jsonl(logger.log_dir)
            return ReadBack(tuple(run.metrics), run.hyperparams[-1] if run.hyperparams else {})

        subject = LoggerSubject(impl.JsonlLogger, "impl:JsonlLogger", harness=attrs.evolve(JSONL, read=read))
        assert _verdict(subject, max_examples=30).status == "passed"

    def test_a_harness_that_raises_fails_with_its_error(self, tier: Tier) -> None:
        """An exception while reading back is a failure that names the harness and the error."""

        def read(logger: Any, directory: Path) -> ReadBack:
            raise OSError("no such file")

        subject = LoggerSubject(impl.JsonlLogger, harness=Harness(read, name="mine"))
        result = _verdict(subject, max_examples=5, profile=tier.rejection_profile())
        assert result.status == "failed"
        assert result.message is not None and "reading back with mine raised OSError: no such file" in result.message


class TestWaysIn:
    def test_the_cli_takes_a_harness(self) -> None:
        """--harness MODULE:ATTR reads a logger back with that harness."""
        out = io.StringIO()
        argv = ["logger", "impl:JsonlLogger", "--only", PROPERTY, "--harness", "conformance.harnesses:JSONL"]
        assert main([*argv, "--max-examples", "10"], out=out) == 0
        assert f"PASS  {PROPERTY}" in out.getvalue()

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["merge", "impl:merge_dicts", "--harness", "conformance.harnesses:JSONL"], "--harness applies to"),
            (["logger", "impl:JsonlLogger", "--harness", "impl:RANK_ENV_VARS"], "harness must be"),
            (["logger", "impl:JsonlLogger", "--harness", "conformance.harnesses:NOPE"], "has no attribute 'NOPE'"),
        ],
    )
    def test_a_bad_harness_is_a_usage_error(self, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
        """A harness on another kind of subject, or one that does not load as a harness, exits 2 saying why."""
        assert main(argv, out=io.StringIO()) == 2
        assert message in capsys.readouterr().err

    def test_a_logger_suite_takes_a_harness(self) -> None:
        """LoggerSuite.harness (a plain function here, not bound as a method) becomes the subject's harness."""

        class TestMine(conformance.LoggerSuite):
            factory = _jsonl_logger
            harness = _never_read

        subject = TestMine().subject()
        assert isinstance(subject, LoggerSubject) and subject.harness is not None
        assert subject.harness.read is _never_read

    def test_certify_takes_the_harness_on_the_subject(self) -> None:
        """conformance.certify uses LoggerSubject.harness (here the shipped JSONL one, given explicitly)."""
        assert _verdict(LoggerSubject(impl.JsonlLogger, harness=JSONL), max_examples=10).status == "passed"


# --- each broken logger is rejected for its own fault ----------------------------------------

DIAGNOSIS = {
    "LosesLastRecord": "record lost",
    "WritesLastRecordAgainOnFinalize": "record duplicated",
    "StepZeroBecomesNone": "step changed",
    "StoresFloat32": "value changed",
    "DropsNoneHyperparams": "hyperparameter lost",
    "MemoryDropsFirstRecord": "record lost",
    "MemoryShiftsSteps": "step changed",
    "MemoryLosesAHyperparameter": "hyperparameter lost",
    "MemoryCallsOnly": "views disagree with its calls",
}


class TestBrokenLoggers:
    @pytest.mark.parametrize("broken", BROKEN, ids=[b.subject.target.rpartition(":")[2] for b in BROKEN])
    def test_rejected_with_the_right_diagnosis(self, broken: Any, tier: Tier) -> None:
        """Each broken logger fails the property, and the message names its failure mode."""
        result = _verdict(broken.subject, profile=tier.rejection_profile())  # (fast tier: 10 s of CPU less each)
        assert result.status == "failed", broken.why
        assert result.message is not None
        assert DIAGNOSIS[broken.subject.target.rpartition(":")[2]] in result.message


# --- the shipped harnesses on the real loggers -----------------------------------------------


def _lightning2() -> Any:
    """lightning.pytorch.loggers, or skip: Lightning 2.x and the extra's readers are not installed."""
    for name in ("lightning", "tensorboard", "yaml", "mlflow"):
        pytest.importorskip(name, reason=f"{name} is not installed (run with the Lightning 2.x venv, /tmp/l2/bin/python)")
    import lightning.pytorch.loggers as loggers  # type: ignore[import-not-found, unused-ignore]

    return loggers


def _lightning15() -> Any:
    """pytorch_lightning.loggers of 1.5.10, or skip."""
    pl = pytest.importorskip("pytorch_lightning", reason="pytorch_lightning is not installed (use /tmp/pl15/bin/python)")
    if not str(pl.__version__).startswith("1.5."):
        pytest.skip(f"pytorch_lightning {pl.__version__} is installed, not 1.5 (use /tmp/pl15/bin/python)")
    for name in ("tensorboard", "yaml"):
        pytest.importorskip(name, reason=f"{name} is not installed")
    import pytorch_lightning.loggers as loggers  # type: ignore[import-not-found, unused-ignore]

    return loggers


def _no_empty_list(params: object) -> bool:
    """No value of ``params`` (a dict or a Namespace), nor of a dict in it, is an empty list."""
    mapping = cast("Mapping[str, object]", params) if isinstance(params, Mapping) else vars(params)
    values: list[object] = list(mapping.values())
    return all(v != [] and (not isinstance(v, dict) or _no_empty_list(cast("dict[str, object]", v))) for v in values)


WITHOUT_EMPTY_LISTS = readback_hyperparams().filter(_no_empty_list)


def _by_key(back: ReadBack) -> dict[str, list[tuple[int | None, Any]]]:
    series: dict[str, list[tuple[int | None, Any]]] = {}
    for step, metrics in back.metrics:
        for key, value in metrics.items():
            series.setdefault(key, []).append((step, value))
    return series


PARAMS = {"lr": 0.001, "flag": True, "opt": {"name": "adam"}, "none": None, "layers": [64, 64]}


def _use(logger: Any) -> None:
    logger.log_metrics({"a": 0.1, "b": 3}, step=2)
    logger.log_hyperparams(PARAMS)
    logger.log_metrics({"a": 0.5}, step=None)
    logger.finalize("success")


class TestLightning2:
    def test_csv_reads_back_rows_and_hparams_yaml(self, tmp_path: Path) -> None:
        """CSVLogger: one row per call (step None numbered by the logger), hparams.yaml as logged."""
        logger = _lightning2().CSVLogger(tmp_path)
        _use(logger)
        assert CSV.read(logger, tmp_path) == ReadBack(((2, {"a": 0.1, "b": 3}), (1, {"a": 0.5})), PARAMS)

    def test_tensorboard_reads_back_float32_scalars_and_flattened_hparams(self, tmp_path: Path) -> None:
        """TensorBoardLogger: float32 scalars per tag (hp_metric left out), hparams flattened and sanitized."""
        logger = _lightning2().TensorBoardLogger(tmp_path)
        _use(logger)
        back = TENSORBOARD.read(logger, tmp_path)
        assert _by_key(back) == {"a": [(2, to_float32(0.1)), (0, 0.5)], "b": [(2, 3.0)]}
        assert back.hyperparams == {"lr": 0.001, "flag": 1.0, "opt/name": "adam", "none": "None", "layers": "[64, 64]"}

    def test_mlflow_reads_back_the_metric_history_and_params(self, tmp_path: Path) -> None:
        """MLFlowLogger on sqlite: each metric's history (step None logged as 0), params as strings."""
        _lightning2()
        logger = mlflow_sqlite(tmp_path)
        _use(logger)
        back = MLFLOW.read(logger, tmp_path)
        assert _by_key(back) == {"a": [(2, 0.1), (0, 0.5)], "b": [(2, 3.0)]}
        assert back.hyperparams == {"lr": "0.001", "flag": "True", "opt/name": "adam", "none": "None", "layers": "[64, 64]"}
        assert (tmp_path / "mlflow.db").is_file()

    def test_the_shipped_harnesses_are_picked_by_class(self) -> None:
        """CSVLogger, TensorBoardLogger and the MLflow factory's logger get their shipped harness."""
        loggers = _lightning2()
        assert harness_for(LoggerSubject(loggers.CSVLogger)) is CSV
        assert harness_for(LoggerSubject(loggers.TensorBoardLogger)) is TENSORBOARD
        assert harness_for(LoggerSubject(mlflow_sqlite)) is MLFLOW

    def test_csv_logger_passes(self) -> None:
        """Lightning 2.x's CSVLogger passes the read-back property."""
        assert _verdict(LoggerSubject(_lightning2().CSVLogger, "CSVLogger")).status == "passed"

    def test_tensorboard_fails_only_by_losing_an_empty_list_hyperparameter(self) -> None:
        """TensorBoardLogger fails the property when a hyperparameter is [] (it is lost), and passes when none is."""
        factory = _lightning2().TensorBoardLogger
        params: dict[str, Any] = {"layers": [], "lr": 0.5}
        empty = attrs.evolve(TENSORBOARD, hyperparams=st.just(params))
        failed = _verdict(LoggerSubject(factory, "TensorBoardLogger", harness=empty), max_examples=10)
        assert failed.status == "failed"
        assert failed.message is not None and "hyperparameter lost: 'layers'" in failed.message
        fixed = attrs.evolve(TENSORBOARD, hyperparams=WITHOUT_EMPTY_LISTS)
        assert _verdict(LoggerSubject(factory, "TensorBoardLogger", harness=fixed), max_examples=40).status == "passed"

    def test_mlflow_passes_when_no_empty_list_is_logged(self) -> None:
        """MLFlowLogger passes the property when no hyperparameter is an empty list (its failure is the
        same as TensorBoard's, pinned below; the matrix shows it)."""
        _lightning2()
        fixed = attrs.evolve(MLFLOW, hyperparams=WITHOUT_EMPTY_LISTS)
        assert _verdict(LoggerSubject(mlflow_sqlite, "mlflow_sqlite", harness=fixed), max_examples=25).status == "passed"

    @pytest.mark.parametrize("which", ["TensorBoardLogger", "mlflow_sqlite"])
    def test_lightning_2_drops_an_empty_list_hyperparameter(self, which: str, tmp_path: Path) -> None:
        """Pins the bug the matrix reports: _flatten_dict treats [] as a list of dicts and drops it.
        (If this fails, Lightning fixed it: regenerate docs/conformance-matrix.md.)"""
        loggers = _lightning2()
        logger = loggers.TensorBoardLogger(tmp_path) if which == "TensorBoardLogger" else mlflow_sqlite(tmp_path)
        logger.log_hyperparams({"layers": [], "lr": 0.5})
        logger.finalize("success")
        back = (TENSORBOARD if which == "TensorBoardLogger" else MLFLOW).read(logger, tmp_path)
        assert "layers" not in back.hyperparams
        assert "lr" in back.hyperparams


class TestPytorchLightningMirror:
    def test_the_2x_mirror_gets_the_same_harnesses(self, tmp_path: Path) -> None:
        """pytorch_lightning 2.x (the mirror of lightning.pytorch) has the same classes: same harnesses, same read-back."""
        _lightning2()
        pl = pytest.importorskip("pytorch_lightning", reason="the pytorch_lightning mirror is not installed")
        if str(pl.__version__).startswith("1."):
            pytest.skip(f"pytorch_lightning {pl.__version__} is not the 2.x mirror")
        loggers: Any = pl.loggers
        assert harness_for(LoggerSubject(loggers.CSVLogger)) is CSV
        assert harness_for(LoggerSubject(loggers.TensorBoardLogger)) is TENSORBOARD
        logger = loggers.CSVLogger(tmp_path)
        _use(logger)
        assert CSV.read(logger, tmp_path) == ReadBack(((2, {"a": 0.1, "b": 3}), (1, {"a": 0.5})), PARAMS)


class TestLightning15:
    def test_csv_reads_back_rows_and_hparams_yaml(self, tmp_path: Path) -> None:
        """1.5.10's CSVLogger: one row per call, hparams.yaml as logged."""
        logger = _lightning15().CSVLogger(str(tmp_path))
        _use(logger)
        assert CSV.read(logger, tmp_path) == ReadBack(((2, {"a": 0.1, "b": 3}), (1, {"a": 0.5})), PARAMS)

    def test_tensorboard_reads_back_float32_scalars_and_flattened_hparams(self, tmp_path: Path) -> None:
        """1.5.10's TensorBoardLogger: float32 scalars per tag, hparams flattened and sanitized."""
        logger = _lightning15().TensorBoardLogger(str(tmp_path))
        _use(logger)
        back = TENSORBOARD.read(logger, tmp_path)
        assert _by_key(back) == {"a": [(2, to_float32(0.1)), (0, 0.5)], "b": [(2, 3.0)]}
        assert back.hyperparams == {"lr": 0.001, "flag": 1.0, "opt/name": "adam", "none": "None", "layers": "[64, 64]"}

    @pytest.mark.parametrize("which", ["CSVLogger", "TensorBoardLogger"])
    def test_passes(self, which: str) -> None:
        """1.5.10's CSVLogger and TensorBoardLogger pass the read-back property (empty lists included)."""
        factory = getattr(_lightning15(), which)
        assert harness_for(LoggerSubject(factory)) is (CSV if which == "CSVLogger" else TENSORBOARD)
        assert _verdict(LoggerSubject(factory, which)).status == "passed"


# --- aggregation applies only to loggers that have it (the matrix's DummyLogger column) --------


class _CatchAll:
    """Like Lightning 2.x's DummyLogger: the 2.x methods, and a __getattr__ that answers every name with a no-op."""

    name = "catch-all"
    version = 0
    save_dir = None
    experiment = None

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        pass

    def log_hyperparams(self, params: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Callable[..., None]:
        def method(*args: Any, **kwargs: Any) -> None:
            return None

        return method


class _Proxy:
    """A logger that delegates to another through __getattr__ (which answers only the names it has)."""

    def __init__(self, directory: Path) -> None:
        self._inner = impl.InMemoryLogger(directory)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class TestAggregationApplies:
    def test_a_catch_all_getattr_does_not_make_the_1_5_api(self) -> None:
        """A logger whose __getattr__ answers every name gets "not applicable" for aggregation, not a failure."""
        subject = LoggerSubject(lambda d: _CatchAll(), "catch-all")
        report = conformance.certify(subject, only=["aggregation.runs_logged_once"], profile="ci", max_examples=5)
        (result,) = report.subjects[0].results
        assert result.status == "not_applicable", result

    @pytest.mark.parametrize(
        ("logger", "has"),
        [(_CatchAll(), False), (_Proxy(Path(".")), True), (impl.InMemoryLogger(), True)],
        ids=["catch-all", "delegating proxy", "defined on the class"],
    )
    def test_which_loggers_have_agg_and_log_metrics(self, logger: Any, has: bool) -> None:
        """A method counts when the class defines it or a selective __getattr__ gives it; a catch-all's does not."""
        assert _has_method(logger, "agg_and_log_metrics") is has
