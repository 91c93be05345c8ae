"""``vecbench run``: drive pytest-benchmark over the grid, checkpoint every point, then report.

The measuring happens in pytest (bench/test_benchmarks.py, parametrized and run by
bench.runner.plugin); this module turns the command line into settings, opens or resumes the results
file, runs pytest with the plugin, prints progress, and finishes the file.
"""

from __future__ import annotations

import shlex
import signal
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.analysis import charts, report
from bench.cli import call_main
from bench.measure.machine import kernel_plan_line
from impls._plan_cache import describe_active_plan
from bench.measure.dask_cluster import use_dask_scheduler
from bench.results.reading import ResultsError, load_results
from bench.results.schema import RESULTS_DIR, FAILED, STATUSES, Point, entry_key, entry_status, run_section
from bench.runner.plugin import VecbenchPlugin
from bench.results.units import format_duration, format_seconds
from bench.runner.progress import RunProgress, point_line
from bench.results.writing import (
    ResultsFile,
    ResumeError,
    default_path,
    latest_incomplete,
    new_document,
    now_iso,
)
from bench.runner.args import build_parser, check_resume_alone, settings_from
from bench.runner.settings import RunSettings

BENCHMARKS = Path(__file__).with_name("test_benchmarks.py")
INTERRUPTED = 130  # the shell's status for Ctrl-C


class RunRecorder:
    """Writes each finished point to the results file and prints its progress line."""

    def __init__(self, results: ResultsFile, total: int, progress: RunProgress | None = None) -> None:
        self.results = results
        self.total = total
        self.progress = progress
        self.started = time.perf_counter()

    def start(self, plugin: VecbenchPlugin) -> None:
        self.results.vecbench.update(machine=plugin.machine, bandwidth=plugin.bandwidth,
                                     implementations=plugin.implementations)
        self.started = time.perf_counter()

    def point(self, plugin: VecbenchPlugin, point: Point, entry: dict) -> None:
        self.results.vecbench["canary"] = plugin.canary.as_dict()
        self.results.add(entry)
        elapsed = time.perf_counter() - self.started
        done = len(self.results.entries)
        eta = plugin.seconds_left(elapsed) if done < self.total else None
        line = point_line(point, entry, plugin.speedup(point), plugin.settings.budget_s, done, self.total, eta)
        self.progress.point(point, entry, line, self.total - done, eta)


class ErrorPrinter:
    """Prints failures that are not a recorded point (a collection error, the guard test)."""

    def __init__(self, plugin: VecbenchPlugin, progress: RunProgress) -> None:
        self.plugin = plugin
        self.progress = progress

    def pytest_runtest_logreport(self, report) -> None:
        if report.failed and report.nodeid not in self.plugin.recorded_nodeids:
            self.progress.write(f"ERROR in {report.nodeid}:\n{report.longreprtext}")

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.progress.write(f"ERROR collecting {report.nodeid}:\n{report.longreprtext}")


def open_results(args, command: str) -> tuple[ResultsFile, RunSettings]:
    """A new results file, or the interrupted one ``--resume`` names. ValueError: bad input."""
    check_resume_alone(args)
    if args.resume:
        path = latest_incomplete(RESULTS_DIR) if args.resume is True else Path(args.resume)
        results = ResultsFile.load(path)
        return results, RunSettings.from_vecbench(results.vecbench)
    settings = settings_from(args)
    return new_results(settings, args.out, command), settings


def new_results(settings: RunSettings, out, command: str) -> ResultsFile:
    """An empty results file for a new run at ``out`` (default: a new run-*.json in
    reports/results/). ValueError if ``out`` is not a .json path."""
    path = Path(out) if out else default_path()
    if path.suffix != ".json":
        raise ValueError(f"--out must name a .json file; got {str(out)!r}")
    vecbench = run_section(preset=settings.preset, command=command, started=now_iso(),
                           threads=settings.threads, settings=settings.as_dict())
    return ResultsFile(path, new_document(vecbench))


def run_pytest(plugin: VecbenchPlugin, progress: RunProgress) -> int:
    args = [str(BENCHMARKS), "-s", "-p", "no:terminal", "-p", "no:cacheprovider", "-o", "addopts=",
            "--benchmark-disable-gc",  # why: recorded in each entry's options; we disable it too
            # why: at its end this plugin runs five full garbage collections to find unraisable
            # exceptions; with PyTorch, JAX and Dask loaded that is most of a second of a quick
            # run, for warnings that a benchmark run does not show
            "-p", "no:unraisableexception"]
    return int(pytest.main(args, plugins=[plugin, ErrorPrinter(plugin, progress)]))


def make_reports(path: Path) -> int:
    """Charts and REPORT.md from the results (``vecbench plot`` and ``report``); worst exit status."""
    status = 0
    for module in (charts, report):
        status = max(status, call_main(module, [str(path)]))
    return status


