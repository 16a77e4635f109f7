"""Seed sweep: impl's four kinds certified under many random seeds; any failure is a suite bug.

``python benchmarks/seed_sweep.py --ci`` certifies what ``python -m conformance`` certifies by
default (impl's ``merge_dicts``, ``InMemoryLogger`` with ``rank_zero_only``, ``LoggerCollection``,
``rank_zero_experiment``), at the ``thorough`` profile, once per seed of the fixed list
:data:`CI_SEEDS`, in this process, with ``conformance.certify(..., profile="thorough", seed=s)``.
``--seeds N`` adds N fresh random seeds (printed, so that a failure can be replayed); ``--jobs N`` runs
each certification in N worker processes (as ``certify(jobs=N)``: the same verdicts); ``--seed S``
(repeatable) runs given seeds. It prints one table row per seed and subject, then every failure
with its replay command, and exits 1 if any property failed on any seed (0 otherwise, 2 on bad
usage). The reference is correct by construction of the suite: a failure here is a false failure
of the suite (a property whose inputs leave the contract, say), to fix in the suite, never a seed
to drop from the list.
"""

from __future__ import annotations

import argparse
import functools
import os
import importlib
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import conformance
from conformance import PROFILES, PropertyResult, Report, Subject

CI_SEEDS: tuple[int, ...] = (1, 4, 7, 20261202)
"""The seeds CI runs. Seeds 1 and 4 made ``merge.no_mutation`` fail on impl (issue 11's false
failure: a flat key ``d`` drawn under the property's fixed nested ``agg_key_funcs['d']``)."""

CI_MAX_EXAMPLES = 300
"""Examples per property for ``--ci``. Measured (nice'd, on a loaded 2-core machine): one seed at
300 examples took 97 s of CPU; at the thorough profile's 1000, 308 s. So ``--ci`` is about 6.5
minutes of CPU."""

# Where ``reference_subjects`` (what ``python -m conformance`` certifies by default) lives: the
# conformance package is being restructured, so its module is looked up, not hard-coded.
_REFERENCE_MODULES = ("conformance", "conformance._loading", "conformance.cli._loading", "conformance._cli")


def reference_subjects() -> list[tuple[Subject, list[str]]]:
    """impl's subjects with their CLI words, as ``python -m conformance`` certifies them by default."""
    for name in _REFERENCE_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        found: Callable[[], list[tuple[Subject, list[str]]]] | None = getattr(module, "reference_subjects", None)
        if found is not None:
            return found()
    raise SystemExit(f"error: no reference_subjects() in any of {', '.join(_REFERENCE_MODULES)}")


def _counts(report: Report) -> list[tuple[str, dict[str, int]]]:
    rows: list[tuple[str, dict[str, int]]] = []
    for subject in report.subjects:
        counts = {"passed": 0, "failed": 0, "not_applicable": 0, "opted_out": 0}
        for result in subject.results:
            counts[result.status] += 1
        rows.append((subject.target, counts))
    return rows


def _progress(seed: int, _subject: Subject, result: PropertyResult, *, out: TextIO) -> None:
    """Say at once when a property fails (a seed's row comes only when all four subjects are done)."""
    if result.status == "failed":
        print(f"{'':>12}  (seed {seed}: {result.id} failed; details below)", file=out, flush=True)


