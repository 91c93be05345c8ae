"""The machine's compute roof: how many samples per second the fused step's per-sample math alone
can do, with ``z`` and ``y`` already in the core's cache (the second roof of the roofline).

A step over ``m`` samples cannot be faster than the read of X and Y (bench.measure.bandwidth)
nor than ``m`` samples of its own per-sample math (loss, ``dz``, sums); the lower roof is the
*attainable* bound. :func:`measure_compute_roof` measures the rate once per run (the
``"compute_roof"`` item of the ``"bandwidth"`` dict); :func:`math_of_samples` is the same work
for ``m`` samples, timed by ``vecbench targets`` and ``ablation`` in the same rounds as the step;
:func:`attainable_fields` turns both roofs into a point's attainable bound.
:func:`step_in_cache` is the whole step's arithmetic (logits, math, dw) on a block of X that
stays in cache: what a step would cost if reading X from memory were free (``vecbench
ablation`` times it beside the step, to show whether memory and arithmetic overlap).
"""

from __future__ import annotations

import math
import time

import numba
import numpy as np

from impls import _fused_kernel as fused
from impls import _fused_plan

#: Samples per block: the kernels' largest block (z, y, dz and the lanes, 4 × 16 KiB, in L2).
BLOCK = fused.MAX_BLOCK
#: Samples per thread per timed call of the probe (~ a few ms).
PROBE_SAMPLES = 2**20
REPEATS = 7


def _block(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Labels (0/1) and logits (normal, sd 4) of one block, float64. why these values: the
    per-sample math is branch-free, so its time does not depend on them (none is extreme)."""
    rng = np.random.default_rng(seed)
    return (rng.random(BLOCK) < 0.5).astype(np.float64), rng.normal(0.0, 4.0, BLOCK)


def math_of_samples(m: int, threads: int):
    """A call doing the per-sample math of at least ``m`` samples on ``threads`` threads (whole
    blocks, as many per thread), cache-resident; returns (the call, the samples it does)."""
    y, logits = _block()
    repeats = max(1, math.ceil(m / (BLOCK * threads)))
    fused.per_sample_math(y, logits, 1, threads)  # compiled (or loaded from cache) outside the timing
    return (lambda: fused.per_sample_math(y, logits, repeats, threads)), repeats * BLOCK * threads


def _best_rate(threads: int, repeats: int) -> float:
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        call, samples = math_of_samples(PROBE_SAMPLES * threads, threads)
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            call()
            best = min(best, time.perf_counter() - start)
        return samples / best
    finally:
        numba.set_num_threads(previous)


def measure_compute_roof(threads: int, *, repeats: int = REPEATS) -> dict:
    """Best-of-``repeats`` samples per second of the per-sample math, on 1 and ``threads``
    threads (capped at Numba's pool): the ``"compute_roof"`` dict of the results schema."""
    threads = min(threads, numba.config.NUMBA_NUM_THREADS)
    single = _best_rate(1, repeats)
    multi = _best_rate(threads, repeats) if threads > 1 else single
    return {"single_thread_samples_per_s": single, "multi_thread_samples_per_s": multi,
            "multi_threads": threads, "repeats": repeats,
            "method": f"best of {repeats}: the fused step's per-sample math on {BLOCK}-sample blocks of "
                      "cache-resident z and y (numba-parallel's kernels, X not read)"}


def attainable_fields(read_s: float | None, math_s: float | None, median_s: float | None) -> dict:
    """A point's ``attainable_s`` (the slower of reading X and Y once and doing the per-sample math:
    the lower roof), ``bound_by`` ("memory" or "compute") and the step's ``fraction_of_attainable``
    (None where unknown)."""
    if read_s is None or math_s is None:
        return {"attainable_s": None, "bound_by": None, "fraction_of_attainable": None}
    attainable = max(read_s, math_s)
    fraction = attainable / median_s if median_s else None
    return {"attainable_s": attainable, "bound_by": "memory" if read_s >= math_s else "compute",
            "fraction_of_attainable": fraction}


# why no cache=True here (nor below): Numba's on-disk cache checks only this file's own source,
# not run_blocks' in impls/_fused_kernel.py; after a kernel change a cached copy ran the old
# run_blocks, which took a new walk for another one and timed the wrong arithmetic without an
# error. Compiled per process instead (run_blocks itself still comes from its own cache).
@numba.njit
def _repeat_blocks(w, b, X, y, walk, block, repeats):
    """run_blocks over all of ``y``'s samples ``repeats`` times; returns a checksum."""
    n_blocks = (y.shape[0] + block - 1) // block
    total = 0.0
    for _ in range(repeats):
        dw, db, cost = fused.run_blocks(w, b, X, y, walk, block, 0, n_blocks, fused.WHOLE_STEP)
        total += cost + db + dw[0]
    return total


@numba.njit(parallel=True)
def _repeat_blocks_on_threads(w, b, X, y, walk, block, repeats, threads):
    """_repeat_blocks on each of ``threads`` threads at once (each core reads its own cached X)."""
    totals = np.empty(threads)
    for t in numba.prange(threads):
        totals[t] = _repeat_blocks(w, b, X, y, walk, block, repeats)
    return totals.sum()


def step_in_cache(driver_args: tuple, m: int, threads: int):
    """A call doing the whole step of at least ``m`` samples on ``threads`` threads, with the walk
    and block of ``driver_args`` (``_fused_plan.driver_args``) but on the first block of X only,
    again and again, so that X is read from cache (L2, or L3 for blocks larger than L2); returns
    (the call, the samples it does, the bytes of its X). why one whole block: a smaller X would
    shorten the kernels' loops and spread their per-block work over fewer samples. why a separate
    compiled loop per thread count: one thread needs no parallel region, whose first compilation
    takes half a minute."""
    w, b, X, y, walk, block = driver_args
    count = min(y.shape[0], block)
    # why the walk, not X's shape: a square X (n_x == m) reads the same either way round
    feature_major = walk in _fused_plan.ORDER_WALKS["C"]
    small_X = np.ascontiguousarray(X[:, :count] if feature_major else X[:count])
    small_y = np.ascontiguousarray(y[:count])
    repeats = max(1, math.ceil(m / (count * threads)))
    if threads == 1:
        _repeat_blocks(w, b, small_X, small_y, walk, block, 1)  # compiled or loaded outside the timing
        return (lambda: _repeat_blocks(w, b, small_X, small_y, walk, block, repeats)), repeats * count, small_X.nbytes
    _repeat_blocks_on_threads(w, b, small_X, small_y, walk, block, 1, threads)
    return ((lambda: _repeat_blocks_on_threads(w, b, small_X, small_y, walk, block, repeats, threads)),
            repeats * count * threads, small_X.nbytes)
