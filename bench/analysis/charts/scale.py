"""The chart of ``vecbench scale``: time per step against m, one panel per n_x, log-log.

Each implementation keeps the colour it has in ``vecbench run``'s charts (its position in the
registry, recorded in the scale file); dotted lines are the fitted models ``a + b·m`` that the
fixed cost and the crossovers come from, drawn over the whole range of m (extrapolated where an
implementation was not measured).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from bench.analysis.charts.common import Context, looks_in_order, save_figure
from bench.analysis.charts.plots import sweep_figure, time_sweep
from bench.analysis.scale import CHART_STEM, ScaleFigures
from bench.results.scale import ScaleResults

TITLE = "Time per step vs m: in one process and on a Dask cluster"
CAPTION = ("Median time per gradient step against m, one panel per n_x (bars: interquartile range); "
           "dotted: each implementation's fitted model a + b·m, extrapolated beyond its measured sizes.")


def scale_chart(scale: ScaleResults, figures: ScaleFigures, out_dir: Path) -> tuple[Path, Path]:
    """Draw ``scale.png`` and ``scale.svg`` into ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    grid = scale.grid
    ctx = Context(scale, grid, looks_in_order(scale.implementations or scale.impls))
    fig = sweep_figure(ctx, dataclasses.replace(time_sweep(ctx, "m"), title=TITLE))
    ms = np.geomspace(min(grid.ms), max(grid.ms), 64)
    for ax, n_x in zip(fig.axes, grid.nxs):  # why: the panels come first, in the order of grid.nxs
        for impl in grid.impls:
            model = figures.models.get((impl, n_x))
            if model is not None:
                ax.plot(ms, [model.predict(m, n_x) for m in ms], ":", color=ctx.looks[impl].colour, lw=1.0)
    png, svg = save_figure(fig, out_dir, CHART_STEM)
    return png, svg
