"""``jax-jit``: the vectorized step compiled by XLA with ``jax.jit``.

JAX computes in float32 unless ``jax_enable_x64`` is on: it is switched on when this peer first
runs (a process-wide JAX setting; nothing else in vecbench uses JAX). X is handed over in the
orientation that is C-contiguous (X or X.T), so that JAX need not transpose it.
"""

from __future__ import annotations

import functools

import numpy as np

from impls.model import validated

DESCRIPTION = "JAX: the vectorized step compiled by XLA with jax.jit (float64 enabled)"
LIBRARIES = ("jax", "jaxlib")
JIT = True
ACCURACY: dict = {}  # meets the harness's own bounds
#: The only thread setting XLA takes from the environment, read when JAX starts.
SINGLE_THREAD_XLA_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def _step(w, b, features, y, sample_major):
    """``features`` is X (n_x, m), or X.T (m, n_x) when ``sample_major``; y (m,)."""
    import jax
    import jax.numpy as jnp

    m = y.shape[0]
    z = (features @ w if sample_major else w @ features) + b
    t = 1 - 2 * y
    s = t * z
    e = jnp.exp(-jnp.abs(s))
    loss = jax.nn.softplus(s)  # logaddexp(s, 0): stable for every s
    dz = t * jnp.where(s >= 0, 1 / (1 + e), e / (1 + e))  # t·σ(s), no cancellation
    dw = dz @ features if sample_major else features @ dz
    return dw / m, jnp.sum(dz) / m, jnp.sum(loss) / m


@functools.cache
def _compiled():
    import jax

    jax.config.update("jax_enable_x64", True)
    return jax.jit(_step, static_argnums=4)


def set_threads(threads: int) -> str:
    import os
    import sys

    from impls.peers import cpu_count

    if threads >= cpu_count():
        return f"XLA's default pool: one thread per core ({cpu_count()})"
    if "jax" in sys.modules:
        return f"cannot change: JAX already started with {cpu_count()} threads"
    if threads == 1:
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {SINGLE_THREAD_XLA_FLAGS}".strip()
        return f"XLA_FLAGS={os.environ['XLA_FLAGS']!r}"
    return f"not settable: XLA uses one thread per core ({cpu_count()}) unless limited to 1"


@validated
def propagate(w, b, X, Y):
    """One step on ``X (n_x, m)``, ``Y (1, m)``, ``w (n_x, 1)``, in X's dtype."""
    # why: JAX arrays are row-major; giving it whichever of X, X.T is C-contiguous lets it use
    # the NumPy buffer as it is (a strided view is copied once, as jnp.asarray would).
    sample_major = X.flags.f_contiguous and not X.flags.c_contiguous
    features = X.T if sample_major else np.ascontiguousarray(X)
    step = _compiled()
    dw, db, cost = step(w[:, 0], np.asarray(b, dtype=X.dtype), features, np.ascontiguousarray(Y[0]), sample_major)
    return np.asarray(dw), float(db), float(cost)
