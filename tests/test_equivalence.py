"""The equivalence harness: every registered implementation against the independent reference.

Each test takes the ``impl`` fixture (conftest.py), so an implementation added to
``impls.IMPLEMENTATIONS`` runs through all of it with no new test code.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from _reference import assert_matches, random_parameters, reference_step

import impls

DTYPES = [np.float64, np.float32]


def _shapes() -> list[tuple[int, int]]:
    """Corner shapes (both ends of m ∈ [1, 10⁴] and n_x ∈ [1, 500]) plus seeded log-uniform ones."""
    corners = [(1, 1), (1, 500), (2, 1), (3, 2), (10_000, 1), (10_000, 500), (4_000, 499), (257, 128)]
    rng = np.random.default_rng(20240611)
    shapes: list[tuple[int, int]] = []
    while len(shapes) < 16:
        m, n_x = (int(round(10 ** rng.uniform(0, math.log10(hi)))) for hi in (10_000, 500))
        # why: python-loops pays interpreter time per element; the corners hold the big shapes
        if m * n_x <= 200_000:
            shapes.append((m, n_x))
    return corners + shapes


SHAPES = _shapes()


@functools.cache
def _problem(m: int, n_x: int, dtype_name: str, order: str):
    """A seeded ``(X, Y, w, b)`` in ``order`` with random nonzero w and b, and its reference step."""
    dtype = np.dtype(dtype_name)
    X, Y, _, _ = impls.make_problem(m, n_x, seed=m * 1_000 + n_x, dtype=dtype, order=order)
    w, b = random_parameters(np.random.default_rng([m, n_x]), n_x, dtype)
    return X, Y, w, b, reference_step(w, b, X, Y)


def _strided_view(X: np.ndarray) -> np.ndarray:
    """``X``'s values as every other column of a wider array whose other columns are NaN."""
    wide = np.full((X.shape[0], 2 * X.shape[1]), np.nan, dtype=X.dtype)
    wide[:, ::2] = X
    return wide[:, ::2]


def _negative_strides_view(X: np.ndarray) -> np.ndarray:
    """``X``'s values as a view with negative strides on both axes."""
    return np.ascontiguousarray(X[::-1, ::-1])[::-1, ::-1]


#: layout name -> (make_problem order of the values, how X is then laid out in memory)
LAYOUTS = {
    "C": ("C", lambda X: X),
    "F": ("F", lambda X: X),
    "strided-view": ("C", _strided_view),
    "negative-strides": ("F", _negative_strides_view),
}


def _layout_holds(X: np.ndarray, layout: str) -> bool:
    """Whether ``X`` really has the memory layout the test claims (guards the test itself)."""
    if layout == "C":
        return X.flags.c_contiguous
    if layout == "F":
        return X.flags.f_contiguous
    # an axis of length 1 has no meaningful stride (NumPy may normalise it)
    if layout == "strided-view":
        return X.shape[1] == 1 or X.strides[1] == 2 * X.itemsize
    return all(stride < 0 for stride, length in zip(X.strides, X.shape) if length > 1)


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize(("m", "n_x"), SHAPES, ids=[f"m={m}-n_x={n_x}" for m, n_x in SHAPES])
def test_matches_reference(impl, m, n_x, dtype, layout):
    order, lay_out = LAYOUTS[layout]
    X, Y, w, b, ref = _problem(m, n_x, np.dtype(dtype).name, order)
    X_laid_out = lay_out(X)
    assert _layout_holds(X_laid_out, layout)
    np.testing.assert_array_equal(X_laid_out, X)
    assert_matches(impl.propagate(w, b, X_laid_out, Y), ref, dtype, impl=impl)


