"""Measuring a size, or a group of sizes: every implementation of each (m, n_x, dtype, order).

A run times each size in its own stretch; with ``--sizes-in-turn``, the next sizes of the run
while their data fits in GROUP_BYTES form a group (:func:`size_group`). The points are checked
first, one by one: the time budget's prediction (a point predicted over budget is skipped), the
memory guard, the preparation (timed apart), and the first call, checked against the reference
(its time minus the median is a JIT's compile time). Then the ones that passed are timed
together: each size's in interleaved rounds, a group's sizes' rounds in turn
(:func:`bench.measure.interleave.interleave_sizes`). When the next implementation's copy of the
data would not fit beside those already prepared, the prepared ones are timed first and freed
(why: at the largest sizes, peers' copies of X do not all fit).

why sizes in turn is an option, not the default: it brings two runs' speedups closer, but every
size of an implementation then shares one stretch of the machine's weather, so an implementation
moves as a whole from run to run, and compare (which pools an implementation's points) takes
that for a change more often: on a 2-core AMD EPYC (Zen 3), interleaved ``vecbench noise`` pairs
failed twice in three with it and never without.
"""

from __future__ import annotations

import gc
import random
import statistics
from dataclasses import dataclass

import impls
from impls import peers
from bench.measure import memory
from bench.measure.interleave import Contender, Rounds, interleave_sizes
from bench.measure.problems import describe_error, prepared_call
from bench.measure.threads import limit_new_pools
from bench.measure.timing import estimate_call_s, mismatch, timed_call
from bench.results.records import pair_by_round
from bench.results.schema import BASELINE, FAILED, MEASURED, SKIPPED_BUDGET, Point
from bench.runner.budget import Prediction, skipped_by_budget
from bench.runner.grid import is_isolated

#: pytest-benchmark's mode name for the fixtures filled from interleaved rounds
MODE = "vecbench interleaved rounds"
#: With --sizes-in-turn, the sizes timed together hold at most this much data, implementations'
#: copies included (:func:`size_group`). why: every size of a group stays prepared until its
#: rounds are done; the quick preset's nine sizes need about 71 MiB, so they are one group; the
#: default preset's seventeen smallest sizes form one, and its seven largest one each.
GROUP_BYTES = 256 * 2**20


@dataclass
class Outcome:
    """What happened to one point: its status and what was measured of it."""

    status: str
    error: str | None = None
    prediction: Prediction | None = None
    prepare_s: float | None = None
    compile_s: float | None = None
    rounds: Rounds | None = None
    compile_cache: str | None = None  # "hit" / "miss": the first call's graphs from a library's disk cache

    @property
    def median_s(self) -> float | None:
        return statistics.median(self.rounds.times) if self.rounds else None


def size_bytes(points: list[Point]) -> int:
    """Bytes one size's points hold while prepared: the problem and each implementation's extra."""
    m, n_x, dtype, _ = points[0].data_key
    return memory.problem_bytes(m, n_x, dtype) + sum(
        memory.impl_extra_bytes(impls.IMPLEMENTATIONS[p.impl], m, n_x, dtype) for p in points)


def size_group(points: list[Point], first: Point, limit_bytes: int | None = None) -> list[Point]:
    """The points timed together with ``first``'s size: its size's, then those of the sizes after
    it in ``points`` (measuring order) while all of them fit in ``limit_bytes`` (default
    GROUP_BYTES); only points of ``first``'s isolation (an isolated family, Dask, is never timed
    beside the others). An isolated family's sizes are timed one by one. why: its steps are
    mostly the scheduler's milliseconds at any size, and the few calls of a check estimate them
    too roughly for the budget to extrapolate the group's next sizes from (a quick run on a Zen 3
    skipped three of Dask's nine sizes so); the medians of the sizes timed before are steadier.
    """
    isolated = is_isolated(first.impl)
    limit_bytes = 0 if isolated else GROUP_BYTES if limit_bytes is None else limit_bytes
    by_size: dict[tuple, list[Point]] = {}
    for point in points[points.index(first):]:
        if is_isolated(point.impl) == isolated:
            by_size.setdefault(point.data_key, []).append(point)
    chosen, total = [], 0
    for size_points in by_size.values():
        total += size_bytes(size_points)
        if chosen and total > limit_bytes:
            break
        chosen.extend(size_points)
    return chosen


