"""What every chart shares: colours, panels, measured-vs-predicted lines, legends, atomic saving.

Figures are built with ``matplotlib.figure.Figure`` and saved through the Agg canvas, so importing
this module neither selects a global backend nor changes any style.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from bench.results.reading import Estimate, ResultGrid, Results

# why: a fixed, colour-blind-friendly order (matplotlib's tab10, then tab20's light shades);
# colours are given out in the registry order of the results file, so they are deterministic.
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#c7c7c7",
    "#dbdb8d",
    "#9edae5",
)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")
PANEL_SIZE = (4.2, 3.1)  # inches per panel
DPI = 100
PREDICTED_LABEL = "predicted (time budget skipped it; not measured)"
MEASURED_LABEL = "from measured medians"


def require(ctx: "Context", impl: str) -> None:
    """NotDrawn unless the grid has points of ``impl``."""
    if impl not in ctx.grid.impls:
        raise NotDrawn(f"no {impl} points in this results file")


class NotDrawn(Exception):
    """A chart that the results file has no data for; the message says why."""


@dataclass(frozen=True)
class Look:
    """Colour and marker of one implementation, the same in every chart of a results file."""

    colour: str
    marker: str


def looks(results: Results) -> dict[str, Look]:
    """Assign each implementation a look by its position in the file (registry order)."""
    return looks_in_order(results.impls)


def looks_in_order(names: Sequence[str]) -> dict[str, Look]:
    """A look per name by its position in ``names``; past the palette's length the marker
    sequence shifts, so no two implementations look alike."""
    return {
        impl: Look(PALETTE[i % len(PALETTE)], MARKERS[(i + i // len(PALETTE)) % len(MARKERS)])
        for i, impl in enumerate(names)
    }


@dataclass
class Context:
    """Everything a chart function needs: the file, one (dtype, order) grid, the looks."""

    results: Results
    grid: ResultGrid
    looks: dict[str, Look]
    drawn_impls: list[str] = field(default_factory=list)
    drawn_predicted: bool = False

    def note_drawn(self, impl: str, predicted: bool) -> None:
        if impl not in self.drawn_impls:
            self.drawn_impls.append(impl)
        self.drawn_predicted |= predicted


# ---------------------------------------------------------------- figures and axes


def panel_figure(
    count: int, title: str, *, sharey: bool = True, max_cols: int = 3
) -> tuple[Figure, list[Axes]]:
    """A constrained-layout figure with ``count`` panels in rows of at most ``max_cols``."""
    cols = 2 if count == 4 else min(count, max_cols)  # why: 2×2 rather than 3 + 1 for four panels
    rows = math.ceil(count / cols)
    fig = Figure(figsize=(PANEL_SIZE[0] * cols + 2.4, PANEL_SIZE[1] * rows + 0.8), layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.subplots(rows, cols, squeeze=False, sharey="all" if sharey else "none")
    axes = [ax for row in grid for ax in row]
    for ax in axes[count:]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=13)
    return fig, axes[:count]


class AdaptiveLogLocator(LogLocator):
    """Decade ticks, plus 2× and 5× ticks when the axis spans less than two decades, so a
    narrow axis (e.g. speedups of 1.2×–4×) still has labelled ticks."""

    def tick_values(self, vmin, vmax):
        narrow = vmin > 0 and vmax > 0 and max(vmin, vmax) / min(vmin, vmax) < 100
        self.set_params(subs=(1.0, 2.0, 5.0) if narrow else (1.0,))
        return super().tick_values(vmin, vmax)


def tick_formatter(fmt: Callable[[float], str]) -> FuncFormatter:
    return FuncFormatter(lambda value, _pos: fmt(value) if value > 0 else "")


def set_log_axes(ax: Axes, x_fmt: Callable[[float], str], y_fmt: Callable[[float], str]) -> None:
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis, fmt in ((ax.xaxis, x_fmt), (ax.yaxis, y_fmt)):
        axis.set_major_locator(AdaptiveLogLocator(base=10, numticks=12))
        axis.set_major_formatter(tick_formatter(fmt))
        # why: log minor ticks are ~8 artists per decade per axis; drawing them doubled the time
        axis.set_minor_locator(NullLocator())
    ax.grid(True, which="major", alpha=0.3)


# ---------------------------------------------------------------- lines


def _segments(xs, ys, keep) -> tuple[list[float], list[float]]:
    """The segments between consecutive points for which ``keep(i)``, as one NaN-broken line."""
    line_x, line_y = [], []
    for i in range(len(xs) - 1):
        if keep(i):
            line_x += [xs[i], xs[i + 1], math.nan]
            line_y += [ys[i], ys[i + 1], math.nan]
    return line_x, line_y


def draw_series(
    ax: Axes,
    ctx: Context,
    impl: str,
    xs: Sequence[float],
    values: Sequence[Estimate | None],
    spreads: Sequence[tuple[float, float] | None] | None = None,
) -> None:
    """One implementation's line: solid between measured points (filled markers, IQR bars),
    dashed to and between predicted ones (hollow markers). ``None`` values leave a gap."""
    look = ctx.looks[impl]
    ys = [math.nan if v is None else v.value for v in values]
    guessed = [v is not None and v.predicted for v in values]
    both = [values[i] is not None and values[i + 1] is not None for i in range(len(xs) - 1)]
    # why: one artist per style instead of one per segment/point keeps drawing fast
    for style, keep in (
        ("-", lambda i: both[i] and not (guessed[i] or guessed[i + 1])),
        ("--", lambda i: both[i] and (guessed[i] or guessed[i + 1])),
    ):
        line_x, line_y = _segments(xs, ys, keep)
        if line_x:
            ax.plot(line_x, line_y, style, color=look.colour, lw=1.6, alpha=0.9)
    for predicted in (False, True):
        chosen = [i for i, v in enumerate(values) if v is not None and v.predicted == predicted]
        if not chosen:
            continue
        ax.plot(
            [xs[i] for i in chosen],
            [ys[i] for i in chosen],
            look.marker,
            ls="none",
            color=look.colour,
            mfc="white" if predicted else look.colour,
            mew=1.4,
            ms=5.5,
        )
        ctx.note_drawn(impl, predicted)
    bars = [i for i, v in enumerate(values) if v is not None and not v.predicted and spreads and spreads[i]]
    if bars:
        low = [ys[i] - spreads[i][0] for i in bars]
        high = [spreads[i][1] - ys[i] for i in bars]
        ax.errorbar(
            [xs[i] for i in bars],
            [ys[i] for i in bars],
            yerr=[low, high],
            fmt="none",
            ecolor=look.colour,
            elinewidth=1.1,
            capsize=2.5,
        )


def impl_handles(ctx: Context, measured_label: str = MEASURED_LABEL) -> list[Line2D]:
    """Legend entries: one per implementation drawn, then what filled/hollow markers mean."""
    handles = [
        Line2D([], [], color=ctx.looks[i].colour, marker=ctx.looks[i].marker, lw=1.6, label=i)
        for i in ctx.drawn_impls
    ]
    handles.append(Line2D([], [], color="0.2", marker="o", lw=1.6, label=measured_label))
    if ctx.drawn_predicted:
        handles.append(
            Line2D([], [], color="0.2", marker="o", mfc="white", ls="--", lw=1.6, label=PREDICTED_LABEL)
        )
    return handles


def add_legend(fig: Figure, handles: list, title: str | None = None) -> None:
    """One legend for the whole figure, outside the panels so it never covers data."""
    fig.legend(handles=handles, loc="outside right center", fontsize=9, title=title, frameon=False)


# ---------------------------------------------------------------- saving


def save_figure(fig: Figure, out_dir: Path, stem: str) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` into ``out_dir`` via temporary names and os.replace,
    so a reader never sees a half-written chart."""
    written = []
    # why: lay out once, then freeze it; both formats reuse the positions (layout is the slow part)
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    for fmt in ("png", "svg"):
        final = out_dir / f"{stem}.{fmt}"
        temporary = out_dir / f".{stem}.{fmt}.tmp"
        # why: no creation date in the files, so re-plotting the same results changes no bytes
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(temporary, format=fmt, dpi=DPI, metadata=metadata)
        os.replace(temporary, final)
        written.append(final)
    return written