@pytest.mark.parametrize("x_dtype", [*DTYPES, np.int64, np.bool_], ids=lambda d: np.dtype(d).name)
def test_result_types(impl, x_dtype):
    """dw: X's float dtype (float64 for int/bool X), shaped like w; db and cost: Python floats."""
    rng = np.random.default_rng(1)
    X = (rng.standard_normal((3, 5)) * 3).astype(x_dtype)
    w, b = random_parameters(rng, 3, np.float64)
    got = impl.propagate(w, b, X, np.array([[0, 1, 1, 0, 1]]))
    assert isinstance(got, impls.Gradients)
    expected_dtype = np.dtype(x_dtype) if np.dtype(x_dtype).kind == "f" else np.dtype(np.float64)
    assert got.dw.dtype == expected_dtype
    assert got.dw.shape == w.shape
    assert type(got.db) is float and type(got.cost) is float


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_matches_finite_differences(impl, seed):
    """Central differences of the implementation's own float64 cost, w.r.t. each w_j and b."""
    rng = np.random.default_rng(seed)
    X, Y, _, _ = impls.make_problem(9, 4, seed=seed)
    w, b = random_parameters(rng, 4, np.float64)
    got = impl.propagate(w, b, X, Y)
    h = 1e-6

    def cost(w_, b_):
        return impl.propagate(w_, b_, X, Y).cost

    steps = np.eye(4)[:, :, None] * h  # steps[j] changes w_j by h
    fd_dw = [(cost(w + step, b) - cost(w - step, b)) / (2 * h) for step in steps]
    fd_db = (cost(w, b + h) - cost(w, b - h)) / (2 * h)
    np.testing.assert_allclose(got.dw.ravel(), fd_dw, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got.db, fd_db, rtol=1e-6, atol=1e-8)


# ---- extreme logits -------------------------------------------------------------------------

MAGNITUDES = [20.0, 36.9, 40.0, 100.0, 500.0, 709.0, 745.0, 800.0, 1000.0]
#: case -> (sign of z, label): confidently right (σ(z) ≈ y) or confidently wrong
CONFIDENCE = {
    "right-positive": (1.0, 1.0),
    "right-negative": (-1.0, 0.0),
    "wrong-positive": (1.0, 0.0),
    "wrong-negative": (-1.0, 1.0),
}


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", list(CONFIDENCE))
@pytest.mark.parametrize("magnitude", MAGNITUDES, ids=lambda v: f"z={v:g}")
def test_extreme_logit(impl, magnitude, case, dtype):
    """One sample with |z| ≫ 1: finite, and cost, dw, db to full relative precision, no warning.

    Confidently wrong: cost ≈ |z|. Confidently right: cost ≈ e^{−|z|} and dz ≈ ∓e^{−|z|}, which
    a naive ``σ(z) − y`` rounds to 0 (or garbage); the reference keeps it, so must the impl.
    """
    sign, label = CONFIDENCE[case]
    X = np.array([[sign * magnitude]], dtype=dtype)
    w, Y = np.ones((1, 1), dtype=dtype), np.array([[label]], dtype=dtype)
    got = impl.propagate(w, 0.0, X, Y)
    ref = reference_step(w, 0.0, X, Y)
    assert math.isfinite(got.cost) and math.isfinite(got.db) and np.isfinite(got.dw).all()
    stored = abs(float(X[0, 0]))  # |z| as stored in dtype (36.9 is not a float32)
    expected_cost = stored if case.startswith("wrong") else math.exp(-stored)
    assert ref.cost == pytest.approx(expected_cost, rel=1e-8, abs=1e-320)  # the reference itself
    assert_matches(got, ref, dtype, impl=impl)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_extreme_logits_mixed_with_ordinary_samples(impl, dtype):
    """Every extreme case next to ordinary samples in one problem of 3 features."""
    rng = np.random.default_rng(7)
    extremes = [(s * z, y) for z in MAGNITUDES for s, y in CONFIDENCE.values()]
    logits = np.array([z for z, _ in extremes] + list(rng.uniform(-3, 3, 20)))
    labels = np.array([y for _, y in extremes] + list(rng.integers(0, 2, 20)), dtype=dtype)
    # z = x₁ + 0.5·x₂ − 0.25·x₃ ≈ logit, x₂ and x₃ small integers (the reference reads X as stored)
    extra = rng.integers(-4, 5, (2, logits.size)).astype(float)
    X = np.vstack([logits - 0.5 * extra[0] + 0.25 * extra[1], extra]).astype(dtype)
    w = np.array([[1.0], [0.5], [-0.25]], dtype=dtype)
    got = impl.propagate(w, 0.0, X, labels.reshape(1, -1))
    assert_matches(got, reference_step(w, 0.0, X, labels.reshape(1, -1)), dtype, impl=impl)


