"""``sklearn-loss``: scikit-learn's own loss-and-gradient route for logistic regression.

``LinearModelLoss(HalfBinomialLoss(), fit_intercept=True).loss_gradient`` is what
``LogisticRegression(solver="lbfgs")`` evaluates at each iteration: the raw prediction by BLAS,
the per-sample loss and gradient by a Cython/OpenMP loop, ``X.T @ g`` by BLAS. Its loss is the
mean over samples, as ours; ``l2_reg_strength=0`` (no penalty).
"""

from __future__ import annotations

import functools

import numpy as np

from impls.model import Prepared, validated_prepared

DESCRIPTION = "scikit-learn's LinearModelLoss(HalfBinomialLoss).loss_gradient: BLAS + Cython/OpenMP"
LIBRARIES = ("sklearn",)
JIT = False
#: why a looser float64 bound: scikit-learn's log1pexp(x) returns x + exp(−x) for 18 < x ≤ 33.3,
#: dropping the −exp(−2x)/2 term, so the loss of a confidently right sample is off by up to
#: exp(−18)/2 ≈ 7.6e-9 relative (measured: 7.2e-9 at z ≈ 18.05). Its gradients are exact.
ACCURACY = {
    "float64_rtol": 1e-8,
    "accuracy_note": "scikit-learn approximates log1p(exp(-x)) by exp(-x) for 18 < x <= 33.3: "
    "cost relative error below 1e-8 (at most exp(-18)/2 = 7.6e-9)",
}
PREPARE_COPIES = 1.0  # a C-order X is copied once into scikit-learn's layout (see prepare)
NOTE = ""


@functools.cache
def _sklearn():
    from sklearn._loss.loss import HalfBinomialLoss
    from sklearn.linear_model._linear_loss import LinearModelLoss
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

    return LinearModelLoss(base_loss=HalfBinomialLoss(), fit_intercept=True), _openmp_effective_n_threads


def usable() -> bool:
    return True


def set_threads(threads: int) -> str:
    return "follows threadpoolctl's BLAS and OpenMP limits (n_threads = OpenMP's effective count)"


def _run(w, b, features, labels):
    """One step on ``features (m, n_x)`` C-contiguous and ``labels (m,)``, as fit() holds them."""
    loss_model, openmp_threads = _sklearn()
    coef = np.append(w[:, 0], np.asarray(b, dtype=features.dtype))  # [w; b], scikit-learn's layout
    cost, gradient = loss_model.loss_gradient(coef, features, labels, n_threads=openmp_threads())
    return gradient[:-1], gradient[-1], cost


def prepare(X, Y) -> Prepared:
    """X (n_x, m) as scikit-learn's (m, n_x) C-contiguous array, Y as a contiguous (m,) vector.

    why a copy for C-order X: ``LogisticRegression.fit`` validates X with ``order="C"``, so its
    solver steps on a C-contiguous (samples, features) array; that is X.T of an F-order X (a
    view, no copy) and a copy of a C-order one, made once per fit, as here.
    """
    return Prepared(_run, (np.ascontiguousarray(X.T), np.ascontiguousarray(Y[0])))


propagate = validated_prepared(prepare)
