"""Shared model code: the result type, input validation, training and prediction.

Written once for every implementation. An implementation module holds only a *kernel*: the
arithmetic of one step on inputs this module has already validated. :func:`validated` turns a
kernel into the public ``propagate(w, b, X, Y) -> Gradients``.

Shapes follow the course convention: ``X`` is ``(n_x, m)`` with one column per sample, ``Y`` is
``(1, m)`` of 0/1 labels, ``w`` is ``(n_x, 1)`` and ``b`` is a float.
"""

from __future__ import annotations

import functools
import math
import numbers
from typing import Callable, NamedTuple

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class Gradients(NamedTuple):
    """Result of one step: ``dw`` shaped like ``w`` in X's float dtype; ``db`` and ``cost`` floats."""

    dw: np.ndarray
    db: float
    cost: float


class Prepared(NamedTuple):
    """A problem held in an implementation's own form, ready for many steps.

    ``run(w, b, *data) -> (dw, db, cost)``: one step with ``w`` ``(n_x, 1)`` in X's dtype and
    ``b`` a float, handing back NumPy ``dw`` and float ``db`` and ``cost`` (a step that runs
    asynchronously has finished when it returns). ``data`` is the prepared problem: NumPy's
    ``(X, Y)`` as they are for NumPy and Numba, tensors or device arrays for a peer.
    """

    run: Callable[..., tuple]
    data: tuple


#: ``prepare(X, Y) -> Prepared``: gets validated ``X (n_x, m)`` and ``Y (1, m)`` in X's dtype;
#: paid once per problem (moving the data into a library), never per step.
Prepare = Callable[[np.ndarray, np.ndarray], Prepared]

#: A kernel gets validated ``(w (n_x,1), b float, X (n_x,m), Y (1,m))``, with w and Y already in
#: X's float dtype, and returns ``(dw, db, cost)`` in any array-like / number form.
Kernel = Callable[[np.ndarray, float, np.ndarray, np.ndarray], tuple]


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"


def _as_array(name: str, value) -> np.ndarray:
    """Return ``value`` as an ndarray without copying, refusing non-numeric or complex data."""
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} must be a numeric array; got {type(value).__name__} ({exc})") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must have a real numeric dtype (float32 or float64 preferred); "
            f"got dtype {array.dtype}"
        )
    return array


def _check_finite(name: str, array: np.ndarray) -> None:
    """Raise ``ValueError`` naming the first NaN/inf of ``array`` and its index."""
    # why: one pairwise sum is a single pass with no temporary; a NaN or inf anywhere makes it
    # non-finite. Only when it is non-finite (which a finite array can also cause, by overflow)
    # do we pay for the exact element-wise check.
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(array.sum()):
            return
    bad = np.argwhere(~np.isfinite(array))
    if len(bad):
        index = tuple(int(i) for i in bad[0])
        raise ValueError(
            f"{name} must contain only finite values; got {array[index]} at index {index} "
            f"({len(bad)} non-finite value{'s' if len(bad) > 1 else ''} in all)"
        )


def float_dtype_of(X: np.ndarray) -> np.dtype:
    """The float dtype the step runs in: X's own if float32/float64, float64 for int/bool X."""
    if X.dtype in FLOAT_DTYPES:
        return X.dtype
    if X.dtype.kind in "biu":
        return np.dtype(np.float64)
    raise ValueError(
        f"X must have dtype float32 or float64 (integer and bool are promoted to float64); "
        f"got dtype {X.dtype}"
    )


def validate_inputs(w, b, X, Y) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Check and normalise the inputs of one step; raise ``ValueError`` naming what is wrong.

    Returns ``(w, b, X, Y)`` with ``X`` of dtype float32/float64 (int/bool promoted to float64),
    ``w`` ``(n_x, 1)`` and ``Y`` ``(1, m)`` in X's dtype, ``b`` a Python float. Arrays that need no
    conversion are returned as they are (never copied, never written to).
    """
    X = _as_array("X", X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D with shape (n_x, m); got {X.ndim}-D shape {X.shape}")
    n_x, m = X.shape
    if n_x == 0 or m == 0:
        raise ValueError(f"X must have at least one feature and one sample; got shape {X.shape} (n_x={n_x}, m={m})")
    dtype = float_dtype_of(X)

    w = _as_array("w", w)
    if w.shape != (n_x, 1):
        raise ValueError(f"w must have shape (n_x, 1) = ({n_x}, 1) to match X; got shape {w.shape}")

    Y = _as_array("Y", Y)
    if Y.shape != (1, m):
        raise ValueError(f"Y must have shape (1, m) = (1, {m}) to match X; got shape {Y.shape}")

    if isinstance(b, np.ndarray) and b.size == 1 and b.ndim <= 2:
        b = b.reshape(()).item()
    if isinstance(b, (bool, np.bool_)) or not isinstance(b, numbers.Real):
        raise ValueError(f"b must be a real number; got {_describe(b)}")
    b = float(b)
    if not math.isfinite(b):
        raise ValueError(f"b must be finite; got {b}")

    _check_finite("X", X)
    _check_finite("w", w)
    if not np.isin(Y, (0, 1)).all():
        bad = Y[~np.isin(Y, (0, 1))].ravel()[:3].tolist()
        raise ValueError(f"Y must contain only labels 0 and 1; got values such as {bad}")

    X = X.astype(dtype, copy=False)
    return w.astype(dtype, copy=False), b, X, Y.astype(dtype, copy=False)


def as_is(kernel: Kernel) -> Prepare:
    """The preparation of a kernel that steps on NumPy's own arrays: nothing to do."""

    def prepare(X: np.ndarray, Y: np.ndarray) -> Prepared:
        return Prepared(kernel, (X, Y))

    return prepare


