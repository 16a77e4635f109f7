"""The typed report of a certification run, and its JSON form (schema in docs/report-schema.md)."""

from __future__ import annotations

import json
from typing import Any, Final, Literal, TypeAlias, cast

import attrs

from conformance._core import Kind, Level

__all__ = ["SCHEMA", "PropertyResult", "Report", "Status", "SubjectReport", "Verdict"]

SCHEMA: Final[str] = "loggerspec-conformance/2"
_READABLE = (SCHEMA, "loggerspec-conformance/1")  # /1 lacks the subject's error, protocol and warnings
Status: TypeAlias = Literal["passed", "failed", "not_applicable", "opted_out"]
Verdict: TypeAlias = Literal["certified", "failed", "unusable", "nothing_checked"]


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
    warnings: tuple[str, ...] = ()
    """What went wrong ending the loggers the property built (an error, a timeout): reported, not failing it."""


@attrs.frozen
class SubjectReport:
    """Every property's verdict on one subject.

    ``error`` says why the subject could not be run at all (its factory raised, it looks like
    another kind of subject); ``protocol`` names what a logger subject is certified as
    (``spec.Logger``, or ``spec.CoreLogger`` for a logger without ``close``); ``warnings`` are the
    problems met ending the logger built to probe the subject.
    """

    kind: Kind
    target: str
    results: tuple[PropertyResult, ...]
    error: str | None = None
    protocol: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def verdict(self) -> Verdict:
        """``unusable`` (see :attr:`error`), ``failed`` (a property failed), ``nothing_checked``
        (no property passed or failed: all not applicable, opted out or not selected) or ``certified``."""
        if self.error is not None:
            return "unusable"
        if any(r.status == "failed" for r in self.results):
            return "failed"
        if not any(r.status == "passed" for r in self.results):
            return "nothing_checked"
        return "certified"

    @property
    def certified(self) -> bool:
        """True when some property passed and none failed."""
        return self.verdict == "certified"

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
    def verdict(self) -> Verdict:
        """``failed`` when a subject failed, else ``unusable`` when one could not be run, else
        ``nothing_checked`` when no subject had a property pass, else ``certified`` (a subject of
        several with nothing selected for it, say by ``only``, does not keep the run from it)."""
        verdicts = {s.verdict for s in self.subjects}
        for verdict in ("failed", "unusable"):
            if verdict in verdicts:
                return cast("Verdict", verdict)
        return "certified" if "certified" in verdicts else "nothing_checked"

    @property
    def certified(self) -> bool:
        """True when the run's verdict is ``certified``."""
        return self.verdict == "certified"

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data, in the documented schema."""
        return {
            "schema": SCHEMA,
            "verdict": self.verdict,
            "level": self.level,
            "profile": self.profile,
            "seed": self.seed,
            "max_examples": self.max_examples,
            "versions": dict(self.versions),
            "subjects": [
                {
                    "kind": s.kind,
                    "target": s.target,
                    "verdict": s.verdict,
                    "error": s.error,
                    "protocol": s.protocol,
                    "warnings": list(s.warnings),
                    "results": [{**attrs.asdict(r), "warnings": list(r.warnings)} for r in s.results],
                }
                for s in self.subjects
            ],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Read a report back from :meth:`to_dict`'s form (this schema, or ``loggerspec-conformance/1``)."""
        if data.get("schema") not in _READABLE:
            raise ValueError(f"data: schema must be {SCHEMA!r}, got {data.get('schema')!r}")
        return cls(
            level=data["level"],
            profile=data["profile"],
            seed=data["seed"],
            max_examples=data["max_examples"],
            versions=dict(data["versions"]),
            subjects=tuple(
                SubjectReport(
                    s["kind"],
                    s["target"],
                    tuple(_result(r) for r in s["results"]),
                    error=s.get("error"),
                    protocol=s.get("protocol"),
                    warnings=tuple(s.get("warnings", ())),
                )
                for s in data["subjects"]
            ),
        )


def _result(data: dict[str, Any]) -> PropertyResult:
    fields = dict(data)
    warnings: list[str] = fields.pop("warnings", [])
    return PropertyResult(**fields, warnings=tuple(warnings))
