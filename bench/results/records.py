"""The typed records a results file is read into: points, estimates, grids, the whole file.

Built by :mod:`bench.results.reading` (which validates the file); everything the charts, the report
and the comparisons show comes from these.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.results.intervals import median_interval
from bench.results.schema import MEASURED, SKIPPED_BUDGET


@dataclass(frozen=True)
class PointRecord:
    """One entry of the results read back: a point, its status and what was measured. Times in seconds per step."""

    impl: str
    m: int
    n_x: int
    dtype: str
    order: str
    status: str  # "measured", "skipped-budget" or "failed"
    median_s: float | None = None  # measured only, like q1_s / q3_s
    q1_s: float | None = None
    q3_s: float | None = None
    samples: tuple[float, ...] = ()  # measured: the rounds' times (sorted, at most MAX_SAMPLES); () in older files
    predicted_s: float | None = None  # skipped-budget only: the engine's extrapolation
    prediction_basis: str | None = None
    error: str | None = None  # failed only
    compile_s: float | None = None  # JIT implementations: first call minus median
    prepare_s: float | None = None  # moving the problem into the implementation's form, once
    bytes: int | None = None  # bytes of X and Y read once
    floor_s: float | None = None  # bytes / memory bandwidth
    fraction_of_floor: float | None = None  # floor_s / median_s
    achieved_GBps: float | None = None  # bytes / median_s / 1e9
    threads: int | None = None
    rounds: tuple[float, ...] = ()  # interleaved runs: the rounds' times in round order
    canary_s: tuple[float, ...] = ()  # ... and the speed canary's reading in each of those rounds
    round_index: tuple[int, ...] = ()  # ... and which of the size's rounds each was (() = 0, 1, 2, …)
    parallelism: float | None = None  # CPU seconds / wall seconds while timed (interleaved runs)
    over_threads: bool = False  # parallelism above the run's thread budget (see bench.measure.cpu)
    compile_cache: str | None = None  # "hit" / "miss" / "reused": see schema.COMPILE_CACHE_OUTCOMES

    @property
    def interleaved(self) -> bool:
        """True when ``rounds`` were timed side by side with the other implementations of the size."""
        return bool(self.rounds)

    @property
    def indexed_rounds(self) -> list[tuple[int, float, float]]:
        """(round of the size, seconds per call, canary reading) of each interleaved round."""
        index = self.round_index or range(len(self.rounds))
        return list(zip(index, self.rounds, self.canary_s))

    @property
    def measured(self) -> bool:
        return self.status == MEASURED

    @property
    def predicted(self) -> bool:
        return self.status == SKIPPED_BUDGET

    @property
    def time_s(self) -> float | None:
        """The measured median, or the prediction of a skipped point; None for a failed one."""
        return self.median_s if self.measured else self.predicted_s

    @property
    def layout(self) -> tuple[str, str]:
        return (self.dtype, self.order)


#: Two points share fewer rounds than this: no paired ratio (the ratio of medians is used).
MIN_SHARED_ROUNDS = 3


def pair_by_round(a, b) -> list[tuple[float, float]]:
    """(a's time, b's time) of every round both took part in: ``a`` and ``b`` are iterables of
    (round index, seconds, canary reading). Both must hold the same canary reading at every index
    they share (why: the readings are those of one size's rounds; points of other sizes or runs
    never pair). [] when they do not, or share fewer than MIN_SHARED_ROUNDS rounds."""
    b_at = {index: (seconds, reading) for index, seconds, reading in b}
    shared = [(seconds, reading, b_at[index]) for index, seconds, reading in a if index in b_at]
    if len(shared) < MIN_SHARED_ROUNDS or any(reading != theirs[1] for _, reading, theirs in shared):
        return []
    return [(seconds, theirs[0]) for seconds, _, theirs in shared]


def shared_rounds(a: PointRecord, b: PointRecord) -> list[tuple[float, float]]:
    """:func:`pair_by_round` of two points' interleaved rounds ([] unless both were interleaved)."""
    if not (a.interleaved and b.interleaved):
        return []
    return pair_by_round(a.indexed_rounds, b.indexed_rounds)


