"""Progress lines printed by ``vecbench run``: one per finished point, with points left and ETA."""

from __future__ import annotations

from bench.grid import BASELINE, Point


def format_seconds(seconds: float | None) -> str:
    """A time with a unit chosen for it: '812 ns', '12.3 µs', '4.56 ms', '1.23 s'."""
    if seconds is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_duration(seconds: float) -> str:
    """A wall-clock duration: '45 s', '3 min 05 s', '1 h 02 min'."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def outcome(entry: dict, budget_s: float) -> str:
    """The status, and the median (measured) or why there is none."""
    info = entry["extra_info"]
    if info["status"] == "measured":
        return f"measured  median {format_seconds(entry['stats']['median']):>9}"
    if info["status"] == "skipped-budget":
        return (f"skipped-budget  predicted {format_seconds(info['predicted_s'])} per call "
                f"> {format_seconds(budget_s)}")
    return f"FAILED  {info['error']}"


def point_line(point: Point, entry: dict, speedup: float | None, budget_s: float,
               done: int, total: int, eta_s: float | None) -> str:
    """``[ 12/216] numba-loops  m=1000 n_x=10 float64 C  median 12.3 µs  ×45 vs python-loops …``"""
    known = speedup and point.impl != BASELINE and entry["extra_info"]["status"] == "measured"
    versus = f"×{speedup:<7.3g} vs {BASELINE}" if known else " " * (12 + len(BASELINE))
    eta = f", ETA ~{format_duration(eta_s)}" if eta_s is not None else ""
    width = len(str(total))
    return (
        f"[{done:>{width}}/{total}] {point.impl:<20} m={point.m:<8} n_x={point.n_x:<5} "
        f"{point.dtype} {point.order}  {outcome(entry, budget_s)}  {versus}"
        f"  | {total - done} left{eta}"
    )
