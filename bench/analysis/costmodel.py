"""Numbers derived from the measured times: cost models, the crossovers they imply, JIT pay-back.

Per implementation and (dtype, order) we fit, to the *measured* medians only,

    t ≈ a + b·m·n_x            ("a + b·m·n_x")
    t ≈ a + c·m + b·m·n_x      ("a + c·m + b·m·n_x", a per-sample term: exp/log, loop overhead)

with a, b, c ≥ 0 (non-negative least squares) on *relative* residuals (each row divided by its
measured time, so a 1 µs point counts as much as a 1 s point). The per-sample form is kept only
where it has the lower AIC, ``n·ln(RSS/n) + 2k`` on those relative residuals. Crossovers are
derived from two models, never measured: they say from which m (at a given n_x) one
implementation's model is faster than another's.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from bench.results.schema import BASELINE, REFERENCE
from bench.results.reading import Estimate, ResultGrid, PointRecord
from bench.results.units import format_count

SIMPLE = "a + b·m·n_x"
PER_SAMPLE = "a + c·m + b·m·n_x"
BAD_FIT = 0.5  # a point whose model time is off by more than 50 % is listed as badly fitted
_RSS_FLOOR = 1e-12  # why: an exact fit has RSS ≈ 0 and ln(0); below this the forms tie on fit


@dataclass(frozen=True)
class CostModel:
    """``t(m, n_x) = overhead_s + per_sample_s·m + per_element_s·m·n_x`` seconds per step."""

    impl: str
    form: str
    overhead_s: float
    per_sample_s: float
    per_element_s: float
    aic: float
    points: tuple[PointRecord, ...]  # the measured points it was fitted to

    def predict(self, m: float, n_x: float) -> float:
        return self.overhead_s + self.per_sample_s * m + self.per_element_s * m * n_x

    def relative_errors(self) -> list[float]:
        """``model / measured − 1`` per fitted point, in the order of ``points``."""
        return [self.predict(p.m, p.n_x) / p.median_s - 1.0 for p in self.points]

    @property
    def median_abs_error(self) -> float:
        return float(np.median(np.abs(self.relative_errors())))

    @property
    def max_abs_error(self) -> float:
        return float(np.max(np.abs(self.relative_errors())))

    @property
    def r2_log(self) -> float:
        """R² of log(model) against log(measured); 1.0 when every point is on the model."""
        measured = np.log([p.median_s for p in self.points])
        model = np.log([max(self.predict(p.m, p.n_x), 1e-300) for p in self.points])
        spread = float(np.sum((measured - measured.mean()) ** 2))
        residual = float(np.sum((measured - model) ** 2))
        return 1.0 - residual / spread if spread > 0 else (1.0 if residual == 0 else 0.0)

    def bad_points(self) -> list[tuple[PointRecord, float]]:
        """Points the model misses by more than ``BAD_FIT`` (relative), with that error."""
        return [(p, e) for p, e in zip(self.points, self.relative_errors()) if abs(e) > BAD_FIT]


def nonnegative_lstsq(A: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Minimise ``‖A x − y‖`` subject to ``x ≥ 0``, for a few columns (``A`` (n, k), k ≤ ~6).

    The optimum's non-zero coefficients are the unconstrained solution on their columns, so
    trying every subset of columns and keeping the best feasible one is exact.
    """
    n_cols = A.shape[1]
    scale = np.linalg.norm(A, axis=0)
    scale[scale == 0] = 1.0
    scaled = A / scale  # why: columns of 1, m and m·n_x differ by 1e9; equalise before solving
    best, best_rss = np.zeros(n_cols), float(np.sum(y**2))
    for size in range(1, n_cols + 1):
        for cols in itertools.combinations(range(n_cols), size):
            coef = np.linalg.lstsq(scaled[:, cols], y, rcond=None)[0]
            if np.any(coef < 0):
                continue
            rss = float(np.sum((scaled[:, cols] @ coef - y) ** 2))
            if rss < best_rss * (1 - 1e-12):
                best, best_rss = np.zeros(n_cols), rss
                best[list(cols)] = coef
    return best / scale


def _fit_form(impl: str, points: list[PointRecord], form: str) -> CostModel:
    m = np.array([p.m for p in points], dtype=float)
    elements = m * np.array([p.n_x for p in points], dtype=float)
    t = np.array([p.median_s for p in points])
    columns = [np.ones_like(m), m, elements] if form == PER_SAMPLE else [np.ones_like(m), elements]
    design = np.column_stack(columns) / t[:, None]  # why: relative residuals, (model − t)/t
    coef = nonnegative_lstsq(design, np.ones_like(t))
    rss = max(float(np.sum((design @ coef - 1.0) ** 2)), _RSS_FLOOR * len(t))
    a, c, b = (coef[0], coef[1], coef[2]) if form == PER_SAMPLE else (coef[0], 0.0, coef[1])
    return CostModel(
        impl=impl,
        form=form,
        overhead_s=float(a),
        per_sample_s=float(c),
        per_element_s=float(b),
        aic=len(t) * math.log(rss / len(t)) + 2 * len(coef),
        points=tuple(points),
    )


