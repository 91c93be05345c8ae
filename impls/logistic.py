"""The per-sample logistic math, written once in a numerically stable form.

For a logit ``z`` and label ``y`` let ``t = 1 − 2y`` (+1 for label 0, −1 for label 1) and the
signed margin ``s = t·z`` (positive on the wrong side). Then, exactly,

    loss = −[y log σ(z) + (1−y) log(1−σ(z))] = softplus(s) = max(s, 0) + log1p(exp(−|s|))
    dz   = σ(z) − y                            = t·σ(s)

why: the course's ``log(a)`` / ``log(1 − a)`` overflow or return −inf once |z| passes ~37
(a rounds to 0 or 1), and ``a − y`` cancels catastrophically for confident right answers
(``dz ≈ −e^{−z}`` becomes 0 at z ≈ 37). Written from ``s``, both stay finite and accurate to a
few ulps for every finite z; ``exp`` only ever sees a non-positive argument, so it never overflows.
"""

from __future__ import annotations

import math

import numpy as np


def loss_and_dz(z: float, y: float) -> tuple[float, float]:
    """Loss and ``dz = σ(z) − y`` of one sample (Python floats; also compiled by Numba)."""
    t = 1.0 - 2.0 * y
    s = t * z
    e = math.exp(-abs(s))
    loss = max(s, 0.0) + math.log1p(e)
    sigma_s = 1.0 / (1.0 + e) if s >= 0.0 else e / (1.0 + e)
    return loss, t * sigma_s


def loss_and_dz_arrays(z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Element-wise :func:`loss_and_dz` for arrays ``z`` and ``y`` of one shape and float dtype."""
    t = 1 - 2 * y
    s = t * z
    e = np.exp(-np.abs(s))
    loss = np.maximum(s, 0) + np.log1p(e)
    one_plus_e = 1 + e
    sigma_s = np.where(s >= 0, 1 / one_plus_e, e / one_plus_e)
    return loss, t * sigma_s
