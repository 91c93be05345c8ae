"""``torch-cpu``: the vectorized step written with PyTorch tensors on the CPU.

X, Y and w are wrapped with ``torch.from_numpy`` (shared memory, no copy, any positive strides).
The same stable formulation as ``numpy-vectorized``; computed in X's dtype, as a PyTorch user would.
"""

from __future__ import annotations

import functools

import numpy as np

from impls.model import validated

DESCRIPTION = "PyTorch on the CPU: from_numpy views, two matrix-vector products, stable softplus/sigmoid"
LIBRARIES = ("torch",)
JIT = False
ACCURACY: dict = {}  # meets the harness's own bounds


@functools.cache
def _torch():
    import torch

    return torch


def set_threads(threads: int) -> str:
    _torch().set_num_threads(threads)
    return f"torch.set_num_threads({threads})"


def _shared(array: np.ndarray):
    torch = _torch()
    # why: from_numpy shares memory; it refuses negative strides, the only case that is copied.
    if any(stride < 0 for stride in array.strides):
        array = np.ascontiguousarray(array)
    return torch.from_numpy(array)


@validated
def propagate(w, b, X, Y):
    """One step on ``X (n_x, m)``, ``Y (1, m)``, ``w (n_x, 1)``, in X's dtype."""
    torch = _torch()
    features, labels, weights = _shared(X), _shared(Y)[0], _shared(w)[:, 0]
    m = X.shape[1]
    with torch.no_grad():
        z = weights @ features + b
        t = 1 - 2 * labels
        s = t * z
        e = torch.exp(-torch.abs(s))
        loss = torch.clamp_min(s, 0) + torch.log1p(e)  # softplus(s), exact for every s
        dz = t * torch.where(s >= 0, 1 / (1 + e), e / (1 + e))  # t·σ(s), no cancellation
        return (features @ dz / m).numpy(), float(dz.sum()) / m, float(loss.sum()) / m
