"""Interleaved rounds: every implementation of one size timed side by side, in random order.

A shared machine changes speed for seconds at a time. Timing every round of one implementation,
then the next, lets such a change land on some implementations and not others; their ratio then
measures the weather. Here round ``r`` times each implementation taking part in it once (a block
of calls) and the speed canary once, in an order shuffled anew every round (randomized multiple
interleaved trials, Abedi & Brecht, ICPE 2017; Google Benchmark's random interleaving), so every
implementation samples the same machine states and the ratio of two implementations' times *in
the same round* is a paired measurement.

Several sizes can be timed as one group (:func:`interleave_sizes`): their rounds are taken in
turn, so each size's rounds spread over the group's whole stretch of time.

Fast implementations take part in every round; one too slow for that within its timing target
takes part in fewer (at least MIN_ROUNDS), spread over the size's rounds. why: the slowest
implementation no longer caps the rounds of the others, and more, shorter rounds pair better on
a machine whose speed changes every few tens of milliseconds (a round lasts a few ms, not tens).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Callable

from bench.measure.canary import CanaryLog
from bench.measure.cpu import CpuClock
from bench.measure.timing import MIN_ROUND_S, gc_disabled

#: Rounds per size, at most. why: a speedup's 95 % interval narrows as 1/√rounds, and shorter
#: rounds (blocks of about 1 ms at the quick preset's 30 ms per point) pair better on a machine
#: whose speed flips every 10–30 ms; the canary read in each round stays about 2 % of the timing.
MAX_ROUNDS = 31
#: ... and at least (the slowest implementation of a size may then exceed its timing target).
#: why 9: the fewest rounds whose median has a 95 % interval that leaves out the fastest and the
#: slowest round ([x(2), x(8)]); with fewer, one disturbed round sets the interval.
MIN_ROUNDS = 9
#: A block of calls faster than this is preceded by one untimed call. why: the other
#: implementations' rounds evicted this one's data from the caches, and a training loop runs
#: its steps back to back with the data warm; a slower block's first call is a small part of it.
WARM_CALL_BELOW_S = 2e-3
CANARY = "canary"
#: 1/φ: frac(j/φ) spreads any prefix j < n evenly over [0, 1) (:func:`spread`)
GOLDEN = (math.sqrt(5) - 1) / 2


@dataclass
class Contender:
    """One implementation's prepared step at this size, and its estimated seconds per call."""

    name: str
    step: Callable
    args: tuple
    call_s: float


@dataclass
class Rounds:
    """What one implementation's rounds measured: seconds per call per round (in round order),
    the canary's reading in the same round, which of the size's rounds it was, calls per round,
    and its CPU and wall seconds."""

    iterations: int
    times: list[float] = field(default_factory=list)
    canary: list[float] = field(default_factory=list)
    index: list[int] = field(default_factory=list)  # the size's round each time was measured in
    cpu_s: float = 0.0
    wall_s: float = 0.0

    @property
    def indexed(self) -> list[tuple[int, float, float]]:
        """(round of the size, seconds per call, canary reading) of each round, as pair_by_round takes."""
        return list(zip(self.index, self.times, self.canary))

    @property
    def parallelism(self) -> float | None:
        """CPU seconds over wall seconds while timed (1.0 = one busy core)."""
        return self.cpu_s / self.wall_s if self.wall_s > 0 else None


@dataclass(frozen=True)
class RoundPlan:
    """The size's rounds, each contender's calls per round, and the rounds each takes part in."""

    rounds: int
    iterations: dict[str, int]
    joins: dict[str, tuple[int, ...]]


def plan(call_s: dict[str, float], timing_s: float) -> RoundPlan:
    """Each contender gets about ``timing_s`` of timing in MIN_ROUNDS..MAX_ROUNDS rounds.

    A contender takes part in ``timing_s / call`` rounds, clamped to MIN..MAX_ROUNDS (a slower
    one than ``timing_s / MIN_ROUNDS`` per call may then exceed its target); the size has as many
    rounds as the most taken. Each block of calls lasts about ``timing_s / its rounds`` (at least
    MIN_ROUND_S and one call). Fewer rounds than the size's are spread over it (:func:`spread`).
    """
    takes = {name: min(max(int(timing_s / max(c, 1e-12)), MIN_ROUNDS), MAX_ROUNDS) for name, c in call_s.items()}
    rounds = max(takes.values())
    iterations = {name: max(1, math.ceil(max(timing_s / takes[name], MIN_ROUND_S) / max(c, 1e-9)))
                  for name, c in call_s.items()}
    return RoundPlan(rounds, iterations, {name: spread(n, rounds) for name, n in takes.items()})


