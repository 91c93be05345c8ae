"""``vecbench scale``: time per step against m, in one process and on a Dask cluster.

From sizes where one core wins up to the largest the cluster holds (default m = 10³ … 10⁸ at
n_x = 10 and 100): ``dask-distributed`` at every m, ``numpy-vectorized`` and ``numba-parallel``
wherever the problem fits in this process (:mod:`.plan`); each point is prepared once, checked,
then timed (:mod:`.points`) and saved as it finishes (atomic write), so Ctrl-C keeps every
finished point; the embedded cluster is shut down on every way out. At the end: the fixed cost
of a distributed step and the crossovers (:mod:`bench.analysis.scale`), the chart
``reports/charts/scale.png`` and REPORT.md's "Beyond one machine" section. The results file is
``scale-YYYYmmdd-HHMMSS.json`` in this machine's folder of ``reports/results/``, copied to
``reports/results/scale-latest.json`` when the sweep completes (``--out`` to put it elsewhere).
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import sys
from pathlib import Path

from impls import _plan_cache, peers

from bench.cli import OneLineParser, Progress, fail, positive_int, size_type
from bench.measure.dask_cluster import dask_available, use_dask_scheduler
from bench.measure.machine import machine_info
from bench.measure.threads import limited_threads
from bench.performance.scale.plan import DEFAULT_MAX_M, DEFAULT_NXS, DTYPE, default_ms, plan_sizes
from bench.performance.scale.points import measure_size
from bench.performance.scale.summary import finish, point_line
from bench.results.folders import dated_path, machine_folder
from bench.results.schema import SCALE_LATEST, SCALE_POINTS, SCALE_SECTION, scale_section
from bench.results.writing import now_iso, write_json_atomically

PROG = "vecbench scale"
DEFAULT_ROUNDS = 7
INTERRUPTED = 130


def build_parser() -> OneLineParser:
    parser = OneLineParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("--m", nargs="+", type=size_type("m"), metavar="M",
                        help="numbers of samples (default: 1 and 3 × each power of ten from 10³ to --max-m); "
                             "a size the Dask workers cannot hold is an error")
    parser.add_argument("--max-m", type=size_type("max-m"), default=DEFAULT_MAX_M, metavar="M",
                        help=f"the largest of the default sizes (default {DEFAULT_MAX_M:.0e}); those the workers "
                             "cannot hold are recorded as skipped-memory, not measured")
    parser.add_argument("--max-in-process-m", type=size_type("max-in-process-m"), metavar="M",
                        help="measure numpy-vectorized and numba-parallel only up to this m (default: "
                             "wherever the problem fits in this process's memory)")
    parser.add_argument("--n-x", nargs="+", type=size_type("n_x"), dest="n_x", metavar="N_X",
                        help=f"numbers of features (default: {' '.join(map(str, DEFAULT_NXS))})")
    parser.add_argument("--dask-scheduler", metavar="ADDRESS",
                        help="the Dask scheduler to use (tcp://… or tls://…, certificates from Dask's "
                             "distributed.comm.tls configuration; default: DASK_SCHEDULER_ADDRESS, else an "
                             "embedded cluster on this machine's loopback)")
    parser.add_argument("--threads", type=positive_int, metavar="N",
                        help="threads of the in-process implementations (default: every core, as the cluster)")
    parser.add_argument("--rounds", type=positive_int, default=DEFAULT_ROUNDS, metavar="N",
                        help=f"timed steps per point, median kept (default {DEFAULT_ROUNDS})")
    parser.add_argument("--out", type=Path, default=None, metavar="PATH",
                        help="results file (default: scale-YYYYmmdd-HHMMSS.json in this machine's folder, "
                             f"copied to {SCALE_LATEST} when complete)")
    parser.add_argument("--charts-dir", type=Path, default=Path("reports/charts"), metavar="DIR",
                        help="where scale.png and scale.svg go (default reports/charts)")
    parser.add_argument("--report", type=Path, default=Path("reports/REPORT.md"), metavar="PATH",
                        help="REPORT.md to rewrite with the 'Beyond one machine' section, from latest.json "
                             f"beside --out (beside {SCALE_LATEST} without --out; default reports/REPORT.md)")
    parser.add_argument("--no-report", action="store_true", help="no chart and no REPORT.md at the end")
    parser.add_argument("--plain", action="store_true",
                        help="one line per point even on a terminal (default there: a progress bar)")
    return parser


def _cluster():
    """The cluster in use (started or connected here); its ``cluster_info()``."""
    from impls import dask_distributed

    dask_distributed.get_client()
    return dask_distributed.cluster_info()


def _shutdown(interrupted: bool = False) -> None:
    if interrupted:
        # why: closing the client under a step's pending gathers makes asyncio log each
        # cancelled gather ("Task exception was never retrieved"): noise after a Ctrl-C
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    if dask_available():
        from impls import dask_distributed

        dask_distributed.shutdown()


def sweep(document: dict, plans: list, args, progress: Progress) -> None:
    """Measure every planned size into ``document``, writing it after each point."""
    embedded = bool(document[SCALE_SECTION]["dask_cluster"].get("embedded"))
    for index, plan in enumerate(plans):
        points = []
        for point in measure_size(plan, args.rounds, embedded):
            points.append(point)
            document[SCALE_POINTS].append(point)
            write_json_atomically(args.out, document)  # why: Ctrl-C keeps every finished point
        left = len(plans) - index - 1
        progress.advance(f"m={plan.m:,} n_x={plan.n_x}", f"{left} sizes left",
                         "\n".join(point_line(point) for point in points), keep=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.latest = None if args.out else SCALE_LATEST
    args.out = args.out or dated_path(machine_folder(_plan_cache.machine_key()), "scale")
    if args.out.suffix != ".json":
        return fail(PROG, f"--out must name a .json file; got {str(args.out)!r}")
    if not dask_available():
        return fail(PROG, "vecbench scale needs dask and distributed: python -m pip install -e \".[dask]\"")
    status = INTERRUPTED
    try:
        status = _start(args, argv)
        return status
    except KeyboardInterrupt:  # before the first point, or while the figures are drawn
        print(f"\ninterrupted: the points finished (if any) are in {args.out}", file=sys.stderr)
        return INTERRUPTED
    finally:
        _shutdown(status == INTERRUPTED)  # why: every way out, Ctrl-C included, leaves no worker behind


def _start(args, argv: list[str]) -> int:
    """Check the sizes and the cluster (one line, exit 2, on bad input), then measure."""
    ms = sorted(set(args.m)) if args.m else default_ms(args.max_m)
    try:
        if args.dask_scheduler:
            use_dask_scheduler(args.dask_scheduler)
        cluster = _cluster()
        plans = plan_sizes(ms, sorted(set(args.n_x or DEFAULT_NXS)), cluster, explicit=bool(args.m),
                           max_in_process_m=args.max_in_process_m)
    except (ValueError, ConnectionError, RuntimeError) as exc:
        return fail(PROG, str(exc))
    return _run(args, argv, args.threads or peers.cpu_count(), cluster, plans)


def _run(args, argv: list[str], threads: int, cluster: dict, plans: list) -> int:
    from impls import IMPLEMENTATIONS

    command = shlex.join(["python", "-m", "bench", "scale", *argv])
    with limited_threads(threads):
        section = scale_section(command=command, started=now_iso(), threads=threads, rounds=args.rounds,
                                dtype=DTYPE, implementations=list(IMPLEMENTATIONS), machine=machine_info(),
                                dask_cluster=cluster, load_average={"start": os.getloadavg()[0], "end": None})
        document = {SCALE_SECTION: section, SCALE_POINTS: []}
        write_json_atomically(args.out, document)
        print(f"{PROG}: {len(plans)} sizes on {cluster['n_workers']} Dask workers at {cluster['scheduler']}, "
              f"{threads} thread(s) in process → {args.out}", flush=True)
        progress = Progress(len(plans), plain=True if args.plain else None)
        try:
            sweep(document, plans, args, progress)
        except KeyboardInterrupt:
            print(f"\ninterrupted: {len(document[SCALE_POINTS])} points saved in {args.out}", file=sys.stderr)
            return INTERRUPTED
        finally:
            progress.close()
    section.update(finished=now_iso(), complete=True)
    section["load_average"]["end"] = os.getloadavg()[0]
    write_json_atomically(args.out, document)
    if args.latest is not None:
        shutil.copyfile(args.out, args.latest)
    return finish(args)
