"""``vecbench noise``: how far can this machine be trusted? An A/A and an A/B run, compared.

Two back-to-back runs of the same grid, each in a process of its own (:mod:`.noise_run`; with
``--runs N``, N of each, alternating, each side pooled as ``compare --vs`` pools), with a copy of
one implementation registered for those runs only: in run A the copy is the implementation as it
is, in run B every step of it is made ``--factor`` times slower (a busy wait of ``factor − 1``
times the step's own time, so the slowdown holds whatever the machine's speed).
``vecbench compare``'s verdicts on the pair then give both figures at once: the *false-change
rate* (points of the unchanged implementations called faster or slower) and the *detection rate*
(points of the copy called slower). Points faster than 50 µs are left out of both rates, as their
noise is the timer's. It also gives how far the two runs' speedups over numpy-vectorized agree
(the copy left out): what a user comparing two runs' speedups on this machine can expect.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import impls
from bench.analysis.compare.verdicts import SAME, SLOWER, compare_runs, speedup_agreement, timed_changes
from bench.analysis.paired import canary_summary
from bench.analysis.pooled import pool_runs
from bench.analysis.record.tools import false_changes_sentence
from bench.cli import OneLineParser, size_type
from bench.results.reading import load_results
from bench.results.schema import REFERENCE, RESULTS_DIR
from bench.results.units import format_percent
from bench.measure.machine import machine_info
from bench.results.folders import dated_path, machine_folder
from bench.results.writing import now_iso, write_json_atomically
from bench.measure.problems import check_impls
from bench.runner.command import INTERRUPTED
from bench.runner.grid import PRESETS
from bench.runner.settings import check_threads, make_settings
from impls.model import Prepared, validated

PROG = "vecbench noise"
#: Its grid: the quick preset's budget on larger m (why: points of at least 50 µs count, and at
#: quick's m = 10² … 10⁴ most of numpy-vectorized's are faster than that), and five n_x (why: with
#: three, the slowed copy had 8 or 9 points of at least 50 µs, so one point decided the 90 % bar
#: and the rate's own sampling error was larger than the effects it judged; fifteen sizes give it
#: about 13)
DEFAULT_MS = (1_000, 10_000, 100_000)
DEFAULT_NXS = (1, 3, 10, 30, 100)
MAX_RUNS = 10  # runs per side at most
CHILD_STOP_S = 30.0  # a run's process gets this long to stop after Ctrl-C before it is killed
MAX_FALSE_RATE = 0.05  # the bar: at most 5 % of unchanged points called changed
MIN_DETECTION = 0.90  # ... and at least 90 % of the slowed copy's points called slower


class SlowedCopy:
    """An implementation's step made ``factor`` times slower by a busy wait (factor 1: as it is)."""

    def __init__(self, impl) -> None:
        self.impl = impl
        self.factor = 1.0
        self.name = f"{impl.name}-copy"

    def prepare(self, X, Y) -> Prepared:
        run, data = self.impl.prepare(X, Y)

        def slowed_run(*args):
            start = time.perf_counter()
            output = run(*args)
            deadline = time.perf_counter() + (self.factor - 1) * (time.perf_counter() - start)
            while time.perf_counter() < deadline:  # why: busy, so the wait scales with machine speed
                pass
            return output

        return Prepared(slowed_run, data)

    def implementation(self):
        propagate = validated(self.impl.kernel, self.prepare)
        return impls.Implementation(self.name, f"copy of {self.impl.name} (vecbench noise)", propagate,
                                    self.impl.family, jit=self.impl.jit, parallel=self.impl.parallel,
                                    prepare_copies=self.impl.prepare_copies)


@contextmanager
def registered(copy: SlowedCopy):
    """The copy in the registry, inside only."""
    impls.IMPLEMENTATIONS[copy.name] = copy.implementation()
    try:
        yield copy
    finally:
        impls.IMPLEMENTATIONS.pop(copy.name, None)