def steadiness_lines(path: Path) -> list[str]:
    """How steady the machine was (the speed canary) and the points that used more cores than
    their thread budget, from the results file just written."""
    from bench.analysis.report.steadiness import canary_sentence, over_threads_points

    try:
        results = load_results(path)
    except ResultsError:
        return []
    lines = [canary_sentence(results)]
    flagged = over_threads_points(results)
    if flagged:
        lines.append(f"{len(flagged)} points used more CPU than their thread budget ({results.threads}): "
                     + ", ".join(f"{p.impl} at m={p.m:,} n_x={p.n_x} ({p.parallelism:.2f} cores)" for p in flagged[:5])
                     + (" …" if len(flagged) > 5 else "") + "; see REPORT.md")
    return lines


def summary(results: ResultsFile, seconds: float) -> str:
    counts = Counter(entry_status(entry) for entry in results.entries)
    parts = ", ".join(f"{counts[status]} {status}" for status in STATUSES)
    return f"{len(results.entries)} points ({parts}) in {format_duration(seconds)}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    command = shlex.join(["python", "-m", "bench", "run", *argv])
    try:
        results, settings = open_results(args, command)
        if args.dask_scheduler:
            use_dask_scheduler(args.dask_scheduler)
    except (ValueError, ResumeError, ConnectionError, RuntimeError) as exc:
        parser.error(str(exc))
    try:
        return measure(results, settings, plain=True if args.plain else None, no_report=args.no_report)
    except ResumeError as exc:  # another process is writing this results file
        parser.error(str(exc))


def measure(results: ResultsFile, settings: RunSettings, *, plain: bool | None = None,
            no_report: bool = False) -> int:
    """Run the points of ``settings`` not yet in ``results``, then finish the file; exit status.

    ``plain``: one line per point (None: a bar on a terminal, lines otherwise). Raises
    ResumeError if another process is writing the same results file.
    """
    planned = settings.grid.points()
    recorder = RunRecorder(results, total=len(planned))
    plugin = VecbenchPlugin(settings, done=results.entries, recorder=recorder,
                            bandwidth=results.vecbench.get("bandwidth"), command=results.vecbench["command"],
                            canary=results.vecbench.get("canary"))
    with results.locked(), ctrl_c_stops(plugin):
        announce(plugin, results.path)
        recorder.progress = RunProgress(len(planned), len(results.entries), plain=plain)
        try:
            exit_code = run_pytest(plugin, recorder.progress)
        finally:
            recorder.progress.close()
        return finish_run(results, plugin, exit_code, no_report)


@contextmanager
def ctrl_c_stops(plugin: VecbenchPlugin):
    """Ctrl-C raises KeyboardInterrupt as usual and is also remembered, so the next point stops
    the run even if a library swallowed that exception (seen in long runs)."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield  # SIGINT ignored (a background job) or handled by the caller: leave it alone
        return

    def interrupt(signum, frame):
        plugin.stop_requested = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def announce(plugin: VecbenchPlugin, path: Path) -> None:
    settings = plugin.settings
    print(f"vecbench run: {settings.preset} preset, {len(settings.grid.points())} points "
          f"({len(plugin.points)} to run), threads {settings.threads}, "
          f"budget {format_seconds(settings.budget_s)} per call, timing {format_seconds(settings.timing_s)} per point "
          f"→ {path}", flush=True)
    print(f"  {kernel_plan_line(describe_active_plan())}", flush=True)
    for m, n_x in settings.grid.dropped_sizes:
        print(f"  size m={m}, n_x={n_x} left out: it would not fit in the available memory")


def finish_run(results: ResultsFile, plugin: VecbenchPlugin, exit_code: int, no_report: bool) -> int:
    """Complete the results file after pytest returned ``exit_code``; the run's exit status."""
    planned = plugin.settings.grid.points()
    if exit_code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        print(f"error: pytest could not run the benchmarks (exit status {exit_code}, see above)")
        return 1
    if results.entries and exit_code != pytest.ExitCode.OK:
        results.write()  # why: the file may lag the checkpoint by up to WRITE_EVERY_S of points
    if exit_code == pytest.ExitCode.INTERRUPTED:
        if not results.path.exists():
            print("interrupted before the first point finished: nothing was written")
        else:
            print(f"interrupted: {len(results.entries)} of {len(planned)} points saved in {results.path}; "
                  f"continue with: python -m bench run --resume {results.path}")
        return INTERRUPTED
    missing = {p.key for p in planned} - {entry_key(entry) for entry in results.entries}
    if missing:
        print(f"error: {len(missing)} points have no record (see the errors above); "
              f"{results.path} is kept incomplete, continue with --resume {results.path}")
        return 1
    results.finish()
    print(f"done: {summary(results, time.perf_counter() - plugin.created)}; results in {results.path} "
          f"and {results.latest_path}")
    for line in steadiness_lines(results.path):
        print(f"  {line}")
    report_status = 0 if no_report else make_reports(results.path)
    failed = any(entry_status(e) == FAILED for e in results.entries)
    return max(report_status, int(failed))
