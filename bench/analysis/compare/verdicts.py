"""Is B faster than A at one point, beyond the noise between runs? Matching points and verdicts.

Two runs of the same code on a shared machine differ by far more than one run's rounds suggest
(its speed changes for seconds at a time), so a test on one run's rounds calls most points
changed when nothing changed. The verdict here accounts for the variation *between* runs:

1. **Weather removed per size.** The implementations of one size were timed side by side (in
   interleaved runs, in the very same rounds), so a change of machine speed between the runs moves
   all of them alike. Each point's log ratio ``L = log(B / A)`` is taken relative to the median
   ``L`` of the other implementations of its size (the *size shift*): a change in one
   implementation stands out, the weather does not. A size with fewer than :data:`MIN_PEERS` shared
   implementations is left as it is.
2. **Noise between runs, measured.** The spread of those adjusted ratios over all the points
   (1.4826 × their median absolute deviation: robust to the few that really changed) is the
   noise between the two runs; a point takes its own implementation's spread instead where
   that is larger (a peer's runtime varies more from process to process than a compiled loop),
   and adds its own within-run uncertainty (from the interval of its median round).
3. **Verdict.** The ratio's interval is ``exp(L ± Z·σ)``; B is *slower* when the whole interval is
   above 1 and B / A ≥ 1 + MIN_CHANGE, *faster* likewise below, else *same*.
4. **An implementation's points together.** A change of code moves an implementation at every
   size; its points' median ``L`` has an interval √n times narrower than one point's. Where that
   pooled interval excludes 1 (and the change is ≥ MIN_CHANGE), each of its points that moved the
   same way by at least MIN_CHANGE is called changed too (``evidence: implementation``).

The thresholds were chosen from measured A/A and A/B pairs (``vecbench noise``; README).
A uniform change of every implementation (a new machine) appears as the size shifts, reported
beside the verdicts, never as verdicts.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from bench.analysis.paired import median_interval, normalised_rounds
from bench.results.intervals import quantile
from bench.results.reading import PointRecord, Results
from bench.results.schema import REFERENCE

Z = 2.58  # two-sided 99 %: one false call in a hundred points of pure normal noise
MIN_CHANGE = 0.05  # |B/A − 1| below this is "same" whatever the interval says
MIN_PEERS = 3  # implementations of one size needed to estimate its shift
#: Points needed to estimate a spread (a median absolute deviation of fewer is mostly chance)
MIN_SPREAD_POINTS = 5
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
    low: float  # the ratio's interval, from the point's own rounds and the noise between runs
    high: float
    verdict: str
    evidence: str = "point"  # "implementation": called with its implementation's pooled change

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
    implementations: dict[str, tuple] = None  # impl → (B / A, low, high, points): pooled over its points


def speedup_changes_by_impl(a: Results, b: Results, exclude=()) -> dict[str, list[float]]:
    """|B's speedup over numpy-vectorized / A's − 1| at every point measured in both (each run's
    speedup from its own rounds, paired where they were timed side by side), by implementation;
    the implementations in ``exclude`` left out."""
    found: dict[str, list[float]] = {}
    for layout in set(a.layouts) & set(b.layouts):
        grid_a, grid_b = a.grid(layout), b.grid(layout)
        for impl, m, n_x in grid_a.points:
            if impl == REFERENCE or impl in exclude:
                continue
            sa, sb = grid_a.speedup(impl, REFERENCE, m, n_x), grid_b.speedup(impl, REFERENCE, m, n_x)
            if sa and sb and not (sa.predicted or sb.predicted):
                found.setdefault(impl, []).append(abs(sb.value / sa.value - 1))
    return found


def speedup_changes(a: Results, b: Results, exclude=()) -> list[float]:
    """Every point's change of speedup (:func:`speedup_changes_by_impl`), sorted."""
    return sorted(c for changes in speedup_changes_by_impl(a, b, exclude).values() for c in changes)