def measure_sizes(plugin, points: list[Point], *, timed: bool = True) -> dict[tuple, Outcome]:
    """Every point of a group of sizes (:func:`size_group`): check each, then time them together.

    ``plugin`` is the run's :class:`~bench.runner.plugin.VecbenchPlugin` (settings, problems,
    predictions, canary). ``timed=False`` (``--benchmark-disable``): checked only.
    """
    outcomes: dict[tuple, Outcome] = {}
    ready: dict[tuple, list[tuple[Point, Contender, float]]] = {}  # size → (point, contender, first call's s)
    rng = random.Random()
    for point in points:
        prediction = plugin._predict(point)
        if skipped_by_budget(point, prediction, plugin.settings.budget_s):
            outcomes[point.key] = Outcome(SKIPPED_BUDGET, prediction=prediction)
            continue
        if point.data_key != plugin.problems.key:
            plugin.problems.clear()  # why: free the previous size before checking what fits
        impl = impls.IMPLEMENTATIONS[point.impl]
        error = plugin._memory_refusal(point, impl)
        if error and ready:  # why: time and free the copies prepared so far, then try again
            outcomes.update(_time_together(plugin, ready, outcomes, rng, timed))
            ready = {}
            gc.collect()
            error = plugin._memory_refusal(point, impl)
        outcome, contender, first_s = _check(plugin, point, impl, error)
        outcomes[point.key] = outcome
        if contender is not None:
            ready.setdefault(point.data_key, []).append((point, contender, first_s))
            # why: the group's later sizes are budgeted before any of it is timed; the estimate
            # is replaced by the median once timed (Predictor.add)
            plugin.predictor.add(point, contender.call_s)
    outcomes.update(_time_together(plugin, ready, outcomes, rng, timed))
    return outcomes


def _check(plugin, point: Point, impl, error: str | None) -> tuple[Outcome, Contender | None, float]:
    """Prepare ``point``'s step and check its first call; a contender ready to time, or the failure."""
    prepare_s = None
    if not error:
        problem = plugin.problems.get(point)
        error = problem.error
    if not error:
        try:  # why: prepared once, outside the timing, and checked through the very step timed
            prepare_s, step, step_args = prepared_call(impl.prepare, problem.args)
        except Exception as exc:  # out of memory on the device, a library that cannot compile
            error = f"preparing the data {describe_error(exc)}"
    if not error:
        counts = peers.compile_counts(point.impl)
        try:
            first_s, result = timed_call(step, step_args)
            error = mismatch(result, problem.reference, point.dtype, impl.float64_rtol)
        except Exception as exc:
            error = describe_error(exc)
    if error:
        plugin.raise_if_stopping()  # why: an error raised by Ctrl-C is not the point's failure
        return Outcome(FAILED, error=error, prepare_s=prepare_s), None, 0.0
    limit_new_pools(plugin.settings.threads)  # why: the first call may have loaded a BLAS
    cache = peers.compile_cache_outcome(counts, peers.compile_counts(point.impl))
    contender = Contender(point.impl, step, step_args, estimate_call_s(step, step_args))
    return Outcome(MEASURED, prepare_s=prepare_s, compile_cache=cache), contender, first_s


def _time_together(plugin, ready: dict[tuple, list[tuple[Point, Contender, float]]],
                   checked: dict[tuple, Outcome], rng: random.Random, timed: bool) -> dict[tuple, Outcome]:
    """The ``ready`` points timed, each size's interleaved, the sizes' rounds in turn
    (``checked``: their outcomes so far)."""
    if not ready or not timed:
        return {}
    sizes = list(ready.values())
    measured_sizes = interleave_sizes([[contender for _, contender, _ in size] for size in sizes],
                                      plugin.settings.timing_s, plugin.canary, rng)
    outcomes = {}
    for size, measured in zip(sizes, measured_sizes):
        for point, contender, first_s in size:
            rounds = measured[contender.name]
            median = statistics.median(rounds.times)
            plugin.remember(point, median)  # why: now, for the budget of the sizes measured next
            jit = impls.IMPLEMENTATIONS[point.impl].jit
            outcomes[point.key] = Outcome(MEASURED, prepare_s=checked[point.key].prepare_s,
                                          compile_s=max(0.0, first_s - median) if jit else None, rounds=rounds,
                                          compile_cache=checked[point.key].compile_cache)
        baseline = measured.get(BASELINE)
        if baseline is not None:
            for point, contender, _ in size:
                pairs = pair_by_round(baseline.indexed, measured[contender.name].indexed)
                if pairs:
                    plugin.paired[point.key] = statistics.median(b / t for b, t in pairs)
    return outcomes


def record_rounds(benchmark, rounds: Rounds) -> None:
    """Put ``rounds`` into pytest-benchmark's fixture as if it had timed them itself.

    why: pytest-benchmark times one function per test; interleaving needs every implementation of
    a size timed in the same rounds, so the rounds are timed here and handed to the fixture's own
    statistics (its ``_make_stats``, the call its ``pedantic`` makes), keeping its JSON format,
    its ``compare`` and its histograms working on our files.
    """
    stats = benchmark._make_stats(rounds.iterations)
    for seconds in rounds.times:
        stats.stats.update(seconds)  # why: seconds per call already (Metadata.update would divide again)
    benchmark._mode = MODE
