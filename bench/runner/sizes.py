"""Measuring one size: every implementation of one (m, n_x, dtype, order), side by side.

For each implementation in turn: the time budget's prediction (a point predicted over budget is
skipped), the memory guard, the preparation (timed apart), and the first call, checked against
the reference (its time minus the median is a JIT's compile time). Then the ones that passed
are timed together in interleaved rounds (:mod:`bench.measure.interleave`). When the next
implementation's copy of the data would not fit beside those already prepared, the prepared
ones are timed first and freed (why: at the largest sizes, peers' copies of X do not all fit).
"""

from __future__ import annotations

import gc
import random
import statistics
from dataclasses import dataclass

import impls
from impls import peers
from bench.measure.interleave import Contender, Rounds, interleave
from bench.measure.problems import describe_error, prepared_call
from bench.measure.threads import limit_new_pools
from bench.measure.timing import estimate_call_s, mismatch, timed_call
from bench.results.records import pair_by_round
from bench.results.schema import BASELINE, FAILED, MEASURED, SKIPPED_BUDGET, Point
from bench.runner.budget import Prediction, skipped_by_budget

#: pytest-benchmark's mode name for the fixtures filled from interleaved rounds
MODE = "vecbench interleaved rounds"


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


def measure_size(plugin, points: list[Point], *, timed: bool = True) -> dict[tuple, Outcome]:
    """Every point of one size (all share ``data_key``): check each, then time them interleaved.

    ``plugin`` is the run's :class:`~bench.runner.plugin.VecbenchPlugin` (settings, problems,
    predictions, canary). ``timed=False`` (``--benchmark-disable``): checked only.
    """
    outcomes: dict[tuple, Outcome] = {}
    ready: list[tuple[Point, Contender, float]] = []  # (point, contender, first call's seconds)
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
            ready = []
            gc.collect()
            error = plugin._memory_refusal(point, impl)
        outcome, contender, first_s = _check(plugin, point, impl, error)
        outcomes[point.key] = outcome
        if contender is not None:
            ready.append((point, contender, first_s))
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


def _time_together(plugin, ready: list[tuple[Point, Contender, float]], checked: dict[tuple, Outcome],
                   rng: random.Random, timed: bool) -> dict[tuple, Outcome]:
    """The ``ready`` points timed interleaved (``checked``: their outcomes so far)."""
    if not ready or not timed:
        return {}
    measured = interleave([contender for _, contender, _ in ready], plugin.settings.timing_s, plugin.canary, rng)
    outcomes = {}
    for point, contender, first_s in ready:
        rounds = measured[contender.name]
        median = statistics.median(rounds.times)
        jit = impls.IMPLEMENTATIONS[point.impl].jit
        outcomes[point.key] = Outcome(MEASURED, prepare_s=checked[point.key].prepare_s,
                                      compile_s=max(0.0, first_s - median) if jit else None, rounds=rounds,
                                      compile_cache=checked[point.key].compile_cache)
    baseline = measured.get(BASELINE)
    if baseline is not None:
        for point, contender, _ in ready:
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
