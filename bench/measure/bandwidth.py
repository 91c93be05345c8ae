"""The machine's memory read bandwidth, and each point's distance from the floor it sets.

A step has to read X and Y from memory at least once, so ``bytes / bandwidth`` is a floor no
implementation can beat on problems larger than the caches. :func:`measure_read_bandwidth`
measures that bandwidth once per run (the ``"bandwidth"`` dict of the results schema);
:func:`floor_fields` turns it into a point's ``bytes``, ``floor_s``, ``fraction_of_floor`` and
``achieved_GBps``.
"""

from __future__ import annotations

import time

import numba
import numpy as np

#: 512 MiB of float64: ≥ 10× the L3 of the machines measured (48 MiB Ice Lake, 32 MiB Zen 4), so the sum streams from DRAM.
ARRAY_BYTES = 512 * 2**20
REPEATS = 7


# why: a Numba loop with reassociation allowed vectorises into several independent accumulators
# (AVX), so the sum is limited by memory, not by the add latency; prange splits it over threads.
# cache=True: compiled once per machine, not once per run.
@numba.njit(parallel=True, fastmath={"reassoc", "contract"}, cache=True)
def _parallel_sum(values):
    total = 0.0
    for i in numba.prange(values.shape[0]):
        total += values[i]
    return total


def read_once(*arrays: np.ndarray) -> float:
    """Read every element of each contiguous array once (Numba's current thread count); the sum.

    The floor's own operation, timed by ``bench targets`` beside the implementations on the very
    same X and Y: a step cannot read its data faster than this, in the same cache and machine
    state.
    """
    total = 0.0
    for array in arrays:
        flat = np.ravel(array, order="K")  # why "K": a view, in memory order, for C and F alike
        if not np.shares_memory(flat, array):
            raise ValueError(f"read_once needs contiguous arrays; got one with strides {array.strides}")
        total += _parallel_sum(flat)
    return total


def _best_seconds(values: np.ndarray, threads: int, repeats: int) -> float:
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            _parallel_sum(values)
            best = min(best, time.perf_counter() - start)
        return best
    finally:
        numba.set_num_threads(previous)


def measure_read_bandwidth(threads: int, *, array_bytes: int = ARRAY_BYTES, repeats: int = REPEATS) -> dict:
    """Best-of-``repeats`` read bandwidth (GB/s, 1e9 bytes) of a float64 sum, 1 and ``threads`` threads.

    ``threads`` is capped at Numba's thread pool size. Returns the schema's ``"bandwidth"`` dict.
    """
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive integer; got {threads!r}")
    threads = min(threads, numba.config.NUMBA_NUM_THREADS)
    values = np.ones(array_bytes // 8)  # why: written once, so every page is mapped before timing
    _parallel_sum(values[:1024])  # compile (or load from cache) outside the timed region
    single = _best_seconds(values, 1, repeats)
    multi = _best_seconds(values, threads, repeats) if threads > 1 else single
    return {
        "single_thread_GBps": values.nbytes / single / 1e9,
        "multi_thread_GBps": values.nbytes / multi / 1e9,
        "multi_threads": threads,
        "array_bytes": int(values.nbytes),
        "repeats": repeats,
        "method": f"best of {repeats} Numba prange sums of a {values.nbytes // 2**20} MiB float64 array",
    }


def floor_fields(nbytes: int, median_s: float | None, bandwidth: dict | None, threads: int) -> dict:
    """A point's ``bytes``, ``floor_s``, ``fraction_of_floor`` and ``achieved_GBps`` (None if unknown).

    The floor uses the multi-thread bandwidth when the point ran on more than one thread.
    """
    floor_s = None
    if bandwidth:
        gbps = bandwidth["multi_thread_GBps"] if threads > 1 else bandwidth["single_thread_GBps"]
        floor_s = nbytes / (gbps * 1e9)
    measured = median_s is not None and median_s > 0
    return {
        "bytes": int(nbytes),
        "floor_s": floor_s,
        "fraction_of_floor": floor_s / median_s if measured and floor_s is not None else None,
        "achieved_GBps": nbytes / median_s / 1e9 if measured else None,
    }