def sweep(
    seeds: Sequence[int],
    *,
    profile: str = "thorough",
    max_examples: int | None = None,
    level: str = "strict",
    jobs: int = 1,
    out: TextIO = sys.stdout,
) -> list[tuple[int, PropertyResult]]:
    """Certify the reference subjects once per seed; print a table; return the (seed, failure) pairs."""
    chosen = reference_subjects()
    words_of = {id(subject): words for subject, words in chosen}
    subjects = [subject for subject, _ in chosen]
    failures: list[tuple[int, PropertyResult]] = []
    examples = max_examples if max_examples is not None else PROFILES[profile].max_examples
    print(
        f"seed sweep: {len(seeds)} seeds x {len(subjects)} subjects, level {level}, profile {profile}, "
        f"{examples} examples per property",
        file=out,
    )
    print(f"{'seed':>12}  {'subject':<28} {'passed':>6} {'failed':>6} {'n/a':>4} {'cpu s':>8} {'wall s':>8}", file=out)
    total_cpu = total_wall = 0.0
    for seed in seeds:
        cpu, wall = _cpu(), time.perf_counter()
        report = conformance.certify(
            *subjects,
            level=level,  # type: ignore[arg-type]  # checked by argparse's choices
            profile=profile,
            max_examples=max_examples,
            seed=seed,
            jobs=jobs,
            command=lambda subject: words_of[id(subject)],
            on_result=functools.partial(_progress, seed, out=out),
        )
        cpu, wall = _cpu() - cpu, time.perf_counter() - wall
        total_cpu, total_wall = total_cpu + cpu, total_wall + wall
        for i, (target, counts) in enumerate(_counts(report)):
            times = f"{cpu:>8.1f} {wall:>8.1f}" if i == 0 else f"{'':>8} {'':>8}"
            print(
                f"{seed if i == 0 else '':>12}  {target:<28} {counts['passed']:>6} {counts['failed']:>6} "
                f"{counts['not_applicable']:>4} {times}",
                file=out,
                flush=True,
            )
        failures += [(seed, result) for subject in report.subjects for result in subject.failures]
    print(f"total: {total_cpu:.1f} s CPU, {total_wall:.1f} s wall", file=out)
    for seed, result in failures:
        print(f"\nFAILED {result.id} with seed {seed}\n  problem: {result.message}", file=out)
        if result.falsifying_example is not None:
            print(f"  minimal falsifying example: {result.falsifying_example}", file=out)
        print(f"  replay:  {result.replay}", file=out)
    verdict = "no failure" if not failures else f"{len(failures)} failures: suite bugs to fix"
    print(f"\nseed sweep: {len(seeds)} seeds, {verdict}", file=out)
    return failures


def _cpu() -> float:
    """CPU seconds of this process and of its ended worker processes (``--jobs``)."""
    used = os.times()
    return used.user + used.system + used.children_user + used.children_system


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Certify impl's four kinds under many seeds; any failure is a suite bug.",
        epilog="Exit status: 0 no failure, 1 some property failed on some seed, 2 bad usage.",
    )
    parser.add_argument("--ci", action="store_true", help=f"the fixed seeds {list(CI_SEEDS)}, {CI_MAX_EXAMPLES} examples")
    parser.add_argument("--seeds", type=int, default=0, metavar="N", help="N fresh random seeds (printed)")
    parser.add_argument("--seed", type=int, action="append", default=[], metavar="S", help="this seed (repeatable)")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="thorough", help="default thorough")
    parser.add_argument("--max-examples", type=int, metavar="N", help="examples per property (default: the profile's)")
    parser.add_argument("--level", choices=("core", "strict"), default="strict")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="worker processes per run (certify's jobs)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    seeds = [*(CI_SEEDS if args.ci else ()), *args.seed]
    if args.seeds < 0:
        print("usage error: --seeds must be at least 0", file=sys.stderr)
        return 2
    fresh = random.SystemRandom()
    seeds += [fresh.getrandbits(32) for _ in range(args.seeds)]
    if not seeds:
        print("usage error: give --ci, --seeds N or --seed S", file=sys.stderr)
        return 2
    max_examples = args.max_examples
    if max_examples is None and args.ci:
        max_examples = CI_MAX_EXAMPLES
    if args.jobs < 1:
        print("usage error: --jobs must be at least 1", file=sys.stderr)
        return 2
    failures = sweep(seeds, profile=args.profile, max_examples=max_examples, level=args.level, jobs=args.jobs)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
