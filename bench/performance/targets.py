"""``vecbench targets``: check the fast kernels' performance targets, as ratios measured in one run.

Float64, every thread pool (Numba, BLAS via threadpoolctl, the peers) at the machine's core count.
For each target point and both memory orders the data is built once, every implementation's
output is checked against ``numpy-vectorized``, then all implementations are timed interleaved
(round-robin rounds; medians). The memory read bandwidth is measured once; a point's floor is
``bytes of X and Y / bandwidth``. The step's per-sample math alone on cache-resident z and y, for
the point's m samples (bench.measure.compute_roof), is timed in the same rounds too: the slower of
it and the read is the point's *attainable* bound (the lower of the two roofs). The judged
kernel's fraction of the read (or of the attainable bound) comes from rounds of its own, where
the kernel, the read and the math are timed side by side (bench.performance.side_by_side): the
median of the rounds' ratios, with its interval. Targets:

- ``numba-parallel`` at ≥ 0.85 of the read at (m=10⁶, n_x=100) and ≥ 0.8 at (m=10⁵, n_x=1000);
  at ≥ 0.75 of the attainable bound at (m=10⁶, n_x=10) and ≥ 0.8 at (m=10⁶, n_x=2), where "the
  read" is a read of the very same X and Y timed in the same interleaved rounds (the probe's floor
  is shown beside it);
- the fastest implementation ≥ 2.5× ``numpy-vectorized`` at the first two sizes, and ahead of every
  peer at every point;
- one thread: ``numba-fused`` at ≥ 0.8 of a one-thread read at (m=10⁶, n_x=100), and ahead of every
  peer run on that one thread;
- a second process loads every Numba kernel from the on-disk cache (no recompilation); the
  first compile time of each kernel is recorded.

Prints a table with PASS/FAIL per target and writes what it measured to
``targets-YYYYmmdd-HHMMSS.json`` in this machine's folder of ``reports/results/`` (copied to
``reports/results/targets-latest.json`` when it completes). Exit status 0 if every target passes, 1 if any fails,
2 on a usage error. ``--quick`` runs the same checks on 1000× fewer samples, 3 rounds, a small
bandwidth probe and the compile-cache check in the usual cache (a smoke test: its verdicts say
nothing about the real targets).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import shutil
import statistics
import sys
from pathlib import Path

import impls
from bench.measure.bandwidth import floor_fields, measure_read_bandwidth, read_once, read_streams
from bench.measure.compile_cache import check_compile_cache
from bench.measure.compute_roof import attainable_fields, math_of_samples
from bench.measure.machine import kernel_plan_line, last_level_cache_bytes, machine_info
from bench.performance import side_by_side
from bench.performance.target_checks import MAX_CALL_S, PEERS, TargetPoint, point_checks
from bench.performance.target_lines import MATH_ONLY, READ_ONCE, cache_lines, compute_roof_line, point_lines
from bench.measure.timing import PAUSE_S, Step, interleaved_times, mismatch, timed_call
from bench.measure.problems import check_impls, describe_error, kernel_args, prepared_call
from bench.results.folders import dated_path, machine_folder
from bench.results.writing import RESULTS_DIR, now_iso, write_json_atomically
from bench.measure.threads import limited_threads
from bench.cli import Progress, fail, positive_int
from bench.measure.dask_cluster import use_dask_scheduler
from bench.results.schema import REFERENCE
from impls import _plan_cache, peers

DTYPE = "float64"
ORDERS = ("C", "F")
#: a copy of the newest complete targets file written to the default place
LATEST_COPY = RESULTS_DIR / "targets-latest.json"
DEFAULT_ROUNDS = 7
QUICK_M_DIVISOR = 1000
QUICK_ROUNDS = 3
#: The pause before each timed call with --quick. why: --quick checks the code paths and the file
#: (its sizes are not the targets' and its numbers judge nothing), and PAUSE_S before each of its
#: ~400 timed calls was most of its time (53 of 99 s profiled on a Zen 3 VM)
QUICK_PAUSE_S = 0.01
PROBE_M = 1000
#: A probe that takes longer than this is not grown further: its extrapolation is trusted.
PROBE_BUDGET_S = 0.3


TARGET_POINTS = (
    TargetPoint(10**6, 100, 0.85, min_speedup_over_reference=2.5, ahead_of_peers=True),
    TargetPoint(10**5, 1000, 0.8, min_speedup_over_reference=2.5, ahead_of_peers=True),
    # why of the attainable bound: with few features the per-sample math may be slower than the read
    TargetPoint(10**6, 10, 0.75, ahead_of_peers=True, of_attainable=True),
    TargetPoint(10**6, 2, 0.8, ahead_of_peers=True, of_attainable=True),
    # why: what the default `vecbench run` (one thread) shows users; the peers on the same one core
    TargetPoint(10**6, 100, 0.8, judged="numba-fused", threads=1, only=("numba-fused", *PEERS),
                ahead_of_peers=True),
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="vecbench targets", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"smoke test: m divided by {QUICK_M_DIVISOR}")
    parser.add_argument("--repeats", type=positive_int, default=None,
                        help=f"interleaved timing rounds per point (default {DEFAULT_ROUNDS}, "
                             f"{QUICK_ROUNDS} with --quick)")
    parser.add_argument("--judge-rounds", type=positive_int, default=None,
                        help="rounds of the judged kernel, the read of X and Y and the per-sample math timed "
                             f"side by side, which the judged fraction comes from (default {side_by_side.ROUNDS}, "
                             f"{side_by_side.QUICK_ROUNDS} with --quick)")
    parser.add_argument("--plain", action="store_true",
                        help="no progress bar, even on a terminal (piped output never has one)")
    parser.add_argument("--output", type=Path, default=None,
                        help="JSON file to write (default: targets-YYYYmmdd-HHMMSS.json in this machine's folder "
                             f"of {RESULTS_DIR}/, copied to {LATEST_COPY} when complete)")
    parser.add_argument("--impl", nargs="+", metavar="NAME",
                        help=f"time only these implementations, besides {REFERENCE} and the kernel each target "
                             "judges (default: every registered one); the peer check then compares with the "
                             "peers named")
    parser.add_argument("--dask-scheduler", metavar="ADDRESS",
                        help="time dask-distributed on the Dask scheduler at ADDRESS (tcp://… or tls://…, "
                             "as for vecbench run; default: DASK_SCHEDULER_ADDRESS, else an embedded "
                             "cluster on this machine's loopback)")
    args = parser.parse_args(argv)
    try:
        args.impl = check_impls(args.impl) if args.impl else None
    except ValueError as exc:
        parser.error(f"--impl: {exc}")
    if args.repeats is None:
        args.repeats = QUICK_ROUNDS if args.quick else DEFAULT_ROUNDS
    if args.judge_rounds is None:
        args.judge_rounds = side_by_side.QUICK_ROUNDS if args.quick else side_by_side.ROUNDS
    return args


# ---------------------------------------------------------------------------------------------
# Measuring one point


def _predicted_call_s(prepare, m: int, n_x: int, order: str) -> float:
    """Seconds per call at ``m`` samples, extrapolated linearly from a smaller probe problem.

    The probe starts at PROBE_M samples and grows 10× while the extrapolation says "too slow"
    and the probe stays cheap. why: a threaded kernel's fixed cost per call (waking its threads)
    would make a small probe's extrapolation wildly pessimistic.
    """
    probe_m = min(m, PROBE_M)
    while True:
        _, step, args = prepared_call(prepare, kernel_args(probe_m, n_x, DTYPE, order))
        step(*args)  # compiles a JIT kernel, so the next calls are the steady ones
        # why: the best of 3, so that one call delayed by another process does not skip a kernel
        seconds = min(timed_call(step, args)[0] for _ in range(3))
        predicted = seconds * m / probe_m
        if predicted <= MAX_CALL_S or probe_m == m or seconds * 10 > PROBE_BUDGET_S:
            return predicted
        probe_m = min(m, probe_m * 10)


def _checked_kernels(args: tuple, point: TargetPoint, order: str) -> tuple[dict, dict]:
    """Implementations to time (name → a step with its problem prepared, called with no
    arguments) and the entries of those that will not be timed; ``prepare_s`` per name."""
    reference = Step.of(impls.IMPLEMENTATIONS[REFERENCE].kernel(*args))
    to_time, entries, prepare_s = {}, {}, {}
    for name, impl in impls.IMPLEMENTATIONS.items():
        if point.only is not None and name not in point.only:
            continue
        try:
            predicted = _predicted_call_s(impl.prepare, point.m, point.n_x, order)
            if predicted > MAX_CALL_S:
                entries[name] = {"status": "skipped-slow", "predicted_s": predicted}
                continue
            # why: prepared once, outside the timing (JAX's arrays on its device, tensors),
            # and checked through the very step that is timed
            prepare_s[name], step, step_args = prepared_call(impl.prepare, args)
            first_s, output = timed_call(step, step_args)
            if impl.jit and first_s > 3 * MAX_CALL_S:  # why: that call compiled for this shape
                first_s = timed_call(step, step_args)[0]
        except Exception as exc:  # a failing implementation is reported, not fatal
            entries[name] = {"status": "failed", "error": describe_error(exc)}
            continue
        error = mismatch(output, reference, DTYPE)
        if error:
            entries[name] = {"status": "failed", "error": error}
        elif first_s > 3 * MAX_CALL_S:
            entries[name] = {"status": "skipped-slow", "first_call_s": first_s}
        else:
            to_time[name] = functools.partial(step, *step_args)
    return to_time, entries, prepare_s


def measure_point(point: TargetPoint, order: str, rounds: int, bandwidth: dict, threads: int,
                  cache_bytes: int | None = None, pause_s: float = PAUSE_S,
                  judge_rounds: int = side_by_side.ROUNDS) -> dict:
    """Everything measured at one target point in one memory order (the JSON's ``points`` item),
    on ``threads`` threads (which the caller has set).

    ``cache_bytes``: the last-level cache; a point whose X and Y fit in it is flagged
    ``fits_in_cache`` (steps run back to back may then read much of the data from cache).
    ``pause_s``: the sleep before each timed call (see ``interleaved_times``). ``judge_rounds``:
    rounds of the judged kernel, the read and the math side by side, after the shared rounds.
    """
    args = kernel_args(point.m, point.n_x, DTYPE, order)
    X, Y = args[2], args[3]
    floor = floor_fields(X.nbytes + Y.nbytes, None, bandwidth, threads)
    kernels, entries, prepare_s = _checked_kernels(args, point, order)
    # why: the machine's bandwidth drifts by tens of percent within minutes here (other tenants
    # of the host), so the run-start probe's floor is echoed by a read of this very X and Y,
    # timed in the same rounds as the implementations; fraction_of_read_once compares like
    # with like (also when X and Y fit in the cache).
    read_args = (X, Y)
    streams = read_streams(bandwidth, threads)  # why: the probe's faster way to read, on this machine
    read_once(*read_args, streams=streams)  # compiled or loaded from cache outside the timed rounds
    # why also in the same rounds: the compute roof drifts with the VM's weather as the read does
    math_call, math_samples = math_of_samples(point.m, threads)
    read_call = functools.partial(read_once, *read_args, streams=streams)
    times = interleaved_times({**kernels, READ_ONCE: read_call, MATH_ONLY: math_call}, (), rounds, pause_s)
    side = (side_by_side.side_by_side(kernels[point.judged], read_call, math_call, point.m / math_samples,
                                      judge_rounds) if point.judged in kernels else None)
    read_seconds = times.pop(READ_ONCE)
    read_median = statistics.median(read_seconds)
    read = {"median_s": read_median, "times_s": read_seconds, "achieved_GBps": floor["bytes"] / read_median / 1e9,
            "streams": streams}
    math_seconds = times.pop(MATH_ONLY)
    # why scaled: the call does whole blocks on every thread, a little more than m samples
    math_median = statistics.median(math_seconds) * point.m / math_samples
    math = {"median_s": math_median, "times_s": math_seconds, "samples": math_samples,
            "samples_per_s": point.m / math_median, **attainable_fields(read_median, math_median, None)}
    for name, seconds in times.items():
        median = statistics.median(seconds)
        entries[name] = {"status": "measured", "median_s": median, "times_s": seconds,
                         "prepare_s": prepare_s[name],
                         **floor_fields(floor["bytes"], median, bandwidth, threads),
                         "fraction_of_read_once": read_median / median,
                         "fraction_of_attainable": attainable_fields(read_median, math_median, median)[
                             "fraction_of_attainable"]}
    fastest, checks = point_checks(point, entries, floor, side)
    fits = None if cache_bytes is None else floor["bytes"] <= cache_bytes
    return {"m": point.m, "n_x": point.n_x, "order": order, "dtype": DTYPE, "threads": threads, **floor,
            "last_level_cache_bytes": cache_bytes, "fits_in_cache": fits, "read_once": read,
            "per_sample_math": math,
            "implementations": {name: entries[name] for name in impls.IMPLEMENTATIONS if name in entries},
            "side_by_side": side and {"implementation": point.judged, **side},
            "fastest": fastest, "checks": checks, "passed": all(c["passed"] for c in checks)}


# ---------------------------------------------------------------------------------------------


def _only(point: TargetPoint, chosen: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The implementations to time at ``point``: its own choice, narrowed to ``chosen`` (--impl)
    and the two it cannot go without (the reference and the kernel it judges)."""
    if chosen is None:
        return point.only
    wanted = {*chosen, REFERENCE, point.judged}
    return tuple(name for name in (point.only or impls.IMPLEMENTATIONS) if name in wanted)


def run(args: argparse.Namespace, document: dict) -> None:
    """Measure everything into ``document`` (written after every point)."""
    threads = document["threads"]
    divisor = QUICK_M_DIVISOR if args.quick else 1
    points = [dataclasses.replace(p, m=max(1, p.m // divisor), only=_only(p, args.impl)) for p in TARGET_POINTS]
    with limited_threads(threads):
        document["thread_settings"] = peers.set_threads(threads)
        document["machine"] = machine_info()
        print(kernel_plan_line(document["machine"]["fused_kernel_plan"]))
        bandwidth = (measure_read_bandwidth(threads, array_bytes=64 * 2**20, repeats=3) if args.quick
                     else measure_read_bandwidth(threads))
        document["bandwidth"] = bandwidth
        print(f"read bandwidth: {bandwidth['single_thread_GBps']:.1f} GB/s on 1 thread, "
              f"{bandwidth['multi_thread_GBps']:.1f} GB/s on {bandwidth['multi_threads']} ({bandwidth['method']})")
        print(compute_roof_line(bandwidth["compute_roof"]))
        progress = Progress(len(points) * len(ORDERS), plain=True if args.plain else None)
        try:
            for point in points:
                for order in ORDERS:
                    with limited_threads(point.threads or threads):
                        result = measure_point(point, order, args.repeats, bandwidth, point.threads or threads,
                                               last_level_cache_bytes(document["machine"]),
                                               QUICK_PAUSE_S if args.quick else PAUSE_S, args.judge_rounds)
                    document["points"].append(result)
                    write_json_atomically(args.output, document)
                    left = len(points) * len(ORDERS) - len(document["points"])
                    progress.advance(f"m={result['m']:.0e} n_x={result['n_x']} {order} ({result['threads']} thr)",
                                     f"{left} points left", "\n".join(point_lines(result)), keep=True)
        finally:
            progress.close()
    cache = check_compile_cache(["float64"], fresh=False) if args.quick else check_compile_cache(["float64", "float32"])
    document["compile_cache"] = cache
    print("\n".join(cache_lines(cache)))


def _dask_cluster() -> dict | None:
    """The Dask cluster dask-distributed ran on (as in vecbench run's machine section), or None."""
    if "dask-distributed" not in impls.IMPLEMENTATIONS:
        return None
    from impls import dask_distributed

    return dask_distributed.cluster_info()


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2, message printed)
        return exc.code if isinstance(exc.code, int) else 2
    if args.dask_scheduler:
        try:
            use_dask_scheduler(args.dask_scheduler)
        except (ValueError, ConnectionError, RuntimeError) as exc:
            return fail("vecbench targets", str(exc))
    threads = peers.cpu_count()
    latest = None if args.output else LATEST_COPY
    args.output = args.output or dated_path(machine_folder(_plan_cache.machine_key()), "targets")
    document = {"schema": 1, "command": "vecbench targets " + " ".join(argv or []), "quick": args.quick,
                "started": now_iso(), "finished": None, "complete": False, "threads": threads,
                "rounds": args.repeats, "judge_rounds": args.judge_rounds, "dtype": DTYPE, "bandwidth": None,
                "points": [],
                "compile_cache": None, "passed": False}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    try:
        run(args, document)
    except KeyboardInterrupt:
        write_json_atomically(args.output, document)
        print(f"\ninterrupted: what was measured is in {args.output}", file=sys.stderr)
        return 130
    document.update(finished=now_iso(), complete=True, dask_cluster=_dask_cluster())
    document["passed"] = all(p["passed"] for p in document["points"]) and document["compile_cache"]["passed"]
    write_json_atomically(args.output, document)
    if latest is not None:
        shutil.copyfile(args.output, latest)
    failed = sum(not p["passed"] for p in document["points"]) + (not document["compile_cache"]["passed"])
    verdict = "all targets PASS" if document["passed"] else f"{failed} check group(s) FAIL"
    note = " (--quick: small sizes, not the real targets)" if args.quick else ""
    print(f"{verdict}{note}; results in {args.output}")
    return 0 if document["passed"] else 1
