"""Progress of ``vecbench run``: a bar on a terminal, else one line per finished point, with
points left and ETA."""

from __future__ import annotations


from bench.cli import Progress
from bench.results.schema import BASELINE, FAILED, MEASURED, SKIPPED_BUDGET, Point, entry_status
from bench.results.units import format_duration, format_seconds


def outcome(entry: dict, budget_s: float) -> str:
    """The status, and the median (measured) or why there is none."""
    info = entry["extra_info"]
    if info["status"] == MEASURED:
        flag = (f"  OVER THREADS: used {info['parallelism']:.2f} cores, budget {info['threads']}"
                if info.get("over_threads") else "")
        return f"measured  median {format_seconds(entry['stats']['median']):>9}{flag}"
    if info["status"] == SKIPPED_BUDGET:
        return (f"skipped-budget  predicted {format_seconds(info['predicted_s'])} per call "
                f"> {format_seconds(budget_s)}")
    return f"FAILED  {info['error']}"


def point_line(point: Point, entry: dict, speedup: float | None, budget_s: float,
               done: int, total: int, eta_s: float | None) -> str:
    """``[ 12/216] numba-loops  m=1000 n_x=10 float64 C  median 12.3 µs  ×45 vs python-loops …``"""
    known = speedup and point.impl != BASELINE and entry_status(entry) == MEASURED
    versus = f"×{speedup:<7.3g} vs {BASELINE}" if known else " " * (12 + len(BASELINE))
    eta = f", ETA ~{format_duration(eta_s)}" if eta_s is not None else ""
    width = len(str(total))
    return (
        f"[{done:>{width}}/{total}] {point.impl:<20} m={point.m:<8} n_x={point.n_x:<5} "
        f"{point.dtype} {point.order}  {outcome(entry, budget_s)}  {versus}"
        f"  | {total - done} left{eta}"
    )


class RunProgress(Progress):
    """The progress of ``vecbench run``: one unit per finished point."""

    def point(self, point: Point, entry: dict, line: str, left: int, eta_s: float | None) -> None:
        """Show one finished point (``line`` is its plain progress line); a failure's line stays
        visible above the bar."""
        eta = f", ETA ~{format_duration(eta_s)}" if eta_s is not None else ""
        self.advance(f"{point.impl} m={point.m} n_x={point.n_x}", f"{left} left{eta}", line,
                     keep=entry_status(entry) == FAILED)