def rates(a, b, copy_name: str) -> dict:
    """False-change and detection rates of ``compare`` on runs A and B (see the module)."""
    comparison = compare_runs(a, b)
    timed = timed_changes(comparison.changes)
    others = [c for c in timed if c.key[0] != copy_name]
    mine = [c for c in timed if c.key[0] == copy_name]
    false = [c for c in others if c.verdict != SAME]
    detected = [c for c in mine if c.verdict == SLOWER]
    return {"points_unchanged": len(others), "false_changes": len(false),
            "false_change_rate": len(false) / len(others) if others else None,
            "points_slowed": len(mine), "detected": len(detected),
            "detection_rate": len(detected) / len(mine) if mine else None,
            "noise_sigma": comparison.noise,
            # the A/A half of the speedups: every run's speedups over numpy-vectorized, the copy left out
            "speedup_agreement": speedup_agreement(a, b, exclude=(copy_name,)),
            "false_change_points": [list(c.key) + [c.ratio, c.verdict] for c in false],
            "missed_points": [list(c.key) + [c.ratio, c.verdict] for c in mine if c.verdict != SLOWER]}


def verdict_text(found: dict, factor: float) -> str:
    false, detect = found["false_change_rate"], found["detection_rate"]
    if false is None or detect is None:
        return "no verdict: too few points slower than 50 µs (use a larger --preset)"
    if false <= MAX_FALSE_RATE and detect >= MIN_DETECTION:
        return (f"trusted: compare told a {factor:g}× change from this machine's noise "
                f"({_percent(false)} false changes ≤ {_percent(MAX_FALSE_RATE)}, "
                f"{_percent(detect)} detected ≥ {_percent(MIN_DETECTION)})")
    return (f"NOT trusted for {factor:g}× changes here: {_percent(false)} false changes (bar {_percent(MAX_FALSE_RATE)}), "
            f"{_percent(detect)} detected (bar {_percent(MIN_DETECTION)}); compare larger changes only, "
            "or measure on a quieter machine")


def run_settings(impl: str, copy_name: str, *, preset: str, only, ms, n_xs, threads: int):
    """The settings of a noise run (the copy registered): ``only`` and the copied implementation
    beside the copy, else every registered one. ValueError naming what is wrong."""
    chosen = [*dict.fromkeys([*only, impl])] + [copy_name] if only else None
    return make_settings(preset=preset, impls=chosen, ms=ms, n_xs=n_xs, threads=threads)


