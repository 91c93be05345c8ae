"""The speed canary's chart: the machine's speed through one run."""

from __future__ import annotations

from matplotlib.figure import Figure

from bench.analysis.charts.common import Context, NotDrawn
from bench.analysis.paired import UNSTEADY, canary_summary, smoothed


def canary_chart(ctx: Context) -> Figure:
    """The speed canary's readings through the run, relative to the fastest smoothed reading."""
    series = ctx.results.canary
    if not series:
        raise NotDrawn("the results file has no speed canary (written before vecbench recorded one)")
    summary = canary_summary(series)
    times = [t for t, _ in series]
    fig = Figure(figsize=(8.0, 3.4))
    ax = fig.subplots()
    ax.plot(times, [r / summary.fastest_s for _, r in series], linestyle="none", marker=".", markersize=3,
            color="0.6", label="reading")
    ax.plot(times, [r / summary.fastest_s for r in smoothed([r for _, r in series])], color="C0", lw=1.4,
            label="running median of 5")
    ax.axhline(UNSTEADY, color="black", linestyle="--", linewidth=0.8, label=f"unsteady above {UNSTEADY:g}×")
    ax.set_ylim(bottom=0.9)
    ax.set_xlabel("seconds since the run started")
    ax.set_ylabel("canary time / fastest")
    ax.set_title(f"The machine's speed during the run: 1.00× to {summary.range:.2f}× of its fastest", fontsize=10)
    ax.legend(fontsize=7, frameon=False, loc="upper right")
    fig.set_layout_engine("constrained")
    return fig
