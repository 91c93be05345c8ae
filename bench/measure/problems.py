"""Benchmark data: built outside the timed region, shared by every implementation of one size.

Only one problem is held at a time: the points of one (m, n_x, dtype, order) run back to back,
then the arrays are freed before the next size is built.
"""

from __future__ import annotations

import gc
import time
from typing import Callable, NamedTuple

import numpy as np

import impls
from bench.results.schema import REFERENCE, Point
from bench.measure.timing import Step


#: A problem whose arrays reach this many bytes is followed by a full garbage collection when it is
#: freed. why: a peer's prepared copy can sit in a reference cycle, and at large sizes the next
#: size's arrays need that memory; below this a collection (0.1–0.3 s with torch and JAX loaded)
#: costs more than the run's small sizes themselves, and reference counting frees their arrays.
COLLECT_ABOVE_BYTES = 64 * 2**20

# why: the ETA needs a build's cost before the first large build; make_problem + validation
# took 2.5–3e-8 s per element on an Ice Lake VM (the run's own figure replaces it).
PRIOR_SECONDS_PER_ELEMENT = 3e-8


class Problem(NamedTuple):
    args: tuple  # validated (w (n_x, 1), b, X (n_x, m), Y (1, m)), the kernels' arguments
    reference: Step | None  # numpy-vectorized's output on args
    error: str | None  # why the reference could not be computed


def registered_impls() -> tuple[str, ...]:
    """Names of every registered implementation, in registry order (read at call time)."""
    return tuple(impls.IMPLEMENTATIONS)


def check_impls(names) -> tuple[str, ...]:
    """The given implementation names, each checked against the registry (order kept, no repeats)."""
    known = registered_impls()
    for name in names:
        if name not in known:
            raise ValueError(f"unknown implementation {name!r}; registered: {', '.join(known)}")
    return tuple(dict.fromkeys(names))


def kernel_args(m: int, n_x: int, dtype: str, order: str) -> tuple:
    """Validated ``(w, b, X, Y)`` of :func:`impls.make_problem` (validated once, not per call)."""
    X, Y, w, b = impls.make_problem(m, n_x, dtype=np.dtype(dtype), order=order)
    return impls.validate_inputs(w, b, X, Y)


def prepared_call(prepare, args: tuple) -> tuple[float, Callable, tuple]:
    """Prepare a problem once for many steps (see :class:`impls.Prepared`).

    ``args`` are validated ``(w, b, X, Y)``; returns the seconds the preparation took, the step
    and its arguments ``(w, b, *prepared data)``, so that ``step(*arguments)`` is one timed step.
    """
    w, b, X, Y = args
    start = time.perf_counter()
    run, data = prepare(X, Y)
    return time.perf_counter() - start, run, (w, b, *data)


def describe_error(exc: BaseException) -> str:
    return f"raised {type(exc).__name__}: {exc}"


class ProblemCache:
    """The current size's problem and reference output."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._problem: Problem | None = None
        self._build_seconds = 0.0  # of the large builds so far, for the ETA
        self._build_elements = 0

    @property
    def key(self) -> tuple | None:
        return self._key

    def get(self, point: Point) -> Problem:
        if point.data_key != self._key:
            self.clear()
            started = time.perf_counter()
            args = kernel_args(point.m, point.n_x, point.dtype, point.order)
            try:
                reference, error = Step.of(impls.IMPLEMENTATIONS[REFERENCE].kernel(*args)), None
            except Exception as exc:  # reported on every point of this size
                reference, error = None, f"reference {REFERENCE} {describe_error(exc)}"
            self._key, self._problem = point.data_key, Problem(args, reference, error)
            elements = point.m * point.n_x
            if elements >= 10**5:  # why: smaller builds are dominated by fixed costs
                self._build_seconds += time.perf_counter() - started
                self._build_elements += elements
        return self._problem

    @property
    def seconds_per_element(self) -> float:
        """Seconds per element of X to build a problem and its reference (for the ETA)."""
        if not self._build_elements:
            return PRIOR_SECONDS_PER_ELEMENT
        return self._build_seconds / self._build_elements

    def clear(self) -> None:
        """Free the current problem (collecting cycles too when it was large, see COLLECT_ABOVE_BYTES)."""
        held = 0 if self._problem is None else sum(getattr(a, "nbytes", 0) for a in self._problem.args)
        self._key = self._problem = None
        if held >= COLLECT_ABOVE_BYTES:
            gc.collect()  # why: free the previous size's arrays before the next one is allocated
