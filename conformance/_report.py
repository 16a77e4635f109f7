"""The typed report of a certification run, and its JSON form (schema in docs/report-schema.md)."""

from __future__ import annotations

import json
from typing import Any, Final, Literal, TypeAlias

import attrs

from conformance._core import Kind, Level

__all__ = ["SCHEMA", "PropertyResult", "Report", "Status", "SubjectReport"]

SCHEMA: Final[str] = "loggerspec-conformance/1"
Status: TypeAlias = Literal["passed", "failed", "not_applicable", "opted_out"]


@attrs.frozen
class PropertyResult:
    """The verdict of one property on one subject."""

    id: str
    kind: Kind
    level: Level
    status: Status
    examples: int
    seconds: float
    contract: str
    message: str | None = None
    falsifying_example: str | None = None
    replay: str | None = None
    reason: str | None = None


@attrs.frozen
class SubjectReport:
    """Every property's verdict on one subject."""

    kind: Kind
    target: str
    results: tuple[PropertyResult, ...]

    @property
    def certified(self) -> bool:
        """True when no property failed."""
        return all(r.status != "failed" for r in self.results)

    @property
    def failures(self) -> tuple[PropertyResult, ...]:
        """The failed properties."""
        return tuple(r for r in self.results if r.status == "failed")


@attrs.frozen
class Report:
    """A certification run: its settings, the versions it ran with, and a report per subject."""

    level: Level
    profile: str
    seed: int | None
    max_examples: int
    versions: dict[str, str]
    subjects: tuple[SubjectReport, ...]

    @property
    def certified(self) -> bool:
        """True when every subject is certified."""
        return all(s.certified for s in self.subjects)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data, in the documented schema."""
        return {
            "schema": SCHEMA,
            "verdict": "certified" if self.certified else "failed",
            "level": self.level,
            "profile": self.profile,
            "seed": self.seed,
            "max_examples": self.max_examples,
            "versions": dict(self.versions),
            "subjects": [
                {
                    "kind": s.kind,
                    "target": s.target,
                    "verdict": "certified" if s.certified else "failed",
                    "results": [attrs.asdict(r) for r in s.results],
                }
                for s in self.subjects
            ],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Read a report back from :meth:`to_dict`'s form."""
        if data.get("schema") != SCHEMA:
            raise ValueError(f"data: schema must be {SCHEMA!r}, got {data.get('schema')!r}")
        return cls(
            level=data["level"],
            profile=data["profile"],
            seed=data["seed"],
            max_examples=data["max_examples"],
            versions=dict(data["versions"]),
            subjects=tuple(
                SubjectReport(s["kind"], s["target"], tuple(PropertyResult(**r) for r in s["results"]))
                for s in data["subjects"]
            ),
        )
