"""``numba-loops``: the ``python-loops`` double loop, compiled by Numba."""

from __future__ import annotations

import numba
import numpy as np

from impls import logistic
from impls.model import validated

DESCRIPTION = "The same double for-loop, compiled to machine code with numba.njit"

# why: cache=True writes the compiled code next to the source, so a second process loads it
# instead of recompiling (compiling costs ~1 s per dtype/layout signature).
_loss_and_dz = numba.njit(cache=True)(logistic.loss_and_dz)


@numba.njit(cache=True)
def _double_loop(w, b, X, Y):
    n_x, m = X.shape
    dw = np.zeros(n_x)  # why: float64 accumulators, so float32 input keeps full accuracy
    db = 0.0
    cost = 0.0
    for i in range(m):
        z = b
        for j in range(n_x):
            z += np.float64(w[j, 0]) * np.float64(X[j, i])
        loss, dz = _loss_and_dz(z, np.float64(Y[0, i]))
        cost += loss
        db += dz
        for j in range(n_x):
            dw[j] += np.float64(X[j, i]) * dz
    return dw / m, db / m, cost / m


propagate = validated(_double_loop)
