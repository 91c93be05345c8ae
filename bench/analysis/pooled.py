"""Several runs of the same grid pooled into one: how to compare on a machine whose every process
has a speed of its own.

Two runs of unchanged code on a shared VM differ by more than their rounds say, and most of that
difference does not shrink with longer runs or more rounds in one process: each process (its
memory layout, its libraries' thread pools, the host's state while it ran) has a speed of its
own. Benchmarking guides answer with more processes (pyperf runs 20 worker processes by
default). Pooling ``k`` runs per side of a comparison averages ``k`` processes: each point's
time is the geometric mean of the runs' medians (every process weighs the same), its rounds are
pooled with the round numbers of each run kept apart (so a paired ratio pairs rounds of one run
only), and the canary's readings are pooled. Everything that reads one results file (compare,
the speedups and their intervals) then reads the pooled runs as one.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from pathlib import Path

from bench.results.intervals import quantile
from bench.results.reading import PointRecord, Results

#: Run r's round i becomes round r·RUN_STRIDE + i (a size has at most a few dozen rounds).
RUN_STRIDE = 1_000_000
#: What must agree for runs to be pooled: the same machine and thread count.
SAME_MACHINE = ("cpu", "cores", "llvm_cpu")


class PoolError(ValueError):
    """Runs that cannot be pooled (different machines or thread counts)."""


def _check_poolable(runs: list[Results]) -> None:
    first = runs[0]
    for run in runs[1:]:
        if run.threads != first.threads:
            raise PoolError(f"pooled runs must use one thread count: {first.path.name} used {first.threads}, "
                            f"{run.path.name} {run.threads}")
        for field in SAME_MACHINE:
            if run.machine.get(field) != first.machine.get(field):
                raise PoolError(f"pooled runs must come from one machine: {first.path.name} has {field} "
                                f"{first.machine.get(field)!r}, {run.path.name} {run.machine.get(field)!r}")


def _pooled_point(records: list[PointRecord]) -> PointRecord:
    """One point's records (one per run that measured it) as one record (see the module)."""
    first = records[0]
    medians = [r.median_s for r in records]
    samples = sorted(s for r in records for s in (r.samples or r.rounds))
    changes: dict = {"median_s": math.exp(statistics.fmean(math.log(m) for m in medians)),
                     "samples": tuple(samples),
                     "over_threads": any(r.over_threads for r in records)}
    if len(samples) >= 2:
        changes.update(q1_s=quantile(samples, 0.25), q3_s=quantile(samples, 0.75))
    parallelisms = [r.parallelism for r in records if r.parallelism is not None]
    changes["parallelism"] = max(parallelisms) if parallelisms else None
    if all(r.interleaved for r in records):
        changes.update(
            rounds=tuple(t for r in records for t in r.rounds),
            canary_s=tuple(c for r in records for c in r.canary_s),
            round_index=tuple(run * RUN_STRIDE + i for run, r in enumerate(records)
                              for i in (r.round_index or range(len(r.rounds)))))
    else:  # why: a run from before interleaving has no rounds to pair; the medians still pool
        changes.update(rounds=(), canary_s=(), round_index=())
    return dataclasses.replace(first, **changes)


def _key(point: PointRecord) -> tuple:
    return (point.impl, point.m, point.n_x, point.dtype, point.order, point.threads)


def pool_runs(runs: list[Results]) -> Results:
    """``runs`` (one or more results files of one machine and thread count) as one Results; a
    single run is returned as it is. PoolError when they cannot be pooled."""
    if not runs:
        raise PoolError("no runs to pool")
    if len(runs) == 1:
        return runs[0]
    _check_poolable(runs)
    by_key: dict[tuple, list[PointRecord]] = {}
    for run in runs:
        for point in run.points:
            by_key.setdefault(_key(point), []).append(point)
    points = []
    for records in by_key.values():
        measured = [r for r in records if r.measured]
        points.append(_pooled_point(measured) if measured else records[0])
    canary, offset = [], 0.0
    for run in runs:  # why: one time axis, each run's readings after the previous run's
        canary.extend((offset + t, reading) for t, reading in run.canary)
        offset = canary[-1][0] if canary else offset
    first = runs[0]
    name = "+".join(run.path.name for run in runs)
    return dataclasses.replace(
        first, path=Path(first.path.parent, name), sha256="+".join(run.sha256 for run in runs),
        started=min(run.started for run in runs), finished=max((run.finished or "") for run in runs) or None,
        complete=all(run.complete for run in runs), points=tuple(points), canary=tuple(canary))
