"""The Dask cluster a command measures on: ``--dask-scheduler``, and what the cluster can hold.

Shared by ``vecbench run``, ``targets`` and ``scale``. Dask is imported only when these are called.
"""

from __future__ import annotations

import impls
from bench.measure.memory import GB, data_bytes

NAME = "dask-distributed"
#: Fraction of the workers' summed memory limit a problem may fill. why: Dask's workers start
#: spilling to disk at ``distributed.worker.memory.target`` (60 % by default); a problem above
#: it would time the disk, not the step (read from Dask's config when it is set there).
DEFAULT_TARGET = 0.6


def dask_available() -> bool:
    return NAME in impls.IMPLEMENTATIONS


def use_dask_scheduler(address: str) -> None:
    """Connect dask-distributed to the scheduler at ``address`` (``tcp://…`` or ``tls://…``, the
    certificates then from Dask's ``distributed.comm.tls`` configuration); ConnectionError
    (nothing answers), RuntimeError (its workers lack this vecbench) or ValueError (no dask),
    each with one line."""
    if not dask_available():
        raise ValueError("--dask-scheduler needs dask and distributed: python -m pip install -e \".[dask]\"")
    from impls import dask_distributed

    dask_distributed.connect(address)


def memory_target() -> float:
    """The fraction of a worker's memory limit Dask fills before spilling (see DEFAULT_TARGET)."""
    import dask

    target = dask.config.get("distributed.worker.memory.target", DEFAULT_TARGET)
    return float(target) if target else DEFAULT_TARGET


def cluster_capacity_bytes(info: dict) -> int:
    """Bytes of problem data the cluster described by ``info`` (``cluster_info()``) holds
    without spilling: the summed worker memory limits times :func:`memory_target`; 0 if a
    worker has no limit recorded (then nothing can be checked)."""
    limits = [worker.get("memory_limit_bytes") for worker in info["workers"].values()]
    if not limits or not all(limits):
        return 0
    return int(memory_target() * sum(limits))


def distributed_refusal(m: int, n_x: int, dtype: str, capacity: int) -> str | None:
    """A one-line reason if X and Y of ``(m, n_x)`` do not fit in ``capacity`` bytes, else None."""
    needed = data_bytes(m, n_x, dtype)
    if capacity <= 0 or needed <= capacity:
        return None
    return (f"m={m:,} at n_x={n_x} needs {needed / GB:.3g} GB on the Dask workers but they hold "
            f"{capacity / GB:.3g} GB before spilling to disk ({memory_target():.0%} of their memory limits)")
