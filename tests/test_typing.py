"""The typing tests: mypy --strict and pyright (strict) accept tests/typing, and Lightning 2.x's loggers are CoreLoggers.

``tests/typing/check_*.py`` are type-checked, never run; an expected rejection there is a
``# type: ignore[code]`` line that both checkers must find an error on, for the same reason (see
its ``__init__``). pyright also checks spec, impl and conformance here: unlike mypy, it reports
nothing in the modules a checked file imports. One pyright run serves both of its tests (the packages
and tests/typing, and the copies with the ignore comments removed); mypy runs once on tests/typing in
the fast tier, and once more on the copies in the exhaustive tier (``--exhaustive``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import attrs
import pytest

# One pytest-xdist worker runs the module: its module-scoped fixture is built once.
pytestmark = pytest.mark.xdist_group("typing")

ROOT = Path(__file__).resolve().parents[1]
TYPING_TESTS = ROOT / "tests" / "typing"
LIGHTNING_PYTHON_VARIABLE = "LOGGERSPEC_LIGHTNING_PYTHON"

# Lightning 2.x's loggers against spec. It is checked only with a Python that has Lightning (it
# cannot live in tests/typing, which CI checks with the dev environment), so it is kept here.
LIGHTNING_CHECK = '''
"""Lightning 2.x's CSVLogger and TensorBoardLogger against spec.CoreLogger and spec.Logger."""

from __future__ import annotations

from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
from lightning.pytorch.loggers import Logger as LightningLogger

import spec


def train_core(logger: spec.CoreLogger) -> None: ...


def train(logger: spec.Logger) -> None: ...


# TensorBoardLogger is a CoreLogger; it is not a spec.Logger only because it has no close().
train_core(TensorBoardLogger("logs"))
train(TensorBoardLogger("logs"))  # type: ignore[arg-type]


class TensorBoardLoggerWithClose(TensorBoardLogger):
    def close(self) -> None: ...


train(TensorBoardLoggerWithClose("logs"))

# CSVLogger is not a CoreLogger: its log_metrics takes dict[str, Tensor | float], and dict is
# invariant, so it does not take the seed's dict[str, float]. (Lightning's own base class declares
# dict[str, float]; lightning/fabric/loggers/csv_logs.py silences the override error this gives.)
train_core(CSVLogger("logs"))  # type: ignore[arg-type]
train(CSVLogger("logs"))  # type: ignore[arg-type]


class CSVLoggerWithSeedMetrics(CSVLogger):
    """With the seed's log_metrics (the one Lightning's base class declares) and close(), a Logger."""

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:  # type: ignore[override]
        ...

    def close(self) -> None: ...


train_core(CSVLoggerWithSeedMetrics("logs"))
train(CSVLoggerWithSeedMetrics("logs"))


# Lightning's base class is not a CoreLogger: it does not declare experiment, and its name and
# version may be None. Type training code's logger as spec.CoreLogger, not as Lightning's Logger.
def from_lightning_base(logger: LightningLogger) -> None:
    train_core(logger)  # type: ignore[arg-type]
