"""What ``vecbench scale``'s results say: the fixed cost of a distributed step, and from which m
distributing pays, derived with the report's cost models (:mod:`bench.analysis.costmodel`).

Per implementation and n_x, ``t ≈ a + b·m·n_x`` is fitted to the measured medians (relative
residuals, a, b ≥ 0). ``a`` of ``dask-distributed`` is its fixed cost per step (the scheduler's
round trips); the crossover against an in-process implementation is where the two lines meet.
A crossover beyond the largest m at which both were measured is *extrapolated*; if the
distributed line is never below, it is *never within the model*.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.analysis import costmodel
from bench.results.scale import ScaleResults
from bench.results.units import format_count

DISTRIBUTED = "dask-distributed"
#: the chart's file name without suffix (charts folder)
CHART_STEM = "scale"
#: what distributing is compared with: the fastest multi-threaded kernel, and plain NumPy
IN_PROCESS = ("numba-parallel", "numpy-vectorized")


@dataclass(frozen=True)
class ScaleCrossover:
    """From which m ``dask-distributed``'s model is faster than ``against``'s, at ``n_x``.

    ``kind``: "measured" (m* within the sizes both were measured at), "extrapolated" (beyond
    them), "always", "never" (never within the model), "below" (faster only for m ≤ m*), or
    "unavailable" (a model is missing: fewer than two measured points).
    """

    against: str
    n_x: int
    kind: str
    m: float | None = None
    measured_up_to: int | None = None  # the largest m at which both were measured
    #: the measured medians' own answer: the smallest m at which dask-distributed's median is
    #: below the other's (None: at no m measured by both), and the m measured just before it
    first_faster_m: int | None = None
    slower_before_m: int | None = None

    def measured_text(self) -> str:
        if self.first_faster_m is None:
            return "slower at every m measured by both" if self.measured_up_to else "no m measured by both"
        before = f" (slower at m = {format_count(self.slower_before_m)})" if self.slower_before_m else ""
        return f"first faster at m = {format_count(self.first_faster_m)}{before}"

    def text(self) -> str:
        if self.kind == "unavailable":
            return "not available (fewer than two measured points)"
        if self.kind == "always":
            return "always (at every m of the model)"
        if self.kind == "never":
            return "never within the model"
        if self.kind == "below":
            return f"only for m ≤ {format_count(self.m)}"
        text = f"m ≥ {format_count(self.m)}"
        if self.kind == "extrapolated":
            text += f" (extrapolated: both measured only up to m = {format_count(self.measured_up_to)})"
        return text


@dataclass(frozen=True)
class ScaleFigures:
    """The models (per (impl, n_x)) and crossovers of one scale results file."""

    nxs: tuple[int, ...]
    models: dict[tuple[str, int], costmodel.CostModel | None]
    crossovers: tuple[ScaleCrossover, ...]
    largest_m: dict[int, int]  # n_x → the largest m dask-distributed was measured at

    def fixed_cost_s(self, n_x: int) -> float | None:
        """``a`` of dask-distributed's model at ``n_x``: seconds per step before any data."""
        model = self.models.get((DISTRIBUTED, n_x))
        return None if model is None else model.overhead_s


def _crossover(scale: ScaleResults, figures_models: dict, against: str, n_x: int) -> ScaleCrossover:
    mine, theirs = figures_models.get((DISTRIBUTED, n_x)), figures_models.get((against, n_x))
    if mine is None or theirs is None:
        return ScaleCrossover(against, n_x, "unavailable")
    grid = scale.grid
    both = [m for m in grid.ms if all(grid.point(i, m, n_x) is not None and grid.point(i, m, n_x).measured
                                      for i in (DISTRIBUTED, against))]
    top = max(both) if both else None
    kind, m_star = costmodel.crossover_point(mine, theirs, n_x)
    if kind == "above":
        kind = "measured" if top is not None and m_star <= top else "extrapolated"
    faster = [m for m in both if grid.point(DISTRIBUTED, m, n_x).median_s < grid.point(against, m, n_x).median_s]
    first = min(faster) if faster else None
    before = max((m for m in both if first is not None and m < first), default=None)
    return ScaleCrossover(against, n_x, kind, m_star, top, first, before)


def scale_figures(scale: ScaleResults) -> ScaleFigures:
    grid = scale.grid
    models = {(impl, n_x): costmodel.fit_cost_model(impl, [p for p in grid.measured(impl) if p.n_x == n_x])
              for impl in grid.impls for n_x in grid.nxs}
    crossovers = tuple(_crossover(scale, models, against, n_x)
                       for n_x in grid.nxs for against in IN_PROCESS if against in grid.impls)
    largest = {n_x: max((p.m for p in grid.measured(DISTRIBUTED) if p.n_x == n_x), default=0) for n_x in grid.nxs}
    return ScaleFigures(grid.nxs, models, crossovers, {n: m for n, m in largest.items() if m})
