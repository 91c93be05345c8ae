"""The registry type: what every implementation provides."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable

from impls.model import Gradients, Kernel, Prepare

#: The float64 bound of the equivalence harness: what every implementation we write guarantees.
FLOAT64_RTOL = 1e-10
#: How a peer's ``accuracy_note`` states the error its reason allows: "relative error up to 1e-8"
#: (or "below"/"at most"); its declared ``float64_rtol`` may not exceed that number.
_STATED_ERROR = re.compile(r"relative error (?:up to|below|at most) ~?(\d+(?:\.\d*)?(?:e-?\d+)?)")


def stated_error(note: str) -> float | None:
    """The relative error an ``accuracy_note`` states as its bound, or None if it states none."""
    found = _STATED_ERROR.search(note)
    return float(found.group(1)) if found else None


@dataclass(frozen=True)
class Implementation:
    """One way of computing the step.

    ``propagate(w, b, X, Y) -> Gradients`` validates its input (shared code) and runs ``kernel``.
    Training and the benchmarks use ``prepare`` instead: the validated problem is moved once into
    the implementation's own form (nothing for NumPy and Numba; tensors or device arrays for a
    peer), then stepped many times, so neither the validation nor the move is counted per step.
    """

    name: str
    description: str
    propagate: Callable[..., Gradients]
    family: str  # "python", "numpy", "numba", "dask" or "peer"
    jit: bool = False  # compiled on first call: benchmarks record the compile time separately
    parallel: bool = False  # uses more than one thread of its own (Numba prange, torch, jax)
    #: the float64 relative error (to the magnitude of the summed terms) the implementation
    #: guarantees; 1e-10 for everything we write. Only a peer whose library approximates may
    #: declare more, with the reason in ``accuracy_note``, which states the error it allows
    #: ("relative error up to X"); checked when the entry is made (the tests hold it to that bound).
    float64_rtol: float = FLOAT64_RTOL
    accuracy_note: str = ""
    #: bytes the preparation adds, as a multiple of X's (a peer that copies X into its own form)
    prepare_copies: float = 0.0
    #: what a reader of the results should know about how it computes (shown in the report)
    note: str = ""

    def __post_init__(self) -> None:
        """The tolerance guard: our own implementations meet the harness's float64 bound; a peer
        may loosen it only with a written reason, and by at most the error that reason states."""
        rtol = self.float64_rtol
        if isinstance(rtol, bool) or not isinstance(rtol, (int, float)) or not (math.isfinite(rtol) and rtol > 0):
            raise ValueError(f"{self.name}: float64_rtol must be a finite number > 0; got {rtol!r}")
        if rtol <= FLOAT64_RTOL:
            return
        if self.family != "peer":
            raise ValueError(
                f"{self.name}: float64_rtol must be <= {FLOAT64_RTOL:g} for an implementation of our own "
                f"(family {self.family!r}); got {rtol:g}: only a peer whose library approximates may loosen it"
            )
        stated = stated_error(self.accuracy_note)
        if stated is None:
            raise ValueError(
                f"{self.name}: a float64_rtol above {FLOAT64_RTOL:g} needs its reason in accuracy_note, "
                f"stating the error it allows as 'relative error up to X'; got float64_rtol {rtol:g} "
                f"and accuracy_note {self.accuracy_note!r}"
            )
        if rtol > stated:
            raise ValueError(
                f"{self.name}: float64_rtol must be <= {stated:g}, the error its accuracy_note states; got {rtol:g}"
            )

    @property
    def kernel(self) -> Kernel:
        return self.propagate.kernel

    @property
    def prepare(self) -> Prepare:
        return self.propagate.prepare
