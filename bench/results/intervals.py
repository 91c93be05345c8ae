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


# ---------------------------------------------------------------- vecbench ablation

#: ``vecbench ablation``'s results file (``ablation-*.json`` in the machine's folder): one problem,
#: its stages timed interleaved against the floor. A JSON object (:func:`ablation_document`).
ABLATION_SCHEMA_VERSION = 1
ABLATION_KIND = "vecbench-ablation"


def ablation_document(*, command: str, started: str, finished: str, m: int, n_x: int, order: str,
                      threads: int, rounds: int, machine: dict, result: dict) -> dict:
    """The file: what was run and where, then ``result`` as ``ablation.measure`` returns it
    (``bandwidth``, ``variant``, ``variant_source``, ``block`` in samples, and ``stages``: per
    stage ``median_s``, ``times_s``, ``floor_s``, ``fraction_of_floor``…)."""
    return {"kind": ABLATION_KIND, "schema": ABLATION_SCHEMA_VERSION, "command": command, "started": started,
            "finished": finished, "dtype": "float64", "m": m, "n_x": n_x, "order": order, "threads": threads,
            "rounds": rounds, "machine": machine, **result}
