"""The report's speed sections: headline, times, speedups, cost models, crossovers, compile time."""

from __future__ import annotations

from bench.analysis import costmodel
from bench.analysis.report.markdown import mark, ratio_cell, size_table, table, time_cell
from bench.results.reading import ResultGrid
from bench.results.schema import BASELINE, REFERENCE
from bench.results.units import format_number, format_ratio, format_seconds, format_size

PREPARE_SHOWN = 0.05  # of one step: a preparation shorter than this (and than 1 ms) is not shown
PREPARE_SHOWN_S = 1e-3


def _lower_median(values: list[tuple[float, ...]]) -> tuple[float, ...]:
    """The median element (lower one for an even count), so it is an actual measured point."""
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def headline(grid: ResultGrid) -> str:
    """The largest and the typical (median) measured speedup over python-loops, with sizes."""
    if BASELINE not in grid.impls:
        return f"No headline: the results have no {BASELINE} points to compare with."
    measured = []  # (speedup, impl, m, n_x), both times measured
    for impl, m, n_x in grid.points:
        ratio = grid.speedup(impl, BASELINE, m, n_x)
        if impl != BASELINE and ratio is not None and not ratio.predicted:
            measured.append((ratio.value, impl, m, n_x))
    if not measured:
        return f"No headline: no size has measured times for both {BASELINE} and another implementation."
    top = max(measured)
    best_per_size = {}
    for value, impl, m, n_x in measured:
        best_per_size[(m, n_x)] = max(best_per_size.get((m, n_x), (0.0, "")), (value, impl))
    typical = _lower_median([(v, impl, m, n) for (m, n), (v, impl) in best_per_size.items()])
    text = (
        f"On {grid.label}, the largest measured speedup over {BASELINE} is **{format_ratio(top[0])}** "
        f"({top[1]} at {format_size(top[2], top[3])}); typically — the median over the "
        f"{len(best_per_size)} sizes where {BASELINE} was measured — the fastest implementation "
        f"at each size is **{format_ratio(typical[0])}** faster ({typical[1]} at "
        f"{format_size(typical[2], typical[3])})"
    )
    numpy_only = [entry for entry in measured if entry[1] == REFERENCE]
    if numpy_only:
        mid = _lower_median(numpy_only)
        text += f", and {REFERENCE} alone **{format_ratio(mid[0])}** (at {format_size(mid[2], mid[3])})"
    return text + "."


def times_section(grid: ResultGrid) -> str:
    return (
        "### Median time per step\n\n"
        "`failed` = the point raised an error (listed below); `—` = not in the run.\n\n"
        + size_table(grid, grid.impls, lambda impl, m, n: time_cell(grid, impl, m, n))
    )


def speedup_section(grid: ResultGrid, baseline: str) -> str:
    if baseline not in grid.impls:
        return f"### Speedup over {baseline}\n\nNot available: no {baseline} points in this run."
    others = [i for i in grid.impls if i != baseline]
    return (
        f"### Speedup over {baseline}\n\n"
        f"`t({baseline}) / t(implementation)` at the same size; above 1× the implementation is faster.\n\n"
        + size_table(grid, others, lambda impl, m, n: ratio_cell(grid.speedup(impl, baseline, m, n)))
    )


def _bad_points_text(model: costmodel.CostModel) -> str:
    bad = model.bad_points()
    return "none" if not bad else "; ".join(f"{format_size(p.m, p.n_x)} ({e:+.0%})" for p, e in bad)


def _coefficient(seconds: float, scale: float, used: bool = True) -> str:
    return format_number(seconds * scale) if used else "—"


def cost_model_section(grid: ResultGrid, models: dict[str, costmodel.CostModel | None]) -> str:
    rows = []
    for impl, model in models.items():
        if model is None:
            rows.append([impl, "too few measured points", *["—"] * 7])
            continue
        rows.append(
            [
                impl,
                f"`{model.form}`",
                _coefficient(model.overhead_s, 1e6),
                _coefficient(model.per_sample_s, 1e9, model.form == costmodel.PER_SAMPLE),
                _coefficient(model.per_element_s, 1e9),
                str(len(model.points)),
                f"{model.median_abs_error:.1%}",
                f"{model.max_abs_error:.1%}",
                f"{model.r2_log:.4f}",
                _bad_points_text(model),
            ]
        )
    header_row = [
        "implementation",
        "model",
        "overhead a [µs/call]",
        "per sample c [ns]",
        "per element b [ns]",
        "points",
        "median rel. error",
        "max rel. error",
        "R² (log)",
        f"points off by > {costmodel.BAD_FIT:.0%}",
    ]
    return (
        "### Cost model\n\n"
        "Fitted per implementation to the measured medians only: `t ≈ a + b·m·n_x`, or "
        "`t ≈ a + c·m + b·m·n_x` where that has the lower AIC (on relative residuals); "
        "non-negative least squares on relative errors, so small and large sizes weigh alike. "
        "Errors are `model / measured − 1`; R² is on log(time).\n\n"
        + table(header_row, rows, "ll" + "r" * 7 + "l")
    )


