"""The report's sections on what limits each implementation: the bandwidth floor, and the points
the run skipped or that failed."""

from __future__ import annotations

from bench.analysis.report.machine import bandwidth_text
from bench.analysis.report.markdown import mark, table
from bench.results.reading import Estimate, ResultGrid, Results
from bench.results.schema import FAILED
from bench.results.units import format_fraction, format_seconds

MEMORY_BOUND = 0.8  # fraction of the floor from which an implementation is called memory-bound
FROM_CACHE = 1.1  # faster than main memory allows: the data must have come from cache


def _floor_fraction(grid: ResultGrid, impl: str, m: int, n_x: int) -> Estimate | None:
    point = grid.point(impl, m, n_x)
    if point is None:
        return None
    if point.measured and point.fraction_of_floor is not None:
        return Estimate(point.fraction_of_floor, False)
    if point.predicted and point.floor_s and point.predicted_s:
        return Estimate(point.floor_s / point.predicted_s, True)
    return None


def limit_sentence(fractions: dict[int, float]) -> str:
    """What limits an implementation, by fixed rules on its measured fractions of the floor."""
    if not fractions:
        return "no measured point at the largest m."
    best_nx = max(fractions, key=fractions.get)
    best = fractions[best_nx]
    low_nx, high_nx = min(fractions), max(fractions)
    peak = f"{format_fraction(best)} of the floor (n_x = {best_nx:,})"
    if best > FROM_CACHE:
        return f"faster than main memory allows ({peak}): X and Y came from cache at this size."
    if best >= MEMORY_BOUND:
        return f"memory-bound: reaches {peak}."
    if best < 0.05:
        return f"compute-bound far from memory: at most {peak}."
    if low_nx != high_nx and fractions[low_nx] < 0.5 * fractions[high_nx]:
        high, low = format_fraction(fractions[high_nx]), format_fraction(fractions[low_nx])
        return (
            f"per-sample work bound on few features: the fraction falls from {high} at "
            f"n_x = {high_nx:,} to {low} at n_x = {low_nx:,}."
        )
    return (
        f"not memory-bound: at most {peak}; the time goes "
        "to more than one read of X and Y (extra passes, per-sample math or fewer threads)."
    )


def bandwidth_section(results: Results, grid: ResultGrid) -> str:
    if results.bandwidth is None:
        return "### Memory bandwidth\n\nNot available: the run did not measure the memory bandwidth."
    m_top = max(grid.ms)
    rows = []
    for impl in grid.impls:
        values = {n: _floor_fraction(grid, impl, m_top, n) for n in grid.nxs}
        measured = {n: v.value for n, v in values.items() if v is not None and not v.predicted}
        cells = ["—" if v is None else mark(format_fraction(v.value), v.predicted) for v in values.values()]
        rows.append([impl, *cells, limit_sentence(measured)])
    align = "l" + "r" * len(grid.nxs) + "l"
    return (
        f"### Memory bandwidth: fraction of the floor at m = {m_top:,}\n\n"
        "The floor is the time to read X and Y once at the bandwidth the run measured "
        f"({bandwidth_text(results.bandwidth)}); a fraction of 1.00 means the step runs at the memory "
        "limit. The sentence applies fixed rules to the measured fractions, first match wins: "
        f"> {FROM_CACHE} → data from cache; ≥ {MEMORY_BOUND} → memory-bound; < 0.05 → compute-bound; "
        "falling by more than half from the largest to the smallest n_x → per-sample work bound; "
        "otherwise not memory-bound.\n\n"
        + table(["implementation", *(f"n_x = {n:,}" for n in grid.nxs), "what limits it"], rows, align)
    )


def skipped_and_failed_section(grid: ResultGrid) -> str:
    skipped = [p for p in grid.points.values() if p.predicted]
    failed = [p for p in grid.points.values() if p.status == FAILED]
    parts = ["### Skipped and failed points"]
    if skipped:
        rows = [
            [
                p.impl,
                f"{p.m:,}",
                f"{p.n_x:,}",
                mark(format_seconds(p.predicted_s), True) if p.predicted_s else "no prediction",
                p.prediction_basis or "not recorded",
            ]
            for p in skipped
        ]
        parts.append(
            "Skipped by the time budget; their times are the run's predictions, never measured:\n\n"
            + table(["implementation", "m", "n_x", "predicted time", "prediction basis"], rows, "lrrrl")
        )
    else:
        parts.append("No point was skipped by the time budget.")
    if failed:
        rows = [[p.impl, f"{p.m:,}", f"{p.n_x:,}", (p.error or "").replace("|", "\\|")] for p in failed]
        parts.append(
            "Failed (not drawn in any chart):\n\n"
            + table(["implementation", "m", "n_x", "error"], rows, "lrrl")
        )
    else:
        parts.append("No point failed.")
    return "\n\n".join(parts)