def speedup_agreement(a: Results, b: Results, exclude=()) -> dict | None:
    """How far two runs' speedups over numpy-vectorized agree: the points, the median and 90th
    percentile of their changes, and each implementation's median change; None without points."""
    by_impl = speedup_changes_by_impl(a, b, exclude)
    changes = sorted(c for values in by_impl.values() for c in values)
    if not changes:
        return None
    return {"points": len(changes), "median": statistics.median(changes), "p90": quantile(changes, 0.9),
            "by_impl": {impl: statistics.median(values) for impl, values in sorted(by_impl.items())}}


def timed_changes(changes: list[Change]) -> list[Change]:
    """The changes of points whose median is at least NOISE_FLOOR_S in both runs: the points the
    false-change and detection rates count (faster ones carry the timer's noise)."""
    return [c for c in changes if min(c.a.median_s, c.b.median_s) >= NOISE_FLOOR_S]


def called_among_timed(changes: list[Change]) -> tuple[int, int]:
    """(points of at least NOISE_FLOOR_S in both runs, how many of them were called changed)."""
    timed = timed_changes(changes)
    return len(timed), sum(c.verdict != SAME for c in timed)


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
    """Each size's shift: the median log ratio of its implementations (0 with fewer than MIN_PEERS)."""
    by_size: dict[tuple, list[float]] = {}
    for key, value in log_ratios.items():
        by_size.setdefault(key[1:], []).append(value)
    return {size: statistics.median(values) if len(values) >= MIN_PEERS else 0.0 for size, values in by_size.items()}


def _shift_of_others(log_ratios: dict[tuple, float]) -> dict[tuple, float]:
    """Per point, the median log ratio of the *other* implementations of its size (0 with fewer
    than MIN_PEERS in all). why the others: a point's own change then cannot hide in its centre,
    and its residual keeps its whole noise (with itself in the median, the middle one of each
    size would be exactly 0 and the measured noise too small)."""
    by_size: dict[tuple, dict[tuple, float]] = {}
    for key, value in log_ratios.items():
        by_size.setdefault(key[1:], {})[key] = value
    shifts = {}
    for members in by_size.values():
        for key in members:
            others = [v for k, v in members.items() if k != key]
            shifts[key] = statistics.median(others) if len(members) >= MIN_PEERS else 0.0
    return shifts


def robust_sigma(values: list[float]) -> float:
    """1.4826 × the median absolute deviation from the median (σ for normal data, robust to outliers)."""
    if len(values) < 2:
        return 0.0
    centre = statistics.median(values)
    return 1.4826 * statistics.median(abs(v - centre) for v in values)


def implementation_shifts(adjusted: dict[tuple, float], noise: float) -> dict[str, tuple]:
    """Per implementation: the median of its points' adjusted log ratios and its interval
    ``± Z·1.2533·σᵢ/√n`` (1.2533: the median's efficiency), where σᵢ is the larger of the noise
    between the runs and the spread of the implementation's own points (why: one whose every
    step varies from process to process, as JAX's dispatch to its thread pool does on a VM, must
    not pass for changed). why pooled: a change of code moves an implementation at every size,
    and its points together show a change that is within the noise of each one alone.

    The interval also holds the spread of the implementations' centres between them (robust σ over
    implementations, with at least MIN_SPREAD_POINTS of them). why: an implementation can move as a
    whole from one process to the next (a Dask cluster; pure-Python code, which this VM's slow
    states slow more than compiled code), so its points are not independent; without it, the
    √n made such a shift a change (an A/A pair of three pooled quick runs per side on an Intel
    Xeon: all 8 false changes were python-loops, moved 0.90× as a whole)."""
    by_impl: dict[str, list[float]] = {}
    for key, value in adjusted.items():
        by_impl.setdefault(key[0], []).append(value)
    centres = {impl: statistics.median(values) for impl, values in by_impl.items()}
    between = robust_sigma(list(centres.values())) if len(centres) >= MIN_SPREAD_POINTS else 0.0
    if between:  # why: the runs' noise then counts the centres' spread once, in `between`, not twice
        noise = robust_sigma([value - centres[key[0]] for key, value in adjusted.items()])
    found = {}
    for impl, values in by_impl.items():
        centre = centres[impl]
        sigma = max(noise, robust_sigma(values)) if len(values) >= 3 else math.inf
        half = Z * math.hypot(1.2533 * sigma / math.sqrt(len(values)), between)
        found[impl] = (centre, centre - half, centre + half, len(values))
    return found


