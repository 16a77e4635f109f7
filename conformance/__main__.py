"""``python -m conformance``: certify a subject from the command line.

Exit status: 0 certified, 1 a property failed, 2 the subject could not be loaded or used, nothing
was checked, or the usage is wrong.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from conformance._catalogue import all_properties
from conformance._core import KINDS, LEVELS, Kind, Subject
from conformance._loading import LoadError, load_subject, reference_subjects
from conformance._observe import CLEANUP_TIMEOUT
from conformance._profiles import DEFAULT_PROFILE, PROFILES
from conformance._report import PropertyResult, Report
from conformance._runner import certify

__all__ = ["main"]

_MARK = {"passed": "PASS", "failed": "FAIL", "not_applicable": "n/a ", "opted_out": "OUT "}
_EXIT_STATUS = """exit status:
  0  certified: some property ran and none failed
  1  a property failed
  2  the subject could not be loaded or used (its factory raised, it looks like another KIND),
     no property ran (all not applicable, or --only named another kind's), or the usage is wrong
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m conformance",
        description="Certify a logger, merge function, collection or rank gate against loggerspec's contract. "
        "With no KIND and TARGET, certify loggerspec's reference implementation (impl).",
        epilog=_EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("kind", nargs="?", choices=KINDS, help="what TARGET is (with --list: list this kind's properties only)")
    parser.add_argument("target", nargs="?", help="MODULE:ATTR of the merge function, logger factory, collection or decorator")
    parser.add_argument("--rank-object", metavar="MODULE:ATTR", help="the object whose .rank sets the rank (default for rank: impl:rank_zero_only)")
    parser.add_argument("--harness", metavar="MODULE:ATTR", help="a logger's read-back harness (default: a shipped one, picked by the logger's class)")
    parser.add_argument("--level", choices=LEVELS, default="strict", help="core: the seed's contract; strict (default): core plus robustness")
    parser.add_argument("--profile", choices=sorted(PROFILES), default=DEFAULT_PROFILE, help=f"Hypothesis settings profile (default {DEFAULT_PROFILE})")
    parser.add_argument("--max-examples", type=int, metavar="N", help="examples per property (overrides the profile)")
    parser.add_argument("--seed", type=int, metavar="N", help="Hypothesis seed (turns the ci profile's derandomizing off)")
    parser.add_argument("--only", action="append", default=[], metavar="ID", help="run only this property (repeatable)")
    parser.add_argument("--reproduce", metavar="BLOB", help="replay a failure's exact example (printed with the failure)")
    parser.add_argument("--report-json", type=Path, metavar="PATH", help="write the JSON report here")
    parser.add_argument("--list", action="store_true", help="list the properties (of KIND, if given) and exit")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="run the properties in N worker processes (default 1; same verdicts)")
    parser.add_argument(
        "--cleanup-timeout", type=float, default=CLEANUP_TIMEOUT, metavar="SECONDS",
        help=f"how long each logger's finalize and close may take before a hang is reported (default {CLEANUP_TIMEOUT:g})",
    )
    return parser


def _line(result: PropertyResult) -> str:
    examples = f"{result.examples} ex" if result.status != "not_applicable" else ""
    return f"  {_MARK[result.status]}  {result.id:<46} {result.level:<6} {examples:>8} {result.seconds:>8.2f}s"


