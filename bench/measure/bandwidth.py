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

from bench.measure.compute_roof import measure_compute_roof
from bench.measure.machine import cache_bytes
from bench.measure.memory import available_bytes

#: The probe's smallest array. why: STREAM's rule is at least 4× the last-level cache, so that
#: no cache can serve the sum; server CPUs now have L3s of hundreds of MiB (480 MiB on the Xeon
#: measured here, over 1 GiB on some AMD parts), so the probe is sized from the machine's own.
MIN_ARRAY_BYTES = 512 * 2**20
CACHE_MULTIPLE = 4
#: Never take more than this share of the memory available now for the probe.
MEMORY_SHARE = 0.5
REPEATS = 7


def probe_bytes(last_level_cache: int | None, available: int) -> tuple[int, str]:
    """Bytes of the probe's array (a multiple of 8), and how they were chosen.

    ``CACHE_MULTIPLE`` × the last-level cache, at least ``MIN_ARRAY_BYTES``; capped at
    ``MEMORY_SHARE`` of ``available`` memory (0: unknown, no cap), and then the note says so.
    """
    wanted = max(MIN_ARRAY_BYTES, CACHE_MULTIPLE * (last_level_cache or 0))
    basis = (f"{CACHE_MULTIPLE}× the {last_level_cache / 2**20:g} MiB last-level cache"
             if last_level_cache and wanted > MIN_ARRAY_BYTES else f"the minimum, {MIN_ARRAY_BYTES // 2**20} MiB")
    cap = int(MEMORY_SHARE * available) // 8 * 8
    if available and wanted > cap:
        return cap, (f"capped at {MEMORY_SHARE:.0%} of the available memory ({cap / 2**20:.0f} MiB) instead of "
                     f"{basis}: a cache that large may serve part of the sum")
    return wanted, basis


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


def measure_read_bandwidth(threads: int, *, array_bytes: int | None = None, repeats: int = REPEATS,
                           compute_roof: bool = True) -> dict:
    """Best-of-``repeats`` read bandwidth (GB/s, 1e9 bytes) of a float64 sum, 1 and ``threads`` threads.

    ``threads`` is capped at Numba's thread pool size; ``array_bytes`` defaults to
    :func:`probe_bytes` of this machine. Returns the schema's ``"bandwidth"`` dict, with the
    second roof (bench.measure.compute_roof) as its ``"compute_roof"`` unless ``compute_roof``
    is false. why in one dict: every command that draws or checks against the memory roof then
    has the compute roof measured in the same run, with no change to how they store it.
    """
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive integer; got {threads!r}")
    threads = min(threads, numba.config.NUMBA_NUM_THREADS)
    sized_by = "given"
    if array_bytes is None:
        caches = cache_bytes()
        array_bytes, sized_by = probe_bytes(max(caches.values()) if caches else None, available_bytes())
    values = np.ones(array_bytes // 8)  # why: written once, so every page is mapped before timing
    _parallel_sum(values[:1024])  # compile (or load from cache) outside the timed region
    single = _best_seconds(values, 1, repeats)
    multi = _best_seconds(values, threads, repeats) if threads > 1 else single
    array_bytes_read = values.nbytes
    del values  # why: the compute roof's probe then runs with the memory free again
    return {
        "single_thread_GBps": array_bytes_read / single / 1e9,
        "multi_thread_GBps": array_bytes_read / multi / 1e9,
        "multi_threads": threads,
        "array_bytes": int(array_bytes_read),
        "repeats": repeats,
        "sized_by": sized_by,
        "method": f"best of {repeats} Numba prange sums of a {array_bytes_read // 2**20} MiB float64 array",
        "compute_roof": measure_compute_roof(threads, repeats=repeats) if compute_roof else None,
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
