"""``numba-parallel``: the fused cache-blocked step split over Numba's threads."""

from __future__ import annotations

import numba

from impls._fused_kernel import parallel_step
from impls._fused_plan import make_kernel
from impls.model import validated

DESCRIPTION = (
    "Fused Numba kernel over Numba's threads: prange over ranges of cache blocks, "
    "per-thread partial sums reduced at the end"
)

# why: the thread count is read in Python on each call; reading it inside compiled code would
# stop Numba from caching the function on disk.
propagate = validated(make_kernel(parallel_step, threads=numba.get_num_threads))
