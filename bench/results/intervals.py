"""A median and its distribution-free confidence interval, from a handful of rounds.

Order statistics of the binomial distribution: no assumption about the shape of the noise,
which on a shared VM is bimodal. Used for paired speedups (:mod:`bench.results.reading`) and
for the verdicts of ``vecbench compare``.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    """A median and its confidence interval (``low`` ≤ ``value`` ≤ ``high``)."""

    value: float
    low: float
    high: float

    def contains(self, x: float) -> bool:
        return self.low <= x <= self.high


def _binomial_cdf(k: int, n: int) -> float:
    """P(X ≤ k) for X ~ Binomial(n, 1/2)."""
    return sum(math.comb(n, i) for i in range(k + 1)) / 2**n


def median_interval(values, confidence: float = CONFIDENCE) -> Interval:
    """The median of ``values`` and a distribution-free interval for it: the order statistics
    x(k) and x(n+1−k) with the largest k whose coverage 1 − 2·P(X ≤ k−1) is ≥ ``confidence``
    (X ~ Binomial(n, ½)); the whole range when n is too small for that coverage."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        raise ValueError("median_interval needs at least one value; got none")
    k = 1
    while k + 1 <= (n + 1) // 2 and 1 - 2 * _binomial_cdf(k, n) >= confidence:
        k += 1
    return Interval(statistics.median(ordered), ordered[k - 1], ordered[n - k])


def quantile(ordered: list[float], q: float) -> float:
    """Linear-interpolated quantile of sorted values (NumPy's default method)."""
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
