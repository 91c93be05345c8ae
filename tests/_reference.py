"""An independent, high-precision reference for one logistic-regression step, and the comparison.

Pure Python, written without :mod:`impls.logistic`: every logit is an exactly rounded sum
(``math.fsum``) of the float64 products ``w_j·x_ji`` and ``b``; the per-sample loss and ``dz`` use
their own stable formulas; every mean is an exactly rounded ``math.fsum`` divided by ``m``.
float32 inputs are read as their exact values (``tolist()``), so a float32 reference is the
float64-accurate answer for exactly those float32 numbers (the product of two float32 values is
exact in float64).
"""

from __future__ import annotations

import math
from operator import mul
from typing import NamedTuple

import numpy as np

from impls import Gradients

#: Largest error allowed, relative to the magnitude of the summed terms (see `assert_matches`).
RTOL = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-4}


class ReferenceStep(NamedTuple):
    """The step's exact-as-possible result and the magnitude of the terms each mean sums.

    ``dw``, ``dw_scale``: lists of n_x floats; ``dw_scale[j] = (1/m) Σ_i |x_ji·dz_i|``.
    ``db``, ``db_scale = (1/m) Σ_i |dz_i|``; ``cost`` (a mean of positive terms: its own scale).
    ``x_abs_mean``: n_x floats, ``(1/m) Σ_i |x_ji|`` (bounds what a flushed subnormal dz changes).
    ``z``: the m logits.
    """

    dw: list[float]
    db: float
    cost: float
    dw_scale: list[float]
    db_scale: float
    x_abs_mean: list[float]
    z: list[float]


def sample_loss_and_dz(z: float, y: float) -> tuple[float, float]:
    """``−[y log σ(z) + (1−y) log(1−σ(z))]`` and ``σ(z) − y`` of one sample, without cancellation.

    loss = softplus(z) − y·z with softplus(z) = max(z, 0) + log1p(e^{−|z|}) (for y = 1 and
    z > 0 the two z terms cancel exactly, leaving log1p(e^{−z})); σ(z) and 1 − σ(z) each come
    from e^{−|z|} directly, so σ(z) − 1 = −(1 − σ(z)) keeps full relative precision.
    """
    e = math.exp(-abs(z))
    loss = (max(z, 0.0) - y * z) + math.log1p(e)
    if z >= 0:
        sigma, one_minus_sigma = 1.0 / (1.0 + e), e / (1.0 + e)
    else:
        sigma, one_minus_sigma = e / (1.0 + e), 1.0 / (1.0 + e)
    return loss, (sigma if y == 0 else -one_minus_sigma)


def reference_step(w, b, X, Y) -> ReferenceStep:
    """The reference step for ``w (n_x, 1)``, ``b`` float, ``X (n_x, m)``, ``Y (1, m)`` (any layout)."""
    X = np.asarray(X)
    m = X.shape[1]
    weights = np.asarray(w)[:, 0].tolist()
    bias = float(b)
    z = [math.fsum([*map(mul, weights, sample), bias]) for sample in X.T.tolist()]
    losses, dz = zip(*map(sample_loss_and_dz, z, np.asarray(Y)[0].tolist()))
    dw, dw_scale, x_abs_mean = [], [], []
    for row in X.tolist():
        terms = list(map(mul, row, dz))
        dw.append(math.fsum(terms) / m)
        dw_scale.append(math.fsum(map(abs, terms)) / m)
        x_abs_mean.append(math.fsum(map(abs, row)) / m)
    return ReferenceStep(
        dw=dw,
        db=math.fsum(dz) / m,
        cost=math.fsum(losses) / m,
        dw_scale=dw_scale,
        db_scale=math.fsum(map(abs, dz)) / m,
        x_abs_mean=x_abs_mean,
        z=z,
    )


def reference_propagate(w, b, X, Y) -> Gradients:
    """The reference as a ``propagate`` (``dw`` a float64 ``(n_x, 1)`` array), e.g. for ``optimize``."""
    step = reference_step(w, b, X, Y)
    return Gradients(np.array(step.dw).reshape(-1, 1), step.db, step.cost)


def assert_matches(got: Gradients, ref: ReferenceStep, dtype, impl=None, rtol: float | None = None) -> None:
    """Assert ``got`` equals ``ref`` on dw, db and cost, each to ``rtol`` relative to its terms' size.

    An honest relative error: a mean such as ``db = (1/m) Σ dz_i`` can cancel to ~0, so its error
    is measured against the magnitude of the terms it sums, not against the (tiny) result:

        |got − ref| ≤ rtol · scale + atol

    with ``scale_j = (1/m) Σ_i |x_ji·dz_i|`` for ``dw_j``, ``(1/m) Σ_i |dz_i|`` for ``db`` and the
    cost itself for the cost (all its terms are positive). ``atol = np.finfo(dtype).tiny``: a value
    below the dtype's smallest normal number cannot carry relative precision; for ``dw_j`` it is
    ``tiny · (1 + (1/m) Σ_i |x_ji|)``, since a subnormal ``dz_i`` that a flush-to-zero runtime
    (XLA's, for one) sets to 0 moves ``dw_j`` by at most ``tiny · |x_ji| / m``.
    ``rtol`` defaults to 1e-10 for float64 and 1e-4 for float32; an implementation may declare a
    looser float64 bound (``Implementation.float64_rtol``, with its reason), which is then used.
    NaN anywhere fails.
    """
    dtype = np.dtype(dtype)
    if rtol is None:
        rtol = RTOL[dtype]
        if impl is not None and dtype == np.float64:
            rtol = max(rtol, impl.float64_rtol)
    tiny = float(np.finfo(dtype).tiny)
    for quantity, value, expected, scale, atol in (
        ("dw", np.asarray(got.dw, dtype=np.float64).ravel(), ref.dw, ref.dw_scale,
         tiny * (1 + np.asarray(ref.x_abs_mean))),
        ("db", got.db, ref.db, ref.db_scale, tiny),
        ("cost", got.cost, ref.cost, ref.cost, tiny),
    ):
        error = np.abs(np.asarray(value, dtype=np.float64) - np.asarray(expected))
        bound = rtol * np.asarray(scale) + atol
        np.testing.assert_array_less(
            error, bound, err_msg=f"{quantity}: |got − reference| exceeds {rtol:g}·scale + atol"
        )


def random_parameters(rng: np.random.Generator, n_x: int, dtype) -> tuple[np.ndarray, float]:
    """Random nonzero ``w (n_x, 1)`` of ``dtype`` and ``b`` (exactly representable in ``dtype``).

    Scaled so that ``z = wᵀx + b`` of standard-normal features spreads over roughly ±3: both
    labels and both sides of the sigmoid contribute.
    """
    w = (rng.standard_normal((n_x, 1)) * (1.5 / math.sqrt(n_x))).astype(dtype)
    b = float(np.dtype(dtype).type(rng.uniform(-1.0, 1.0)))
    return w, b
