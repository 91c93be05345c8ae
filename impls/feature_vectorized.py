"""``feature-vectorized``: one Python loop over the samples, ``np.dot`` over the features."""

from __future__ import annotations

import numpy as np

from impls.logistic import loss_and_dz
from impls.model import validated

DESCRIPTION = "Python loop over samples, NumPy dot product over the features of each sample"


@validated
def propagate(w, b, X, Y):
    """One step on ``X (n_x, m)``, ``Y (1, m)``, ``w (n_x, 1)``; dw accumulated in float64."""
    n_x, m = X.shape
    weights = w[:, 0]
    labels = Y[0].tolist()
    dw = np.zeros(n_x, dtype=np.float64)  # why: float64 accumulator keeps float32 sums accurate
    db = 0.0
    cost = 0.0
    for i, y in enumerate(labels):
        x = X[:, i]
        z = float(np.dot(weights, x)) + b
        loss, dz = loss_and_dz(z, y)
        cost += loss
        db += dz
        dw += x * dz
    return dw / m, db / m, cost / m