'''


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)


def pyright_command(python: str = sys.executable) -> list[str]:
    """pyright from this environment (the test extra's ``pyright[nodejs]``: no node download), resolving
    imports with ``python``. Without ``--pythonpath`` pyright uses whichever ``python`` is first on PATH,
    which need not be this environment's (and may have other versions of hypothesis and numpy)."""
    assert importlib.util.find_spec("pyright") is not None, "pyright is missing: pip install -e '.[test]'"
    return [sys.executable, "-m", "pyright", "--pythonpath", python]


# An expected rejection's mypy error code, and the pyright rules that report the same mistake.
PYRIGHT_RULES = {
    "arg-type": {"reportArgumentType"},
    "assignment": {"reportAssignmentType", "reportAttributeAccessIssue"},
    "call-arg": {"reportCallIssue"},
    "dict-item": {"reportArgumentType"},
    "list-item": {"reportArgumentType"},
    "misc": {"reportAttributeAccessIssue"},
    "override": {"reportIncompatibleMethodOverride"},
}
IGNORE = re.compile(r"  # type: ignore\[([a-z-]+)\]")


def lightning_python() -> str | None:
    """The Python to check Lightning's loggers with: $LOGGERSPEC_LIGHTNING_PYTHON, else this one if it has Lightning."""
    configured = os.environ.get(LIGHTNING_PYTHON_VARIABLE)
    if configured:
        return configured
    return sys.executable if importlib.util.find_spec("lightning") is not None else None


def report(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit status {result.returncode}\n{result.stdout}{result.stderr}"


def _strip_ignores(into: Path) -> dict[tuple[str, int], str]:
    """Copies of the check files into ``into`` with the ``# type: ignore[code]`` comments removed, and
    the expected rejections: (file name, line) -> mypy's code."""
    expected: dict[tuple[str, int], str] = {}
    for path in sorted(TYPING_TESTS.glob("check_*.py")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        for number, line in enumerate(lines, start=1):
            if match := IGNORE.search(line):
                expected[path.name, number] = match[1]
        (into / path.name).write_text("".join(IGNORE.sub("", line) for line in lines), encoding="utf-8")
    return expected


@attrs.frozen
class PyrightRun:
    """One pyright run on spec, impl, conformance and tests/typing, and on the stripped copies."""

    result: subprocess.CompletedProcess[str]
    stripped: Path
    expected: dict[tuple[str, int], str]

    def errors(self, stripped: bool) -> list[dict[str, Any]]:
        """The error diagnostics in the stripped copies, or in everything else."""
        found: list[dict[str, Any]] = json.loads(self.result.stdout)["generalDiagnostics"]
        return [
            d for d in found if d["severity"] == "error" and (Path(d["file"]).parent == self.stripped) == stripped
        ]


@pytest.fixture(scope="module")
def pyright_run(tmp_path_factory: pytest.TempPathFactory) -> PyrightRun:
    """pyright run once for the tests that read it (it takes most of a minute of CPU): on what
    pyrightconfig.json includes, and on the stripped copies of tests/typing."""
    stripped = tmp_path_factory.mktemp("stripped")
    expected = _strip_ignores(stripped)
    checked = sorted({str(stripped / name) for name, _ in expected})
    # What `python -m pyright` checks: pyrightconfig.json's include (the file has // comment lines).
    config = json.loads(re.sub(r"^\s*//.*$", "", (ROOT / "pyrightconfig.json").read_text(encoding="utf-8"), flags=re.M))
    included: list[str] = config["include"]
    result = run([*pyright_command(), "--project", str(ROOT), "--outputjson", *included, *checked])
    assert result.stdout.lstrip().startswith("{"), report(result)
    return PyrightRun(result, stripped.resolve(), expected)


# The pyright tests share one run: pytest-xdist (--dist loadfile) keeps them on one worker.
class TestTypingTests:
    def test_the_typing_tests_are_not_collected_by_pytest(self) -> None:
        """Every file in tests/typing is named so that pytest does not collect it (never run, only checked)."""
        names = sorted(p.name for p in TYPING_TESTS.glob("*.py"))
        assert names
        assert [n for n in names if n.startswith("test_") or n.endswith("_test.py")] == []

    def test_mypy_strict_accepts_them(self) -> None:
        """mypy --strict (with mypy.ini: warn_unused_ignores) reports no error on tests/typing.

        With warn_unused_ignores, each ``# type: ignore[code]`` line must have an error of exactly
        ``code`` (an error of another code on it is reported): this run alone checks mypy's half of
        the expected rejections, which the exhaustive tier checks again with the comments removed."""
        result = run([sys.executable, "-m", "mypy", "--strict", str(TYPING_TESTS)])
        assert result.returncode == 0, report(result)

    def test_pyright_strict_accepts_them_and_the_packages(self, pyright_run: PyrightRun) -> None:
        """pyright (pyrightconfig.json: strict, unnecessary ignores are errors) reports no error on spec,
        impl, conformance and tests/typing."""
        assert pyright_run.errors(stripped=False) == [], report(pyright_run.result)
        summary = json.loads(pyright_run.result.stdout)["summary"]
        assert summary["filesAnalyzed"] > len(pyright_run.expected), summary  # (the packages were checked)

    def test_pyright_rejects_exactly_the_expected_lines_for_the_same_reason(self, pyright_run: PyrightRun) -> None:
        """With the ``# type: ignore[code]`` comments removed, pyright reports a rule for the mistake mypy's
        ``code`` names on exactly those lines, and nothing else."""
        expected = pyright_run.expected
        assert expected
        assert set(expected.values()) <= set(PYRIGHT_RULES), "add the new code to PYRIGHT_RULES"
        found_by_pyright: dict[tuple[str, int], set[str]] = {}
        for diagnostic in pyright_run.errors(stripped=True):
            key = (Path(diagnostic["file"]).name, diagnostic["range"]["start"]["line"] + 1)
            found_by_pyright.setdefault(key, set()).add(diagnostic.get("rule", "(no rule)"))
        assert set(found_by_pyright) == set(expected), report(pyright_run.result)
        wrong = {key: rules for key, rules in found_by_pyright.items() if not rules & PYRIGHT_RULES[expected[key]]}
        assert wrong == {}, f"pyright rejects these lines for another reason than mypy's code says: {wrong}"

    @pytest.mark.exhaustive
    def test_mypy_rejects_exactly_the_expected_lines(self, tmp_path: Path) -> None:
        """With the ``# type: ignore[code]`` comments removed, mypy reports ``code`` on exactly those lines,
        and nothing else."""
        expected = _strip_ignores(tmp_path)
        assert expected
        checked = [str(tmp_path / name) for name in sorted({name for name, _ in expected})]
        # (Imports are not followed into the packages: the tests above check those.)
        mypy = run([sys.executable, "-m", "mypy", "--strict", "--follow-imports", "silent", *checked])
        found_by_mypy: dict[tuple[str, int], set[str]] = {}
        for line in mypy.stdout.splitlines():
            if match := re.match(r"(.+?):(\d+): error: .*\[([a-z-]+)\]$", line):
                key = (Path(match[1]).name, int(match[2]))
                found_by_mypy.setdefault(key, set()).add(match[3])
        assert found_by_mypy == {key: {code} for key, code in expected.items()}, report(mypy)


class TestLightning:
    """Lightning 2.x's loggers, checked with a Python that has Lightning installed."""

    @pytest.fixture
    def python(self) -> str:
        found = lightning_python()
        if found is None:
            pytest.skip(
                f"Lightning is not importable here; set {LIGHTNING_PYTHON_VARIABLE} to a Python that has it "
                "(a venv with: pip install torch lightning tensorboard)"
            )
        probe = subprocess.run([found, "-c", "import lightning"], capture_output=True, text=True, check=False)
        assert probe.returncode == 0, f"{found} cannot import lightning:\n{probe.stderr}"
        return found

    @pytest.fixture
    def check_file(self, tmp_path: Path) -> Path:
        path = tmp_path / "check_lightning.py"
        path.write_text(textwrap.dedent(LIGHTNING_CHECK).lstrip(), encoding="utf-8")
        return path

    def test_mypy_finds_csv_and_tensorboard_loggers_as_pinned(self, python: str, check_file: Path) -> None:
        """Under mypy --strict, TensorBoardLogger is a CoreLogger, CSVLogger is not, neither is a Logger (no close)."""
        cache = ROOT / ".mypy_cache" / "lightning"  # Lightning's and torch's types: slow to check cold
        result = run(
            [sys.executable, "-m", "mypy", "--strict", "--python-executable", python, "--cache-dir", str(cache)]
            + [str(check_file)]
        )
        assert result.returncode == 0, report(result)

    def test_pyright_finds_them_as_pinned(self, python: str, check_file: Path) -> None:
        """pyright (strict) agrees with mypy on every line of the Lightning check."""
        result = run([*pyright_command(python), "--project", str(ROOT), str(check_file)])
        assert result.returncode == 0, report(result)
