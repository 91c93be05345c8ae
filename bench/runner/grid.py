"""The grid of benchmark points: presets, size parsing, and the order points are measured in.

A *point* is one (implementation, m, n_x, dtype, order). Points are measured size by size,
smallest first (so the time budget can predict a size from the smaller ones); the points of one
(m, n_x, dtype, order) are timed together, in interleaved rounds (with ``--sizes-in-turn``,
small sizes in groups whose rounds are taken in turn: :mod:`bench.runner.sizes`).
Implementations of an :data:`ISOLATED_FAMILIES` family come after every other point, size by
size (why: the processes of a Dask cluster would otherwise run, and take CPU, beside every
point measured after its first; it is shut down after its last point).
"""

from __future__ import annotations

from dataclasses import dataclass

import impls
from bench.results.schema import Point



@dataclass(frozen=True)
class Preset:
    """A named grid with its per-call time budget and per-point timing target (seconds)."""

    name: str
    ms: tuple[int, ...]
    n_xs: tuple[int, ...]
    budget_s: float  # a point whose predicted call time exceeds this is skipped, not timed
    timing_s: float  # aim for this much timing per point (at least MIN_ROUNDS rounds)
    description: str = ""


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "quick", (100, 1_000, 10_000), (1, 10, 100), budget_s=0.05, timing_s=0.03,
            description="m 100–10⁴ × n_x 1–100 (9 sizes); 0.05 s budget per call",
        ),
        Preset(
            "default", (10, 100, 1_000, 10_000, 100_000, 1_000_000), (1, 10, 100, 1000),
            budget_s=0.5, timing_s=0.1,
            description="m 10–10⁶ × n_x 1–1000 (24 sizes); 0.5 s budget per call",
        ),
        Preset(
            "full", (10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000),
            (1, 3, 10, 30, 100, 300, 1000, 3000), budget_s=5.0, timing_s=0.5,
            description="m 10–10⁷ × n_x 1–3000 (sizes that fit in memory); 5 s budget per call",
        ),
    )
}


@dataclass(frozen=True)
class RunGrid:
    """What to measure: implementations × sizes × dtypes × orders (all given in the order used)."""

    impls: tuple[str, ...]
    ms: tuple[int, ...]
    n_xs: tuple[int, ...]
    dtypes: tuple[str, ...] = ("float64",)
    orders: tuple[str, ...] = ("C",)
    dropped_sizes: tuple[tuple[int, int], ...] = ()  # left out: would not fit in memory

    def sizes(self) -> list[tuple[int, int]]:
        """(m, n_x) pairs not dropped, smallest m·n_x first."""
        pairs = {(m, n_x) for m in self.ms for n_x in self.n_xs if (m, n_x) not in self.dropped_sizes}
        return sorted(pairs, key=lambda size: (size[0] * size[1], size[0]))

    def points(self) -> list[Point]:
        """Every point in measuring order (see the module docstring)."""
        isolated = tuple(name for name in self.impls if is_isolated(name))
        ordered: list[Point] = []
        for names in (tuple(name for name in self.impls if name not in isolated), isolated):
            for m, n_x in self.sizes():
                for dtype in self.dtypes:
                    for order in self.orders:
                        ordered.extend(Point(name, m, n_x, dtype, order) for name in names)
        return ordered

    def as_dict(self) -> dict:
        return {
            "impls": list(self.impls),
            "m": list(self.ms),
            "n_x": list(self.n_xs),
            "dtypes": list(self.dtypes),
            "orders": list(self.orders),
            "dropped_sizes": [list(size) for size in self.dropped_sizes],
        }

    @classmethod
    def from_dict(cls, data: dict) -> RunGrid:
        return cls(
            impls=tuple(data["impls"]),
            ms=tuple(data["m"]),
            n_xs=tuple(data["n_x"]),
            dtypes=tuple(data["dtypes"]),
            orders=tuple(data["orders"]),
            dropped_sizes=tuple(tuple(size) for size in data.get("dropped_sizes", ())),
        )


#: Families measured after all the others (see the module docstring).
ISOLATED_FAMILIES = ("dask",)


def is_isolated(name: str) -> bool:
    """True for an implementation of an ISOLATED_FAMILIES family (unknown names: False)."""
    impl = impls.IMPLEMENTATIONS.get(name)
    return impl is not None and impl.family in ISOLATED_FAMILIES


def check_choices(name: str, values, allowed: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if value not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return tuple(dict.fromkeys(values))
