"""Seeded, learnable logistic-regression problems of any size, shared by tests and benchmarks."""

from __future__ import annotations

import numbers

import numpy as np

from impls.model import FLOAT_DTYPES


def _positive_int(name: str, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def make_problem(m: int, n_x: int, *, seed: int = 0, dtype=np.float64, order: str = "C"):
    """Build ``(X, Y, w, b)``: ``X`` ``(n_x, m)``, ``Y`` ``(1, m)`` of 0/1, ``w`` zeros ``(n_x, 1)``, ``b = 0.0``.

    Features are standard normal; labels come from a hidden linear model plus logistic noise
    (``y = 1`` with probability ``σ(3·ŵᵀx + 0.5)`` for a random unit ``ŵ``), so the problem is
    learnable but not separable. ``X``, ``Y`` and ``w`` have ``dtype`` (float32 or float64).
    ``order="C"`` stores each feature's row contiguously (NumPy's default for ``(n_x, m)``);
    ``order="F"`` stores each sample's features contiguously; the logical shape is the same.
    """
    m = _positive_int("m", m)
    n_x = _positive_int("n_x", n_x)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype must be float32 or float64; got {dtype!r}") from None
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be float32 or float64; got {dtype}")
    if order not in ("C", "F"):
        raise ValueError(f"order must be 'C' or 'F'; got {order!r}")

    rng = np.random.default_rng(seed)
    # why: draw straight into the final dtype and layout, so a multi-GB X is never copied.
    if order == "C":
        X = rng.standard_normal((n_x, m), dtype=dtype)
    else:
        X = rng.standard_normal((m, n_x), dtype=dtype).T
    direction = rng.standard_normal(n_x)
    direction /= np.linalg.norm(direction)
    logits = 3.0 * (direction.astype(dtype) @ X) + 0.5
    noise = rng.logistic(size=m)
    Y = (logits + noise > 0).astype(dtype).reshape(1, m)
    w = np.zeros((n_x, 1), dtype=dtype)
    return X, Y, w, 0.0