def _implementation_spreads(adjusted: dict[tuple, float], timed: set[tuple]) -> dict[str, float]:
    """Per implementation, the spread of its points' adjusted log ratios around their own centre
    (its timed points if it has MIN_SPREAD_POINTS, else all; 0 with fewer).

    why: a peer's runtime or a Dask cluster varies from process to process far more than a
    compiled loop does (session 8, three pairs of quick runs on a Zen 3 VM: every false change
    was a peer's or dask-distributed's). A point's noise between the runs is the larger of the
    runs' noise and its own implementation's spread, as the pooled interval already takes; a
    change of code moves all its points alike and leaves the spread around their centre as it is.
    """
    by_impl: dict[str, list[float]] = {}
    for key, value in adjusted.items():
        by_impl.setdefault(key[0], [[], []])[key in timed].append(value)
    spreads = {}
    for impl, (fast, slow) in by_impl.items():
        values = slow if len(slow) >= MIN_SPREAD_POINTS else fast + slow
        spreads[impl] = robust_sigma(values) if len(values) >= MIN_SPREAD_POINTS else 0.0
    return spreads


def _direction(low: float, high: float, value: float) -> str:
    """SLOWER / FASTER when the log interval excludes 0 and the change is at least MIN_CHANGE."""
    if low > 0 and value >= math.log(1 + MIN_CHANGE):
        return SLOWER
    if high < 0 and value <= -math.log(1 + MIN_CHANGE):
        return FASTER
    return SAME


def compare_runs(a: Results, b: Results) -> Comparison:
    """Every point measured in both files (in A's order) with its verdict; see the module."""
    points_a, points_b = measured_points(a), measured_points(b)
    shared = [key for key in points_a if key in points_b]
    logs = {key: math.log(points_b[key].median_s / points_a[key].median_s) for key in shared}
    shifts = _size_shifts(logs)
    others = _shift_of_others(logs)
    adjusted = {key: logs[key] - others[key] for key in shared}
    timed = {k for k in shared if min(points_a[k].median_s, points_b[k].median_s) >= NOISE_FLOOR_S}
    slow_enough = [adjusted[k] for k in timed]
    noise = robust_sigma(slow_enough if len(slow_enough) >= MIN_SPREAD_POINTS else list(adjusted.values()))
    pooled = implementation_shifts(adjusted, noise)
    spread = _implementation_spreads(adjusted, timed)
    changes = []
    for key in shared:
        pa, pb = points_a[key], points_b[key]
        between = max(noise, spread.get(key[0], 0.0))
        sigma = math.sqrt(between**2 + within_sigma(pa) ** 2 + within_sigma(pb) ** 2)
        value = adjusted[key]
        verdict, evidence = _direction(value - Z * sigma, value + Z * sigma, value), "point"
        centre, low, high, _ = pooled[key[0]]
        moved = SLOWER if value >= math.log(1 + MIN_CHANGE) else FASTER if value <= -math.log(1 + MIN_CHANGE) else SAME
        if verdict == SAME and moved != SAME and _direction(low, high, centre) == moved:
            # why: its implementation changed beyond the noise, and this point moved the same way by
            # at least MIN_CHANGE: the point's own rounds are too few to show it alone
            verdict, evidence = _direction(low, high, centre), "implementation"
        changes.append(Change(key, pa, pb, math.exp(logs[key]), math.exp(value), math.exp(value - Z * sigma),
                              math.exp(value + Z * sigma), verdict, evidence))
    canary = None
    if a.canary and b.canary:
        canary = statistics.median(r for _, r in b.canary) / statistics.median(r for _, r in a.canary)
    return Comparison(changes, noise, {size: math.exp(v) for size, v in shifts.items()}, canary,
                      speedup_changes(a, b),
                      {impl: tuple(math.exp(x) for x in found[:3]) + (found[3],) for impl, found in pooled.items()})


def changes(a: Results, b: Results) -> list[Change]:
    """Every point measured in both files, in A's order, with its verdict."""
    return compare_runs(a, b).changes
