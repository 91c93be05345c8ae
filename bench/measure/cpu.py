"""CPU seconds used by this process and its child processes: how parallel a step really ran.

A point's *parallelism* is the CPU time of the process and its children over its timed rounds
divided by their wall time: 1.0 is one busy core. A step that uses more cores than its thread
budget (a thread pool that ignores the limit, an idle pool left spinning, the workers of a local
Dask cluster) shows up here; wall time alone cannot show it.
"""

from __future__ import annotations

import os
import time

try:  # why: child processes (Dask's local workers) are only visible through psutil
    import psutil
except ImportError:  # pragma: no cover - psutil comes with distributed and is a dependency
    psutil = None

#: A point whose parallelism exceeds its thread budget by more than this fraction is flagged.
OVER_BUDGET = 0.15


class CpuClock:
    """CPU seconds of this process (all its threads) plus the children alive when it was made."""

    def __init__(self) -> None:
        self._children = []
        if psutil is not None:
            try:
                self._children = psutil.Process(os.getpid()).children(recursive=True)
            except psutil.Error:
                self._children = []

    def seconds(self) -> float:
        total = time.process_time()
        for child in self._children:
            try:
                times = child.cpu_times()
                total += times.user + times.system
            except Exception:  # why: a child that ended since is simply no longer counted
                continue
        return total


def over_budget(parallelism: float | None, threads: int) -> bool:
    """True when ``parallelism`` exceeds ``threads`` by more than OVER_BUDGET."""
    return parallelism is not None and parallelism > threads * (1 + OVER_BUDGET)
