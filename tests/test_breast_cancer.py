"""A real data set no one here wrote: scikit-learn's bundled breast-cancer data (569 × 30).

Cost checked against ``sklearn.metrics.log_loss``; training checked by held-out accuracy.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

import impls

ITERATIONS, LEARNING_RATE = 300, 1.0


@functools.cache
def _data():
    """``(X_train, Y_train, X_test, Y_test)``: X ``(30, m)`` standardized by the training split's
    mean and std only, Y ``(1, m)`` float64 (1 = benign); a fixed 75/25 stratified split."""
    features, labels = load_breast_cancer(return_X_y=True)
    train_x, test_x, train_y, test_y = train_test_split(
        features, labels, test_size=0.25, random_state=0, stratify=labels
    )
    mean, std = train_x.mean(axis=0), train_x.std(axis=0)
    X_train, X_test = (((x - mean) / std).T for x in (train_x, test_x))
    Y_train, Y_test = (y.reshape(1, -1).astype(np.float64) for y in (train_y, test_y))
    return X_train, Y_train, X_test, Y_test


def _parameter_point(seed: int, scale: float) -> tuple[np.ndarray, float]:
    if scale == 0.0:
        return np.zeros((30, 1)), 0.0
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, scale, (30, 1)), float(rng.uniform(-1.0, 1.0))


POINTS = {"zero": (0, 0.0), "small": (1, 0.05), "medium": (2, 0.3), "large": (3, 1.0)}


@pytest.mark.parametrize(("seed", "scale"), POINTS.values(), ids=POINTS.keys())
def test_cost_equals_sklearn_log_loss(impl, seed, scale):
    X, Y, _, _ = _data()
    w, b = _parameter_point(seed, scale)
    probability = 1.0 / (1.0 + np.exp(-(w.T @ X + b)[0]))
    # log_loss clips probabilities to [eps, 1 − eps]: the points are chosen so that it never does
    eps = np.finfo(np.float64).eps
    assert ((probability > 1e3 * eps) & (probability < 1 - 1e3 * eps)).all()
    expected = log_loss(Y[0], probability, labels=[0, 1])
    assert impl.propagate(w, b, X, Y).cost == pytest.approx(expected, rel=1e-9)


@functools.cache
def _trained_predictions(name: str) -> np.ndarray:
    X_train, Y_train, X_test, _ = _data()
    propagate = impls.IMPLEMENTATIONS[name].propagate
    w, b, costs = impls.optimize(propagate, np.zeros((30, 1)), 0.0, X_train, Y_train, ITERATIONS, LEARNING_RATE)
    assert costs[-1] < costs[0]
    return impls.predict(w, b, X_test)


def test_trained_model_reaches_the_same_accuracy(impl):
    """Every implementation's trained model labels the held-out quarter identically, ≥ 0.95 right.

    "Identically" is checked against the first registered implementation's predictions.
    """
    _, _, _, Y_test = _data()
    predictions = _trained_predictions(impl.name)
    accuracy = float((predictions == Y_test).mean())
    assert accuracy >= 0.95
    np.testing.assert_array_equal(predictions, _trained_predictions(next(iter(impls.IMPLEMENTATIONS))))
