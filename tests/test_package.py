"""The packages: exports pinned, light imports, typing markers shipped."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import conformance
import impl
import spec

ROOT = Path(__file__).resolve().parents[1]


class TestExports:
    @pytest.mark.parametrize("package", [spec, impl, conformance])
    def test_all_is_sorted_and_exactly_the_public_names(self, package: ModuleType) -> None:
        """Each package's __all__ is sorted and lists exactly its public attributes after a plain import."""
        # Read in a fresh interpreter: under pytest, the plugin's distribution is assertion-rewritten,
        # which adds pytest's own names ('@py_builtins') to these packages' namespaces.
        code = (
            f"import json, {package.__name__} as p; print(json.dumps(sorted(n for n in vars(p) if not n.startswith('_'))))"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        assert package.__all__ == sorted(package.__all__)
        assert sorted(package.__all__) == json.loads(out.stdout)

    def test_impl_keeps_the_seeds_names(self) -> None:
        """impl exports the seed's six names, so 1.5 code runs by changing one import."""
        seed = {"LightningLoggerBase", "LoggerCollection", "DummyLogger", "DummyExperiment", "merge_dicts"}
        assert seed | {"rank_zero_experiment"} <= set(impl.__all__)


class TestImports:
    @pytest.mark.parametrize(
        ("package", "forbidden"),
        [("spec", ("hypothesis", "torch", "numpy")), ("impl", ("hypothesis", "torch"))],
    )
    def test_import_does_not_pull_heavy_modules(self, package: str, forbidden: tuple[str, ...]) -> None:
        """import spec loads neither numpy, hypothesis nor torch; import impl loads neither hypothesis nor torch."""
        code = f"import sys, {package}; print(sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r}))"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        assert out.stdout.strip() == "[]"

    @pytest.mark.parametrize("package", ["spec", "impl", "conformance"])
    def test_py_typed_is_shipped(self, package: str) -> None:
        """Each package ships a py.typed marker."""
        assert (ROOT / package / "py.typed").is_file()


class TestContractSentences:
    """spec's docstrings and conformance's properties name each other: every property is cited by a
    ``Checked by:`` sentence in spec, and every property a sentence cites exists."""

    @staticmethod
    def _cited() -> set[str]:
        text = "\n".join(path.read_text(encoding="utf-8") for path in sorted(Path(spec.__file__).parent.glob("*.py")))
        found: set[str] = set()
        for sentence in re.findall(r"Checked by:(.*?)(?:\.\s|\.$|\n\s*\n)", text, flags=re.S):
            found.update(re.findall(r"``([a-z_]+\.[a-z_]+)``", sentence))
        return found

    @staticmethod
    def _properties() -> set[str]:
        return {p.id for kind in ("merge", "logger", "collection", "rank") for p in conformance.all_properties(kind, "strict")}

    def test_every_property_is_cited_by_a_contract_sentence(self) -> None:
        assert sorted(self._properties() - self._cited()) == []

    def test_every_cited_property_exists(self) -> None:
        assert sorted(self._cited() - self._properties()) == []
