"""The registry type: what every implementation provides."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from impls.model import Gradients, Kernel, Prepare


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
    #: declare more, with the reason in ``accuracy_note`` (the tests hold it to that bound).
    float64_rtol: float = 1e-10
    accuracy_note: str = ""
    #: bytes the preparation adds, as a multiple of X's (a peer that copies X into its own form)
    prepare_copies: float = 0.0
    #: what a reader of the results should know about how it computes (shown in the report)
    note: str = ""

    @property
    def kernel(self) -> Kernel:
        return self.propagate.kernel

    @property
    def prepare(self) -> Prepare:
        return self.propagate.prepare
