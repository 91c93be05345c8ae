"""``vecbench tune``: measure which variant of the fused kernels is fastest on this machine.

FFTW's planner, for our kernels: for every regime the kernels distinguish (memory order, range of
feature counts, dtype, thread count; impls._fused_plan.Regime), the candidate variants (walk and
block size, impls._fused_plan.candidates) run on a problem of the regime's representative
feature count, larger than the last-level cache, and are timed interleaved (round-robin rounds,
medians); the three fastest and the built-in default are timed again, and the fastest of them is
kept (the default unless another is MIN_GAIN faster); the plan is saved in the per-machine plan file
(impls/_plan_cache.py) that ``numba-fused`` and ``numba-parallel`` (and ``run``, ``targets``,
``ablation``, the Dask workers) then use, in this and later processes. Every candidate's output is
first checked against the built-in default's.

A copy of the plan (a plan file holding only it, with what every candidate measured) is saved as
``plan-YYYYmmdd-HHMMSS.json`` in this machine's folder of ``reports/results/`` for ``vecbench
record`` (not with ``--quick``; ``--no-copy`` to skip it).

Ctrl-C keeps the regimes finished so far (saved as a partial plan; the others use the built-in
defaults). Exit status 0, 1 if a candidate computed a wrong result, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path

import numba
import numpy as np

from bench.cli import OneLineParser, Progress, positive_int
from bench.measure.machine import cache_bytes
from bench.measure.memory import available_bytes
from bench.measure.problems import kernel_args
from bench.measure.threads import limited_threads
from bench.measure.timing import Step, interleaved_times, mismatch
from bench.results.folders import dated_path, machine_folder
from bench.results.units import format_seconds
from bench.results.writing import now_iso
from impls import _fused_kernel as fused
from impls import _fused_plan, _plan_cache, peers
from impls._fused_plan import Regime, Variant

#: The tuning problem's X: this multiple of the last-level cache (so that no cache serves it, as
#: the bandwidth probe), at least MIN_DATA_BYTES, at most MAX_DATA_BYTES and MEMORY_SHARE of the
#: available memory. why the cap: the whole tune must stay near a minute on 2 cores.
CACHE_MULTIPLE = 2
MIN_DATA_BYTES = 128 * 2**20
MAX_DATA_BYTES = 256 * 2**20
MEMORY_SHARE = 0.25
DEFAULT_ROUNDS = 5
#: why fewer rounds on larger problems: a tune's time grows with the problem's bytes; a machine
#: with a large cache gets larger problems, and the whole tune should stay near a minute
MIN_ROUNDS = 3
#: A candidate replaces the built-in default only if its median is this much faster.
MIN_GAIN = 0.03
#: The fastest candidates of the first heat, timed again with the default before choosing.
FINALISTS = 3
QUICK_DATA_BYTES = 2**20


def default_rounds(size_bytes: int) -> int:
    """Rounds per heat for problems of ``size_bytes``: DEFAULT_ROUNDS at MIN_DATA_BYTES, fewer on
    larger problems (at least MIN_ROUNDS)."""
    return max(MIN_ROUNDS, min(DEFAULT_ROUNDS, round(DEFAULT_ROUNDS * MIN_DATA_BYTES / size_bytes)))


def data_bytes(last_level_cache: int | None, available: int) -> int:
    """Bytes of X for the tuning problems (see CACHE_MULTIPLE)."""
    wanted = min(MAX_DATA_BYTES, max(MIN_DATA_BYTES, CACHE_MULTIPLE * (last_level_cache or 0)))
    return min(wanted, int(MEMORY_SHARE * available)) if available else wanted


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = OneLineParser(prog="vecbench tune", description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=positive_int, nargs="+",
                        help=f"thread counts to tune for (default: 1 and all cores, here {peers.cpu_count()})")
    parser.add_argument("--dtype", nargs="+", choices=("float64", "float32"), default=["float64", "float32"],
                        help="dtypes to tune for (default both)")
    parser.add_argument("--rounds", type=positive_int, default=None,
                        help=f"interleaved rounds per heat (default {DEFAULT_ROUNDS} on problems of "
                             f"{MIN_DATA_BYTES // 2**20} MiB, fewer on larger ones, at least {MIN_ROUNDS})")
    parser.add_argument("--plain", action="store_true", help="one line per regime even on a terminal")
    parser.add_argument("--quick", action="store_true",
                        help="tiny problems and one round: a smoke test whose plan means nothing (not saved "
                             "unless --plan-file is given)")
    parser.add_argument("--no-copy", action="store_true",
                        help="do not save a copy of the plan in this machine's folder of reports/results/")
    parser.add_argument("--plan-file", help="where to save the plan (default: $VECBENCH_PLAN_FILE, else "
                                            "~/.cache/vecbench/fused-plans.json)")
    args = parser.parse_args(argv)
    args.threads = sorted(set(args.threads or {1, peers.cpu_count()}))
    if args.threads[-1] > numba.config.NUMBA_NUM_THREADS:
        parser.error(f"--threads: at most {numba.config.NUMBA_NUM_THREADS} (Numba's thread pool); "
                     f"got {args.threads[-1]}")
    return args


def candidate_step(variant: Variant, args: tuple, threads: int):
    """A call of ``numba-parallel``'s driver (``numba-fused``'s on one thread) with ``variant``."""
    driver_args = _fused_plan.driver_args(*args, variant=variant)
    if threads == 1:
        return lambda: fused.fused_step(*driver_args)
    return lambda: fused.parallel_step(*driver_args, threads, fused.WHOLE_STEP)


def measure_regime(regime: Regime, args: tuple, rounds: int) -> dict:
    """Median seconds of each candidate on ``args`` (validated w, b, X, Y); wrong ones apart."""
    variants = _fused_plan.candidates(regime)
    dtype = np.dtype(regime.dtype).name
    with limited_threads(regime.threads):
        steps = {variant: candidate_step(variant, args, regime.threads) for variant in variants}
        reference = Step.of(steps[variants[0]]())  # the built-in default; also compiles
        wrong = {}
        for variant in variants[1:]:
            problem = mismatch(Step.of(steps[variant]()), reference, dtype)
            if problem:
                wrong[variant.name] = problem
                del steps[variant]
        # why no pause: only Numba's own pool runs here, no BLAS threads to let go idle first;
        # why shuffled: no candidate always runs right after the same one
        times = interleaved_times(steps, (), rounds, pause_s=0.0, shuffle=random.Random())
        # why a second heat: a neighbour's burst can make one candidate look best in a few
        # rounds; the finalists (and the default) are timed again, interleaved, before choosing
        ranked = sorted(times, key=lambda variant: statistics.median(times[variant]))
        finalists = list(dict.fromkeys([variants[0], *ranked[:FINALISTS]]))
        again = interleaved_times({v: steps[v] for v in finalists}, (), rounds, pause_s=0.0, shuffle=random.Random())
    for variant, seconds in again.items():
        times[variant] = times[variant] + seconds
    medians = {variant: statistics.median(seconds) for variant, seconds in times.items()}
    best = min(finalists, key=medians.get)
    # why: a candidate within the noise of the built-in default is not worth a different plan
    if medians[variants[0]] <= medians[best] * (1 + MIN_GAIN):
        best = variants[0]
    return {"best": best, "default": variants[0], "medians": medians, "finalists": finalists, "wrong": wrong}


def regime_lines(regime: Regime, m: int, result: dict) -> list[str]:
    best, default, medians = result["best"], result["default"], result["medians"]
    gain = medians[default] / medians[best]
    lines = [f"{regime.key} (m={m:,}, n_x={regime.representative_n_x}): {best.name}, "
             f"{format_seconds(medians[best])}; built-in default {default.name} {format_seconds(medians[default])}"
             f" ({gain:.2f}× slower)" if best != default else
             f"{regime.key} (m={m:,}, n_x={regime.representative_n_x}): the built-in default "
             f"{default.name}, {format_seconds(medians[best])}"]
    for variant, median in sorted(medians.items(), key=lambda item: item[1]):
        samples = f"{variant.block(regime.representative_n_x)} samples"
        lines.append(f"    {variant.name:<44} {samples:>13} {format_seconds(median):>10}  {medians[best] / median:5.2f}")
    lines += [f"    {name:<44} WRONG: {problem}" for name, problem in result["wrong"].items()]
    return lines


def tune(args: argparse.Namespace, progress: Progress, size_bytes: int) -> tuple[dict, dict, int]:
    """Measure every regime; returns (variants by regime key, what was measured, wrong count).
    On Ctrl-C returns what was measured so far (``measured`` then has ``"interrupted": True``)."""
    variants, measured, wrong = {}, {}, 0
    try:
        for low, _, n_x in _fused_plan.N_X_RANGES:
            for dtype in args.dtype:
                m = max(4096, size_bytes // (np.dtype(dtype).itemsize * n_x))
                for order in "CF":
                    problem = kernel_args(m, n_x, dtype, order)
                    for threads in args.threads:
                        regime = _fused_plan.regime_of(order, dtype, n_x, threads)
                        result = measure_regime(regime, problem, args.rounds)
                        variants[regime.key] = (result["best"].walk, result["best"].block_bytes)
                        measured[regime.key] = {
                            "n_x": n_x, "m": m, "default": result["default"].name, "best": result["best"].name,
                            "median_s": {v.name: s for v, s in result["medians"].items()},
                            "finalists": [v.name for v in result["finalists"]], "wrong": result["wrong"]}
                        wrong += len(result["wrong"])
                        progress.advance(regime.key, f"{len(variants)} regimes done",
                                         "\n".join(regime_lines(regime, m, result)), keep=True)
                    del problem
                    gc.collect()  # why: free this problem before the next one is built
    except KeyboardInterrupt:
        measured["interrupted"] = True
    return variants, measured, wrong


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    caches = cache_bytes()
    size_bytes = QUICK_DATA_BYTES if args.quick else data_bytes(max(caches.values(), default=None),
                                                                 available_bytes())
    total = len(_fused_plan.N_X_RANGES) * len(args.dtype) * 2 * len(args.threads)
    args.rounds = args.rounds or (1 if args.quick else default_rounds(size_bytes))
    key = _plan_cache.machine_key()
    print(f"vecbench tune: {total} regimes on {key['cpu']} ({key['llvm_cpu']}, {key['cores']} cores), "
          f"threads {args.threads}, problems of {size_bytes / 2**20:.0f} MiB, {args.rounds} rounds", flush=True)
    started = time.perf_counter()
    progress = Progress(total, plain=True if args.plain else None)
    try:
        variants, measured, wrong = tune(args, progress, size_bytes)
    finally:
        progress.close()
    interrupted = measured.pop("interrupted", False)
    if args.quick and not args.plan_file:
        print(f"--quick: plan not saved ({len(variants)} regimes in {time.perf_counter() - started:.1f} s)")
        return 1 if wrong else 0
    if not variants:
        print("interrupted before the first regime finished: no plan saved")
        return 130
    plan = _plan_cache.Plan(key, now_iso(), variants, measured)
    path = _plan_cache.save_plan(plan, Path(args.plan_file) if args.plan_file else None)
    changed = sum(m["best"] != m["default"] for m in measured.values())
    print(f"{'interrupted: partial plan' if interrupted else 'plan'} of {len(variants)} regimes "
          f"({changed} differ from the built-in defaults) saved in {path}, "
          f"{time.perf_counter() - started:.0f} s")
    if not (args.quick or args.no_copy):
        # why a copy: the plan file is per user and rewritten; the copy is the record's
        print(f"a copy with this plan only: {_plan_cache.save_plan(plan, dated_path(machine_folder(key), 'plan'))}")
    if wrong:
        print(f"error: {wrong} candidate(s) computed a wrong result (listed above as WRONG); they were not used")
    return 130 if interrupted else int(bool(wrong))

