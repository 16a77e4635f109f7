"""loggerspec's benchmarks: ``python benchmarks/run.py`` (from the repository root, with the dev venv).

Compares ``impl`` with pytorch_lightning 1.5.10 where loggers spend time, and with a lower bound;
prints every result as a ratio measured in this run, with the goal and PASS/MISS.

- Each side runs in its own worker process (``benchmarks/_worker.py``): ``impl`` with this
  Python, pytorch_lightning 1.5.10 with the Python of its own venv, found at
  ``$LOGGERSPEC_PL15_PYTHON``, else ``/work/venvs/pl15/bin/python``, else ``.venv-pl15/bin/python``
  in the repository root. Without it, the 1.5.10 comparisons are skipped with a message.
- A and B are interleaved: round by round, alternating which goes first; each number is the
  median of ``--repeats`` rounds, each round about 50 ms of calls, timed by the CPU time of the
  worker's thread (``--wall``: the wall clock), so that time spent descheduled on a shared machine
  does not count.
- The conformance rows time ``conformance.certify`` on impl's subjects at the default profile,
  then at 25, 50 and 100 examples per property.

- Ratios are medians of the per-round ratios (A and B of one round run within about 0.1 s of each
  other, so changes in the machine's load between rounds cancel out); the ``rounds`` column is their
  range over the rounds, a measure of the noise.

Options: ``--repeats N`` (default 7), ``--no-conformance``, ``--markdown`` (also print the tables
as Markdown, as in docs/benchmarks.md, and a short summary table for the README).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
WORKER = Path(__file__).resolve().parent / "_worker.py"
DEFAULT_PL15 = (Path("/work/venvs/pl15/bin/python"), ROOT / ".venv-pl15" / "bin" / "python")


def pl15_python() -> Path | None:
    """The Python of the pytorch_lightning 1.5.10 venv, or None when there is none."""
    chosen = os.environ.get("LOGGERSPEC_PL15_PYTHON")
    candidates = [Path(chosen)] if chosen else list(DEFAULT_PL15)
    for candidate in candidates:
        if candidate.is_file():
            found = subprocess.run(
                [str(candidate), "-c", "import pytorch_lightning as pl; print(pl.__version__)"],
                capture_output=True,
                text=True,
                check=False,
            )
            if found.returncode == 0 and found.stdout.strip() == "1.5.10":
                return candidate
    return None


class Worker:
    """A benchmark worker process (one side), driven one command at a time."""

    def __init__(self, python: Path | str, side: str, clock: str = "cpu") -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        self.side = side
        self.process = subprocess.Popen(
            [str(python), str(WORKER), side, clock],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        self.numbers: dict[str, int] = {}

    def ask(self, command: str) -> Any:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(command + "\n")
        stdin.flush()
        line = stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.side} worker stopped (command {command!r})")
        return json.loads(line)

    def time(self, case: str) -> float:
        """Seconds per call of ``case``, over one round."""
        if case not in self.numbers:
            self.numbers[case] = int(self.ask(f"calibrate {case}"))
        return float(self.ask(f"time {case} {self.numbers[case]}"))

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


@dataclass
class Pair:
    """Two timings taken in the same rounds: medians of seconds per call, and each round's B / A.

    The ratios reported are medians of the per-round ratios: A and B of one round run within about
    0.1 s of each other, so a change in the machine's load between rounds cancels out.
    """

    a: float
    b: float
    ratios: list[float]

    @property
    def b_over_a(self) -> float:
        return statistics.median(self.ratios)

    @property
    def a_over_b(self) -> float:
        return statistics.median(1 / r for r in self.ratios)

    def spread(self, invert: bool = False, percent: bool = False) -> str:
        """The range of the per-round ratios (B / A, or A / B when ``invert``), for noise."""
        values = [1 / r for r in self.ratios] if invert else self.ratios
        if percent:
            return f"{min(values):.0%}-{max(values):.0%}"
        return f"{min(values):.2f}-{max(values):.2f}"


def interleaved(a: tuple[Worker, str], b: tuple[Worker, str], repeats: int) -> Pair:
    """Medians of seconds per call of A and B, timed in alternating rounds (ABBAAB...)."""
    a_times: list[float] = []
    b_times: list[float] = []
    a[0].time(a[1])  # warm-up and calibration, not counted
    b[0].time(b[1])
    for round_ in range(repeats):
        order = [(a, a_times), (b, b_times)]
        if round_ % 2:
            order.reverse()
        for (worker, case), times in order:
            times.append(worker.time(case))
    ratios = [tb / ta for ta, tb in zip(a_times, b_times, strict=True)]
    return Pair(statistics.median(a_times), statistics.median(b_times), ratios)


@dataclass
class Row:
    """One line of the results table."""

    name: str
    ours: str
    other: str
    ratio: str
    goal: str
    verdict: str
    spread: str = ""  # the range of the ratio over the rounds


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} µs" if seconds < 1e-3 else f"{seconds * 1e3:,.2f} ms"


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]], out: IO[str], markdown: bool) -> None:
    print(f"\n{title}", file=out)
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for cells in (header, *rows):
        print("  " + "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True)), file=out)
    if markdown:
        print("", file=out)
        print("| " + " | ".join(header) + " |", file=out)
        print("|" + "|".join("---" for _ in header) + "|", file=out)
        for cells in rows:
            print("| " + " | ".join(str(cell) for cell in cells) + " |", file=out)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def faster(speedup: float) -> str:
    """``speedup`` (1.5.10's time over impl's) in words: "4.40x faster", or "3.10x slower" below 1."""
    return f"{speedup:.2f}x faster" if speedup >= 1 else f"{1 / speedup:.2f}x slower"


def per_step(seconds: float, steps: int = 500) -> str:
    return f"{seconds / steps * 1e6:,.2f} µs/step"


def speed_rows(ours: Worker, theirs: Worker | None, repeats: int) -> list[Row]:
    """The rows that compare impl with pytorch_lightning 1.5.10 and with the floor."""
    rows: list[Row] = []
    cases = [
        ("merge_dicts, wide (200 dicts x 50 keys)", "merge_wide", 3.0),
        ("merge_dicts, small (4 dicts x 20 keys)", "merge_small", 5.0),
        ("agg_and_log_metrics (500 steps x 4 calls x 20 keys)", "agg", 3.0),
    ]
    for title, case, goal in cases:
        if theirs is None:
            rows.append(Row(title, "", "", "skipped", f">= {goal:g}x faster", "-"))
            continue
        pair = interleaved((ours, case), (theirs, case), repeats)
        speedup = pair.b_over_a
        rows.append(
            Row(
                title,
                us(pair.a),
                us(pair.b),
                faster(speedup),
                f">= {goal:g}x faster",
                verdict(speedup >= goal),
                pair.spread(),
            )
        )
    # The commonest training loop: one call per step, so every call logs the previous step's dict.
    title = "agg_and_log_metrics, 1 call per step (500 steps x 20 keys)"
    if theirs is None:
        rows.append(Row(title, "", "", "skipped", "(reported)", "-"))
    else:
        pair = interleaved((ours, "agg_calls1"), (theirs, "agg_calls1"), repeats)
        rows.append(
            Row(
                title,
                per_step(pair.a),
                per_step(pair.b),
                faster(pair.b_over_a),
                "(reported)",
                "-",
                pair.spread(invert=pair.b_over_a < 1),
            )
        )
        checks = interleaved((ours, "agg_calls1"), (ours, "agg_checks1"), repeats)
        rows.append(
            Row(
                "  of which: checking and copying the metrics (impl only)",
                per_step(checks.b),
                f"of {per_step(checks.a)}",
                f"{checks.b_over_a:.0%}",
                "(reported)",
                "-",
                checks.spread(percent=True),
            )
        )
    pair = interleaved((ours, "merge_wide"), (ours, "merge_wide_floor"), repeats)
    rows.append(
        Row(
            "merge_dicts, wide, vs the floor (read every value once)",
            us(pair.a),
            us(pair.b) + " (floor)",
            f"{pair.a_over_b:.2f}x the floor",
            "<= 3x the floor",
            verdict(pair.a_over_b <= 3.0),
            pair.spread(invert=True),
        )
    )
    pair = interleaved((ours, "collection"), (ours, "collection_direct"), repeats)
    rows.append(
        Row(
            "LoggerCollection.log_metrics, 4 members, vs direct calls",
            us(pair.a),
            us(pair.b) + " (direct)",
            f"{pair.a_over_b:.2f}x direct",
            "<= 1.25x direct",
            verdict(pair.a_over_b <= 1.25),
            pair.spread(invert=True),
        )
    )
    if theirs is not None:
        pair = interleaved((theirs, "collection"), (theirs, "collection_direct"), repeats)
        rows.append(
            Row(
                "  the same for 1.5.10 (no error isolation)",
                us(pair.a),
                us(pair.b) + " (direct)",
                f"{pair.a_over_b:.2f}x direct",
                "(reference)",
                "-",
                pair.spread(invert=True),
            )
        )
    return rows


def import_seconds(python: str, module: str) -> float:
    """Seconds to import ``module`` in a fresh interpreter (measured inside it)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    return float(done.stdout)


