"""Seeded, learnable logistic-regression problems of any size, shared by tests and benchmarks."""

from __future__ import annotations

import numbers

import numpy as np

from impls.model import FLOAT_DTYPES


def _positive_int(name: str, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def check_problem_args(m, n_x, dtype, order: str = "C") -> tuple[int, int, np.dtype]:
    """``(m, n_x, dtype)`` checked: positive integers, float32 or float64; ``ValueError`` otherwise."""
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
    return m, n_x, dtype


def hidden_direction(rng: np.random.Generator, n_x: int) -> np.ndarray:
    """The hidden model's random unit vector ``ŵ`` (n_x,), float64."""
    direction = rng.standard_normal(n_x)
    return direction / np.linalg.norm(direction)


def noisy_labels(X: np.ndarray, direction: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Labels ``(1, m)`` in X's dtype: ``y = 1`` with probability ``σ(3·ŵᵀx + 0.5)`` per sample."""
    logits = 3.0 * (direction.astype(X.dtype) @ X) + 0.5
    noise = rng.logistic(size=X.shape[1])
    return (logits + noise > 0).astype(X.dtype).reshape(1, X.shape[1])


def make_problem(m: int, n_x: int, *, seed: int = 0, dtype=np.float64, order: str = "C"):
    """Build ``(X, Y, w, b)``: ``X`` ``(n_x, m)``, ``Y`` ``(1, m)`` of 0/1, ``w`` zeros ``(n_x, 1)``, ``b = 0.0``.

    Features are standard normal; labels come from a hidden linear model plus logistic noise
    (``y = 1`` with probability ``σ(3·ŵᵀx + 0.5)`` for a random unit ``ŵ``), so the problem is
    learnable but not separable. ``X``, ``Y`` and ``w`` have ``dtype`` (float32 or float64).
    ``order="C"`` stores each feature's row contiguously (NumPy's default for ``(n_x, m)``);
    ``order="F"`` stores each sample's features contiguously; the logical shape is the same.
    """
    m, n_x, dtype = check_problem_args(m, n_x, dtype, order)
    rng = np.random.default_rng(seed)
    # why: draw straight into the final dtype and layout, so a multi-GB X is never copied.
    if order == "C":
        X = rng.standard_normal((n_x, m), dtype=dtype)
    else:
        X = rng.standard_normal((m, n_x), dtype=dtype).T
    Y = noisy_labels(X, hidden_direction(rng, n_x), rng)
    w = np.zeros((n_x, 1), dtype=dtype)
    return X, Y, w, 0.0


def problem_chunk(m: int, direction: np.ndarray, seed, dtype) -> tuple[np.ndarray, np.ndarray]:
    """``m`` more samples of the problem whose hidden model is ``direction``: ``(X (n_x, m)``
    C-ordered, ``Y (1, m))`` drawn from ``seed`` (an int or a ``numpy.random.SeedSequence``).

    The same definition as :func:`make_problem`, one piece at a time, so a large problem can be
    built where it is used (``impls.dask_distributed.make_distributed_problem``: on the workers).
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((direction.shape[0], m), dtype=np.dtype(dtype))
    return X, noisy_labels(X, direction, rng)
