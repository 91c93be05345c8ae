"""The speed canary: a small fixed workload timed in every round, so a run records the machine's
speed through time (shared VMs, laptops and cloud notebooks change speed for seconds at a time).

The workload is a fixed count of pure-Python integer operations (about 0.1 ms on a 2020s core):
it uses one core, no memory bandwidth and no library, so its time moves only with the speed the
machine gives this process. Each reading is the fastest of :data:`CALLS` back-to-back calls
(why: one call can be hit by a single interrupt; the fastest of three is the machine's speed
for that moment).
"""

from __future__ import annotations

import time

#: The workload's size (loop iterations); part of its identity: files with another size are not compared.
ITERATIONS = 1_000
CALLS = 3
WORKLOAD = f"pure-Python integer loop of {ITERATIONS} iterations, fastest of {CALLS} calls"


def workload(iterations: int = ITERATIONS) -> int:
    """The canary's fixed work: an integer recurrence (the result keeps it from being skipped)."""
    acc = 0
    for i in range(iterations):
        acc = (acc * 31 + i) % 1_000_003
    return acc


def read_canary() -> float:
    """Seconds of one canary reading (the fastest of CALLS calls)."""
    best = float("inf")
    for _ in range(CALLS):
        start = time.perf_counter()
        workload()
        best = min(best, time.perf_counter() - start)
    return best


class CanaryLog:
    """The run's canary readings as a time series: (seconds since the log started, reading)."""

    def __init__(self, started: float | None = None, series: list | None = None) -> None:
        self.started = time.perf_counter() if started is None else started
        self.series: list[list[float]] = [list(item) for item in series or ()]
        self._offset = self.series[-1][0] if self.series else 0.0  # why: a resumed run continues its clock

    def read(self) -> float:
        """Take one reading, log it and return it (seconds)."""
        seconds = read_canary()
        self.series.append([round(self._offset + time.perf_counter() - self.started, 4), seconds])
        return seconds

    def as_dict(self) -> dict:
        return {"workload": WORKLOAD, "series": self.series}
