"""``numba-fused``: one cache-blocked pass over the samples on one thread, X read from memory once."""

from __future__ import annotations

from impls._fused_kernel import fused_step
from impls._fused_plan import make_kernel
from impls.model import validated

DESCRIPTION = (
    "Fused single-thread Numba kernel: cache-blocked, X read from memory once per step, "
    "vectorised polynomial exp/log1p"
)

propagate = validated(make_kernel(fused_step))