def parse_args(argv: list[str]):
    parser = OneLineParser(prog=PROG, description=__doc__.split("\n\n")[0].replace("``", ""))
    parser.add_argument("--preset", choices=tuple(PRESETS), default="quick", help="the time budget and timing of both runs (default: quick)")
    parser.add_argument("--impl", default=REFERENCE, help=f"the implementation copied and slowed in run B (default: {REFERENCE})")
    parser.add_argument("--factor", type=float, default=1.25, help="how much slower the copy is in run B (default: 1.25)")
    parser.add_argument("--threads", type=int, default=1, help="threads for every implementation (default: 1)")
    parser.add_argument("--runs", type=int, default=1, help=f"runs per side, A and B alternating, each in its own process, "
                        f"pooled as compare --vs pools them (1 to {MAX_RUNS}; default: 1)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="time only these implementations beside the copy (default: every registered one)")
    parser.add_argument("--m", nargs="+", type=size_type("m"), metavar="M", default=list(DEFAULT_MS),
                        help="numbers of samples (default: 1e3 1e4 1e5)")
    parser.add_argument("--n-x", nargs="+", type=size_type("n_x"), metavar="N_X", dest="n_x", default=list(DEFAULT_NXS),
                        help="numbers of features (default: 1 3 10 30 100)")
    parser.add_argument("--out-dir", help=f"where the two runs and noise.json go (default: noise-YYYYmmdd-HHMMSS.json "
                        f"in this machine's folder of {RESULTS_DIR}/, the runs in the folder of the same name)")
    args = parser.parse_args(argv)
    if args.impl not in impls.IMPLEMENTATIONS:
        parser.error(f"--impl must be a registered implementation ({', '.join(impls.IMPLEMENTATIONS)}); got {args.impl!r}")
    if isinstance(args.runs, bool) or not 1 <= args.runs <= MAX_RUNS:
        parser.error(f"--runs must be an integer from 1 to {MAX_RUNS}; got {args.runs!r}")
    if not 1.0 < args.factor <= 10.0:
        parser.error(f"--factor must be a number above 1 and at most 10; got {args.factor!r}")
    try:
        check_threads(args.threads)
        check_impls(args.only or ())
        with registered(SlowedCopy(impls.IMPLEMENTATIONS[args.impl])) as copy:  # why: fail here, not in a run
            run_settings(args.impl, copy.name, preset=args.preset, only=args.only, ms=args.m, n_xs=args.n_x,
                         threads=args.threads)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def _child_run(spec: dict) -> int:
    """One run in a process of its own (bench.runner.noise_run); its exit status (INTERRUPTED
    after Ctrl-C). why wait on Ctrl-C: the child gets it too, keeps what it measured and exits;
    it is killed only if it has not stopped within CHILD_STOP_S."""
    child = subprocess.Popen([sys.executable, "-m", "bench.runner.noise_run", json.dumps(spec)])
    try:
        return child.wait()
    except KeyboardInterrupt:
        try:
            child.wait(timeout=CHILD_STOP_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        return INTERRUPTED


def run_names(runs: int) -> list[tuple[str, str]]:
    """(side, file name) of every run, in the order they are measured: A and B alternate."""
    if runs == 1:
        return [("a", "run-a.json"), ("b", "run-b.json")]
    return [(side, f"run-{side}-{i}.json") for i in range(1, runs + 1) for side in ("a", "b")]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = now_iso()
    summary_path = (Path(args.out_dir) / "noise.json" if args.out_dir
                    else dated_path(machine_folder(machine_info()), "noise"))
    out_dir = Path(args.out_dir) if args.out_dir else summary_path.with_suffix("")
    copy_name = SlowedCopy(impls.IMPLEMENTATIONS[args.impl]).name
    paths: dict[str, list[Path]] = {"a": [], "b": []}
    for side, name in run_names(args.runs):
        factor = 1.0 if side == "a" else args.factor
        number = f"{side.upper()}{'' if args.runs == 1 else len(paths[side]) + 1}"
        print(f"{PROG}: run {number}: {copy_name} at {factor:g}× the time of {args.impl}", flush=True)
        paths[side].append(out_dir / name)
        spec = {"impl": args.impl, "factor": factor, "path": str(out_dir / name), "preset": args.preset,
                "only": args.only, "ms": args.m, "n_xs": args.n_x, "threads": args.threads,
                "command": f"python -m bench noise (run {number}, {copy_name} ×{factor:g})"}
        status = _child_run(spec)
        if status:
            print(f"{PROG}: run {number} did not complete (exit status {status}); no verdict")
            return status
    a, b = (pool_runs([load_results(path) for path in paths[side]]) for side in ("a", "b"))
    found = rates(a, b, copy_name)
    canaries = {run: canary_summary(r.canary) for run, r in (("a", a), ("b", b))}
    summary = {"started": started, "finished": now_iso(), "preset": args.preset, "impl": args.impl, "copy": copy_name, "factor": args.factor,
               "threads": args.threads, "machine": a.machine, "runs_per_side": args.runs,
               "runs": {side: [str(path) for path in found_paths] for side, found_paths in paths.items()},
               "canary_range": {run: c.range if c else None for run, c in canaries.items()},
               **found, "verdict": verdict_text(found, args.factor)}
    write_json_atomically(summary_path, summary)
    print(f"{PROG}: on {a.machine.get('cpu', 'this CPU')}, {args.preset} grid, {args.threads} thread(s), "
          f"{args.runs} run(s) per side{', pooled' if args.runs > 1 else ''}")
    print(f"  false changes (A/A, unchanged implementations): {found['false_changes']} of "
          f"{found['points_unchanged']} points ({_percent(found['false_change_rate'])})")
    if found["false_change_points"]:
        print(f"    {false_changes_sentence(found['false_change_points']).strip()}")
    print(f"  detected ({copy_name} {args.factor:g}× slower in B): {found['detected']} of "
          f"{found['points_slowed']} points ({_percent(found['detection_rate'])})")
    print(f"  noise between the runs: σ = {found['noise_sigma']:.1%}; canary range: "
          + ", ".join(f"run {run.upper()} {c.range:.2f}×" if c else f"run {run.upper()} none"
                      for run, c in canaries.items()))
    agreement = found["speedup_agreement"]
    if agreement:
        moved = sorted(agreement["by_impl"].items(), key=lambda item: -item[1])[:3]
        print(f"  speedups over {REFERENCE} (A/A, the copy left out): they differ by a median "
              f"{agreement['median']:.1%}, 90th percentile {agreement['p90']:.1%}, over {agreement['points']} "
              f"points; most moved: " + ", ".join(f"{impl} {change:.1%}" for impl, change in moved))
    print(f"  verdict: {summary['verdict']}")
    print(f"  files: {summary_path}, the runs in {out_dir}/")
    return 0


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else format_percent(rate)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
