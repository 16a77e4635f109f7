"""The typing tests: mypy --strict and pyright (strict) accept tests/typing, and Lightning 2.x's loggers are CoreLoggers.

``tests/typing/check_*.py`` are type-checked, never run; an expected rejection there is a
``# type: ignore[code]`` line that both checkers must find an error on (see its ``__init__``).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

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


def pyright_command() -> list[str] | None:
    """How to run pyright here: the PyPI package in this environment, else one on PATH (None: neither)."""
    if importlib.util.find_spec("pyright") is not None:
        return [sys.executable, "-m", "pyright"]
    found = shutil.which("pyright")
    return [found] if found else None


def lightning_python() -> str | None:
    """The Python to check Lightning's loggers with: $LOGGERSPEC_LIGHTNING_PYTHON, else this one if it has Lightning."""
    configured = os.environ.get(LIGHTNING_PYTHON_VARIABLE)
    if configured:
        return configured
    return sys.executable if importlib.util.find_spec("lightning") is not None else None


def report(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit status {result.returncode}\n{result.stdout}{result.stderr}"


class TestTypingTests:
    def test_the_typing_tests_are_not_collected_by_pytest(self) -> None:
        """Every file in tests/typing is named so that pytest does not collect it (never run, only checked)."""
        names = sorted(p.name for p in TYPING_TESTS.glob("*.py"))
        assert names
        assert [n for n in names if n.startswith("test_") or n.endswith("_test.py")] == []

    def test_mypy_strict_accepts_them(self) -> None:
        """mypy --strict (with mypy.ini: warn_unused_ignores) reports no error on tests/typing."""
        result = run([sys.executable, "-m", "mypy", "--strict", str(TYPING_TESTS)])
        assert result.returncode == 0, report(result)

    def test_pyright_strict_accepts_them(self) -> None:
        """pyright (pyrightconfig.json: strict, unnecessary ignores are errors) reports no error on tests/typing."""
        command = pyright_command()
        if command is None:
            pytest.skip("pyright is not installed here (pip install pyright)")
        result = run([*command, "--pythonpath", sys.executable, str(TYPING_TESTS)])
        assert result.returncode == 0, report(result)


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
        command = pyright_command()
        if command is None:
            pytest.skip("pyright is not installed here (pip install pyright)")
        result = run([*command, "--project", str(ROOT), "--pythonpath", python, str(check_file)])
        assert result.returncode == 0, report(result)
