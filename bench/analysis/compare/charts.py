"""The comparison's charts, in the report's colours: B/A per point, and speedups per machine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from bench.analysis.charts.common import PALETTE, looks, save_figure, set_log_axes
from bench.analysis.compare.verdicts import SAME, Change
from bench.results.reading import Results
from bench.results.units import format_compact_count, format_short_ratio


def ratio_chart(changes: list[Change], a: Results, b: Results, out_dir: Path) -> list[Path]:
    """B's time over A's at every shared point against m·n_x; filled markers differ beyond noise."""
    fig = Figure(figsize=(8.4, 4.6))
    ax = fig.subplots()
    assigned = looks(b) | looks(a)
    handles = []
    for impl in dict.fromkeys(change.key[0] for change in changes):
        look = assigned[impl]
        mine = [c for c in changes if c.key[0] == impl]
        for change in mine:
            filled = change.verdict != SAME
            x = change.a.m * change.a.n_x
            ax.plot([x, x], [change.low, change.high], color=look.colour, linewidth=0.8, alpha=0.5)
            ax.plot(x, change.ratio, linestyle="none", marker=look.marker, color=look.colour,
                    markerfacecolor=look.colour if filled else "none", markersize=6)
        handles.append(Line2D([], [], linestyle="none", marker=look.marker, color=look.colour, label=impl))
    ax.axhline(1.0, color="black", linestyle=":", linewidth=1)
    set_log_axes(ax, format_compact_count, format_short_ratio)
    ax.set_xlabel("m·n_x (elements of X, log scale)")
    ax.set_ylabel("t(B) / t(A), weather removed, with its interval\n(log scale; below 1: B faster)")
    ax.set_title(f"B / A: {b.path.name} ({b.machine.get('cpu', '?')}) over {a.path.name} ({a.machine.get('cpu', '?')})",
                 fontsize=9)
    handles.append(Line2D([], [], linestyle="none", marker="o", color="grey", markerfacecolor="none",
                          label="same: within the noise (hollow)"))
    fig.legend(handles=handles, loc="outside right center", fontsize=8, frameon=False)
    fig.set_layout_engine("constrained")
    return save_figure(fig, out_dir, "compare_ratio")


def machines_chart(labels: list[str], speedups: dict[str, list[float]], out_dir: Path) -> list[Path]:
    """Grouped bars: one group per machine, one bar per headline speedup (log scale)."""
    fig = Figure(figsize=(max(6.0, 1.6 * len(labels) + 3), 4.6))
    ax = fig.subplots()
    width = 0.8 / len(speedups)
    positions = np.arange(len(labels))
    for i, (name, values) in enumerate(speedups.items()):
        bars = ax.bar(positions + (i - (len(speedups) - 1) / 2) * width, values, width, label=name,
                      color=PALETTE[i % len(PALETTE)])
        ax.bar_label(bars, labels=[format_short_ratio(v) for v in values], fontsize=7, padding=2)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(lambda value, _: format_short_ratio(value))
    ax.axhline(1.0, color="black", linestyle=":", linewidth=1)
    ax.set_xticks(positions, labels, fontsize=8)
    ax.set_ylabel("median speedup over the shared sizes (log scale)")
    ax.set_title("Headline speedups per machine", fontsize=10)
    fig.legend(loc="outside lower center", ncols=len(speedups), fontsize=8, frameon=False)
    fig.set_layout_engine("constrained")
    return save_figure(fig, out_dir, "compare_machines")
