"""``torch-compile``: the ``torch-cpu`` step under ``torch.compile`` (TorchInductor on the CPU).

Inductor fuses the element-wise math and the sums into generated C++/OpenMP loops around the
two matrix-vector products: the closest thing in PyTorch to our fused kernels. It compiles on the
first call for each shape and dtype (recorded as compile time); it needs a C++ compiler (``CXX``
or ``g++``), so it is registered only where one is found.
"""

from __future__ import annotations

import functools
import os
import shutil
import warnings

from impls.model import Prepared, validated_prepared
from impls.peers import torch_cpu

DESCRIPTION = "PyTorch on the CPU under torch.compile: Inductor's fused C++/OpenMP loops around the products"
JIT = True
# why the same: it is torch-cpu's step and preparation, compiled
LIBRARIES, ACCURACY, PREPARE_COPIES, NOTE = torch_cpu.LIBRARIES, torch_cpu.ACCURACY, torch_cpu.PREPARE_COPIES, torch_cpu.NOTE
#: Compiled graphs kept per step function (PyTorch's default is 8). why: every new shape, dtype
#: and memory layout is a graph of its own (after the first change of shape Inductor compiles
#: one with dynamic sizes); past the limit it would fall back to eager PyTorch without a word,
#: and we would time the wrong thing, so past it we fail loudly instead.
RECOMPILE_LIMIT = 64


def usable() -> bool:
    """Inductor on the CPU needs a C++ compiler."""
    return shutil.which(os.environ.get("CXX") or "g++") is not None


set_threads = torch_cpu.set_threads


@functools.cache
def _compiled():
    torch = torch_cpu._torch()
    from torch._inductor import config as inductor_config

    torch._dynamo.config.recompile_limit = RECOMPILE_LIMIT
    torch._dynamo.config.fail_on_recompile_limit_hit = True
    # why: Inductor otherwise keeps a pool of compile worker processes alive beside the timed
    # steps (their CPU would count against the step's thread budget); our graphs are tiny
    inductor_config.compile_threads = 1
    with warnings.catch_warnings():  # why: torch.compile's first use imports torch.jit, which
        # warns that its own script_method is deprecated: not the caller's concern, and an error
        # where warnings are errors (the first step of a process would fail)
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\.")
        return torch.compile(torch_cpu.step_tensors)


def _dynamo_counter(group: str, name: str) -> int:
    """One of Dynamo's counters in this process so far (0 before torch.compile was first used)."""
    import sys

    if "torch._dynamo" not in sys.modules:
        return 0
    from torch._dynamo.utils import counters

    return int(counters[group][name])


def compile_cache_hits() -> int:
    """Graphs Inductor took from its on-disk cache in this process so far (FX graph cache)."""
    return _dynamo_counter("inductor", "fxgraph_cache_hit")


def graphs_compiled() -> int:
    """Graphs Dynamo compiled (or loaded) in this process so far: a first call that adds none
    was served by an earlier graph (after one change of shape, Inductor's dynamic-size one)."""
    return _dynamo_counter("stats", "unique_graphs")


def _run(w, b, features, labels):
    """One step on the prepared tensors; ``b`` goes in as a 0-d tensor (why: a Python float is
    a constant of the graph, and every new ``b`` of a training loop would recompile it)."""
    torch = torch_cpu._torch()
    with torch.inference_mode():
        bias = torch.tensor(b, dtype=features.dtype)
        dw, db, cost = _compiled()(torch_cpu.shared(w)[:, 0], bias, features, labels)
        return dw.numpy(), float(db), float(cost)


def prepare(X, Y) -> Prepared:
    """``X (n_x, m)`` and ``Y (1, m)`` as tensors sharing NumPy's memory (as ``torch-cpu``)."""
    _, data = torch_cpu.prepare(X, Y)
    return Prepared(_run, data)


propagate = validated_prepared(prepare)
