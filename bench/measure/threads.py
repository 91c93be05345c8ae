"""One thread count for everything that can use threads: BLAS, Numba, and the peers' runtimes."""

from __future__ import annotations

from contextlib import contextmanager

import numba
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
            yield peers.set_threads(threads)
        finally:
            numba.set_num_threads(previous_numba)
            _cluster.set_embedded_workers(None)
