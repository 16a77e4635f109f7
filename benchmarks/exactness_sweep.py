"""A sweep behind docs/benchmarks.md#exactness: ``python benchmarks/exactness_sweep.py`` (a few seconds).

Compares the means of merge_dicts' fast path (``impl._merge._means`` on a C-ordered table) with
``numpy.mean`` on each row's list, bit for bit and type for type, over many lengths (every one
from 1 to 300, and lengths around numpy's summation block and buffer sizes), widths and value
distributions. Rows the fast path leaves to numpy.mean itself (not finite, or tiny) are skipped:
the plain definition computes those. Prints how many means were compared and how many differed;
exits 1 if any did. The unit tests (tests/test_merge_exactness.py) check the same with Hypothesis.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from impl._merge import _MISSING, _means

SEEDS = (1, 2, 3)
LENGTHS = [*range(1, 301), 511, 512, 513, 1000, 1024, 4095, 4096, 8191, 8192, 8193, 16384, 20000, 65537]
SPECIALS = [math.nan, math.inf, -math.inf, -0.0, 0.0, 5e-324, 1e308]


def table(rng: np.random.Generator, kind: str, shape: tuple[int, int]) -> np.ndarray:
    """A C-ordered float64 table of ``shape`` whose values follow ``kind``."""
    if kind == "uniform":
        values = rng.random(shape)
    elif kind == "magnitudes":  # from about 1e-300 to 1e300
        values = rng.standard_normal(shape) * 10.0 ** rng.integers(-300, 300, shape)
    elif kind == "cancellation":  # sums that depend on the order of addition
        values = rng.choice([1e16, -1e16, 1.0, -1.0, 0.5], shape)
    else:  # "specials": NaN, infinities, zeros of both signs, subnormals, among varied magnitudes
        values = rng.standard_normal(shape) * 10.0 ** rng.integers(-20, 20, shape)
        mask = rng.random(shape) < 0.05
        values[mask] = rng.choice(SPECIALS, int(mask.sum()))
    return np.ascontiguousarray(values)


def main() -> int:
    compared = differed = 0
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        for length in LENGTHS:
            for width in (1, 2, 3, 7, 50) if length <= 300 else (1, 3, 16):
                for kind in ("uniform", "magnitudes", "cancellation", "specials"):
                    rows = table(rng, kind, (width, length))
                    means, _ = _means(rows)
                    for row, mean in zip(rows.tolist(), means, strict=True):
                        if mean is _MISSING:
                            continue
                        with np.errstate(all="ignore"):
                            want = np.mean(row)
                        compared += 1
                        if type(mean) is not type(want) or mean.tobytes() != want.tobytes():
                            differed += 1
    print(f"{compared} means compared bit for bit with numpy.mean, {differed} differed")
    return 1 if differed else 0


if __name__ == "__main__":
    sys.exit(main())
