"""``vecbench ablation``: where a fused step's time goes, stage by stage, against the floor.

Times ``numba-parallel``'s kernel (impls/_fused_kernel.py) on one problem three ways, interleaved
round-robin in one process (medians): the logits pass alone (X read once, nothing else), plus the
per-sample math, and the whole step (plus the dw pass over the cached block). With the memory read
bandwidth measured in the same run, each stage's fraction of the floor shows what limits the step:
a logits pass near the floor and a whole step far from it means the extra passes over cached data
and the per-sample math, not the memory reads, cost the difference. The per-sample math alone, on
cache-resident z and y (the compute roof, bench.measure.compute_roof), is timed in the same
rounds: the slower of it and the floor is the step's attainable bound. So are a read of the same
X and Y, and the whole step on one block of X read again and again from cache (its arithmetic
alone): when the read plus that arithmetic is about the whole step, memory and arithmetic do not
overlap, and only cheaper arithmetic (fewer instructions per element) makes the step faster.

What it measured is saved as ``ablation-YYYYmmdd-HHMMSS.json`` in this machine's folder of
``reports/results/`` (``--output`` to put it elsewhere; ``vecbench record`` shows it).
"""

from __future__ import annotations

import argparse
import random
import shlex
import statistics
import sys
from pathlib import Path

from bench.measure.bandwidth import floor_fields, measure_read_bandwidth, read_once, read_streams
from bench.measure.compute_roof import attainable_fields, math_of_samples, step_in_cache
from bench.measure.machine import machine_info
from bench.measure.problems import kernel_args
from bench.measure.threads import limited_threads
from bench.measure.timing import interleaved_times
from bench.cli import positive_int, size_type
from bench.results.folders import dated_path, machine_folder
from bench.results.schema import ablation_document
from bench.results.units import format_fraction, format_seconds
from bench.results.writing import now_iso, write_json_atomically
from impls import _fused_kernel as fused
from impls import _fused_plan
from impls import peers

#: How the printed line names where the variant comes from.
PLAN_SOURCES = {"plan": "from this machine's plan, vecbench tune", "built-in": "built-in default"}

STAGES = {
    "logits pass only": fused.LOGITS_ONLY,
    "+ per-sample math": fused.WITHOUT_DW,
    "whole step (+ dw pass)": fused.WHOLE_STEP,
}
WHOLE_STEP_STAGE = "whole step (+ dw pass)"
#: The compute roof's stage: the per-sample math of m samples, z and y in cache, X not read.
MATH_ALONE = "per-sample math alone"
#: The whole step's arithmetic for m samples, X in cache (bench.measure.compute_roof.step_in_cache).
STEP_IN_CACHE = "whole step, X in cache"
READ_ONCE = "read X and Y once"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="vecbench ablation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--m", type=size_type("m"), default=10**6,
                        help="samples, e.g. 1e6 (the default)")
    parser.add_argument("--n-x", type=positive_int, default=100, help="features (default 100)")
    parser.add_argument("--order", choices=("C", "F"), default="C", help="memory order of X (default C)")
    parser.add_argument("--threads", type=positive_int, default=peers.cpu_count(),
                        help="Numba threads (default: all cores)")
    parser.add_argument("--rounds", type=positive_int, default=11, help="interleaved rounds (default 11)")
    parser.add_argument("--output", type=Path, metavar="PATH",
                        help="results file (default: ablation-YYYYmmdd-HHMMSS.json in this machine's folder "
                             "of reports/results/)")
    return parser.parse_args(argv)


