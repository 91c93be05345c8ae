"""The speedup heatmap: each implementation's speedup over python-loops on the (m, n_x) grid."""

from __future__ import annotations


import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from bench.analysis.charts.common import (
    PREDICTED_LABEL,
    Context,
    NotDrawn,
    require,
    add_legend,
    panel_figure,
)
from bench.results.schema import BASELINE
from bench.results.units import (
    format_compact_count,
    format_short_ratio,
)

TIME_LABEL = "time per step (median, log scale)"
BREAK_EVEN_GID = "break-even"


def _speedup_matrix(ctx: Context, impl: str) -> tuple[np.ndarray, np.ndarray]:
    """log10 speedup over python-loops, (n_x, m) indexed; and which cells involve a prediction."""
    grid = ctx.grid
    logs = np.full((len(grid.nxs), len(grid.ms)), np.nan)
    predicted = np.zeros(logs.shape, dtype=bool)
    for row, n_x in enumerate(grid.nxs):
        for col, m in enumerate(grid.ms):
            ratio = grid.speedup(impl, BASELINE, m, n_x)
            if ratio is not None:
                logs[row, col], predicted[row, col] = np.log10(ratio.value), ratio.predicted
    return logs, predicted


def break_even_edges(logs: np.ndarray) -> list[list[tuple[float, float]]]:
    """The break-even contour of a grid of log10 speedups: the cell edges between a cell slower
    than the baseline (< 0) and a neighbour at least as fast (>= 0), in imshow's index coordinates.

    why: on a coarse grid an interpolated contour can shrink inside one cell and hide under its
    label; the edge between slower and faster cells is always visible and exact for the grid.
    """
    edges = []
    rows, cols = logs.shape
    for row in range(rows):
        for col in range(cols):
            for d_row, d_col in ((0, 1), (1, 0)):
                r, c = row + d_row, col + d_col
                if r >= rows or c >= cols or np.isnan(logs[row, col]) or np.isnan(logs[r, c]):
                    continue
                if (logs[row, col] < 0) != (logs[r, c] < 0):
                    if d_col:  # neighbours left/right: a vertical edge between them
                        edges.append([(col + 0.5, row - 0.5), (col + 0.5, row + 0.5)])
                    else:
                        edges.append([(col - 0.5, row + 0.5), (col + 0.5, row + 0.5)])
    return edges


def _heat_panel(ax, ctx: Context, impl: str, logs: np.ndarray, predicted: np.ndarray, norm) -> None:
    grid = ctx.grid
    image = ax.imshow(np.ma.masked_invalid(logs), origin="lower", aspect="auto", cmap="RdBu", norm=norm)
    ax.set_facecolor("#d9d9d9")  # why: cells without a value (failed / absent) show grey
    for (row, col), value in np.ndenumerate(logs):
        if np.isnan(value):
            ax.text(col, row, "n/a", ha="center", va="center", fontsize=8, color="0.3")
            continue
        shade = abs(norm(value) - 0.5)
        label = ("≈" if predicted[row, col] else "") + format_short_ratio(10**value)
        ax.text(
            col, row, label, ha="center", va="center", fontsize=8, color="white" if shade > 0.3 else "black"
        )
        if predicted[row, col]:
            ax.add_patch(
                Rectangle(
                    (col - 0.5, row - 0.5),
                    1,
                    1,
                    fill=False,
                    hatch="//",
                    edgecolor="0.55",
                    lw=0,
                    hatch_linewidth=0.6,
                )
            )
    edges = break_even_edges(logs)
    if edges:
        ax.add_collection(LineCollection(edges, colors="black", linewidths=2.6, gid=BREAK_EVEN_GID))
    ax.set_xticks(range(len(grid.ms)), [format_compact_count(m) for m in grid.ms])
    ax.set_yticks(range(len(grid.nxs)), [format_compact_count(n) for n in grid.nxs])
    finite = logs[np.isfinite(logs)]
    everywhere = (
        "\n(faster at every size)"
        if finite.min() >= 0
        else "\n(slower at every size)"
        if finite.max() < 0
        else ""
    )
    ax.set_title(impl + everywhere, fontsize=10, color=ctx.looks[impl].colour, fontweight="bold")
    return image


def speedup_heatmap(ctx: Context) -> Figure:
    """Per implementation, its speedup over python-loops on the (m, n_x) grid, break-even contour."""
    require(ctx, BASELINE)
    impls = [i for i in ctx.grid.impls if i != BASELINE]
    matrices = {impl: _speedup_matrix(ctx, impl) for impl in impls}
    matrices = {impl: mats for impl, mats in matrices.items() if np.isfinite(mats[0]).any()}
    if not matrices:
        raise NotDrawn(f"no size where both {BASELINE} and another implementation have a time")
    every = np.concatenate([logs[np.isfinite(logs)] for logs, _ in matrices.values()])
    norm = TwoSlopeNorm(vcenter=0.0, vmin=min(every.min(), -0.5), vmax=max(every.max(), 0.5))
    fig, axes = panel_figure(
        len(matrices), f"Speedup over {BASELINE} on the (m, n_x) grid — {ctx.grid.label}"
    )
    for ax, (impl, (logs, predicted)) in zip(axes, matrices.items()):
        image = _heat_panel(ax, ctx, impl, logs, predicted, norm)
    colourbar = fig.colorbar(image, ax=axes, shrink=0.6, label=f"speedup over {BASELINE}")
    ticks = np.arange(np.ceil(norm.vmin), np.floor(norm.vmax) + 1)  # decades inside the scale
    colourbar.ax.set_yscale("linear")  # why: spacing proportional to log10(speedup), not half/half
    colourbar.set_ticks(ticks, labels=[format_short_ratio(10**t) for t in ticks])
    fig.supxlabel("m (samples)")
    fig.supylabel("n_x (features)")
    add_legend(
        fig,
        [
            Line2D(
                [],
                [],
                color="black",
                lw=2.6,
                label="break-even (1×): edge between cells\nslower (red) and faster (blue)",
            ),
            Patch(facecolor="white", edgecolor="0.55", hatch="//", label=f"≈, hatched: {PREDICTED_LABEL}"),
            Patch(facecolor="#d9d9d9", label="n/a: failed or not run"),
        ],
    )
    return fig


