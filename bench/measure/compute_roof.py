"""The machine's compute roof: how many samples per second the fused step's per-sample math alone
can do, with ``z`` and ``y`` already in the core's cache (the second roof of the roofline).

A step over ``m`` samples cannot be faster than the read of X and Y (bench.measure.bandwidth)
nor than ``m`` samples of its own per-sample math (loss, ``dz``, sums); the lower roof is the
*attainable* bound. :func:`measure_compute_roof` measures the rate once per run (the
``"compute_roof"`` item of the ``"bandwidth"`` dict); :func:`math_of_samples` is the same work
for ``m`` samples, timed by ``vecbench targets`` and ``ablation`` in the same rounds as the step;
:func:`attainable_fields` turns both roofs into a point's attainable bound.
"""

from __future__ import annotations

import math
import time

import numba
import numpy as np

from impls import _fused_kernel as fused

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
