"""One function per chart: ``chart(ctx) -> Figure`` (raises NotDrawn when the data is missing).

The line charts are all "sweeps": a value per (implementation, m, n_x), one size along the x
axis and one panel per value of the other size; :func:`sweep_figure` draws them all the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from bench.analysis import costmodel
from bench.analysis.charts.common import (
    MEASURED_LABEL,
    PREDICTED_LABEL,
    Context,
    NotDrawn,
    add_legend,
    draw_series,
    impl_handles,
    panel_figure,
    set_log_axes,
    tick_formatter,
)
from bench.results.schema import BASELINE, REFERENCE
from bench.results.reading import Estimate
from bench.results.units import (
    format_compact_count,
    format_seconds,
    format_short_ratio,
)

TIME_LABEL = "time per step (median, log scale)"
BREAK_EVEN_GID = "break-even"


def _time_tick(seconds: float) -> str:
    return format_seconds(seconds, digits=2)


def _ratio_tick(ratio: float) -> str:
    return format_short_ratio(ratio)


@dataclass(frozen=True)
class Sweep:
    """A line chart: ``value(impl, m, n_x)`` against one size, one panel per value of the other."""

    title: str
    y_label: str
    y_format: Callable[[float], str]
    value: Callable[[str, int, int], Estimate | None]
    impls: Sequence[str]
    along: str = "m"  # the size on the x axis: "m" or "n_x"
    x_of: Callable[[int, int], float | None] | None = None  # x coordinate; default: the size
    x_label: str | None = None
    x_format: Callable[[float], str] = format_compact_count
    spread: Callable[[str, int, int], tuple[float, float] | None] | None = None
    reference: tuple[float, str] | None = None  # a horizontal line and its legend label
    measured_label: str = MEASURED_LABEL

    def panels(self, ctx: Context) -> list[tuple[str, list[tuple[int, int]]]]:
        """(panel title, sizes along x) per panel."""
        grid = ctx.grid
        if self.along == "m":
            return [(f"n_x = {n_x:,}", [(m, n_x) for m in grid.ms]) for n_x in grid.nxs]
        return [(f"m = {m:,}", [(m, n_x) for n_x in grid.nxs]) for m in grid.ms]

    def x(self, m: int, n_x: int) -> float | None:
        if self.x_of is not None:
            return self.x_of(m, n_x)
        return m if self.along == "m" else n_x


def draw_sweep(ctx: Context, sweep: Sweep, axes, panels) -> None:
    """Draw ``sweep`` on ``axes``, one axis per entry of ``panels``."""
    for ax, (panel_title, sizes) in zip(axes, panels):
        located = sorted((sweep.x(m, n), m, n) for m, n in sizes if sweep.x(m, n) is not None)
        xs = [x for x, _, _ in located]
        for impl in sweep.impls:
            values = [sweep.value(impl, m, n) for _, m, n in located]
            spreads = [sweep.spread(impl, m, n) for _, m, n in located] if sweep.spread else None
            draw_series(ax, ctx, impl, xs, values, spreads)
        if sweep.reference is not None:
            ax.axhline(sweep.reference[0], color="black", lw=1.0, ls=":")
        set_log_axes(ax, sweep.x_format, sweep.y_format)
        if sweep.x_of is None:  # why: every panel spans the whole grid, even where points are missing
            sizes_along = ctx.grid.ms if sweep.along == "m" else ctx.grid.nxs
            ax.set_xlim(min(sizes_along) / 1.5, max(sizes_along) * 1.5)
        ax.set_title(panel_title, fontsize=10)


def sweep_figure(ctx: Context, sweep: Sweep) -> Figure:
    panels = sweep.panels(ctx)
    fig, axes = panel_figure(len(panels), f"{sweep.title} — {ctx.grid.label}")
    draw_sweep(ctx, sweep, axes, panels)
    if not ctx.drawn_impls:
        raise NotDrawn("no measured or predicted values to draw")
    fig.supxlabel(sweep.x_label or sweep.along)
    fig.supylabel(sweep.y_label)
    handles = impl_handles(ctx, sweep.measured_label)
    if sweep.reference is not None:
        handles.append(Line2D([], [], color="black", lw=1.0, ls=":", label=sweep.reference[1]))
    add_legend(fig, handles)
    return fig


# ---------------------------------------------------------------- the charts


def _iqr(ctx: Context):
    def spread(impl: str, m: int, n_x: int):
        point = ctx.grid.point(impl, m, n_x)
        return (point.q1_s, point.q3_s) if point is not None and point.measured else None

    return spread


def time_sweep(ctx: Context, along: str) -> Sweep:
    return Sweep(
        title=f"Time per gradient step vs {along}",
        y_label=TIME_LABEL,
        y_format=_time_tick,
        value=ctx.grid.time,
        impls=ctx.grid.impls,
        along=along,
        x_label=f"{along} ({'samples' if along == 'm' else 'features'}, log scale)",
        spread=_iqr(ctx),
        measured_label="measured median (bars: IQR)",
    )


def time_vs_m(ctx: Context) -> Figure:
    """Median time per step against m, one panel per n_x, IQR error bars."""
    return sweep_figure(ctx, time_sweep(ctx, "m"))


def time_vs_nx(ctx: Context) -> Figure:
    """Median time per step against n_x, one panel per m."""
    return sweep_figure(ctx, time_sweep(ctx, "n_x"))


def _require(ctx: Context, impl: str) -> None:
    if impl not in ctx.grid.impls:
        raise NotDrawn(f"no {impl} points in this results file")


def speedup_vs_m(ctx: Context, baseline: str) -> Figure:
    """Speedup over ``baseline`` (its time / the implementation's) against m, per n_x."""
    _require(ctx, baseline)
    sweep = Sweep(
        title=f"Speedup over {baseline} = t({baseline}) / t(implementation), vs m",
        y_label=f"speedup over {baseline} (log scale)",
        y_format=_ratio_tick,
        value=lambda impl, m, n_x: ctx.grid.speedup(impl, baseline, m, n_x),
        impls=[i for i in ctx.grid.impls if i != baseline],
        x_label="m (samples, log scale)",
        reference=(1.0, f"break-even with {baseline} (1×)"),
    )
    return sweep_figure(ctx, sweep)


# ---------------------------------------------------------------- heatmap


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
    _require(ctx, BASELINE)
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


# ---------------------------------------------------------------- JIT compile time


def compile_payback(ctx: Context) -> Figure:
    """JIT compile time per implementation, and the calls after which it has paid for itself."""
    compiled = costmodel.compile_times(ctx.grid)
    if not compiled:
        raise NotDrawn("no implementation recorded a compile time")
    baseline = costmodel.payback_baseline(ctx.grid)
    if baseline is None:
        raise NotDrawn(f"neither {REFERENCE} nor {BASELINE} is in the results file")
    sweep = Sweep(
        title="",
        y_label="calls to repay the compile time",
        y_format=format_compact_count,
        value=lambda impl, m, n_x: costmodel.payback_calls(ctx.grid, impl, baseline, compiled[impl], m, n_x),
        impls=list(compiled),
    )
    panels = [(f"calls to repay, n_x = {title.split('= ')[1]}", sizes) for title, sizes in sweep.panels(ctx)]
    fig, axes = panel_figure(
        len(panels) + 1,
        f"JIT compile time, and calls after which it pays off vs {baseline} — {ctx.grid.label}",
        sharey=False,
    )
    bars = axes[0].bar(
        range(len(compiled)), list(compiled.values()), color=[ctx.looks[i].colour for i in compiled]
    )
    axes[0].bar_label(bars, labels=[format_seconds(s) for s in compiled.values()], fontsize=8)
    axes[0].set_xticks(range(len(compiled)), list(compiled), rotation=20, ha="right", fontsize=8)
    axes[0].yaxis.set_major_formatter(tick_formatter(_time_tick))
    axes[0].set_ylabel("compile time (first call − median)")
    axes[0].set_title("JIT compile time", fontsize=10)
    axes[0].margins(y=0.15)
    draw_sweep(ctx, sweep, axes[1:], panels)
    _share_limits(axes[1:])
    for ax in axes[1:]:
        ax.set_xlabel("m (samples)")
    axes[1].set_ylabel("calls (only where faster)")
    add_legend(fig, impl_handles(ctx), title=f"calls = compile / (t_{baseline} − t_JIT)")
    return fig


def _share_limits(axes) -> None:
    """Give log-scale panels the same y range (sharey cannot be used next to the bar panel)."""
    limits = [ax.get_ylim() for ax in axes if ax.has_data()]
    if limits:
        low, high = min(lo for lo, _ in limits), max(hi for _, hi in limits)
        for ax in axes:
            ax.set_ylim(low, high)
