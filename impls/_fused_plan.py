"""How the fused kernels (impls/_fused_kernel.py) cut and walk X: variants, defaults, plans.

A :class:`Variant` is a walk (how X is traversed, see _fused_kernel's walk constants) and a block
size in bytes of X. Which variant is fastest depends on the machine (caches, prefetchers,
memory), the memory order, the number of features, the dtype and the thread count: a *regime*
(:func:`regime_of`). ``vecbench tune`` times every regime's :func:`candidates` on the user's
machine and saves the fastest in a plan file (impls/_plan_cache.py), as FFTW keeps "wisdom";
:func:`variant_for` then uses the plan, and the built-in defaults (a :class:`Tuning` per CPU
family, measured on the CPUs we had) where there is none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numba
import numpy as np
from llvmlite import binding as llvm_binding

from impls import _plan_cache
from impls._fused_kernel import (FEATURE_MAJOR, FEATURE_MAJOR_FEW, FEATURE_MAJOR_PIPELINED,
                                 FEW_FEATURES_FEATURE_MAJOR, FEW_FEATURES_SAMPLE_MAJOR, MAX_BLOCK,
                                 MIN_BLOCK, SAMPLE_MAJOR, SAMPLE_MAJOR_FEW, SAMPLE_MAJOR_GROUPED,
                                 SAMPLE_MAJOR_GROUPED_DW, SAMPLE_MAJOR_MICRO, SAMPLE_MAJOR_ONE_PASS,
                                 SAMPLE_MAJOR_PIPELINED, SAMPLE_MAJOR_STREAMS, SAMPLE_MAJOR_TRANSPOSED,
                                 WHOLE_STEP)

#: Names of the walks, as the plan file and the reports write them.
WALK_NAMES = {
    FEATURE_MAJOR: "feature-major",
    FEATURE_MAJOR_PIPELINED: "feature-major-pipelined",
    SAMPLE_MAJOR: "sample-major",
    SAMPLE_MAJOR_PIPELINED: "sample-major-pipelined",
    SAMPLE_MAJOR_TRANSPOSED: "sample-major-transposed",
    SAMPLE_MAJOR_GROUPED: "sample-major-grouped",
    SAMPLE_MAJOR_GROUPED_DW: "sample-major-grouped-dw",
    SAMPLE_MAJOR_MICRO: "sample-major-micro",
    SAMPLE_MAJOR_ONE_PASS: "sample-major-one-pass",
    FEATURE_MAJOR_FEW: "feature-major-few",
    SAMPLE_MAJOR_FEW: "sample-major-few",
    SAMPLE_MAJOR_STREAMS: "sample-major-streams",
}
#: The walks each memory order can take (C: X as it is; F: X.T).
ORDER_WALKS = {
    "C": (FEATURE_MAJOR, FEATURE_MAJOR_PIPELINED, FEATURE_MAJOR_FEW),
    "F": (SAMPLE_MAJOR, SAMPLE_MAJOR_PIPELINED, SAMPLE_MAJOR_TRANSPOSED, SAMPLE_MAJOR_GROUPED,
          SAMPLE_MAJOR_GROUPED_DW, SAMPLE_MAJOR_MICRO, SAMPLE_MAJOR_ONE_PASS, SAMPLE_MAJOR_FEW,
          SAMPLE_MAJOR_STREAMS),
}
#: The most features each _FEW walk is compiled for (beyond, it runs as its order's default).
FEW_FEATURES = {FEATURE_MAJOR_FEW: FEW_FEATURES_FEATURE_MAJOR, SAMPLE_MAJOR_FEW: FEW_FEATURES_SAMPLE_MAJOR}


@dataclass(frozen=True)
class Variant:
    """One way to run the kernels: a walk and the bytes of X per block."""

    walk: int
    block_bytes: int

    @property
    def name(self) -> str:
        return f"{WALK_NAMES[self.walk]}, {format_bytes(self.block_bytes)} blocks"

    def block(self, n_x: int) -> int:
        """Samples per block for ``n_x`` features (see :func:`block_size`)."""
        return block_size(n_x, self.walk, self.block_bytes)


def format_bytes(count: int) -> str:
    return f"{count // 2**20} MiB" if count % 2**20 == 0 else f"{count // 2**10} KiB"


def block_size(n_x: int, walk: int, block_bytes: int) -> int:
    """Samples per block: ``block_bytes`` of X (as float64), a multiple of 16, within
    MIN_BLOCK..MAX_BLOCK (from 16 for SAMPLE_MAJOR_GROUPED and SAMPLE_MAJOR_STREAMS,
    whose blocks are small: several samples at a time already make long enough reads)."""
    samples = block_bytes // (8 * n_x) // 16 * 16
    if walk == SAMPLE_MAJOR_GROUPED or walk == SAMPLE_MAJOR_STREAMS:
        return max(16, min(MAX_BLOCK, samples))
    return max(MIN_BLOCK, min(MAX_BLOCK, samples))


@dataclass(frozen=True)
class Tuning:
    """How the kernels cut and walk X on one kind of CPU: plain numbers, chosen in Python on each
    call, so one compiled kernel serves every tuning (none is compiled in)."""

    name: str
    #: Bytes of X per block (FEATURE_MAJOR and SAMPLE_MAJOR walks), within MIN_BLOCK..MAX_BLOCK samples.
    block_bytes: int
    #: Below this many features an F-ordered block is transposed first (SAMPLE_MAJOR_TRANSPOSED).
    transpose_below_features: int
    #: From this many features an F-ordered block is walked four samples at a time
    #: (SAMPLE_MAJOR_GROUPED); None: never.
    group_from_features: int | None
    #: Bytes of X per block of the four-samples-at-a-time walk.
    grouped_block_bytes: int = 128 * 1024
    #: Below group_dw_below_features, and from group_dw_from_features on (None: never), an
    #: F-ordered block walked one sample at a time has its dw pass done four samples at a time
    #: (SAMPLE_MAJOR_GROUPED_DW).
    group_dw_below_features: int = 0
    group_dw_from_features: int | None = None


#: Tuned on Intel Ice Lake (1.25 MiB L2 per core), the default for every CPU not listed below.
#: Block bytes, C order (2 threads, m=10⁶, n_x=100, interleaved): 42.1 ms at 125 KiB, 39.2 ms at
#: 250 KiB, 40.7 ms at 500 KiB, 42.2 ms at 1000 KiB. Transpose below 12 features: the
#: sample-major loops are too short to vectorise. Four samples at a time from 256 features:
#: neutral at 200–300 features, 1.5× faster at 1000 (0.83–0.87 of the floor against 0.50–0.55);
#: grouped blocks: 0.84 of the floor at 64–256 KiB, 0.62 at 512 KiB (n_x=1000).
GENERIC = Tuning("generic", block_bytes=256 * 1024, transpose_below_features=12, group_from_features=256)

#: Tuned on AMD Zen 4 (EPYC, 1 MiB L2 per core, 32 MiB L3), used for every ``znver*`` CPU.
#: Measured with 2 threads, interleaved medians, fraction of the bandwidth floor. why 2 MiB
#: blocks, more than L2: the dw pass then re-reads the block from L3, which is fast on Zen 4,
#: and longer row segments feed the prefetcher: m=10⁶, n_x=100, block 320 / 1280 / 2048 samples
#: (0.25 / 1 / 1.6 MiB): C order 0.78 / 0.95 / 0.96, F order 0.78 / 0.97 / 1.05; m=10⁵,
#: n_x=1000 (256 samples is the floor of MIN_BLOCK): C 0.68 at 256–512, 0.60 at 2048.
#: why never four samples at a time: one at a time is faster at every size measured (n_x=1000:
#: 1.00 against 0.86; n_x=300: 0.87 against 0.67). why transpose below 8 features only:
#: sample-major is faster from 8 (n_x=8: 5.53 against 6.07 ms, n_x=10: 5.16 against 6.82 ms,
#: m=10⁶), slower below (n_x=6: 4.81 against 3.67 ms; n_x=2: 3.59 against 1.88 ms). why the dw
#: pass four samples at a time below 64 and from 256 features, but not between: one at a time /
#: dw four at a time, m=10⁶, block 2048, two runs: n_x=10 4.50 / 4.06 and 8.32 / 5.67 ms; n_x=30
#: 8.07 / 7.18 ms; n_x=100 23.4 / 25.3 and 30.0 / 33.6 ms; m=10⁵, n_x=1000, block 256: 22.5 /
#: 19.1 and 24.5 / 20.2 ms.
ZEN = Tuning("zen", block_bytes=2 * 2**20, transpose_below_features=8, group_from_features=None,
             group_dw_below_features=64, group_dw_from_features=256)

TUNINGS = (GENERIC, ZEN)


def tuning_for(cpu_name: str) -> Tuning:
    """The tuning for an LLVM CPU name (``numba.config.CPU_NAME`` or the host's, e.g. ``znver4``)."""
    return ZEN if cpu_name.startswith("znver") else GENERIC


#: The LLVM name of the CPU Numba compiles for (NUMBA_CPU_NAME if set, else the host's).
HOST_CPU_NAME = numba.config.CPU_NAME or llvm_binding.get_host_cpu_name()
#: The built-in defaults of this CPU, used where no measured plan covers a problem.
HOST_TUNING = tuning_for(HOST_CPU_NAME)


def default_variant(order: str, n_x: int, tuning: Tuning = HOST_TUNING) -> Variant:
    """The built-in variant of ``tuning`` for X of memory order ``order`` with ``n_x`` features."""
    if order == "C":
        return Variant(FEATURE_MAJOR, tuning.block_bytes)
    if n_x < tuning.transpose_below_features:
        return Variant(SAMPLE_MAJOR_TRANSPOSED, tuning.block_bytes)
    if tuning.group_from_features is not None and n_x >= tuning.group_from_features:
        return Variant(SAMPLE_MAJOR_GROUPED, tuning.grouped_block_bytes)
    upper = tuning.group_dw_from_features
    if n_x < tuning.group_dw_below_features or (upper is not None and n_x >= upper):
        return Variant(SAMPLE_MAJOR_GROUPED_DW, tuning.block_bytes)
    return Variant(SAMPLE_MAJOR, tuning.block_bytes)


#: Ranges of feature counts the planner tunes apart, each with the count it measures on: the
#: kernels change behaviour around these (few features: per-sample math and transposes dominate;
#: many: row segments per block and the dw pass).
N_X_RANGES = ((1, 7, 2), (8, 31, 10), (32, 255, 100), (256, None, 1000))


@dataclass(frozen=True)
class Regime:
    """What a plan distinguishes: memory order, dtype, thread count, range of feature counts."""

    order: str
    dtype: str
    threads: int
    n_x_low: int
    n_x_high: int | None

    @property
    def key(self) -> str:
        high = "" if self.n_x_high is None else self.n_x_high
        return f"{self.order}/{self.dtype}/threads={self.threads}/n_x={self.n_x_low}-{high}"

    @property
    def representative_n_x(self) -> int:
        return next(rep for low, _, rep in N_X_RANGES if low == self.n_x_low)


def regime_of(order: str, dtype, n_x: int, threads: int) -> Regime:
    low, high, _ = next(r for r in N_X_RANGES if n_x >= r[0] and (r[1] is None or n_x <= r[1]))
    return Regime(order, np.dtype(dtype).name, threads, low, high)


def regimes(dtypes=("float64", "float32"), threads=(1,)) -> list[Regime]:
    """Every regime for these dtypes and thread counts, both orders, every range of n_x."""
    return [Regime(order, dtype, t, low, high) for t in threads for dtype in dtypes for order in "CF"
            for low, high, _ in N_X_RANGES]


#: Block sizes the planner tries (bytes of X per block).
CANDIDATE_BLOCK_BYTES = (256 * 2**10, 512 * 2**10, 2**20, 2 * 2**20, 4 * 2**20)
CANDIDATE_GROUPED_BLOCK_BYTES = (64 * 2**10, 128 * 2**10, 256 * 2**10)


def candidates(regime: Regime) -> list[Variant]:
    """The variants the planner times for ``regime``: every walk of its order with every block
    size, less those whose blocks would be the same at the regime's representative n_x; the
    built-in defaults first."""
    n_x = regime.representative_n_x
    found = [default_variant(regime.order, n_x, tuning) for tuning in (HOST_TUNING, *TUNINGS)]
    for walk in ORDER_WALKS[regime.order]:
        if walk == SAMPLE_MAJOR_TRANSPOSED and n_x >= 32:
            continue  # why: the copy costs more than it saves with many features
        if n_x > FEW_FEATURES.get(walk, n_x):
            continue  # why: compiled for that many features only
        sizes = CANDIDATE_GROUPED_BLOCK_BYTES if walk == SAMPLE_MAJOR_GROUPED else CANDIDATE_BLOCK_BYTES
        if walk == SAMPLE_MAJOR_MICRO or walk == SAMPLE_MAJOR_ONE_PASS:
            sizes = sizes[-1:]  # why: their blocks only group the lanes' log1p; the largest is cheapest
        found += [Variant(walk, size) for size in sizes]
    unique, seen = [], set()
    for variant in found:
        identity = (variant.walk, variant.block(n_x))
        if identity not in seen:
            seen.add(identity)
            unique.append(variant)
    return unique


def operand_of(X: np.ndarray) -> tuple[np.ndarray, str]:
    """``(X, "C")`` for C order, ``(X.T, "F")`` for F order; any other strided view is first
    copied to C order. why: one sequential copy is cheaper than a strided walk, and the kernels
    then exist in one memory layout only (each extra layout is another ~10–20 s of first-time
    compilation per dtype)."""
    if X.flags.c_contiguous:
        return X, "C"
    if X.flags.f_contiguous:
        return X.T, "F"
    return np.ascontiguousarray(X), "C"


def variant_for(order: str, dtype, n_x: int, threads: int) -> tuple[Variant, str]:
    """The variant to use and where it comes from: ``"plan"`` (measured on this machine by
    ``vecbench tune``) or ``"built-in"`` (this CPU family's defaults)."""
    plan = _plan_cache.active_plan()
    # why a memo: asked on every step; a small problem's whole step takes microseconds
    key = (_plan_cache.plan_generation(), order, dtype, n_x, threads)
    found = _chosen.get(key)
    if found is None:
        measured = None if plan is None else plan.variants.get(regime_of(order, dtype, n_x, threads).key)
        found = (Variant(*measured), "plan") if measured is not None else (default_variant(order, n_x), "built-in")
        if len(_chosen) > 4096:
            _chosen.clear()
        _chosen[key] = found
    return found


#: (plan generation, order, dtype, n_x, threads) → variant_for's answer
_chosen: dict[tuple, tuple[Variant, str]] = {}


def driver_args(w, b, X, Y, variant: Variant | None = None, threads: int = 1) -> tuple:
    """``(w (n_x,) float64, b, X or X.T, y (m,), walk, block)``: the drivers' leading arguments,
    for ``variant`` (default: :func:`variant_for` this problem on ``threads`` threads)."""
    operand, order = operand_of(X)
    n_x = X.shape[0]
    if variant is None:
        variant, _ = variant_for(order, X.dtype, n_x, threads)
    if variant.walk not in ORDER_WALKS[order]:
        raise ValueError(f"variant {variant.name!r} cannot walk X in {order} order")
    weights = np.ascontiguousarray(w[:, 0], dtype=np.float64)
    labels = np.ascontiguousarray(Y[0])  # why: a strided Y view becomes one small copy
    return weights, float(b), operand, labels, variant.walk, variant.block(n_x)


def make_kernel(driver, threads: Callable[[], int] | None = None):
    """A raw kernel ``(w, b, X, Y) -> (dw, db, cost)`` around ``fused.fused_step``-like ``driver``,
    with this machine's plan (or the built-in defaults) for each problem.

    ``threads()``, if given, is called on each step and its value passed to ``driver``, followed
    by WHOLE_STEP (see ``fused.parallel_step``).
    """

    def kernel(w, b, X, Y):
        if threads is None:
            return driver(*driver_args(w, b, X, Y))
        count = threads()
        return driver(*driver_args(w, b, X, Y, threads=count), count, WHOLE_STEP)

    return kernel
