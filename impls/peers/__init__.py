"""Peers: what a user would pick instead of writing their own kernel (optional extra ``[peers]``).

Each peer module is light to import: its library (scikit-learn, PyTorch, JAX) is imported on the
first call, because importing all three costs seconds and every ``import impls`` would pay it. A
peer is registered when its library is installed (:func:`available`).
"""

from __future__ import annotations

import importlib.util
import os
from types import ModuleType
from typing import NamedTuple

from impls.peers import jax_jit, sklearn_loss, torch_compile, torch_cpu

#: Registry names and modules, in registry order.
PEERS: tuple[tuple[str, ModuleType], ...] = (
    ("sklearn-loss", sklearn_loss),
    ("torch-cpu", torch_cpu),
    ("torch-compile", torch_compile),
    ("jax-jit", jax_jit),
)


def is_installed(module: ModuleType) -> bool:
    """True when every library the peer ``module`` needs (``module.LIBRARIES``) can be found and
    the peer can run here (``module.usable()``: torch.compile needs a C++ compiler). Cheap: no
    library is imported."""
    return all(importlib.util.find_spec(name) is not None for name in module.LIBRARIES) and module.usable()


def available() -> list[tuple[str, ModuleType]]:
    """The peers whose libraries are installed, as (name, module) in registry order."""
    return [(name, module) for name, module in PEERS if is_installed(module)]


def set_threads(threads: int) -> dict[str, str]:
    """Give every installed peer ``threads`` intra-op threads where its library allows it.

    Returns, per peer name, what was done. scikit-learn follows threadpoolctl's OpenMP limit and
    needs nothing here; PyTorch gets ``torch.set_num_threads``; JAX sizes its thread pool once,
    when it starts, from the CPU affinity mask (all cores by default) — only one thread can be
    asked for, through ``XLA_FLAGS``, and only before JAX is first used in the process.
    """
    return {name: module.set_threads(threads) for name, module in available()}


class CompileCounts(NamedTuple):
    """A JIT peer's compile counters in this process so far."""

    cache_hits: int  # compiled graphs loaded from its library's on-disk cache
    graphs: int | None  # graphs compiled or loaded (None: the library does not tell)


def compile_counts(name: str) -> CompileCounts | None:
    """The peer ``name``'s compile counters; None for an implementation whose library does not
    tell (every one but the JIT peers)."""
    module = dict(PEERS).get(name)
    hits = getattr(module, "compile_cache_hits", None)
    if hits is None or not is_installed(module):
        return None
    graphs = getattr(module, "graphs_compiled", None)
    return CompileCounts(hits(), graphs() if graphs is not None else None)


def compile_cache_outcome(before: CompileCounts | None, after: CompileCounts | None) -> str | None:
    """What a first call did, from the counters before and after it: ``"hit"``, it loaded its graph
    from the disk cache; ``"reused"``, it compiled nothing (a graph compiled earlier in the process
    served it: torch.compile's dynamic-shape graph); ``"miss"``, it compiled; None: not told."""
    if before is None or after is None:
        return None
    if after.cache_hits > before.cache_hits:
        return "hit"
    if after.graphs is not None and after.graphs == before.graphs:
        return "reused"
    return "miss"


def cpu_count() -> int:
    """Cores this process may run on (what JAX and Numba size their pools from)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
