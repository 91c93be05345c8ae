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


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo, else py-cpuinfo, else the platform's processor)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    try:
        import cpuinfo

        return cpuinfo.get_cpu_info().get("brand_raw") or platform.processor()
    except Exception:  # py-cpuinfo can fail on exotic platforms; the model is informative only
        return platform.processor() or "unknown"


def memory_bytes() -> int:
    """Physical memory in bytes (0 if unknown)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 0


def numba_threading_layer() -> str:
    """The layer Numba's parallel code ran on, or the configured one if none has run yet."""
    try:
        return numba.threading_layer()
    except ValueError:  # raised until a parallel function has run in this process
        return f"not started (configured: {numba.config.THREADING_LAYER})"


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
    }
