"""One run's settings, built and checked from user input (CLI or pytest options).

:func:`make_settings` raises ``ValueError`` with a one-line message naming the bad argument;
the CLI turns it into exit status 2, the pytest plugin into a usage error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numba

from bench.measure import memory
from bench.results.schema import DTYPES, ORDERS
from bench.measure.problems import check_impls, registered_impls
from bench.runner.grid import PRESETS, RunGrid, check_choices


@dataclass(frozen=True)
class RunSettings:
    preset: str  # "quick" | "default" | "full" | "custom" (sizes given by the user)
    grid: RunGrid
    budget_s: float  # per call
    timing_s: float  # per point
    threads: int
    impls_selected: bool = False  # True when --impl narrowed the registry
    sizes_in_turn: bool = False  # small sizes timed as one group, their rounds in turn (bench.runner.sizes)

    def as_dict(self) -> dict:
        """What ``--resume`` needs besides ``preset`` and ``threads`` (stored beside them)."""
        return {"grid": self.grid.as_dict(), "budget_s": self.budget_s, "timing_s": self.timing_s,
                "impls_selected": self.impls_selected, "sizes_in_turn": self.sizes_in_turn}

    @classmethod
    def from_vecbench(cls, vecbench: dict) -> RunSettings:
        """The settings of the run a results file's ``vecbench`` section describes."""
        stored = vecbench["settings"]
        grid = RunGrid.from_dict(stored["grid"])
        check_impls(grid.impls)
        return cls(preset=vecbench["preset"], grid=grid, budget_s=float(stored["budget_s"]),
                   timing_s=float(stored["timing_s"]), threads=check_threads(vecbench["threads"]),
                   impls_selected=bool(stored["impls_selected"]),
                   sizes_in_turn=bool(stored.get("sizes_in_turn", False)))  # why .get: older files


def check_seconds(option: str, value) -> float:
    """``value`` as a float if it is a positive, finite number of seconds, else ValueError naming ``option``."""
    if isinstance(value, bool) or not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ValueError(f"{option} must be a positive number of seconds; got {value!r}")
    return float(value)


def check_size(name: str, size) -> int:
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"{name} must be a positive integer; got {size!r}")
    return size


def check_threads(threads) -> int:
    limit = numba.config.NUMBA_NUM_THREADS
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= limit:
        raise ValueError(
            f"--threads must be an integer from 1 to {limit} (Numba's thread pool, "
            f"NUMBA_NUM_THREADS); got {threads!r}"
        )
    return threads


def size_refusals(grid: RunGrid, available: int | None = None) -> list[tuple[tuple[int, int], str]]:
    """The (m, n_x) sizes whose problem would not fit in memory, each with the reason."""
    refused = []
    for m, n_x in grid.sizes():
        needed = max(memory.problem_bytes(m, n_x, dtype) for dtype in grid.dtypes)
        message = memory.refusal(f"m={m}, n_x={n_x}", needed, available)
        if message:
            refused.append(((m, n_x), message))
    return refused


def fit_to_memory(grid: RunGrid, user_sizes: bool) -> RunGrid:
    """``grid`` without the sizes that do not fit: an error for user-given sizes, else dropped."""
    refused = size_refusals(grid)
    if not refused:
        return grid
    if user_sizes:
        raise ValueError(f"refusing grid point {refused[0][1]}; choose a smaller --m or --n-x")
    return replace(grid, dropped_sizes=tuple(size for size, _ in refused))


def make_settings(
    preset: str = "quick",
    impls=None,
    ms=None,
    n_xs=None,
    dtypes=("float64",),
    orders=("C",),
    threads: int = 1,
    budget: float | None = None,
    timing: float | None = None,
    sizes_in_turn: bool = False,
) -> RunSettings:
    """Settings for a run; ``None`` means the preset's value. Raises ValueError on bad input."""
    if not isinstance(sizes_in_turn, bool):
        raise ValueError(f"sizes_in_turn must be True or False; got {sizes_in_turn!r}")
    if preset not in PRESETS:
        raise ValueError(f"--preset must be one of {', '.join(PRESETS)}; got {preset!r}")
    base = PRESETS[preset]
    for name, sizes in (("m", ms), ("n_x", n_xs)):
        for size in sizes or ():
            check_size(name, size)
    user_sizes = ms is not None or n_xs is not None
    grid = RunGrid(
        impls=check_impls(impls) if impls else registered_impls(),
        ms=tuple(ms) if ms else base.ms,
        n_xs=tuple(n_xs) if n_xs else base.n_xs,
        dtypes=check_choices("--dtype", dtypes, DTYPES),
        orders=check_choices("--order", orders, ORDERS),
    )
    return RunSettings(
        preset="custom" if user_sizes else preset,
        grid=fit_to_memory(grid, user_sizes),
        budget_s=base.budget_s if budget is None else check_seconds("--budget", budget),
        timing_s=base.timing_s if timing is None else check_seconds("--timing", timing),
        threads=check_threads(threads),
        impls_selected=bool(impls),
        sizes_in_turn=sizes_in_turn,
    )
