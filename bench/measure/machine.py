"""What the numbers were measured on: CPU, memory, Python, NumPy with its BLAS, Numba.

Call :func:`machine_info` while the run's thread limits are in force, so the BLAS entries show
the thread count the benchmarks actually used.
"""

from __future__ import annotations

import os
import platform
import sys

import numba
import numpy as np
import threadpoolctl

import impls
from impls import _fused_plan, _plan_cache
from impls._plan_cache import cpu_model

CACHE_DIR = "/sys/devices/system/cpu/cpu0/cache"


def memory_bytes() -> int:
    """Physical memory in bytes (0 if unknown)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 0


def cache_bytes(cache_dir: str = CACHE_DIR) -> dict[str, int]:
    """Data cache sizes seen by CPU 0, e.g. ``{"L1": 32768, "L2": 1048576, "L3": 33554432}``
    (Linux sysfs; empty where it is not available)."""
    sizes = {}
    try:
        entries = sorted(os.listdir(cache_dir))
    except OSError:
        return sizes
    for entry in entries:
        try:
            with open(os.path.join(cache_dir, entry, "type")) as kind, \
                    open(os.path.join(cache_dir, entry, "level")) as level, \
                    open(os.path.join(cache_dir, entry, "size")) as size:
                if kind.read().strip() == "Instruction":
                    continue
                text = size.read().strip().upper()
                multiplier = {"K": 2**10, "M": 2**20, "G": 2**30}.get(text[-1:], 1)
                sizes[f"L{int(level.read())}"] = int(text.rstrip("KMG")) * multiplier
        except (OSError, ValueError):
            continue
    return sizes


def last_level_cache_bytes(machine: dict) -> int | None:
    """The largest cache of a ``machine_info()`` dict, or None if not recorded."""
    caches = machine.get("cache_bytes") or {}
    return max(caches.values()) if caches else None


def numba_threading_layer() -> str:
    """The layer Numba's parallel code ran on, or the configured one if none has run yet."""
    try:
        return numba.threading_layer()
    except ValueError:  # raised until a parallel function has run in this process
        return f"not started (configured: {numba.config.THREADING_LAYER})"


def implementations_info() -> dict:
    """What each registered implementation is (the ``vecbench.implementations`` dict): its
    description, family, whether it compiles on first call, and notes on how it computes."""
    return {name: {"description": impl.description, "family": impl.family, "jit": impl.jit,
                   "note": impl.note, "accuracy_note": impl.accuracy_note}
            for name, impl in impls.IMPLEMENTATIONS.items()}


def machine_info() -> dict:
    """The schema's ``vecbench.machine`` dict."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count() or 1,
        "memory_bytes": memory_bytes(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "numpy": np.__version__,
        "blas": threadpoolctl.threadpool_info(),
        "numba": numba.__version__,
        "numba_threading_layer": numba_threading_layer(),
        "numba_threads": numba.get_num_threads(),
        "cache_bytes": cache_bytes(),
        # why: the fused kernels' block sizes and walks depend on it (impls/_fused_plan)
        "llvm_cpu": _fused_plan.HOST_CPU_NAME,
        "fused_kernel_tuning": _fused_plan.HOST_TUNING.name,
        "fused_kernel_plan": _plan_cache.describe_active_plan(),
    }


def kernel_plan_line(plan: dict) -> str:
    """One line saying which variants the fused kernels use (``fused_kernel_plan`` of machine_info)."""
    if plan.get("source") == "plan file":
        return (f"fused kernels: this machine's plan, measured by `vecbench tune` on {plan.get('created')} "
                f"({plan.get('path')})")
    return (f"fused kernels: built-in defaults (`{_fused_plan.HOST_TUNING.name}` for {_fused_plan.HOST_CPU_NAME}); "
            "`vecbench tune` measures a plan for this machine")
