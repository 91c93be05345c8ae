"""What ``vecbench scale`` measures: the sizes, and where each fits (this process, the workers).

``dask-distributed`` runs at every size, on data generated on the workers, as long as they hold
it; ``numpy-vectorized`` and ``numba-parallel`` also run *in process* where X and the
reference's temporaries fit in this machine's available memory (before the distributed problem
of the same size is generated: the two never coexist).
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.measure.dask_cluster import NAME as DISTRIBUTED
from bench.measure.dask_cluster import cluster_capacity_bytes, distributed_refusal
from bench.measure.memory import HEADROOM, available_bytes, data_bytes, problem_bytes, refusal

IN_PROCESS = ("numpy-vectorized", "numba-parallel")
DTYPE = "float64"
DEFAULT_NXS = (10, 100)
DEFAULT_MAX_M = 10**8
SMALLEST_DEFAULT_M = 10**3


@dataclass(frozen=True)
class SizePlan:
    """One (m, n_x): measured in this process too (``in_process``), or on the workers only;
    ``skipped``: why it cannot be measured at all (too large for the cluster), else None."""

    m: int
    n_x: int
    in_process: bool
    skipped: str | None = None

    @property
    def impls(self) -> tuple[str, ...]:
        return (*IN_PROCESS, DISTRIBUTED) if self.in_process else (DISTRIBUTED,)


def default_ms(max_m: int) -> list[int]:
    """1, 3 × each power of ten from SMALLEST_DEFAULT_M up to ``max_m`` (and ``max_m`` itself)."""
    sizes, decade = [], SMALLEST_DEFAULT_M
    while decade <= max_m:
        sizes += [size for size in (decade, 3 * decade) if size <= max_m]
        decade *= 10
    if not sizes or sizes[-1] != max_m:
        sizes.append(max_m)
    return sorted(set(sizes))


def fits_in_process(m: int, n_x: int, local_bytes: int) -> bool:
    """X and the reference's temporaries in ``local_bytes`` (0: unknown, assume they fit)."""
    return local_bytes <= 0 or problem_bytes(m, n_x, DTYPE) <= local_bytes


def plan_sizes(ms: list[int], nxs: list[int], cluster: dict, *, explicit: bool,
               max_in_process_m: int | None = None, available: int | None = None) -> list[SizePlan]:
    """Every (n_x, m) in that order. ``cluster``: ``cluster_info()``. A size too large for the
    workers raises ValueError if ``explicit`` (the user asked for it), else is marked skipped.
    ``max_in_process_m``: no in-process measurement above this m (None: as far as memory allows)."""
    embedded = bool(cluster.get("embedded"))
    local_bytes = int(HEADROOM * (available_bytes() if available is None else available))
    capacity = cluster_capacity_bytes(cluster)
    if embedded and local_bytes > 0:  # why: the embedded workers' limits may exceed what is free now
        capacity = min(capacity, local_bytes) if capacity else local_bytes
    plans = []
    for n_x in nxs:
        for m in ms:
            reason = distributed_refusal(m, n_x, DTYPE, capacity)
            if reason and explicit:
                raise ValueError(f"--m {m}: {reason}; choose a smaller m or a larger cluster")
            in_process = fits_in_process(m, n_x, local_bytes) and m <= (max_in_process_m or m)
            plans.append(SizePlan(m, n_x, in_process, reason))
    return plans


def refused_now(plan: SizePlan, embedded: bool) -> tuple[str | None, str | None]:
    """``(why not in process, why not on the workers)`` with the memory available *now*, or None
    each. why again at measuring time: another process may have taken memory since the plan."""
    available = available_bytes()
    local = refusal(f"m={plan.m:,} at n_x={plan.n_x} in this process", problem_bytes(plan.m, plan.n_x, DTYPE),
                    available) if plan.in_process else None
    workers = refusal(f"m={plan.m:,} at n_x={plan.n_x} on the embedded workers", data_bytes(plan.m, plan.n_x, DTYPE),
                      available) if embedded else None
    return local, workers
