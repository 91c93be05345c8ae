"""Is B faster than A at one point, beyond the noise? Matching points and the verdict.

With raw round times on both sides (files from this version on keep them), the verdict is a
two-sided Mann–Whitney U test on them (as asv's ``compare`` does), at ``ALPHA``, and the change
must also exceed ``MIN_CHANGE`` (a significant 1 % is not worth reporting on a shared machine).
Files without raw times (older ones) fall back to the interquartile ranges: B is faster or slower
only when its [q1, q3] does not overlap A's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bench.results.reading import PointRecord, Results

ALPHA = 0.05
MIN_CHANGE = 0.05  # |B/A − 1| below this is "within noise" whatever the test says
MIN_SAMPLES = 5
FASTER, SLOWER, NOISE = "faster", "slower", "within noise"


@dataclass(frozen=True)
class Change:
    """One point measured in both files: B's median over A's, and the verdict."""

    key: tuple  # (impl, m, n_x, dtype, order, threads)
    a: PointRecord
    b: PointRecord
    ratio: float  # t_B / t_A: below 1, B is faster
    verdict: str
    method: str  # "Mann–Whitney U, p=…" or "interquartile ranges"


def point_key(point: PointRecord) -> tuple:
    return (point.impl, point.m, point.n_x, point.dtype, point.order, point.threads)


def measured_points(results: Results) -> dict[tuple, PointRecord]:
    return {point_key(p): p for p in results.points if p.measured}


def mann_whitney_p(x, y) -> float:
    """Two-sided p-value of the Mann–Whitney U test, normal approximation with tie correction
    (right for the ≥ 5 samples per side used here)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n1, n2 = len(x), len(y)
    values = np.concatenate([x, y])
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    start = 0
    while start < len(values):  # average ranks over ties
        end = start
        while end + 1 < len(values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start:end + 1]] = (start + end) / 2 + 1
        start = end + 1
    u = ranks[:n1].sum() - n1 * (n1 + 1) / 2
    _, counts = np.unique(values, return_counts=True)
    n = n1 + n2
    variance = n1 * n2 / 12 * ((n + 1) - (counts**3 - counts).sum() / (n * (n - 1)))
    if variance <= 0:
        return 1.0
    z = (abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(variance)  # why 0.5: continuity correction
    return math.erfc(max(z, 0.0) / math.sqrt(2))


def verdict(a: PointRecord, b: PointRecord) -> Change:
    ratio = b.median_s / a.median_s
    if len(a.samples) >= MIN_SAMPLES and len(b.samples) >= MIN_SAMPLES:
        p = mann_whitney_p(a.samples, b.samples)
        method = f"Mann–Whitney U, p={p:.2g}"
        differs = p < ALPHA
    else:
        method = "interquartile ranges"
        differs = b.q3_s < a.q1_s or b.q1_s > a.q3_s
    if not differs or abs(ratio - 1) < MIN_CHANGE:
        return Change(point_key(a), a, b, ratio, NOISE, method)
    return Change(point_key(a), a, b, ratio, FASTER if ratio < 1 else SLOWER, method)


def changes(a: Results, b: Results) -> list[Change]:
    """Every point measured in both files, in A's order."""
    points_b = measured_points(b)
    return [verdict(point, points_b[key]) for key, point in measured_points(a).items() if key in points_b]
