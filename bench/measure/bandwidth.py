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


#: Sequential streams each thread of :func:`_streamed_sum` reads at once.
STREAMS = 8


# why several streams per thread: a core's read bandwidth is bounded by the cache misses it keeps
# in flight, and the hardware prefetchers run ahead on each stream they follow; on an Intel Xeon
# (2 vCPUs, 800 MB, interleaved) one stream per thread read 9.0 GB/s on one thread and 17.8 on
# two, eight streams 12.5 and 24.1, and the fused kernels' eight-row passes read faster than the
# one-stream sum did. The probe times both forms and keeps the faster (see measure_read_bandwidth).
@numba.njit(parallel=True, fastmath={"reassoc", "contract"}, cache=True)
def _streamed_sum(values, threads):
    """The sum of ``values`` (1-d), each of ``threads`` threads reading its contiguous share as
    STREAMS sequential streams side by side. why ``threads`` an argument: asking Numba for it
    inside made the function uncacheable."""
    share = values.shape[0] // threads
    totals = np.zeros(threads)
    for t in numba.prange(threads):
        low = t * share
        high = values.shape[0] if t == threads - 1 else low + share
        length = (high - low) // STREAMS
        s0, s1, s2, s3 = (values[low:low + length], values[low + length:low + 2 * length],
                          values[low + 2 * length:low + 3 * length], values[low + 3 * length:low + 4 * length])
        s4, s5, s6, s7 = (values[low + 4 * length:low + 5 * length], values[low + 5 * length:low + 6 * length],
                          values[low + 6 * length:low + 7 * length], values[low + 7 * length:low + 8 * length])
        total = 0.0
        for i in range(length):
            total += ((s0[i] + s1[i]) + (s2[i] + s3[i])) + ((s4[i] + s5[i]) + (s6[i] + s7[i]))
        for i in range(low + STREAMS * length, high):
            total += values[i]
        totals[t] = total
    return totals.sum()


#: The sums :func:`read_once` and the probe can use, by the number of streams per thread.
_SUMS = {1: _parallel_sum, STREAMS: lambda values: _streamed_sum(values, numba.get_num_threads())}


def read_once(*arrays: np.ndarray, streams: int = 1) -> float:
    """Read every element of each contiguous array once (Numba's current thread count), as
    ``streams`` (1 or STREAMS) sequential streams per thread; the sum.

    The floor's own operation, timed by ``bench targets`` beside the implementations on the very
    same X and Y (with the stream count the probe found fastest): a step cannot read its data
    faster than this, in the same cache and machine state.
    """
    if streams not in _SUMS:
        raise ValueError(f"streams must be one of {sorted(_SUMS)}; got {streams!r}")
    total = 0.0
    for array in arrays:
        flat = np.ravel(array, order="K")  # why "K": a view, in memory order, for C and F alike
        if not np.shares_memory(flat, array):
            raise ValueError(f"read_once needs contiguous arrays; got one with strides {array.strides}")
        total += _SUMS[streams](flat)
    return total


def _best_seconds(values: np.ndarray, threads: int, repeats: int) -> tuple[float, int]:
    """The best time of ``repeats`` reads of ``values`` on ``threads`` threads, and the streams
    per thread it took; the one-stream and the STREAMS-stream sum alternate (why: the faster
    form is this machine's read, and alternating gives both the same weather)."""
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        best = {streams: float("inf") for streams in _SUMS}
        for _ in range(repeats):
            for streams, read in _SUMS.items():
                start = time.perf_counter()
                read(values)
                best[streams] = min(best[streams], time.perf_counter() - start)
        streams = min(best, key=best.get)
        return best[streams], streams
    finally:
        numba.set_num_threads(previous)


def measure_read_bandwidth(threads: int, *, array_bytes: int | None = None, repeats: int = REPEATS,
                           compute_roof: bool = True) -> dict:
    """Best-of-``repeats`` read bandwidth (GB/s, 1e9 bytes) of a float64 sum, 1 and ``threads`` threads
    (with 1 or STREAMS streams per thread, whichever is faster: ``*_streams``).

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
    for read in _SUMS.values():
        read(values[:1024])  # compile (or load from cache) outside the timed region
    single, single_streams = _best_seconds(values, 1, repeats)
    multi, multi_streams = _best_seconds(values, threads, repeats) if threads > 1 else (single, single_streams)
    array_bytes_read = values.nbytes
    del values  # why: the compute roof's probe then runs with the memory free again
    return {
        "single_thread_GBps": array_bytes_read / single / 1e9,
        "multi_thread_GBps": array_bytes_read / multi / 1e9,
        "multi_threads": threads,
        "array_bytes": int(array_bytes_read),
        "repeats": repeats,
        "sized_by": sized_by,
        #: streams per thread of the faster read (1 or STREAMS), for read_once on 1 and on all threads
        "single_thread_streams": single_streams,
        "multi_thread_streams": multi_streams,
        "method": (f"best of {repeats} Numba sums of a {array_bytes_read // 2**20} MiB float64 array, "
                   f"each thread reading 1 or {STREAMS} sequential streams (the faster kept)"),
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


def read_streams(bandwidth: dict | None, threads: int) -> int:
    """The streams per thread of the probe's faster read on ``threads`` threads (1 for a probe
    written before the streamed read)."""
    if not bandwidth:
        return 1
    return bandwidth.get("multi_thread_streams" if threads > 1 else "single_thread_streams") or 1
