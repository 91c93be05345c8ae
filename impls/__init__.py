"""vecbench implementations of one logistic-regression gradient-descent step.

``IMPLEMENTATIONS`` maps a name to an :class:`Implementation`, slowest family first. Every
``propagate(w, b, X, Y) -> Gradients`` has the same contract (see :mod:`impls.model`).
"""

from __future__ import annotations

from impls import (
    dask_distributed,
    feature_vectorized,
    numba_fused,
    numba_loops,
    numba_parallel,
    numpy_vectorized,
    peers,
    python_loops,
)
from impls.model import Gradients, Prepared, optimize, predict, validate_inputs
from impls.problem import make_problem
from impls.registry import Implementation


def _from_module(name: str, module, family: str, **flags) -> Implementation:
    return Implementation(name, module.DESCRIPTION, module.propagate, family, **flags)


IMPLEMENTATIONS: dict[str, Implementation] = {
    impl.name: impl
    for impl in (
        _from_module("python-loops", python_loops, "python"),
        _from_module("feature-vectorized", feature_vectorized, "numpy"),
        _from_module("numpy-vectorized", numpy_vectorized, "numpy"),
        _from_module("numba-loops", numba_loops, "numba", jit=True),
        _from_module("numba-fused", numba_fused, "numba", jit=True),
        _from_module("numba-parallel", numba_parallel, "numba", jit=True, parallel=True),
        # optional: registered when dask and distributed are installed (pip install -e .[dask]);
        # jit: its first call starts the cluster and loads the kernel on the workers
        *(
            (_from_module("dask-distributed", dask_distributed, "dask", jit=True, parallel=True,
                          prepare_copies=dask_distributed.PREPARE_COPIES, note=dask_distributed.NOTE),)
            if peers.is_installed(dask_distributed) else ()
        ),
        # optional: registered when the library is installed (pip install -e .[peers])
        *(
            _from_module(name, module, "peer", jit=module.JIT, parallel=True, **module.ACCURACY,
                         prepare_copies=module.PREPARE_COPIES, note=module.NOTE)
            for name, module in peers.available()
        ),
    )
}

__all__ = [
    "IMPLEMENTATIONS",
    "Gradients",
    "Implementation",
    "Prepared",
    "make_problem",
    "optimize",
    "predict",
    "validate_inputs",
]