def spread(n: int, rounds: int) -> tuple[int, ...]:
    """``n`` of ``range(rounds)``, evenly spread, in order; the rounds for a smaller ``n`` are a
    subset of those for a larger one (why: any two contenders then share the fewer one's rounds
    for their paired ratio). The golden-ratio sequence: frac(j·φ) lands evenly for every prefix."""
    if n >= rounds:
        return tuple(range(rounds))
    chosen: list[int] = []
    j = 0
    while len(chosen) < n:
        index = int(((j * GOLDEN) % 1.0) * rounds)
        if index not in chosen:
            chosen.append(index)
        j += 1
    return tuple(sorted(chosen))


def interleave(contenders: list[Contender], timing_s: float, canary: CanaryLog,
               rng: random.Random) -> dict[str, Rounds]:
    """Time every contender of one size in its shuffled rounds with the canary (see the module)."""
    return interleave_sizes([contenders], timing_s, canary, rng)[0]


def interleave_sizes(sizes: list[list[Contender]], timing_s: float, canary: CanaryLog,
                     rng: random.Random) -> list[dict[str, Rounds]]:
    """Time several sizes' contenders, each size as :func:`interleave` would, their rounds
    taken in turn: round ``g`` of the group times round ``g`` of every size that has one, the
    sizes in an order shuffled anew each time (a size with fewer rounds than the group's takes
    part in a :func:`spread` of them). A size's contenders and its canary reading stay side by
    side within its round, as with one size. why: a shared VM's state moves each
    implementation's speedups for seconds at a time (alike at every size of it: a state, not
    noise), so a size timed in one stretch of about a second carries that stretch's state into
    all its speedups; spread over the group's stretch, they average its states, and two runs'
    speedups agree better (measured with ``vecbench compare`` on back-to-back quick runs; the
    price, why it is not the default: :mod:`bench.runner.sizes`).
    Returns each size's rounds, in the order of ``sizes``."""
    planned = [plan({c.name: c.call_s for c in contenders}, timing_s) for contenders in sizes]
    group_rounds = max((p.rounds for p in planned), default=0)
    turns = [dict(zip(spread(p.rounds, group_rounds), range(p.rounds))) for p in planned]
    results = [{c.name: Rounds(p.iterations[c.name]) for c in contenders} for p, contenders in zip(planned, sizes)]
    by_name = [{c.name: c for c in contenders} for contenders in sizes]
    clock = CpuClock()
    with gc_disabled():
        for g in range(group_rounds):
            taking_part = [i for i, turn in enumerate(turns) if g in turn]
            rng.shuffle(taking_part)
            for i in taking_part:
                _one_round(by_name[i], planned[i], turns[i][g], results[i], canary, rng, clock)
    return results


def _one_round(by_name: dict[str, Contender], planned: RoundPlan, r: int, results: dict[str, Rounds],
               canary: CanaryLog, rng: random.Random, clock: CpuClock) -> None:
    """Round ``r`` of one size (its contenders by name): those taking part and the canary, in
    shuffled order."""
    joining = [name for name in by_name if r in planned.joins[name]]
    order = [*joining, CANARY]
    rng.shuffle(order)
    reading = None
    for name in order:
        if name == CANARY:
            reading = canary.read()
            continue
        contender, record = by_name[name], results[name]
        if contender.call_s < WARM_CALL_BELOW_S:
            contender.step(*contender.args)
        _time_block(contender, record, clock)
    for name in joining:
        results[name].canary.append(reading)
        results[name].index.append(r)


def _time_block(contender: Contender, record: Rounds, clock: CpuClock) -> None:
    step, args, calls = contender.step, contender.args, record.iterations
    # why two wall clocks: the step's time excludes reading the CPU clock; the parallelism
    # divides the CPU counted by the wall time of the same interval, clock readings included (a
    # reading costs CPU, up to a good part of a millisecond with child processes to visit, which
    # counted against a 1 ms block's wall alone made one thread look like 1.2 cores)
    counted_from = time.perf_counter()
    cpu_start = clock.seconds()
    start = time.perf_counter()
    for _ in range(calls):
        step(*args)
    wall = time.perf_counter() - start
    record.cpu_s += clock.seconds() - cpu_start
    record.wall_s += time.perf_counter() - counted_from
    record.times.append(wall / calls)
