"""Timing one point: check the first call against the reference, then time steady-state calls.

The first call of a kernel is the check and the warm-up: its output is compared with the
reference (numpy-vectorized on the same data) and its time, minus the steady median, is a JIT
implementation's compile time. Only then is the kernel timed, with the garbage collector off
(:mod:`.interleave` times the rounds, every implementation of a size side by side).
"""

from __future__ import annotations

import gc
import random
import time
from contextlib import contextmanager
from typing import Callable, NamedTuple

import numpy as np

# why: perf_counter ticks in ~100 ns on Linux; a round of ≥ 20 µs keeps its quantisation < 1 %,
# so calls faster than that are repeated (pytest-benchmark "iterations") inside each round.
MIN_ROUND_S = 20e-6
CALIBRATION_S = 1e-3  # run a fast kernel for at least this long to estimate one call
#: Calls of at least this long are estimated from one call (why: a stall of a few milliseconds
#: hardly moves them, and they run one call per round at every preset anyway).
ONE_CALL_ENOUGH_S = 0.05
#: Pause before each timed call. why: idle BLAS/OpenMP worker threads of the implementation timed
#: just before keep spinning for up to ~0.1 s (OpenBLAS's default thread timeout), and on a
#: 2-core machine they would steal a core from the next implementation's threads.
PAUSE_S = 0.15
#: (rtol, atol) per dtype for the check against the reference. why: a sanity check that catches
#: wrong answers (off by O(1)) on make_problem's O(1) data, loose enough for any summation
#: order; the strict equivalence harness is tests/test_equivalence.py.
TOLERANCES = {"float64": (1e-6, 1e-9), "float32": (1e-3, 1e-4)}


class Step(NamedTuple):
    """A step's output as float64: ``dw`` (n_x,), ``db`` and ``cost`` floats."""

    dw: np.ndarray
    db: float
    cost: float

    @classmethod
    def of(cls, output) -> Step:
        dw, db, cost = output
        return cls(np.asarray(dw, dtype=np.float64).reshape(-1), float(db), float(cost))


@contextmanager
def gc_disabled():
    """Garbage collector off inside (why: a collection inside a timed round is noise, not cost)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def timed_call(kernel: Callable, args: tuple) -> tuple[float, Step]:
    """Seconds of one call, and its output."""
    start = time.perf_counter()
    output = kernel(*args)
    return time.perf_counter() - start, Step.of(output)


def mismatch(result: Step, reference: Step, dtype: str, declared_rtol: float = 0.0) -> str | None:
    """Why ``result`` differs from ``reference`` beyond the dtype's tolerance, or None.

    ``declared_rtol``: an implementation's own float64 accuracy bound (registry's
    ``float64_rtol``), used where it is looser than the float64 tolerance here.
    """
    rtol, atol = TOLERANCES[dtype]
    if dtype == "float64":
        rtol = max(rtol, declared_rtol)
    if result.dw.shape != reference.dw.shape:
        return f"dw has {result.dw.size} values, the reference {reference.dw.size}"
    for name, got, want in (("dw", result.dw, reference.dw), ("db", result.db, reference.db),
                            ("cost", result.cost, reference.cost)):
        got, want = np.atleast_1d(got), np.atleast_1d(want)
        close = np.isclose(got, want, rtol=rtol, atol=atol)
        if not close.all():
            index = int(np.argmin(close))
            return (f"{name} differs from the reference: {got[index]!r} vs {want[index]!r}"
                    f" at index {index} (rtol {rtol:g}, atol {atol:g})")
    return None


def estimate_call_s(kernel: Callable, args: tuple) -> float:
    """Seconds per call: the median of calls timed one by one for CALIBRATION_S and at least
    three calls (one if it takes ONE_CALL_ENOUGH_S), the garbage collector off as in the rounds.

    why the median of at least three, without collections: the mean over the first millisecond
    took a stall (a collection, the hypervisor taking the vCPU away) for the step's speed. On an
    Intel Xeon (rocketlake) VM, 9 of 22 quick runs planned one to three steps 4–32× slower than
    they ran (numpy-vectorized at m=100, n_x=1: 46 µs a call, planned as over 3 ms); such a step
    ran one or two calls per round, timed cold (there 150–280 µs), and every speedup of its size
    moved with it when it was numpy-vectorized.
    """
    times: list[float] = []
    with gc_disabled():
        start = time.perf_counter()
        while True:
            before = time.perf_counter()
            kernel(*args)
            now = time.perf_counter()
            times.append(now - before)
            if now - start >= CALIBRATION_S and (len(times) >= 3 or times[0] >= ONE_CALL_ENOUGH_S):
                return float(np.median(times))


def interleaved_times(kernels: dict, args: tuple, rounds: int, pause_s: float = PAUSE_S,
                      shuffle: random.Random | None = None) -> dict[str, list[float]]:
    """Seconds per call of each kernel, ``rounds`` round-robin rounds (why: drifts in machine
    load then hit every implementation alike); with ``shuffle``, each round in an order drawn
    from it (why: no kernel always follows the same one). Before each timed call: ``pause_s``
    of sleep, then one untimed call. why the untimed call: after the pause the kernel's own
    threads are asleep (and on a VM so are the idle vCPUs); waking them cost 1–8 ms per call on
    an Ice Lake VM, more than a whole step at n_x = 2, while a training loop runs its steps back
    to back."""
    times: dict[str, list[float]] = {name: [] for name in kernels}
    order = list(kernels)
    with gc_disabled():
        for _ in range(rounds):
            if shuffle is not None:
                shuffle.shuffle(order)
            for name in order:
                kernel = kernels[name]
                time.sleep(pause_s)
                kernel(*args)
                start = time.perf_counter()
                kernel(*args)
                times[name].append(time.perf_counter() - start)
    return times
