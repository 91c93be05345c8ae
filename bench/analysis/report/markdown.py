"""Markdown building blocks of the report: tables, predicted marks, per-size tables, charts."""

from __future__ import annotations

from collections.abc import Sequence

from bench.results.reading import Estimate, ResultGrid
from bench.results.schema import FAILED
from bench.results.units import format_ratio, format_seconds

PREDICTED_MARK = "†"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    """A Markdown table; ``align`` has one letter per column, 'l' or 'r' (default: first column
    left, the rest right)."""
    align = align or "l" + "r" * (len(header) - 1)
    lines = [header, ["---:" if a == "r" else "---" for a in align], *rows]
    return "\n".join("| " + " | ".join(str(cell) for cell in line) + " |" for line in lines)


def mark(text: str, predicted: bool) -> str:
    return f"≈{text}{PREDICTED_MARK}" if predicted else text


def time_cell(grid: ResultGrid, impl: str, m: int, n_x: int) -> str:
    point = grid.point(impl, m, n_x)
    if point is None:
        return "—"
    if point.status == FAILED:
        return "failed"
    if point.time_s is None:
        return mark("?", True)
    return mark(format_seconds(point.time_s), point.predicted)


def ratio_cell(value: Estimate | None) -> str:
    """``12.3×``, with its interval as ``12.3× (11.9–12.8)`` where it has one."""
    if value is None:
        return "—"
    text = mark(format_ratio(value.value), value.predicted)
    if value.low is not None and value.high is not None:
        text += f" ({format_ratio(value.low).rstrip('×')}–{format_ratio(value.high)})"
    return text


def sizes(grid: ResultGrid) -> list[tuple[int, int]]:
    """Every (m, n_x) of the grid, by n_x then m (rows of the per-size tables)."""
    present = {(m, n) for (_, m, n) in grid.points}
    return [(m, n) for n in grid.nxs for m in grid.ms if (m, n) in present]


def size_table(grid: ResultGrid, impls: Sequence[str], cell) -> str:
    rows = [[f"{m:,}", f"{n:,}", *(cell(impl, m, n) for impl in impls)] for m, n in sizes(grid)]
    return table(["m", "n_x", *impls], rows, "r" * (len(impls) + 2))


def charts_section(charts, keys: Sequence[str], layout: str, charts_rel: str) -> str:
    """Embedded PNGs (with a link to the SVG) of the charts ``keys`` drawn for ``layout``."""
    blocks = []
    for chart in charts:
        if chart.key in keys and chart.layout == layout:
            blocks.append(
                f"![{chart.title}]({charts_rel}/{chart.png})\n\n"
                f"*{chart.caption}* ([SVG]({charts_rel}/{chart.svg}))"
            )
    return "\n\n".join(blocks)
