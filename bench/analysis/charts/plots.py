"""One function per chart: ``chart(ctx) -> Figure`` (raises NotDrawn when the data is missing).

The line charts are all "sweeps": a value per (implementation, m, n_x), one size along the x
axis and one panel per value of the other size; :func:`sweep_figure` draws them all the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from bench.analysis import costmodel
from bench.analysis.charts.common import (
    MEASURED_LABEL,
    Context,
    NotDrawn,
    require,
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


def _speedup_interval(ctx: Context, baseline: str):
    def spread(impl: str, m: int, n_x: int):
        ratio = ctx.grid.speedup(impl, baseline, m, n_x)
        return (ratio.low, ratio.high) if ratio is not None and ratio.low is not None else None

    return spread


def speedup_vs_m(ctx: Context, baseline: str) -> Figure:
    """Speedup over ``baseline`` (its time / the implementation's) against m, per n_x."""
    require(ctx, baseline)
    sweep = Sweep(
        title=f"Speedup over {baseline} = t({baseline}) / t(implementation), vs m",
        y_label=f"speedup over {baseline} (log scale)",
        y_format=_ratio_tick,
        value=lambda impl, m, n_x: ctx.grid.speedup(impl, baseline, m, n_x),
        impls=[i for i in ctx.grid.impls if i != baseline],
        x_label="m (samples, log scale)",
        reference=(1.0, f"break-even with {baseline} (1×)"),
        spread=_speedup_interval(ctx, baseline),
        measured_label="measured: median of per-round ratios (bars: 95 % interval)",
    )
    return sweep_figure(ctx, sweep)


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

