"""Training against oracles that share no code with ``impls.optimize``.

``test_training.py`` compares ``optimize`` with an implementation against ``optimize`` with the
reference step: both go through the same update loop (``impls.model._descend``), so a broken
update breaks both sides alike. Here the expected values come from outside that loop:

- one and several steps derived by hand, ``w₁ = w₀ − α·dw``, ``b₁ = b₀ − α·db``, with ``dw``,
  ``db`` and the cost from the independent ``math.fsum`` reference (``tests/_reference.py``);
- a whole run of an independent trainer: scikit-learn's logistic loss gradient
  (``LinearModelLoss(HalfBinomialLoss())``, what ``LogisticRegression`` evaluates) in a plain
  gradient-descent loop written here, in float64.

Shown to fail (2026-12-02), each mutation made alone in ``impls/model.py``'s ``_descend`` (the
line replaced by ``pass``), then ``pytest tests/test_training_oracle.py tests/test_training.py
tests/test_breast_cancer.py`` run with all eleven implementations registered, then reverted:

- the ``w`` update deleted (``w -= learning_rate * ...``): 103 failures, among them all 66 tests
  here that take ``impl`` (both step tests and the trainer test, every implementation and dtype);
- the ``b`` update deleted (``b -= learning_rate * float(db)``): 66 failures, exactly those 66
  tests here; every test of test_training.py and test_breast_cancer.py still passed.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from _reference import random_parameters, reference_step
from sklearn._loss.loss import HalfBinomialLoss
from sklearn.linear_model._linear_loss import LinearModelLoss

import impls

DTYPES = [np.float64, np.float32]
#: why m = 60, n_x = 5, C order: the shape test_training.py trains on, so that the compiled
#: graphs of torch-compile and jax-jit are shared with it rather than compiled again
M, N_X, LEARNING_RATE = 60, 5, 0.5
#: w, b and costs after a few steps: float64 agrees to ~1e-15 (1e-9 leaves room for the 1e-10 bound
#: of each step), float32 to its step's 1e-4 bound
STEP_RTOL = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-4}
TRAINER_ITERATIONS = 200
#: after 200 steps against a float64 trainer: float64 to ~1e-13; float32 rounds w each step
TRAINER_RTOL = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-4}


@functools.cache
def _problem(dtype_name: str):
    """``(X, Y, w0, b0)``: ``X (5, 60)``, ``Y (1, 60)``, random nonzero ``w0 (5, 1)`` and ``b0``,
    all in ``dtype_name`` (b0 exactly representable in it), so that dw and db are far from 0."""
    dtype = np.dtype(dtype_name)
    X, Y, _, _ = impls.make_problem(M, N_X, seed=21, dtype=dtype)
    w0, b0 = random_parameters(np.random.default_rng(21), N_X, dtype)
    return X, Y, w0, b0


def _hand_steps(w, b, X, Y, steps: int, learning_rate: float):
    """``steps`` updates derived by hand from the reference: ``w ← w − α·dw``, ``b ← b − α·db``.

    ``w`` is kept in X's dtype (as ``optimize`` returns it, and as the next step reads it);
    ``b`` is a float. Returns ``(w, b, costs)``, the cost before each update.
    """
    costs = []
    for _ in range(steps):
        ref = reference_step(w, b, X, Y)
        costs.append(ref.cost)
        w = (w.astype(np.float64) - learning_rate * np.array(ref.dw).reshape(w.shape)).astype(X.dtype)
        b = b - learning_rate * ref.db
    return w, b, costs


def _assert_close(got, expected, rtol: float, what: str) -> None:
    w, b, costs = got
    w_expected, b_expected, costs_expected = expected
    atol = rtol * max(1.0, float(np.abs(w_expected).max()), abs(b_expected))
    np.testing.assert_allclose(w, w_expected, rtol=rtol, atol=atol, err_msg=f"w after {what}")
    np.testing.assert_allclose(b, b_expected, rtol=rtol, atol=atol, err_msg=f"b after {what}")
    np.testing.assert_allclose(costs, costs_expected, rtol=rtol, err_msg=f"costs of {what}")


def test_the_hand_derived_steps_move_w_and_b():
    """Guard of the tests below: a step moves every w_j and b by far more than their tolerance,
    so an update left out cannot pass unnoticed."""
    for dtype in DTYPES:
        X, Y, w0, b0 = _problem(np.dtype(dtype).name)
        w1, b1, _ = _hand_steps(w0, b0, X, Y, 1, LEARNING_RATE)
        assert np.abs(w1 - w0).min() > 100 * STEP_RTOL[np.dtype(dtype)] * max(1.0, np.abs(w1).max())
        assert abs(b1 - b0) > 100 * STEP_RTOL[np.dtype(dtype)] * max(1.0, abs(b1))


@pytest.mark.parametrize("steps", [1, 4])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_steps_match_the_hand_derived_update(impl, dtype, steps):
    """``optimize`` for 1 and 4 steps gives ``w₀ − α·Σdw``, ``b₀ − α·Σdb`` and the costs, as
    derived by hand from the reference at each point."""
    X, Y, w0, b0 = _problem(np.dtype(dtype).name)
    got = impls.optimize(impl.propagate, w0, b0, X, Y, steps, LEARNING_RATE)
    assert got[0].dtype == X.dtype and type(got[1]) is float and len(got[2]) == steps
    _assert_close(got, _hand_steps(w0, b0, X, Y, steps, LEARNING_RATE), STEP_RTOL[np.dtype(dtype)], f"{steps} steps")


@functools.cache
def _sklearn_trainer(dtype_name: str):
    """An independent trainer: scikit-learn's mean logistic loss and its gradient with respect
    to ``[w; b]`` (``LinearModelLoss(HalfBinomialLoss(), fit_intercept=True)``, no penalty),
    in float64, in a plain gradient-descent loop of its own. Returns ``(w, b, costs)``."""
    X, Y, w0, b0 = _problem(dtype_name)
    loss = LinearModelLoss(base_loss=HalfBinomialLoss(), fit_intercept=True)
    features, labels = np.ascontiguousarray(X.T, dtype=np.float64), Y[0].astype(np.float64)
    coef = np.append(w0[:, 0].astype(np.float64), b0)  # scikit-learn's layout: [w; b]
    costs = []
    for _ in range(TRAINER_ITERATIONS):
        cost, gradient = loss.loss_gradient(coef, features, labels, l2_reg_strength=0.0)
        costs.append(float(cost))
        coef = coef - LEARNING_RATE * gradient
    return coef[:-1].reshape(-1, 1), float(coef[-1]), costs


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_training_matches_an_independent_trainer(impl, dtype):
    """200 steps of ``optimize`` reach scikit-learn's trainer's ``w``, ``b`` and cost history."""
    X, Y, w0, b0 = _problem(np.dtype(dtype).name)
    w_expected, b_expected, costs_expected = expected = _sklearn_trainer(np.dtype(dtype).name)
    # the trainer itself really trains, and moves b (so a run that leaves b alone cannot match)
    assert costs_expected[-1] < 0.8 * costs_expected[0] and abs(b_expected - b0) > 0.01
    got = impls.optimize(impl.propagate, w0, b0, X, Y, TRAINER_ITERATIONS, LEARNING_RATE)
    _assert_close(got, expected, TRAINER_RTOL[np.dtype(dtype)], f"{TRAINER_ITERATIONS} steps")
