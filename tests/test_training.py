"""Training (``optimize``), prediction (``predict``) and the problem generator (``make_problem``)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from _reference import random_parameters, reference_propagate, reference_step

import impls

DTYPES = [np.float64, np.float32]
ITERATIONS, LEARNING_RATE = 200, 0.5
#: after 200 steps: float64 implementations agree to ~1e-13; float32 ones differ by rounding
TRAINING_RTOL = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-4}


@functools.cache
def _training_run(dtype_name: str):
    """A small problem (m = 60, n_x = 5) and the reference's 200-step trajectory on it."""
    X, Y, w, b = impls.make_problem(60, 5, seed=11, dtype=np.dtype(dtype_name))
    return (w, b, X, Y), impls.optimize(reference_propagate, w, b, X, Y, ITERATIONS, LEARNING_RATE)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_training_matches_reference_trajectory(impl, dtype):
    """Same w, b and cost history as gradient descent driven by the fsum reference."""
    (w0, b0, X, Y), (w_ref, b_ref, costs_ref) = _training_run(np.dtype(dtype).name)
    assert costs_ref[-1] < 0.8 * costs_ref[0]  # the reference run really trains
    w, b, costs = impls.optimize(impl.propagate, w0, b0, X, Y, ITERATIONS, LEARNING_RATE)
    rtol = TRAINING_RTOL[np.dtype(dtype)]
    assert w.dtype == X.dtype and w.shape == w0.shape and type(b) is float
    np.testing.assert_allclose(w, w_ref, rtol=rtol, atol=rtol * np.abs(w_ref).max())
    np.testing.assert_allclose(b, b_ref, rtol=rtol, atol=rtol * np.abs(w_ref).max())
    assert len(costs) == ITERATIONS and all(type(cost) is float for cost in costs)
    np.testing.assert_allclose(costs, costs_ref, rtol=rtol)


def test_optimize_with_zero_iterations_returns_a_copy(impl):
    X, Y, _, _ = impls.make_problem(8, 3, seed=2)
    w, b = random_parameters(np.random.default_rng(2), 3, np.float64)
    w_out, b_out, costs = impls.optimize(impl.propagate, w, b, X, Y, 0, 0.1)
    np.testing.assert_array_equal(w_out, w)
    assert b_out == b and costs == [] and not np.shares_memory(w_out, w)


# ---- predict ---------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_predict_is_the_sign_of_the_logit(dtype, order):
    X, _, _, _ = impls.make_problem(500, 7, seed=5, dtype=dtype, order=order)
    w, b = random_parameters(np.random.default_rng(5), 7, dtype)
    labels = impls.predict(w, b, X)
    assert labels.shape == (1, 500) and set(np.unique(labels)) <= {0, 1}
    z = np.array(reference_step(w, b, X, np.zeros((1, 500))).z)
    confident = np.abs(z) > 1e-4  # the sign of z ≈ 0 may differ by rounding
    np.testing.assert_array_equal(labels[0, confident], (z[confident] > 0).astype(labels.dtype))
    assert confident.mean() > 0.99


# ---- make_problem ----------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_make_problem_shapes_dtypes_and_layout(dtype, order):
    X, Y, w, b = impls.make_problem(50, 4, seed=1, dtype=dtype, order=order)
    assert X.shape == (4, 50) and Y.shape == (1, 50) and w.shape == (4, 1)
    assert X.dtype == Y.dtype == w.dtype == np.dtype(dtype)
    assert X.flags.c_contiguous if order == "C" else X.flags.f_contiguous
    assert set(np.unique(Y)) == {0.0, 1.0}
    assert not w.any() and b == 0.0


@pytest.mark.parametrize("order", ["C", "F"])
def test_make_problem_is_seeded(order):
    first, again, other = (impls.make_problem(30, 4, seed=seed, order=order) for seed in (3, 3, 4))
    for array, same in zip(first[:3], again[:3]):
        np.testing.assert_array_equal(array, same)
    assert not np.array_equal(first[0], other[0])
    assert not np.array_equal(first[1], other[1])


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_make_problem_is_learnable(dtype, order):
    """A model trained on 1000 samples labels 1000 fresh ones with accuracy above 0.8."""
    X, Y, w, b = impls.make_problem(2_000, 10, seed=8, dtype=dtype, order=order)
    w, b, _ = impls.optimize(reference_propagate, w, b, X[:, :1_000], Y[:, :1_000], 50, 1.0)
    accuracy = (impls.predict(w, b, X[:, 1_000:]) == Y[:, 1_000:]).mean()
    assert accuracy > 0.8
    assert 0.2 < Y.mean() < 0.8  # both labels are common


def test_optimize_prepares_the_problem_once_and_steps_on_the_prepared_form():
    """What a JAX or PyTorch training loop pays: one move of the data, then only steps."""
    calls = {"prepare": 0, "step": 0}
    kernel = impls.IMPLEMENTATIONS["numpy-vectorized"].kernel

    def run(w, b, X_native, Y_native):
        calls["step"] += 1
        assert X_native.flags.writeable is False  # the prepared form, not the caller's array
        return kernel(w, b, X_native, Y_native)

    def prepare(X, Y):
        calls["prepare"] += 1
        X_native = X.copy()
        X_native.flags.writeable = False
        return impls.Prepared(run, (X_native, Y))

    propagate = impls.model.validated_prepared(prepare)
    X, Y, w, b = impls.make_problem(50, 3, seed=2)
    _, _, costs = impls.optimize(propagate, w, b, X, Y, 7, 0.5)
    assert calls == {"prepare": 1, "step": 7}
    _, _, costs_ref = impls.optimize(impls.IMPLEMENTATIONS["numpy-vectorized"].propagate, w, b, X, Y, 7, 0.5)
    np.testing.assert_allclose(costs, costs_ref, rtol=1e-12)
    assert propagate(w, b, X, Y).cost == pytest.approx(costs_ref[0], rel=1e-12)  # one call: prepare + step