# ---- float32 at m = 10^6 ---------------------------------------------------------------------

LARGE_M, LARGE_N_X = 1_000_000, 3


@functools.cache  # why: not a module fixture, which pytest rebuilds for each implementation
def _large_float32_problem():
    """``(X, Y, w, b)`` in float32 with m = 10⁶, and the reference from those exact float32 values."""
    X, Y, _, _ = impls.make_problem(LARGE_M, LARGE_N_X, seed=6, dtype=np.float32)
    w, b = random_parameters(np.random.default_rng(6), LARGE_N_X, np.float32)
    return X, Y, w, b, reference_step(w, b, X, Y)


def test_float32_million_samples(impl):
    """Long float32 sums stay within 1e-4 relative (of the summed terms' magnitude), every impl.

    n_x is small so that even python-loops takes only a few seconds here.
    """
    X, Y, w, b, ref = _large_float32_problem()
    assert_matches(impl.propagate(w, b, X, Y), ref, np.float32, impl=impl)


# ---- inputs are never mutated ----------------------------------------------------------------


def _snapshot(*arrays: np.ndarray) -> list[np.ndarray]:
    return [array.copy() for array in arrays]


def _assert_unchanged(arrays, snapshot) -> None:
    for array, before in zip(arrays, snapshot):
        assert array.dtype == before.dtype and array.shape == before.shape
        np.testing.assert_array_equal(array, before)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_propagate_and_optimize_do_not_mutate_inputs(impl, dtype):
    X, Y, _, _ = impls.make_problem(40, 5, seed=3, dtype=dtype, order="F")
    w, b = random_parameters(np.random.default_rng(3), 5, dtype)
    arrays = (w, X, Y)
    before = _snapshot(*arrays)
    impl.propagate(w, b, X, Y)
    _assert_unchanged(arrays, before)
    w_trained, _, _ = impls.optimize(impl.propagate, w, b, X, Y, 3, 0.5)
    _assert_unchanged(arrays, before)
    assert not np.shares_memory(w_trained, w)


def test_predict_does_not_mutate_inputs():
    """``predict`` takes no implementation: one check covers it."""
    X, _, _, _ = impls.make_problem(40, 5, seed=4)
    w, b = random_parameters(np.random.default_rng(4), 5, np.float64)
    arrays = (w, X)
    before = _snapshot(*arrays)
    impls.predict(w, b, X)
    _assert_unchanged(arrays, before)


@pytest.mark.parametrize("layout", ["C", "F"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_prepared_once_steps_many_times_like_propagate(impl, dtype, layout):
    """The path training and the benchmarks use: prepare once, then steps with changing w, b
    each agree with the reference (a step must not keep anything of the previous one's w)."""
    X, Y, w, b, _ = _problem(257, 7, np.dtype(dtype).name, layout)
    w, b, X, Y = impls.validate_inputs(w, b, X, Y)
    run, data = impl.prepare(X, Y)
    rng = np.random.default_rng(3)
    for _ in range(3):
        w_step, b_step = random_parameters(rng, X.shape[0], X.dtype)
        dw, db, cost = run(w_step, b_step, *data)
        got = impls.Gradients(np.asarray(dw, dtype=X.dtype).reshape(w.shape), float(db), float(cost))
        assert_matches(got, reference_step(w_step, b_step, X, Y), dtype, impl=impl)