@dataclass(frozen=True)
class Estimate:
    """A number derived from the results; ``predicted`` when any input was a predicted time;
    ``low``/``high``: its 95 % interval where rounds measured side by side give one."""

    value: float
    predicted: bool
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Bandwidth:
    """Memory read bandwidth measured by the run, GB/s (1e9 bytes per second)."""

    single_thread_GBps: float
    multi_thread_GBps: float
    multi_threads: int | None
    method: str
    #: The compute roof (bench.measure.compute_roof): samples per second of the per-sample math
    #: alone, 1 thread and multi_threads; None in files from before it was measured.
    single_thread_samples_per_s: float | None = None
    multi_thread_samples_per_s: float | None = None


@dataclass(frozen=True)
class ResultGrid:
    """The points of one (dtype, order): sizes sorted ascending, implementations in registry order."""

    dtype: str
    order: str
    impls: tuple[str, ...]
    ms: tuple[int, ...]
    nxs: tuple[int, ...]
    points: dict[tuple[str, int, int], PointRecord]

    @property
    def label(self) -> str:
        return f"{self.dtype}, {self.order} order"

    def point(self, impl: str, m: int, n_x: int) -> PointRecord | None:
        return self.points.get((impl, m, n_x))

    def time(self, impl: str, m: int, n_x: int) -> Estimate | None:
        """Seconds per step: measured, or the budget's prediction (marked); None if failed/absent."""
        point = self.point(impl, m, n_x)
        if point is None or point.time_s is None:
            return None
        return Estimate(point.time_s, point.predicted)

    def speedup(self, impl: str, baseline: str, m: int, n_x: int) -> Estimate | None:
        """``t_baseline / t_impl`` at one size; predicted if either time is.

        Where both were timed in the same interleaved rounds: the median of the per-round ratios,
        with its interval (a change of machine speed moves both times of a round alike);
        otherwise the ratio of the medians, without an interval.
        """
        mine, base = self.point(impl, m, n_x), self.point(baseline, m, n_x)
        pairs = shared_rounds(base, mine) if mine is not None and base is not None else []
        if pairs:
            interval = median_interval([b / t for b, t in pairs])
            return Estimate(interval.value, False, interval.low, interval.high)
        mine, base = self.time(impl, m, n_x), self.time(baseline, m, n_x)
        if mine is None or base is None:
            return None
        return Estimate(base.value / mine.value, mine.predicted or base.predicted)

    def measured(self, impl: str) -> list[PointRecord]:
        return [p for p in self.points.values() if p.impl == impl and p.measured]


@dataclass(frozen=True)
class Results:
    """A validated results file."""

    path: Path
    sha256: str
    preset: str
    command: str
    started: str
    finished: str | None
    complete: bool
    threads: int | None
    machine: dict[str, Any]
    implementations: dict[str, dict]  # name → description, family, note (empty in older files)
    bandwidth: Bandwidth | None
    points: tuple[PointRecord, ...]
    canary: tuple[tuple[float, float], ...] = ()  # (seconds since the start, reading); () in older files
    canary_workload: str | None = None

    @property
    def impls(self) -> tuple[str, ...]:
        """Implementation names in registry order (slowest family first): the order of the file's
        ``implementations`` section where it has one (why: an implementation none of whose
        points was measured is listed after the measured ones, and must keep its colour),
        else the order the file lists them."""
        listed = list(dict.fromkeys(p.impl for p in self.points))
        registry = [name for name in self.implementations if name in listed]
        return tuple(registry + [name for name in listed if name not in registry])

    @property
    def layouts(self) -> tuple[tuple[str, str], ...]:
        """(dtype, order) pairs present; the default float64 C first, then in file order."""
        seen = list(dict.fromkeys(p.layout for p in self.points))
        return tuple(sorted(seen, key=lambda lay: lay != ("float64", "C")))

    def grid(self, layout: tuple[str, str]) -> ResultGrid:
        chosen = [p for p in self.points if p.layout == layout]
        order = self.impls
        return ResultGrid(
            dtype=layout[0],
            order=layout[1],
            impls=tuple(i for i in order if any(p.impl == i for p in chosen)),
            ms=tuple(sorted({p.m for p in chosen})),
            nxs=tuple(sorted({p.n_x for p in chosen})),
            points={(p.impl, p.m, p.n_x): p for p in chosen},
        )

    def grids(self) -> list[ResultGrid]:
        return [self.grid(layout) for layout in self.layouts]
