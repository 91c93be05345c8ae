"""Command-line arguments of ``vecbench run``: the parser and its checks (exit 2, one line)."""

from __future__ import annotations

import argparse

from bench.cli import OneLineParser, size_type
from bench.results.schema import DTYPES, ORDERS
from bench.runner.grid import PRESETS
from bench.runner.settings import RunSettings, make_settings

GRID_OPTIONS = ("preset", "impl", "m", "n_x", "dtype", "order", "threads", "budget", "timing", "sizes_in_turn", "out")


def build_parser() -> OneLineParser:
    presets = "; ".join(f"{p.name}: {p.description}" for p in PRESETS.values())
    parser = OneLineParser(
        prog="vecbench run",
        description=(
            "Time every registered implementation of one logistic-regression gradient step over a "
            "grid of sizes (m samples × n_x features), with pytest-benchmark. Each point is first "
            "checked against numpy-vectorized, then timed; points predicted to exceed the per-call "
            "budget are recorded as skipped, not timed. Results: reports/results/run-*.json and "
            "reports/results/latest.json, then charts and report unless --no-report."
        ),
        epilog=(
            "On a terminal a progress bar shows the point just finished, the points left and the "
            "time left; otherwise (piped, or --plain) each finished point prints one line: implementation, m, n_x, dtype, order, status "
            "(measured / skipped-budget / FAILED), the median time per call, the speedup over "
            "python-loops when it is known, points left and an estimated time left. Every point is "
            "saved as it finishes: after Ctrl-C, --resume continues where the run stopped. "
            "Run the same benchmarks with plain pytest: pytest bench/ (options --vecbench-*)."
        ),
    )
    parser.add_argument("--preset", choices=tuple(PRESETS), help=f"grid and budget to use (default: default). {presets}")
    parser.add_argument("--impl", nargs="+", metavar="NAME", help="only these implementations (default: every registered one)")
    parser.add_argument("--m", nargs="+", type=size_type("m"), metavar="M", help="numbers of samples, e.g. 1000 1e5 (replaces the preset's)")
    parser.add_argument("--n-x", nargs="+", type=size_type("n_x"), metavar="N_X", dest="n_x", help="numbers of features (replaces the preset's)")
    parser.add_argument("--dtype", nargs="+", metavar="DTYPE", help=f"one or more of {', '.join(DTYPES)} (default: float64)")
    parser.add_argument("--order", nargs="+", metavar="ORDER", help=f"memory order of X, one or more of {', '.join(ORDERS)}: C = each feature's row contiguous (the course's layout), F = each sample's features contiguous (default: C)")
    parser.add_argument("--threads", type=int, metavar="N", help="threads for BLAS (threadpoolctl), Numba and the peers (default: 1, so loops and BLAS are compared on one core)")
    parser.add_argument("--budget", type=float, metavar="SECONDS", help="skip a point whose predicted time per call exceeds this (default: the preset's)")
    parser.add_argument("--timing", type=float, metavar="SECONDS", help="timed calls per point, in seconds, spread over 9–31 interleaved rounds (default: the preset's, " + ", ".join(f"{p.name} {p.timing_s:g}" for p in PRESETS.values()) + "); more gives each point a tighter interval and the run a longer time; it hardly brings two runs' speedups closer (pool runs with compare --vs for that)")
    parser.add_argument("--sizes-in-turn", action="store_const", const=True, help="time the sizes whose data fits in 256 MiB together (the quick preset's nine), their rounds taken in turn, so that each size's rounds spread over the whole stretch: two runs' speedups agree better, but every size of an implementation then shares one stretch of the machine's weather, which compare more often takes for a change (default: each size timed in its own stretch)")
    parser.add_argument("--out", metavar="PATH", help="results file (default: reports/results/run-YYYYmmdd-HHMMSS.json); latest.json and checkpoints/ go beside it")
    parser.add_argument("--resume", nargs="?", const=True, metavar="PATH", help="continue an interrupted run (default: the newest incomplete one in reports/results/) without re-measuring its points")
    parser.add_argument("--no-report", action="store_true", help="do not make the charts and REPORT.md after the run")
    parser.add_argument("--dask-scheduler", metavar="ADDRESS", help="run dask-distributed on the Dask scheduler at ADDRESS (e.g. tcp://10.0.0.5:8786 or tls://…; default: DASK_SCHEDULER_ADDRESS, else an embedded cluster on this machine's loopback)")
    parser.add_argument("--plain", action="store_true", help="one line per point even on a terminal (default there: a progress bar; elsewhere, as when piped to a file, always lines)")
    return parser


def settings_from(args: argparse.Namespace) -> RunSettings:
    """Settings of a new run from parsed arguments; ValueError names a bad one."""
    return make_settings(
        preset=args.preset or "default",
        impls=args.impl,
        ms=args.m,
        n_xs=args.n_x,
        dtypes=args.dtype or ("float64",),
        orders=args.order or ("C",),
        threads=1 if args.threads is None else args.threads,
        budget=args.budget,
        timing=args.timing,
        sizes_in_turn=bool(args.sizes_in_turn),
    )


def check_resume_alone(args: argparse.Namespace) -> None:
    given = [f"--{name.replace('_', '-')}" for name in GRID_OPTIONS if getattr(args, name) is not None]
    if args.resume and given:
        raise ValueError(f"--resume continues the recorded run as it was; do not combine it with {', '.join(given)}")