def fit_cost_model(impl: str, points: list[PointRecord]) -> CostModel | None:
    """Fit both forms to the measured ``points`` of one implementation; keep the lower AIC.

    None when fewer than two points are measured. The per-sample form is tried only with at
    least four points over at least two values of n_x (otherwise c and b cannot be told apart).
    """
    points = [p for p in points if p.measured]
    if len(points) < 2:
        return None
    simple = _fit_form(impl, points, SIMPLE)
    if len(points) < 4 or len({p.n_x for p in points}) < 2:
        return simple
    richer = _fit_form(impl, points, PER_SAMPLE)
    return richer if richer.aic < simple.aic else simple


def fit_grid(grid: ResultGrid) -> dict[str, CostModel | None]:
    """One model per implementation of the grid (None: too few measured points)."""
    return {impl: fit_cost_model(impl, grid.measured(impl)) for impl in grid.impls}


@dataclass(frozen=True)
class Crossover:
    """Where one model gets faster than another at a fixed n_x, within the grid's m range.

    ``kind``: "above" (faster for m ≥ ``m``), "below" (faster for m ≤ ``m``), "always" or "never"
    (in the range of m measured or predicted).
    """

    kind: str
    m: float | None = None

    def text(self) -> str:
        if self.kind == "always":
            return "always"
        if self.kind == "never":
            return "never in range"
        sign = "≥" if self.kind == "above" else "≤"
        return f"m {sign} {format_count(self.m)}"


def crossover_point(model: CostModel, baseline: CostModel, n_x: int) -> tuple[str, float | None]:
    """Where ``model`` predicts a shorter step than ``baseline`` at this n_x, over all m > 0:
    ``("above", m*)`` (faster for m ≥ m*), ``("below", m*)``, ``("always", None)`` or
    ``("never", None)``.

    ``t_model − t_base = Δa + Δs·m`` is linear in m, so the sign changes at most once, at
    ``m* = −Δa/Δs``.
    """
    delta_a = model.overhead_s - baseline.overhead_s
    delta_s = (model.per_sample_s - baseline.per_sample_s) + (
        model.per_element_s - baseline.per_element_s
    ) * n_x
    if delta_s == 0:
        return ("always" if delta_a < 0 else "never"), None
    m_star = -delta_a / delta_s
    if delta_s < 0:  # faster for m above m*
        return ("always", None) if m_star <= 0 else ("above", m_star)
    return ("never", None) if m_star <= 0 else ("below", m_star)


def crossover(model: CostModel, baseline: CostModel, n_x: int, m_range: tuple[int, int]) -> Crossover:
    """From which m (at this n_x) ``model`` predicts a shorter step than ``baseline``, within
    ``m_range`` (see :func:`crossover_point`)."""
    lo, hi = m_range
    kind, m_star = crossover_point(model, baseline, n_x)
    if kind == "above":
        kind = "always" if m_star <= lo else "never" if m_star >= hi else "above"
    elif kind == "below":
        kind = "always" if m_star >= hi else "never" if m_star <= lo else "below"
    return Crossover(kind, m_star if kind in ("above", "below") else None)


def compile_times(grid: ResultGrid) -> dict[str, float]:
    """Per JIT implementation, the largest recorded compile time (the call that compiled)."""
    times: dict[str, float] = {}
    for point in grid.points.values():
        if point.compile_s is not None:
            times[point.impl] = max(times.get(point.impl, 0.0), point.compile_s)
    return {impl: times[impl] for impl in grid.impls if impl in times}


def payback_baseline(grid: ResultGrid) -> str | None:
    """What compiling is compared with: numpy-vectorized (the usual alternative) if present."""
    return next((name for name in (REFERENCE, BASELINE) if name in grid.impls), None)


def payback_calls(
    grid: ResultGrid, impl: str, baseline: str, compile_s: float, m: int, n_x: int
) -> Estimate | None:
    """``compile_s / (t_baseline − t_impl)``: calls until compiling has paid for itself.

    None where the implementation is not faster than the baseline (it never pays back)."""
    mine, base = grid.time(impl, m, n_x), grid.time(baseline, m, n_x)
    if mine is None or base is None or mine.value >= base.value:
        return None
    return Estimate(compile_s / (base.value - mine.value), mine.predicted or base.predicted)