def measure(m: int, n_x: int, order: str, threads: int, rounds: int) -> dict:
    """Median seconds and fraction of the floor of each stage, and the bandwidth measured."""
    w, b, X, Y = kernel_args(m, n_x, "float64", order)
    variant, source = _fused_plan.variant_for(_fused_plan.operand_of(X)[1], X.dtype, n_x, threads)
    args = _fused_plan.driver_args(w, b, X, Y, variant)

    def stage_kernel(stages: int):
        return lambda: fused.parallel_step(*args, threads, stages)

    with limited_threads(threads):
        bandwidth = measure_read_bandwidth(threads)
        kernels = {name: stage_kernel(stages) for name, stages in STAGES.items()}
        math_call, math_samples = math_of_samples(m, threads)
        cached_call, cached_samples, cached_bytes = step_in_cache(args, m, threads)
        streams = read_streams(bandwidth, threads)  # why: the probe's faster way to read, on this machine
        read_once(X, Y, streams=streams)  # compiled (or loaded from cache) outside the timing
        # why no pause: only Numba's own pool runs here, no BLAS threads to let go idle first;
        # why shuffled: no stage always runs right after the same one (a cache or a thread state it leaves)
        times = interleaved_times({**kernels, MATH_ALONE: math_call, STEP_IN_CACHE: cached_call,
                                   READ_ONCE: lambda: read_once(X, Y, streams=streams)}, (), rounds, pause_s=0.0,
                                  shuffle=random.Random())
    # why scaled: these calls do whole blocks on every thread, a little more than m samples
    math_s = statistics.median(times.pop(MATH_ALONE)) * m / math_samples
    cached_times = times.pop(STEP_IN_CACHE)
    cached_s = statistics.median(cached_times) * m / cached_samples
    read_times = times.pop(READ_ONCE)
    read_s = statistics.median(read_times)
    medians = {name: statistics.median(seconds) for name, seconds in times.items()}
    floor_s = floor_fields(X.nbytes + Y.nbytes, None, bandwidth, threads)["floor_s"]
    stages = {name: floor_fields(X.nbytes + Y.nbytes, median, bandwidth, threads)
              | {"median_s": median, "times_s": times[name]} | attainable_fields(floor_s, math_s, median)
              for name, median in medians.items()}
    whole_s = stages[WHOLE_STEP_STAGE]["median_s"]
    for stage in stages.values():
        stage["fraction_of_read_once"] = read_s / stage["median_s"]
    return {"bandwidth": bandwidth, "variant": variant.name, "variant_source": source, "block": args[-1],
            "stages": stages, "per_sample_math": {"median_s": math_s, "samples_per_s": m / math_s,
                                                  **attainable_fields(floor_s, math_s, None)},
            "read_once": {"median_s": read_s, "times_s": read_times, "streams": streams},
            "step_in_cache": {"median_s": cached_s, "times_s": cached_times, "samples": cached_samples,
                              "x_bytes": cached_bytes,
                              # why: the whole step against the read of X plus its arithmetic on cached X,
                              # all in the same rounds: near 1, the two add up (they do not overlap); at
                              # (read + arithmetic) / max(read, arithmetic), they overlap completely
                              "read_plus_in_cache_over_step": (read_s + cached_s) / whole_s,
                              "overlap_bound": (read_s + cached_s) / max(read_s, cached_s)}}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    started = now_iso()
    result = measure(args.m, args.n_x, args.order, args.threads, args.rounds)
    machine = machine_info()
    output = args.output or dated_path(machine_folder(machine), "ablation")
    write_json_atomically(output, ablation_document(
        command=shlex.join(["vecbench", "ablation", *argv]), started=started, finished=now_iso(), m=args.m,
        n_x=args.n_x, order=args.order, threads=args.threads, rounds=args.rounds, machine=machine, result=result))
    bandwidth = result["bandwidth"]["multi_thread_GBps" if args.threads > 1 else "single_thread_GBps"]
    print(f"m={args.m:,} n_x={args.n_x} {args.order} order, {args.threads} thread(s), {result['variant']} "
          f"({result['block']} samples, {PLAN_SOURCES[result['variant_source']]}); read bandwidth {bandwidth:.1f} GB/s")
    math = result["per_sample_math"]
    print(f"    {MATH_ALONE:<24} {format_seconds(math['median_s']):>10}  {math['samples_per_s'] / 1e6:.3g} M samples/s "
          f"(z and y in cache): the step is bound by {math['bound_by']}")
    for name, stage in result["stages"].items():
        print(f"    {name:<24} {format_seconds(stage['median_s']):>10}  "
              f"{format_fraction(stage['fraction_of_floor']):>5} of floor  "
              f"{format_fraction(stage['fraction_of_read_once']):>5} of the read  "
              f"{format_fraction(stage['fraction_of_attainable']):>5} of attainable")
    cached, read = result["step_in_cache"], result["read_once"]
    print(f"    {READ_ONCE:<24} {format_seconds(read['median_s']):>10}  (the same X and Y, in the same rounds)")
    print(f"    {STEP_IN_CACHE:<24} {format_seconds(cached['median_s']):>10}  (its arithmetic alone: the read plus this "
          f"is {format_fraction(cached['read_plus_in_cache_over_step'])}× the whole step; 1 if they add up, "
          f"{format_fraction(cached['overlap_bound'])} if they overlap completely)")
    print(f"results in {output}")
    return 0
