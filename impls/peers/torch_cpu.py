"""``torch-cpu``: the vectorized step written with PyTorch tensors on the CPU, eager mode.

Prepared once: X and Y are wrapped with ``torch.from_numpy`` (shared memory, no copy, any
positive strides). Each step wraps ``w`` the same way and runs under ``torch.inference_mode``
(no autograd bookkeeping, PyTorch's advice for code that needs no gradients). The same stable
formulation as ``numpy-vectorized``, computed in X's dtype, as a PyTorch user would.
"""

from __future__ import annotations

import functools

import numpy as np

from impls.model import Prepared, validated_prepared

DESCRIPTION = "PyTorch on the CPU, eager: from_numpy views, two matrix-vector products, stable softplus/sigmoid"
LIBRARIES = ("torch",)
JIT = False
ACCURACY: dict = {}  # meets the harness's own bounds
PREPARE_COPIES = 0.0  # from_numpy shares NumPy's memory
NOTE = ""


@functools.cache
def _torch():
    import torch

    return torch


def usable() -> bool:
    return True


def set_threads(threads: int) -> str:
    _torch().set_num_threads(threads)
    return f"torch.set_num_threads({threads})"


def shared(array: np.ndarray):
    """A tensor sharing ``array``'s memory."""
    # why: from_numpy shares memory; it refuses negative strides, the only case that is copied.
    if any(stride < 0 for stride in array.strides):
        array = np.ascontiguousarray(array)
    return _torch().from_numpy(array)


def step_tensors(weights, b, features, labels):
    """One step on tensors: ``weights (n_x,)``, ``b`` (float or 0-d tensor), ``features (n_x, m)``,
    ``labels (m,)``; returns ``dw (n_x,)``, ``db`` and ``cost`` as tensors."""
    import torch  # why: not _torch(): torch.compile traces this function and warns on lru_cache

    m = features.shape[1]
    z = weights @ features + b
    t = 1 - 2 * labels
    s = t * z
    e = torch.exp(-torch.abs(s))
    loss = torch.clamp_min(s, 0) + torch.log1p(e)  # softplus(s), exact for every s
    dz = t * torch.where(s >= 0, 1 / (1 + e), e / (1 + e))  # t·σ(s), no cancellation
    return features @ dz / m, dz.sum() / m, loss.sum() / m


def _run(w, b, features, labels):
    """One step on the prepared tensors; ``w (n_x, 1)`` NumPy, wrapped (not copied) each step."""
    with _torch().inference_mode():
        dw, db, cost = step_tensors(shared(w)[:, 0], b, features, labels)
        return dw.numpy(), float(db), float(cost)


def prepare(X, Y) -> Prepared:
    """``X (n_x, m)`` and ``Y (1, m)`` as tensors sharing NumPy's memory."""
    return Prepared(_run, (shared(X), shared(Y)[0]))


propagate = validated_prepared(prepare)
