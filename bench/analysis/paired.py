"""Statistics of rounds measured side by side: medians with intervals, paired ratios, the canary.

Interleaved runs time round ``r`` of every implementation of one size together, so the ratio of
two implementations' times in the same round is a paired measurement: a change of machine speed
during the run moves both. A speedup is then the median of those per-round ratios, with a
distribution-free confidence interval for that median (order statistics of the binomial
distribution: no assumption about the shape of the noise, which on a shared VM is bimodal).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from bench.results.intervals import Interval, median_interval
from bench.results.reading import PointRecord
from bench.results.records import shared_rounds

#: The canary's readings are smoothed over this many in a row before its range is taken
#: (why: one reading can be hit by an interrupt; the machine's *state* lasts longer).
SMOOTHING = 5
#: A run whose smoothed canary varied more than this (slowest / fastest) is called unsteady:
#: its absolute times are less reliable than its speedups.
UNSTEADY = 1.25


__all__ = ["CanarySummary", "Interval", "canary_summary", "median_interval", "normalised_rounds", "paired",
           "paired_ratio", "smoothed"]


def paired(a: PointRecord | None, b: PointRecord | None) -> bool:
    """True when ``a`` and ``b`` were timed side by side in shared interleaved rounds."""
    return a is not None and b is not None and bool(shared_rounds(a, b))


def paired_ratio(numerator: PointRecord, denominator: PointRecord) -> Interval | None:
    """Median over their shared rounds of numerator's time / denominator's time, with its
    interval; None when the two were not timed in the same rounds."""
    pairs = shared_rounds(numerator, denominator)
    return median_interval([n / d for n, d in pairs]) if pairs else None


def normalised_rounds(point: PointRecord) -> list[float]:
    """Each round's time divided by the canary's reading in that round (machine speed removed)."""
    return [t / c for t, c in zip(point.rounds, point.canary_s)]


@dataclass(frozen=True)
class CanarySummary:
    """How the machine's speed varied during a run, from its canary series."""

    readings: int
    fastest_s: float  # the fastest smoothed reading
    slowest_s: float  # the slowest smoothed reading
    seconds: float  # the span the readings cover

    @property
    def range(self) -> float:
        """Slowest over fastest: 1.0 for a steady machine, 1.9 when it ran at half speed for a while."""
        return self.slowest_s / self.fastest_s

    @property
    def unsteady(self) -> bool:
        return self.range > UNSTEADY


def smoothed(readings: list[float], window: int = SMOOTHING) -> list[float]:
    """Running median over ``window`` readings (fewer at the ends: centred, clipped)."""
    half = window // 2
    return [statistics.median(readings[max(0, i - half): i + half + 1]) for i in range(len(readings))]


def canary_summary(series) -> CanarySummary | None:
    """The summary of a run's canary series ((time, reading) pairs); None without readings."""
    if not series:
        return None
    values = smoothed([reading for _, reading in series])
    return CanarySummary(len(series), min(values), max(values), series[-1][0] - series[0][0])
