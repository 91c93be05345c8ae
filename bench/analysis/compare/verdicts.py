"""Is B faster than A at one point, beyond the noise between runs? Matching points and verdicts.

Two runs of the same code on a shared machine differ by far more than one run's rounds suggest
(its speed changes for seconds at a time), so a test on one run's rounds calls most points
changed when nothing changed. The verdict here accounts for the variation *between* runs:

1. **Weather removed per size.** The implementations of one size were timed side by side (in
   interleaved runs, in the very same rounds), so a change of machine speed between the runs moves
   all of them alike. Each point's log ratio ``L = log(B / A)`` is taken relative to the median
   ``L`` of the implementations of its size (its *size shift*): a change in one implementation
   stands out, the weather does not. A size with fewer than :data:`MIN_PEERS` shared
   implementations is left as it is.
2. **Noise between runs, measured.** The spread of those adjusted ratios over all the points
   (1.4826 × their median absolute deviation: robust to the few that really changed) is the
   noise between the two runs; each point adds its own within-run uncertainty (from the
   interval of its median round).
3. **Verdict.** The ratio's interval is ``exp(L ± Z·σ)``; B is *slower* when the whole interval is
   above 1 and B / A ≥ 1 + MIN_CHANGE, *faster* likewise below, else *same*.

The thresholds were chosen from measured A/A and A/B pairs (``vecbench noise``; README).
A uniform change of every implementation (a new machine) appears as the size shifts, reported
beside the verdicts, never as verdicts.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from bench.analysis.paired import median_interval, normalised_rounds
from bench.results.reading import PointRecord, Results
from bench.results.schema import REFERENCE

Z = 2.58  # two-sided 99 %: one false call in a hundred points of pure normal noise
MIN_CHANGE = 0.05  # |B/A − 1| below this is "same" whatever the interval says
MIN_PEERS = 3  # implementations of one size needed to estimate its shift
#: Points faster than this carry timer and interpreter noise of their own; the between-run noise
#: is estimated from the slower ones (and applied to all).
NOISE_FLOOR_S = 50e-6
FASTER, SLOWER, SAME = "faster", "slower", "same"
VERDICTS = (FASTER, SLOWER, SAME)


@dataclass(frozen=True)
class Change:
    """One point measured in both files: B's median over A's, weather removed, and the verdict."""

    key: tuple  # (impl, m, n_x, dtype, order, threads)
    a: PointRecord
    b: PointRecord
    raw_ratio: float  # t_B / t_A, the medians as measured
    ratio: float  # the same with the size's shift removed
    low: float  # the ratio's interval
    high: float
    verdict: str

    @property
    def interval(self) -> tuple[float, float]:
        return (self.low, self.high)


@dataclass(frozen=True)
class Comparison:
    """Every shared point's change, and what the two runs' noise looked like."""

    changes: list[Change]
    noise: float  # σ of log(B / A) between the runs, weather removed
    size_shifts: dict[tuple, float]  # (m, n_x, dtype, order, threads) → B / A of the size as a whole
    canary_ratio: float | None  # B's median canary reading over A's (None without canaries)
    speedup_changes: list[float]  # per shared point, B's speedup over REFERENCE / A's, minus 1 (absolute)


def speedup_changes(a: Results, b: Results) -> list[float]:
    """|B's speedup over numpy-vectorized / A's − 1| at every point measured in both (each run's
    speedup from its own rounds, paired where they were timed side by side)."""
    found = []
    for layout in set(a.layouts) & set(b.layouts):
        grid_a, grid_b = a.grid(layout), b.grid(layout)
        for impl, m, n_x in grid_a.points:
            if impl == REFERENCE:
                continue
            sa, sb = grid_a.speedup(impl, REFERENCE, m, n_x), grid_b.speedup(impl, REFERENCE, m, n_x)
            if sa and sb and not (sa.predicted or sb.predicted):
                found.append(abs(sb.value / sa.value - 1))
    return sorted(found)


def point_key(point: PointRecord) -> tuple:
    return (point.impl, point.m, point.n_x, point.dtype, point.order, point.threads)


def measured_points(results: Results) -> dict[tuple, PointRecord]:
    return {point_key(p): p for p in results.points if p.measured}


def within_sigma(point: PointRecord) -> float:
    """Standard error of log(median) from the point's rounds: the 95 % interval of the median,
    in log units, over 2 × 1.96. Interleaved rounds are first divided by the canary's reading of
    their round (why: their spread is mostly the machine's speed, which every point of the size
    shared and which the size shift removes); from the quartiles when the file has no rounds."""
    samples = normalised_rounds(point) if point.interleaved else point.samples
    if len(samples) >= 3:
        interval = median_interval(samples)
        return math.log(interval.high / interval.low) / (2 * 1.96)
    return math.log(point.q3_s / point.q1_s) / 1.349 / math.sqrt(max(len(samples), 3))


def _size_shifts(log_ratios: dict[tuple, float]) -> dict[tuple, float]:
    by_size: dict[tuple, list[float]] = {}
    for key, value in log_ratios.items():
        by_size.setdefault(key[1:], []).append(value)
    return {size: statistics.median(values) if len(values) >= MIN_PEERS else 0.0 for size, values in by_size.items()}


def robust_sigma(values: list[float]) -> float:
    """1.4826 × the median absolute deviation from the median (σ for normal data, robust to outliers)."""
    if len(values) < 2:
        return 0.0
    centre = statistics.median(values)
    return 1.4826 * statistics.median(abs(v - centre) for v in values)


def compare_runs(a: Results, b: Results) -> Comparison:
    """Every point measured in both files (in A's order) with its verdict; see the module."""
    points_a, points_b = measured_points(a), measured_points(b)
    shared = [key for key in points_a if key in points_b]
    logs = {key: math.log(points_b[key].median_s / points_a[key].median_s) for key in shared}
    shifts = _size_shifts(logs)
    adjusted = {key: logs[key] - shifts[key[1:]] for key in shared}
    slow_enough = [adjusted[k] for k in shared
                   if min(points_a[k].median_s, points_b[k].median_s) >= NOISE_FLOOR_S]
    noise = robust_sigma(slow_enough if len(slow_enough) >= 5 else list(adjusted.values()))
    changes = []
    for key in shared:
        pa, pb = points_a[key], points_b[key]
        sigma = math.sqrt(noise**2 + within_sigma(pa) ** 2 + within_sigma(pb) ** 2)
        value = adjusted[key]
        low, high = math.exp(value - Z * sigma), math.exp(value + Z * sigma)
        ratio = math.exp(value)
        if low > 1 and ratio >= 1 + MIN_CHANGE:
            verdict = SLOWER
        elif high < 1 and ratio <= 1 / (1 + MIN_CHANGE):
            verdict = FASTER
        else:
            verdict = SAME
        changes.append(Change(key, pa, pb, math.exp(logs[key]), ratio, low, high, verdict))
    canary = None
    if a.canary and b.canary:
        canary = statistics.median(r for _, r in b.canary) / statistics.median(r for _, r in a.canary)
    return Comparison(changes, noise, {size: math.exp(v) for size, v in shifts.items()}, canary,
                      speedup_changes(a, b))


def changes(a: Results, b: Results) -> list[Change]:
    """Every point measured in both files, in A's order, with its verdict."""
    return compare_runs(a, b).changes
