"""The time budget: predict one call's time at a size from the times measured at smaller sizes.

Per (implementation, dtype, order) we fit ``t = a + b·m·n_x`` (or ``t = a + c·m + b·m·n_x``
once there are ≥ 3 points over ≥ 2 values of n_x), with a, b, c ≥ 0, on relative residuals,
to the medians measured so far in the run (and to probe calls, see bench.runner.plugin). A point whose
prediction exceeds the per-call budget (and that has more than FREE_ELEMENTS) is skipped and
stored with the prediction and its basis.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from bench.analysis.costmodel import nonnegative_lstsq
from bench.results.schema import Point

#: A point this small is always measured, whatever its prediction: even python-loops takes
#: ~10 ms on 10⁴ elements. why: a fit to a few small points that are mostly fixed overhead (a
#: Dask step's 15–25 ms) can turn their noise into a steep slope: a quick run on an Intel Xeon
#: (rocketlake) predicted 73 ms for dask-distributed at m=100, n_x=100 from three points of
#: 14–24 ms, and skipped six of its nine sizes; another run measured all nine at 12–40 ms.
FREE_ELEMENTS = 10_000
#: Probe sizes (elements) used when a large point has no measured basis yet.
PROBE_ELEMENTS = (10_000, 100_000)


@dataclass(frozen=True)
class Prediction:
    seconds: float
    basis: str


@dataclass(frozen=True)
class _Sample:
    m: int
    n_x: int
    seconds: float
    probe: bool


def _fit(samples: list[_Sample]) -> tuple[np.ndarray, str]:
    """Coefficients (a, c, b) of ``a + c·m + b·m·n_x`` and the form's name."""
    m = np.array([s.m for s in samples], dtype=float)
    elements = m * np.array([s.n_x for s in samples], dtype=float)
    t = np.array([s.seconds for s in samples])
    per_sample = len(samples) >= 3 and len({s.n_x for s in samples}) >= 2
    columns = [np.ones_like(m), m, elements] if per_sample else [np.ones_like(m), elements]
    design = np.column_stack(columns) / t[:, None]  # why: relative residuals, (model − t)/t
    coef = nonnegative_lstsq(design, np.ones_like(t))
    if per_sample:
        return coef, "t=a+c·m+b·m·n_x"
    return np.array([coef[0], 0.0, coef[1]]), "t=a+b·m·n_x"


def skipped_by_budget(point: Point, prediction: Prediction | None, budget_s: float) -> bool:
    """True when ``point`` is to be skipped: predicted above ``budget_s`` and larger than FREE_ELEMENTS."""
    return prediction is not None and prediction.seconds > budget_s and point.m * point.n_x > FREE_ELEMENTS


class Predictor:
    """Collects (m, n_x, seconds) per (impl, dtype, order) and predicts other sizes."""

    def __init__(self) -> None:
        self._samples: dict[tuple, list[_Sample]] = defaultdict(list)
        self._fits: dict[tuple, tuple[np.ndarray, str]] = {}  # why: ETA asks for every point

    @staticmethod
    def _series(point: Point) -> tuple:
        return (point.impl, point.dtype, point.order)

    def add(self, point: Point, seconds: float, *, probe: bool = False) -> None:
        """Add a time at ``point``'s size; it replaces an earlier one at the same size (a check's
        estimate or a probe call, superseded by the median timed later)."""
        samples = self._samples[self._series(point)]
        samples[:] = [s for s in samples if (s.m, s.n_x) != (point.m, point.n_x)]
        samples.append(_Sample(point.m, point.n_x, seconds, probe))
        self._fits.pop(self._series(point), None)

    def has_basis(self, point: Point) -> bool:
        return len(self._samples[self._series(point)]) >= 2

    def predict(self, point: Point) -> Prediction | None:
        """Predicted seconds per call at ``point``; None with fewer than two samples."""
        series = self._series(point)
        samples = self._samples[series]
        if len(samples) < 2:
            return None
        if series not in self._fits:
            self._fits[series] = _fit(samples)
        (a, c, b), form = self._fits[series]
        seconds = float(a + c * point.m + b * point.m * point.n_x)
        probes = sum(s.probe for s in samples)
        largest = max(samples, key=lambda s: (s.m * s.n_x, s.m))
        basis = f"fit {form} to {len(samples)} points, the largest m={largest.m}, n_x={largest.n_x}"
        if probes:
            basis += f", {probes} of them probe calls"
        return Prediction(seconds, basis)