def crossover_section(grid: ResultGrid, models: dict[str, costmodel.CostModel | None]) -> str:
    m_range = (min(grid.ms), max(grid.ms))
    parts = [
        "### Crossovers (derived from the cost models, not measured)\n\n"
        f"The range of m from which each implementation's model is faster than the baseline's "
        f"model, per n_x, within m = {m_range[0]:,} … {m_range[1]:,}; "
        "`always` / `never in range` hold over that whole range."
    ]
    for baseline in (BASELINE, REFERENCE):
        base_model = models.get(baseline)
        if base_model is None:
            parts.append(f"Against {baseline}: not available (no fitted model).")
            continue
        rows = [
            [impl, *(costmodel.crossover(model, base_model, n_x, m_range).text() for n_x in grid.nxs)]
            for impl, model in models.items()
            if impl != baseline and model is not None
        ]
        parts.append(
            f"Faster than **{baseline}** when:\n\n"
            + table(["implementation", *(f"n_x = {n:,}" for n in grid.nxs)], rows)
        )
    return "\n\n".join(parts)


def compile_section(grid: ResultGrid) -> str:
    compiled = costmodel.compile_times(grid)
    baseline = costmodel.payback_baseline(grid)
    if not compiled or baseline is None:
        return ""
    m_top = max(grid.ms)

    def calls(impl: str, n_x: int) -> str:
        value = costmodel.payback_calls(grid, impl, baseline, compiled[impl], m_top, n_x)
        return "never (not faster)" if value is None else mark(f"{value.value:,.0f}", value.predicted)

    def cache(impl: str) -> str:
        found = [p.compile_cache for p in grid.measured(impl) if p.compile_cache]
        if not found:
            return "not recorded"
        hits, reused = (sum(value == kind for value in found) for kind in ("hit", "reused"))
        return (f"{hits} of {len(found)} sizes loaded from the disk cache"
                + (f", {reused} served by a graph compiled earlier in the run" if reused else ""))

    rows = [
        [impl, format_seconds(seconds), cache(impl), *(calls(impl, n) for n in grid.nxs)]
        for impl, seconds in compiled.items()
    ]
    return (
        "### JIT compile time\n\n"
        "The compile time is the largest `first call − median` recorded for the implementation (the "
        f"call that compiled); it is repaid after `compile / (t({baseline}) − t(JIT))` calls, "
        f"shown at m = {m_top:,}. *Disk cache*: how many of its first calls loaded their compiled "
        "graph from the library's on-disk cache (Inductor's FX graph cache, JAX's persistent "
        "compilation cache) instead of compiling, where the library says so.\n\n"
        + table(["implementation", "compile time", "disk cache", *(f"calls, n_x = {n:,}" for n in grid.nxs)], rows)
    )


def preparation_section(grid: ResultGrid) -> str:
    """What moving the data into an implementation's own form costs, once per problem.

    Shown for the implementations whose preparation at the largest m is at least PREPARE_SHOWN
    of one step (or PREPARE_SHOWN_S), with the number of steps it is worth."""
    m_top = max(grid.ms)
    rows, sentences = [], []
    for impl in grid.impls:
        points = [grid.point(impl, m_top, n_x) for n_x in grid.nxs]
        measured = [p for p in points if p is not None and p.measured and p.prepare_s is not None]
        if not any(p.prepare_s >= min(PREPARE_SHOWN_S, PREPARE_SHOWN * p.median_s) for p in measured):
            continue
        cells = {p.n_x: f"{format_seconds(p.prepare_s)} ({format_number(p.prepare_s / p.median_s)} steps)"
                 for p in measured}
        rows.append([impl, *(cells.get(n_x, "—") for n_x in grid.nxs)])
        largest = measured[-1]
        sentences.append(f"moving the data into {impl} costs {format_seconds(largest.prepare_s)} once "
                         f"at {format_size(largest.m, largest.n_x)}")
    if not rows:
        return ""
    return (
        "### Paid once: preparing the data\n\n"
        "Each implementation steps on data held in its own form (tensors, device arrays, a copy "
        "in its library's layout), made once per problem, as its users' training loops do; that "
        "time is measured apart and never counted in the step's median: "
        f"{'; '.join(sentences)}. The table gives it at m = {m_top:,}, with how many steps of "
        "the implementation it is worth; implementations whose preparation is negligible (no "
        "copy) are left out.\n\n"
        + table(["implementation", *(f"n_x = {n:,}" for n in grid.nxs)], rows)
    )
