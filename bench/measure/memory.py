"""Memory estimates, so a point that would not fit is refused before anything is allocated."""

from __future__ import annotations

import os

import numpy as np

GB = 1e9
# why: numpy-vectorized (the reference, run at every size) and make_problem hold about a dozen
# temporaries of length m (z, s, e, loss, dz, logits, noise, …) next to X.
TEMPORARIES_PER_SAMPLE = 12
# why: the pure-Python family copies X into lists of Python floats: a 24-byte float object plus
# an 8-byte list slot per element, in float64 terms 4× X (8× for float32).
PYTHON_BYTES_PER_ELEMENT = 32
HEADROOM = 0.9  # never plan to use the last 10 % of what the OS says is available


def available_bytes() -> int:
    """Memory the OS can give us now: MemAvailable from /proc/meminfo, else free physical pages."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 0  # unknown: callers treat 0 as "cannot check" (see fits())


def data_bytes(m: int, n_x: int, dtype: str) -> int:
    """Bytes of X and Y, read once by a step (the bandwidth floor's numerator)."""
    return (n_x + 1) * m * np.dtype(dtype).itemsize


def problem_bytes(m: int, n_x: int, dtype: str) -> int:
    """Peak bytes of building one problem and running the reference on it."""
    return data_bytes(m, n_x, dtype) + TEMPORARIES_PER_SAMPLE * 8 * m


def impl_extra_bytes(impl, m: int, n_x: int, dtype: str) -> int:
    """Extra bytes the implementation ``impl`` (an ``impls.Implementation``) needs on top of the
    problem: the pure-Python family's lists, a peer's copy of X in its own form."""
    if impl.family == "python":
        return PYTHON_BYTES_PER_ELEMENT * m * (n_x + 1)
    return int(impl.prepare_copies * data_bytes(m, n_x, dtype))


def refusal(what: str, needed: int, available: int | None = None) -> str | None:
    """A message if ``needed`` bytes do not fit in the available memory, else None."""
    available = available_bytes() if available is None else available
    if available <= 0 or needed <= HEADROOM * available:
        return None
    return (
        f"{what} needs about {needed / GB:.3g} GB but only {available / GB:.3g} GB of memory "
        f"is available (limit {HEADROOM:.0%} of it)"
    )
