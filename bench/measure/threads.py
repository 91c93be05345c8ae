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
    """Every thread of this process, and every thread or process started inside, confined to
    ``threads`` CPUs (the one the caller runs on first) when the machine has more; left alone
    otherwise. Each thread gets its own CPUs back afterwards.

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
    # why every thread, not only the caller: Linux sets the affinity of one thread, and a pool an
    # earlier run of this process left (torch's, OpenMP's, XLA's: `vecbench noise` runs two, a
    # notebook may run many) would stay free on the other CPUs
    before = {tid: _affinity(tid) for tid in _thread_ids()}
    _set_affinity(list(before), chosen[:threads])
    try:
        yield
    finally:
        for tid in _thread_ids():  # threads started inside get the CPUs the process had
            _set_affinity([tid], before.get(tid) or allowed)


def _thread_ids() -> list[int]:
    return [int(tid) for tid in os.listdir("/proc/self/task")]


def _affinity(tid: int) -> set[int] | None:
    try:
        return os.sched_getaffinity(tid)
    except OSError:  # why: a thread may end between the listing and the call
        return None


def _set_affinity(tids, cpus) -> None:
    for tid in tids:
        try:
            os.sched_setaffinity(tid, cpus)
        except OSError:  # as in _affinity
            continue