def _print_failures(report: Report, out: TextIO) -> None:
    for subject in report.subjects:
        for result in subject.failures:
            print(f"\nFAILED {result.id} on {subject.target}", file=out)
            print(f"  contract: {result.contract}", file=out)
            print(f"  problem:  {result.message}", file=out)
            if result.falsifying_example is not None:
                print(f"  minimal falsifying example: {result.falsifying_example}", file=out)
            if result.replay:
                print(f"  replay:   {result.replay}", file=out)
        for result in subject.results:
            if result.status == "not_applicable":
                print(f"  n/a {result.id} on {subject.target}: {result.reason}", file=out)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit status."""
    stdout: TextIO = sys.stdout  # typeshed's TextIO | Any, assigned to `out`, leaves it TextIO | None for pyright
    out = out if out is not None else stdout
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse exits 2 on bad usage, 0 on --help
        return int(stop.code or 0)

    if args.list:
        if args.target is not None:
            print("usage error: --list takes a KIND at most, no TARGET", file=sys.stderr)
            return 2
        for prop in all_properties(args.kind):
            print(f"{prop.id:<46} {prop.kind:<10} {prop.level:<6} {prop.doc}", file=out)
        return 0
    if (args.kind is None) != (args.target is None):
        print("usage error: give both KIND and TARGET, or neither (to certify impl)", file=sys.stderr)
        return 2
    if args.harness is not None and args.kind != "logger":
        print("usage error: --harness applies to a logger subject (KIND logger) only", file=sys.stderr)
        return 2

    try:
        if args.kind is None:
            chosen = reference_subjects()
        else:
            kind: Kind = args.kind
            words = [kind, args.target] + (["--rank-object", args.rank_object] if args.rank_object else [])
            words += ["--harness", args.harness] if args.harness else []
            chosen = [(load_subject(kind, args.target, args.rank_object, args.harness), words)]
    except LoadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    words_of = {id(subject): words for subject, words in chosen}
    if args.report_json is not None:
        problem = _unwritable(args.report_json)
        if problem is not None:
            print(f"usage error: --report-json {args.report_json}: {problem}", file=sys.stderr)
            return 2

    started = time.perf_counter()
    current: list[str] = []

    def progress(subject: Subject, result: PropertyResult) -> None:
        if args.quiet:
            return
        if current != [subject.target]:
            current[:] = [subject.target]
            print(f"{subject.target}", file=out)
        print(_line(result), file=out, flush=True)

    try:
        report = certify(
            *(subject for subject, _ in chosen),
            level=args.level,
            profile=args.profile,
            max_examples=args.max_examples,
            seed=args.seed,
            only=args.only,
            reproduce=args.reproduce,
            on_result=progress,
            command=lambda subject: words_of[id(subject)],
            cleanup_timeout=args.cleanup_timeout,
            jobs=args.jobs,
        )
    except ValueError as error:
        print(f"usage error: {error}", file=sys.stderr)
        return 2

    _print_failures(report, out)
    _print_problems(report, out)
    counts = {status: 0 for status in _MARK}
    for subject in report.subjects:
        for result in subject.results:
            counts[result.status] += 1
    seed = "derandomized" if report.seed is None else f"seed {report.seed}"
    print(
        f"\n{_verdict_words(report)} at level {report.level}: {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['not_applicable']} not applicable, {counts['opted_out']} opted out "
        f"({report.profile} profile, {report.max_examples} examples, {seed}, {time.perf_counter() - started:.1f}s)",
        file=out,
    )
    if report.verdict == "nothing_checked":
        print("nothing was checked: no property ran (all not applicable, opted out, or not selected by --only)", file=out)
    if args.report_json is not None:
        args.report_json.write_text(report.to_json() + "\n", encoding="utf-8")
        print(f"report written to {args.report_json}", file=out)
    return {"certified": 0, "failed": 1}.get(report.verdict, 2)


def _unwritable(path: Path) -> str | None:
    """Why the report cannot be written to ``path``, found before the run (the file is left as it was)."""
    existed = path.exists()
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as error:
        return f"cannot be written ({error.strerror or error})"
    if not existed:
        path.unlink()
    return None


def _verdict_words(report: Report) -> str:
    """CERTIFIED (as spec.Logger or spec.CoreLogger, for one logger), NOT CERTIFIED or NOTHING CHECKED."""
    if report.verdict == "nothing_checked":
        return "NOTHING CHECKED"
    if report.verdict == "unusable":
        return "NOT CERTIFIED (a subject could not be used: see the error above)"
    if not report.certified:
        return "NOT CERTIFIED"
    protocols = [s.protocol for s in report.subjects if s.protocol is not None]
    if len(report.subjects) == 1 and protocols:
        return f"CERTIFIED as {protocols[0]}" + (" only (it has no close)" if protocols[0] == "spec.CoreLogger" else "")
    return "CERTIFIED"


def _print_problems(report: Report, out: TextIO) -> None:
    """Unusable subjects (on stderr) and what went wrong ending loggers (warnings, on ``out``)."""
    for subject in report.subjects:
        if subject.error is not None:
            print(f"error: {subject.target}: {subject.error}", file=sys.stderr)
        for warning in subject.warnings:
            print(f"  warning: {subject.target}: {warning}", file=out)
        for result in subject.results:
            for warning in result.warnings:
                print(f"  warning: {result.id} on {subject.target}: {warning}", file=out)


if __name__ == "__main__":
    sys.exit(main())
