"""The roofline chart: achieved GB/s of X and Y against the problem's bytes, under two measured
ceilings: the memory read bandwidth and the compute roof of the per-sample math (its samples per
second times the bytes each sample brings, so one level per n_x)."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from bench.analysis.charts.common import Context, NotDrawn, add_legend, impl_handles, panel_figure
from bench.analysis.charts.plots import Sweep, draw_sweep
from bench.results.reading import Estimate
from bench.results.units import format_bytes


def _bytes_of(ctx: Context):
    by_size = {(p.m, p.n_x): p.bytes for p in ctx.grid.points.values() if p.bytes}
    return lambda m, n_x: by_size.get((m, n_x))


def _achieved(ctx: Context):
    def value(impl: str, m: int, n_x: int) -> Estimate | None:
        point = ctx.grid.point(impl, m, n_x)
        if point is None or not point.bytes:
            return None
        if point.measured:
            return Estimate(point.achieved_GBps or point.bytes / point.median_s / 1e9, False)
        if point.predicted and point.predicted_s:
            return Estimate(point.bytes / point.predicted_s / 1e9, True)
        return None

    return value


#: How far above the memory roof a compute roof is still drawn inside the panel (beyond: written
#: in the panel's title only, so that the measured points are not squashed at the bottom).
COMPUTE_ROOF_SHOWN_UP_TO = 20.0
COMPUTE_ROOF_COLOUR = "firebrick"


def compute_roofs(bandwidth, bytes_per_sample: float) -> list[tuple[float, str, str]]:
    """(GB/s of X and Y, line style, label) of the compute roofs for a step reading
    ``bytes_per_sample`` per sample: the per-sample math's samples/s × those bytes; [] if the run
    did not measure them (older files)."""
    if bandwidth.multi_thread_samples_per_s is None or bandwidth.single_thread_samples_per_s is None:
        return []
    roofs = [(bandwidth.single_thread_samples_per_s * bytes_per_sample / 1e9, "-.",
              "compute roof (per-sample math), 1 thread")]
    if bandwidth.multi_threads != 1:
        threads = f"{bandwidth.multi_threads} threads" if bandwidth.multi_threads else "all threads"
        roofs.insert(0, (bandwidth.multi_thread_samples_per_s * bytes_per_sample / 1e9, "-",
                         f"compute roof (per-sample math), {threads}"))
    return roofs


def _bytes_per_sample(ctx: Context, sizes) -> float | None:
    """Bytes of X and Y per sample in a panel (the same at every m of one n_x and dtype)."""
    bytes_of = _bytes_of(ctx)
    found = [bytes_of(m, n_x) / m for m, n_x in sizes if bytes_of(m, n_x)]
    return found[0] if found else None


def roofline(ctx: Context) -> Figure:
    """Achieved GB/s (bytes of X and Y / time) against problem bytes, the measured bandwidth and
    (when measured) the per-sample math's compute roof at each panel's n_x as the ceilings."""
    bandwidth = ctx.results.bandwidth
    if bandwidth is None:
        raise NotDrawn("the results file has no bandwidth measurement")
    sweep = Sweep(
        title="Achieved throughput = bytes of X and Y / time per step (roofline)",
        y_label="achieved GB/s (log scale)",
        y_format=lambda v: f"{v:g}",
        value=_achieved(ctx),
        impls=ctx.grid.impls,
        x_of=_bytes_of(ctx),
        x_label="bytes of X and Y read once per step (log scale)",
        x_format=format_bytes,
    )
    panels = sweep.panels(ctx)
    fig, axes = panel_figure(len(panels), f"{sweep.title} — {ctx.grid.label}")
    draw_sweep(ctx, sweep, axes, panels)
    ceilings = [(bandwidth.single_thread_GBps, "-.", "measured bandwidth, 1 thread")]
    if bandwidth.multi_threads != 1:
        threads = f"{bandwidth.multi_threads} threads" if bandwidth.multi_threads else "all threads"
        ceilings.insert(0, (bandwidth.multi_thread_GBps, "-", f"measured bandwidth, {threads}"))
    memory_top = max(c[0] for c in ceilings)
    drawn_roofs = []
    for ax, (panel_title, sizes) in zip(axes, panels):
        for level, style, _ in ceilings:
            ax.axhline(level, color="black", ls=style, lw=1.4)
        low, high = ax.get_ylim()
        high = max(high, memory_top * 2.0)  # the memory ceilings always in view
        per_sample = _bytes_per_sample(ctx, sizes)
        roofs = compute_roofs(bandwidth, per_sample) if per_sample else []
        for level, style, label in roofs:
            if level <= memory_top * COMPUTE_ROOF_SHOWN_UP_TO:
                ax.axhline(level, color=COMPUTE_ROOF_COLOUR, ls=style, lw=1.4, gid="compute-roof")
                high = max(high, level * 1.5)
            drawn_roofs.append((style, label))
        if roofs:
            ax.set_title(f"{panel_title}; compute roof {roofs[0][0]:.3g} GB/s", fontsize=10)
        ax.set_ylim(low, high)
    fig.supxlabel(sweep.x_label)
    fig.supylabel(sweep.y_label)
    handles = impl_handles(ctx) + [
        Line2D([], [], color="black", ls=style, lw=1.4, label=f"{label}: {level:.3g} GB/s")
        for level, style, label in ceilings
    ] + [
        Line2D([], [], color=COMPUTE_ROOF_COLOUR, ls=style, lw=1.4, label=f"{label}: GB/s of X and Y at each n_x")
        for style, label in dict.fromkeys(drawn_roofs)
    ]
    add_legend(fig, handles)
    return fig