def validated(kernel: Kernel, prepare: Prepare | None = None) -> Callable[..., Gradients]:
    """Wrap a kernel into the public ``propagate(w, b, X, Y) -> Gradients`` with shared checks.

    ``propagate.kernel`` is the raw kernel (validated inputs, one call); ``propagate.prepare``
    its "prepare once, step many" form (:class:`Prepared`), which training and the benchmarks use.
    """

    @functools.wraps(kernel)
    def propagate(w, b, X, Y) -> Gradients:
        w, b, X, Y = validate_inputs(w, b, X, Y)
        dw, db, cost = kernel(w, b, X, Y)
        return Gradients(
            dw=np.asarray(dw, dtype=X.dtype).reshape(w.shape),
            db=float(db),
            cost=float(cost),
        )

    propagate.kernel = kernel
    propagate.prepare = prepare or as_is(kernel)
    return propagate


def prepared_kernel(prepare: Prepare) -> Kernel:
    """The one-call kernel of an implementation that holds its data in a form of its own:
    prepare, then one step (what ``propagate(w, b, X, Y)`` pays on every call)."""

    def kernel(w, b, X, Y):
        run, data = prepare(X, Y)
        return run(w, b, *data)

    kernel.__doc__ = prepare.__doc__
    return kernel


def validated_prepared(prepare: Prepare) -> Callable[..., Gradients]:
    """``propagate`` for an implementation given by its preparation (see :class:`Prepared`)."""
    return validated(functools.wraps(prepare)(prepared_kernel(prepare)), prepare)


def _check_training_args(num_iterations, learning_rate) -> tuple[int, float]:
    if isinstance(num_iterations, (bool, np.bool_)) or not isinstance(num_iterations, numbers.Integral):
        raise ValueError(f"num_iterations must be an integer; got {_describe(num_iterations)}")
    if num_iterations < 0:
        raise ValueError(f"num_iterations must be >= 0; got {num_iterations}")
    if isinstance(learning_rate, (bool, np.bool_)) or not isinstance(learning_rate, numbers.Real):
        raise ValueError(f"learning_rate must be a real number; got {_describe(learning_rate)}")
    if not (math.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate must be finite and > 0; got {learning_rate}")
    return int(num_iterations), float(learning_rate)


def optimize(propagate, w, b, X, Y, num_iterations: int, learning_rate: float):
    """Batch gradient descent with any implementation's ``propagate``, prepared once.

    Returns ``(w, b, costs)``: a new ``(n_x, 1)`` array in X's float dtype, a float, and a list of
    ``num_iterations`` floats, the cost *before* each update. The caller's ``w`` is not modified.
    """
    num_iterations, learning_rate = _check_training_args(num_iterations, learning_rate)
    w, b, X, Y = validate_inputs(w, b, X, Y)
    # why: the inputs are validated once above and the problem is prepared once (moved into
    # the implementation's own form: tensors, device arrays), so each iteration pays only a step,
    # as a training loop written for that library would.
    prepare = getattr(propagate, "prepare", None) or as_is(propagate)
    return _descend(prepare(X, Y), w, b, num_iterations, learning_rate)


def optimize_prepared(prepared: Prepared, w, b, num_iterations: int, learning_rate: float):
    """:func:`optimize` on a problem that exists only in prepared form (a :class:`Prepared`, e.g.
    from ``impls.dask_distributed.make_distributed_problem``: X lives on the workers).

    ``w`` must be a finite ``(n_x, 1)`` float array in the prepared problem's dtype, ``b`` a
    finite real; the caller's ``w`` is not modified.
    """
    num_iterations, learning_rate = _check_training_args(num_iterations, learning_rate)
    w = _as_array("w", w)
    if w.ndim != 2 or w.shape[1] != 1 or w.dtype not in FLOAT_DTYPES:
        raise ValueError(f"w must be a float32 or float64 array of shape (n_x, 1); got {_describe(w)}")
    _check_finite("w", w)
    if isinstance(b, (bool, np.bool_)) or not isinstance(b, numbers.Real) or not math.isfinite(b):
        raise ValueError(f"b must be a finite real number; got {_describe(b)}")
    return _descend(prepared, w, float(b), num_iterations, learning_rate)


def _descend(prepared: Prepared, w, b, num_iterations: int, learning_rate: float):
    run, data = prepared
    w = w.copy()  # why: we update in place below, and the caller's array must stay untouched
    costs: list[float] = []
    for _ in range(num_iterations):
        dw, db, cost = run(w, b, *data)
        w -= learning_rate * np.asarray(dw, dtype=w.dtype).reshape(w.shape)
        b -= learning_rate * float(db)
        costs.append(float(cost))
    return w, b, costs


def predict(w, b, X) -> np.ndarray:
    """Labels ``(1, m)`` of dtype int8: 1 where ``σ(wᵀX + b) > 0.5``, i.e. where ``wᵀX + b > 0``."""
    X = _as_array("X", X)
    if X.ndim != 2 or 0 in X.shape:
        raise ValueError(f"X must be 2-D with shape (n_x, m), n_x, m >= 1; got shape {X.shape}")
    w, b, X, _ = validate_inputs(w, b, X, np.zeros((1, X.shape[1]), dtype=np.int8))
    z = w.T @ X + b
    return (z > 0).astype(np.int8)
