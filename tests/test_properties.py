"""Hypothesis property tests of every registered implementation over shapes and values."""

from __future__ import annotations

import math

import numpy as np
from _reference import assert_matches, reference_step
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

#: |values| drawn for X, w and b: float32 gets a smaller range so that z = wᵀx + b, summed in
#: float32 by some implementations, cannot lose more than ~1e-5 of relative precision by cancellation.
VALUE_BOUND = {np.dtype(np.float64): 8.0, np.dtype(np.float32): 2.0}

PROPERTY_SETTINGS = settings(max_examples=30, deadline=None)


@st.composite
def step_inputs(draw, max_m: int = 30, max_n_x: int = 6):
    """``(w, b, X, Y)`` of a random float dtype and shape, finite values, labels 0/1."""
    dtype = np.dtype(draw(st.sampled_from([np.float64, np.float32])))
    m, n_x = draw(st.integers(1, max_m)), draw(st.integers(1, max_n_x))
    bound = VALUE_BOUND[dtype]
    values = st.floats(-bound, bound, width=8 * dtype.itemsize)
    X = draw(arrays(dtype, (n_x, m), elements=values))
    w = draw(arrays(dtype, (n_x, 1), elements=values))
    Y = draw(arrays(dtype, (1, m), elements=st.sampled_from([0.0, 1.0])))
    return w, draw(values), X, Y


def _row_strided_view(X: np.ndarray) -> np.ndarray:
    wide = np.full((2 * X.shape[0], X.shape[1]), np.nan, dtype=X.dtype)
    wide[::2] = X
    return wide[::2]


@PROPERTY_SETTINGS
@given(inputs=step_inputs())
def test_cost_is_finite_nonnegative_and_matches_reference(impl, inputs):
    w, b, X, Y = inputs
    got = impl.propagate(w, b, X, Y)
    assert math.isfinite(got.cost) and got.cost >= 0.0
    assert_matches(got, reference_step(w, b, X, Y), X.dtype, impl=impl)


@PROPERTY_SETTINGS
@given(inputs=step_inputs())
def test_memory_layout_does_not_matter(impl, inputs):
    """C-contiguous, F-contiguous and a strided view of the same values: all equal the reference."""
    w, b, X, Y = inputs
    ref = reference_step(w, b, X, Y)
    for laid_out in (np.ascontiguousarray(X), np.asfortranarray(X), _row_strided_view(X)):
        assert_matches(impl.propagate(w, b, laid_out, Y), ref, X.dtype, impl=impl)


@PROPERTY_SETTINGS
@given(inputs=step_inputs(), data=st.data())
def test_sample_order_does_not_matter(impl, inputs, data):
    w, b, X, Y = inputs
    order = np.array(data.draw(st.permutations(range(X.shape[1]))), dtype=np.intp)
    assert_matches(impl.propagate(w, b, X[:, order], Y[:, order]), reference_step(w, b, X, Y), X.dtype, impl=impl)


@PROPERTY_SETTINGS
@given(inputs=step_inputs())
def test_repeating_every_sample_keeps_the_means(impl, inputs):
    """The step is a mean over samples: the data set twice over gives the same dw, db and cost."""
    w, b, X, Y = inputs
    got = impl.propagate(w, b, np.hstack([X, X]), np.hstack([Y, Y]))
    assert_matches(got, reference_step(w, b, X, Y), X.dtype, impl=impl)
