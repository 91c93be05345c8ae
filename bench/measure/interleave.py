"""Interleaved rounds: every implementation of one size timed side by side, in random order.

A shared machine changes speed for seconds at a time. Timing every round of one implementation,
then the next, lets such a change land on some implementations and not others; their ratio then
measures the weather. Here round ``r`` times each implementation once (a block of calls) and the
speed canary once, in an order shuffled anew every round (randomized multiple interleaved
trials, Abedi & Brecht, ICPE 2017; Google Benchmark's random interleaving), so every
implementation samples the same machine states and the ratio of two implementations' times *in
the same round* is a paired measurement.
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

#: Rounds per point, at most (why: enough for a median and its 95 % interval from order
#: statistics; more rounds of the same total time would each be shorter than a timer tick allows).
MAX_ROUNDS = 15
#: ... and at least (the slowest implementation of a size may then exceed its timing target).
#: why 9: the fewest rounds whose median has a 95 % interval that leaves out the fastest and the
#: slowest round ([x(2), x(8)]); with fewer, one disturbed round sets the interval.
MIN_ROUNDS = 9
#: A block of calls faster than this is preceded by one untimed call. why: the other
#: implementations' rounds evicted this one's data from the caches, and a training loop runs
#: its steps back to back with the data warm; a slower block's first call is a small part of it.
WARM_CALL_BELOW_S = 2e-3
CANARY = "canary"


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
    the canary's reading in the same round, calls per round, and its CPU and wall seconds."""

    iterations: int
    times: list[float] = field(default_factory=list)
    canary: list[float] = field(default_factory=list)
    cpu_s: float = 0.0
    wall_s: float = 0.0

    @property
    def parallelism(self) -> float | None:
        """CPU seconds over wall seconds while timed (1.0 = one busy core)."""
        return self.cpu_s / self.wall_s if self.wall_s > 0 else None


def plan(call_s: dict[str, float], timing_s: float) -> tuple[int, dict[str, int]]:
    """Rounds shared by every contender and calls per round of each.

    The slowest contender sets the rounds (``timing_s`` of it, clamped to MIN..MAX_ROUNDS); each
    contender's block of calls then lasts about ``timing_s / rounds`` (at least MIN_ROUND_S and
    one call), so each implementation gets about ``timing_s`` of timing, as before interleaving.
    """
    slowest = max(call_s.values())
    rounds = min(max(int(timing_s / slowest), MIN_ROUNDS), MAX_ROUNDS)
    block_s = max(timing_s / rounds, MIN_ROUND_S)
    return rounds, {name: max(1, math.ceil(block_s / max(c, 1e-9))) for name, c in call_s.items()}


def interleave(contenders: list[Contender], timing_s: float, canary: CanaryLog,
               rng: random.Random) -> dict[str, Rounds]:
    """Time every contender in ``rounds`` shuffled rounds with the canary (see the module)."""
    rounds, iterations = plan({c.name: c.call_s for c in contenders}, timing_s)
    results = {c.name: Rounds(iterations[c.name]) for c in contenders}
    by_name = {c.name: c for c in contenders}
    clock = CpuClock()
    with gc_disabled():
        for _ in range(rounds):
            order = [*by_name, CANARY]
            rng.shuffle(order)
            reading = None
            measured: list[str] = []
            for name in order:
                if name == CANARY:
                    reading = canary.read()
                    continue
                contender, record = by_name[name], results[name]
                if contender.call_s < WARM_CALL_BELOW_S:
                    contender.step(*contender.args)
                _time_block(contender, record, clock)
                measured.append(name)
            for name in measured:
                results[name].canary.append(reading)
    return results


def _time_block(contender: Contender, record: Rounds, clock: CpuClock) -> None:
    step, args, calls = contender.step, contender.args, record.iterations
    cpu_start = clock.seconds()
    start = time.perf_counter()
    for _ in range(calls):
        step(*args)
    wall = time.perf_counter() - start
    record.cpu_s += clock.seconds() - cpu_start
    record.wall_s += wall
    record.times.append(wall / calls)