def import_rows(repeats: int) -> list[Row]:
    """import impl over import numpy (interleaved), and whether import spec loads numpy."""
    python = sys.executable
    numpy_times: list[float] = []
    impl_times: list[float] = []
    spec_times: list[float] = []
    for round_ in range(repeats):
        order = [("numpy", numpy_times), ("impl", impl_times), ("spec", spec_times)]
        if round_ % 2:
            order.reverse()
        for module, times in order:
            times.append(import_seconds(python, module))
    numpy_s, impl_s, spec_s = (statistics.median(t) for t in (numpy_times, impl_times, spec_times))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    loaded = subprocess.run(
        [
            python,
            "-c",
            "import sys, spec; print(' '.join(m for m in ('numpy', 'attrs', 'hypothesis') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    ).stdout.split()
    return [
        Row(
            "import impl, over import numpy alone",
            us(impl_s),
            us(numpy_s) + " (numpy)",
            f"{impl_s / numpy_s:.2f}x numpy",
            "(reported)",
            "-",
        ),
        Row(
            "import spec: loads numpy?",
            us(spec_s),
            f"loads {', '.join(loaded)}" if loaded else "loads none of numpy, attrs, hypothesis",
            "no numpy" if "numpy" not in loaded else "numpy loaded",
            "no numpy",
            verdict("numpy" not in loaded),
        ),
    ]


CONFORMANCE_SCRIPT = r"""
import json, sys, time
try:
    from conformance import certify
except ImportError as error:
    print(json.dumps({"error": f"conformance.certify is not importable: {error}"}))
    sys.exit(0)
try:
    from conformance._loading import reference_subjects
    subjects = [subject for subject, _ in reference_subjects()]
except ImportError:
    import impl
    from conformance import CollectionSubject, LoggerSubject, MergeSubject, RankSubject
    subjects = [
        MergeSubject(impl.merge_dicts, "impl:merge_dicts"),
        LoggerSubject(impl.InMemoryLogger, "impl:InMemoryLogger", impl.rank_zero_only),
        CollectionSubject(impl.LoggerCollection, "impl:LoggerCollection"),
        RankSubject(impl.rank_zero_experiment, impl.rank_zero_only, "impl:rank_zero_experiment"),
    ]
max_examples = None if sys.argv[1] == "default" else int(sys.argv[1])
started, cpu_started = time.perf_counter(), time.process_time()
report = certify(*subjects, max_examples=max_examples)
seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
results = [
    {"subject": s.target, "id": r.id, "status": r.status, "examples": r.examples, "seconds": r.seconds}
    for s in report.subjects for r in s.results
]
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "certified": report.certified,
                  "profile": report.profile, "max_examples": report.max_examples, "results": results}))
"""


def certify_run(max_examples: str) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", CONFORMANCE_SCRIPT, max_examples],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def cli_seconds() -> float | None:
    """Wall-clock seconds of ``python -m conformance --quiet`` (impl at the CLI's defaults), or None
    when the CLI cannot run."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "--quiet"], capture_output=True, text=True, check=False, cwd=ROOT, env=env
    )
    seconds = time.perf_counter() - started
    return seconds if done.returncode in (0, 1) else None  # 1: ran, and some property failed


def conformance_section(out: IO[str], markdown: bool) -> list[Row]:
    """Seconds to certify impl at the default profile, examples/second per property, and the
    seconds at 25, 50 and 100 examples per property (the cost should grow linearly)."""
    default = certify_run("default")
    if "error" in default:
        print(f"\nconformance: skipped: {default['error']}", file=out)
        return []
    verdict_text = "certified" if default["certified"] else "NOT certified"
    rows = [
        Row(
            f"certify impl, default profile ({default['profile']}, {default['max_examples']} examples)",
            f"{default['seconds']:.1f} s",
            verdict_text,
            f"{len(default['results'])} properties",
            "(reported)",
            "-",
        )
    ]
    per_property = [
        (
            r["subject"],
            r["id"],
            r["status"],
            str(r["examples"]),
            f"{r['seconds']:.3f} s",
            f"{r['examples'] / r['seconds']:,.0f}" if r["seconds"] > 0 and r["examples"] else "-",
        )
        for r in sorted(default["results"], key=lambda r: -r["seconds"])
    ]
    print_table(
        "Conformance: examples per second per property (default profile, slowest first)",
        ("subject", "property", "status", "examples", "seconds", "examples/s"),
        per_property,
        out,
        markdown,
    )
    by_subject: dict[str, list[float]] = {}
    for r in default["results"]:
        totals = by_subject.setdefault(r["subject"], [0.0, 0.0])
        totals[0] += r["seconds"]
        totals[1] += r["examples"]
    print_table(
        "Conformance: seconds per subject (default profile)",
        ("subject", "seconds", "examples", "examples/s"),
        [
            (subject, f"{sec:.1f} s", f"{n:.0f}", f"{n / sec:,.0f}" if sec else "-")
            for subject, (sec, n) in sorted(by_subject.items(), key=lambda item: -item[1][0])
        ],
        out,
        markdown,
    )
    cli = cli_seconds()
    if cli is not None:
        rows.append(
            Row(
                "python -m conformance (CLI defaults), wall clock with start-up",
                f"{cli:.1f} s",
                "",
                "",
                "(reported)",
                "-",
            )
        )
    sizes = (25, 50, 100)
    runs = {n: certify_run(str(n)) for n in sizes}
    if any("error" in run for run in runs.values()):
        return rows
    examples = [sum(r["examples"] for r in runs[n]["results"]) for n in sizes]
    for n, e in zip(sizes, examples, strict=True):
        run = runs[n]
        rows.append(
            Row(
                f"certify impl, --max-examples {n}",
                f"{run['seconds']:.1f} s ({run['cpu_seconds']:.1f} s CPU)",
                f"{e} examples run",
                f"{e / run['seconds']:,.0f} examples/s",
                "linear in N",
                "-",
            )
        )
    for clock, key in (("wall clock", "seconds"), ("CPU time", "cpu_seconds")):
        seconds = [runs[n][key] for n in sizes]
        slope = (seconds[2] - seconds[0]) / (examples[2] - examples[0]) if examples[2] != examples[0] else float("nan")
        fixed = seconds[0] - slope * examples[0]
        predicted = fixed + slope * examples[1]
        rows.append(
            Row(
                f"  linearity ({clock}): the line through 25 and 100, at 50",
                f"{predicted:.1f} s predicted",
                f"{seconds[1]:.1f} s measured",
                f"{slope * 1e3:.2f} ms/example + {fixed:.1f} s",
                "within 15%",
                verdict(abs(predicted - seconds[1]) <= 0.15 * seconds[1]),
            )
        )
    return rows


def scaling_section(ours: Worker, theirs: Worker | None, repeats: int, out: IO[str], markdown: bool) -> None:
    """Cost at three sizes: merge_dicts with dicts and with keys, aggregation with calls per step."""
    # (title, case, size, units of work, the unit's name)
    groups = [
        (
            "merge_dicts, 50 keys, by number of dicts",
            [(f"merge_dicts{n}_keys50", n, n * 50) for n in (50, 200, 800)],
            "value",
        ),
        (
            "merge_dicts, 200 dicts, by number of keys",
            [(f"merge_dicts200_keys{n}", n, 200 * n) for n in (10, 50, 250)],
            "value",
        ),
        (
            "agg_and_log_metrics, 500 steps x 20 keys, by calls per step",
            [(f"agg_calls{n}", n, 500) for n in (1, 4, 16)],
            "step",
        ),
    ]
    rows: list[tuple[str, ...]] = []
    for title, cases, unit in groups:
        for case, size, units in cases:
            if theirs is not None:
                pair = interleaved((ours, case), (theirs, case), repeats)
                mine, other_text, ratio, spread = pair.a, us(pair.b), f"{pair.b_over_a:.2f}x", pair.spread()
            else:
                mine = statistics.median(ours.time(case) for _ in range(repeats))
                other_text, ratio, spread = "skipped", "-", "-"
            per = mine / units
            per_text = f"{per * 1e9:,.1f} ns per {unit}" if per < 1e-6 else f"{per * 1e6:,.2f} µs per {unit}"
            rows.append((title, str(size), us(mine), per_text, other_text, ratio, spread))
            title = ""
    print_table(
        "Scaling (impl, with 1.5.10 alongside; three sizes each)",
        ("workload", "size", "impl", "impl per unit", "1.5.10", "1.5.10 / impl", "rounds"),
        rows,
        out,
        markdown,
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/run.py", description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=7, help="rounds per measurement; medians are reported (default 7)"
    )
    parser.add_argument(
        "--wall",
        action="store_true",
        help="time with the wall clock instead of the CPU time of each worker's thread",
    )
    parser.add_argument("--no-conformance", action="store_true", help="skip the conformance timings")
    parser.add_argument("--markdown", action="store_true", help="also print the tables as Markdown")
    args = parser.parse_args(argv)
    out = sys.stdout
    started = time.perf_counter()

    clock = "wall" if args.wall else "cpu"
    ours = Worker(sys.executable, "impl", clock)
    pl15 = pl15_python()
    theirs = Worker(pl15, "pl15", clock) if pl15 is not None else None
    print(f"machine: {machine()}", file=out)
    v = ours.ask("versions")
    print(f"impl side:   Python {v['python']}, numpy {v['numpy']} ({sys.executable})", file=out)
    if theirs is not None:
        v = theirs.ask("versions")
        print(f"1.5.10 side: Python {v['python']}, numpy {v['numpy']}, {v['library']} ({pl15})", file=out)
    else:
        tried = os.environ.get("LOGGERSPEC_PL15_PYTHON") or " or ".join(str(p) for p in DEFAULT_PL15)
        print(f"skipped: pytorch_lightning 1.5.10 not found at {tried} (set LOGGERSPEC_PL15_PYTHON)", file=out)
    print(
        f"medians of {args.repeats} interleaved rounds of about 50 ms each, timed by "
        + ("the wall clock" if args.wall else "the CPU time of each worker's thread")
        + "; 'rounds' is the range of the ratio over those rounds",
        file=out,
    )

    try:
        rows = speed_rows(ours, theirs, args.repeats)
        rows += import_rows(args.repeats)
        header = ("benchmark", "impl", "compared with", "ratio", "rounds", "goal", "result")
        table = [(r.name, r.ours, r.other, r.ratio, r.spread or "-", r.goal, r.verdict) for r in rows]
        print_table("Results", header, table, out, args.markdown)
        scaling_section(ours, theirs, args.repeats, out, args.markdown)
    finally:
        ours.close()
        if theirs is not None:
            theirs.close()

    conformance_rows: list[Row] = []
    if not args.no_conformance:
        conformance_rows = conformance_section(out, args.markdown)
        if conformance_rows:
            print_table(
                "Conformance (impl's subjects, conformance.certify)",
                ("run", "time", "outcome", "rate", "goal", "result"),
                [(r.name, r.ours, r.other, r.ratio, r.goal, r.verdict) for r in conformance_rows],
                out,
                args.markdown,
            )
    if args.markdown:
        # The short table for the README: every goal's row, and the time to certify impl.
        summary = [r for r in rows + conformance_rows[:2] if not r.name.startswith("  ")]
        print("\nSummary (Markdown, for the README)\n", file=out)
        print("| benchmark | impl | compared with | ratio | goal |", file=out)
        print("|---|---|---|---|---|", file=out)
        for r in summary:
            print(f"| {r.name} | {r.ours} | {r.other} | {r.ratio} | {r.goal} |", file=out)
    print(f"\ntotal {time.perf_counter() - started:.0f} s", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
