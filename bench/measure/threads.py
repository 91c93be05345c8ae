"""One thread count for everything that can use threads: BLAS, Numba, and the peers' runtimes."""

from __future__ import annotations

import os
from contextlib import contextmanager

import numba
import psutil
import threadpoolctl

from impls import _cluster, peers


def limit_new_pools(threads: int) -> None:
    """Limit thread pools loaded since the run started (e.g. SciPy's OpenBLAS, which Numba loads
    when it first compiles), leaving them limited."""
    threadpoolctl.threadpool_limits(limits=threads)


@contextmanager
def limited_threads(threads: int):
    """BLAS/OpenMP pools (threadpoolctl), Numba and the installed peers use ``threads`` inside.

    Yields what each peer's runtime was told (JAX can only be limited before it starts).
    why: with the default of 1, single-threaded loops are compared with single-threaded BLAS;
    otherwise a numpy "speedup" would partly be a thread count.
    """
    previous_numba = numba.get_num_threads()
    with threadpoolctl.threadpool_limits(limits=threads):
        numba.set_num_threads(threads)
        # why: the embedded Dask cluster's workers are processes of their own; one single-threaded
        # worker per allowed thread keeps a 1-thread run on one core
        _cluster.set_embedded_workers(threads)
        try:
            told = peers.set_threads(threads)
            with pinned_cpus(threads):
                yield told
        finally:
            numba.set_num_threads(previous_numba)
            _cluster.set_embedded_workers(None)


@contextmanager
def pinned_cpus(threads: int):
    """The calling thread, and every thread or process it starts inside, confined to ``threads``
    CPUs (the one it runs on first) when the machine has more; left alone otherwise.

    why: a pool that ignores its library's thread settings (XLA's Eigen pool, sized by the CPU
    count, split a one-thread jax-jit step over 1.8 cores) then has only the budget's CPUs to run
    on, so a one-thread run is one core by construction, as benchmarking guides advise (pyperf's
    CPU pinning); a pinned step also no longer pays for wake-ups across CPUs.
    """
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    allowed = sorted(os.sched_getaffinity(0))
    if threads >= len(allowed):
        yield
        return
    here = psutil.Process().cpu_num()
    chosen = ([here] if here in allowed else []) + [cpu for cpu in allowed if cpu != here]
    os.sched_setaffinity(0, chosen[:threads])
    try:
        yield
    finally:
        os.sched_setaffinity(0, allowed)
