"""The pytest plugin that carries a run: grid, budget, thread count, data, and each point's record.

``bench/test_benchmarks.py`` has one test function; this plugin parametrizes it with the grid's
points (in measuring order) and runs each point (:meth:`VecbenchPlugin.run_point`). Plain
``pytest bench/`` gets a plugin built from ``--vecbench-*`` options (bench/conftest.py);
``vecbench run`` passes its own, with a recorder that checkpoints and prints every point.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from typing import Protocol

import pytest

import impls
from bench.measure import memory
from bench.measure.bandwidth import floor_fields as bandwidth_floor_fields
from bench.measure.bandwidth import measure_read_bandwidth as measure_bandwidth
from bench.measure.canary import CanaryLog
from bench.measure.cpu import over_budget
from bench.measure.machine import implementations_info, machine_info
from bench.measure.problems import ProblemCache, kernel_args, prepared_call
from bench.measure.threads import limited_threads
from bench.measure.interleave import MIN_ROUNDS
from bench.measure.timing import estimate_call_s
from bench.results.schema import BASELINE, MEASURED, POINT_FIELDS, Point, entry_key, entry_status, run_section
from bench.results.units import format_seconds
from bench.results.writing import now_iso
from bench.runner.budget import FREE_ELEMENTS, PROBE_ELEMENTS, Prediction, Predictor, skipped_by_budget
from bench.measure.problems import registered_impls
from bench.runner.settings import RunSettings
from bench.runner.sizes import Outcome, measure_sizes, record_rounds, size_group

POINT_OVERHEAD_S = 0.01  # pytest, JSON rewrite and checkpoint per point (for the ETA)


class Recorder(Protocol):
    def start(self, plugin: VecbenchPlugin) -> None: ...
    def point(self, plugin: VecbenchPlugin, point: Point, entry: dict) -> None: ...


def floor_fields(point: Point, median_s: float | None, bandwidth: dict | None, threads: int) -> dict:
    """bytes, floor_s, fraction_of_floor, achieved_GBps of a point (floor None without bandwidth)."""
    return bandwidth_floor_fields(memory.data_bytes(point.m, point.n_x, point.dtype), median_s, bandwidth, threads)


def impl_family(name: str) -> str | None:
    impl = impls.IMPLEMENTATIONS.get(name)
    return impl.family if impl else None


class VecbenchPlugin:
    """Runs the points of ``settings.grid`` not already in ``done`` (entries of a resumed run)."""

    def __init__(self, settings: RunSettings, *, done: list[dict] = (), recorder: Recorder | None = None,
                 bandwidth: dict | None = None, command: str = "pytest bench/", canary: dict | None = None) -> None:
        self.settings = settings
        self.recorder = recorder
        self.bandwidth = bandwidth
        self.command = command
        self.started = now_iso()
        self.created = time.perf_counter()
        self.machine: dict | None = None
        self.implementations: dict | None = None
        self.done_keys = {entry_key(entry) for entry in done}
        self.points = [p for p in settings.grid.points() if p.key not in self.done_keys]
        self.generated: list[Point] = []
        self.not_measured: list[dict] = []  # for pytest-benchmark's own JSON (plain pytest)
        self.medians: dict[tuple, float] = {}
        self.paired: dict[tuple, float] = {}  # point key → paired speedup over python-loops
        self.outcomes: dict[tuple, Outcome] = {}  # measured with their group of sizes, not yet recorded
        self.selected: set[tuple] = {p.key for p in self.points}  # narrowed to pytest's selection
        self.canary = CanaryLog(series=(canary or {}).get("series"))
        self.predictor = Predictor()
        for entry in done:
            if entry_status(entry) == MEASURED:
                self.remember(Point(*entry_key(entry)), entry["stats"]["median"])
        self.problems = ProblemCache()
        self.finished_points = 0
        self.compile_total_s = 0.0  # why: kept out of the per-point average the ETA uses
        self.recorded_nodeids: set[str] = set()
        self.stop_requested = False  # set by vecbench run's Ctrl-C handler
        self._session = ExitStack()
        self._running = False

    # ---- pytest hooks -------------------------------------------------------------------
    def pytest_generate_tests(self, metafunc) -> None:
        if set(POINT_FIELDS) <= set(metafunc.fixturenames):
            self.generated = list(self.points)
            metafunc.parametrize(POINT_FIELDS, [p.key for p in self.points], ids=[p.id for p in self.points])

    def pytest_collection_finish(self, session) -> None:
        """The points pytest will run (why: ``-k`` or a node id may select a few; a group of
        sizes is timed from those only)."""
        self.selected = {tuple(item.callspec.params[name] for name in POINT_FIELDS) for item in session.items
                         if set(POINT_FIELDS) <= set(getattr(getattr(item, "callspec", None), "params", {}))}

    def pytest_sessionfinish(self, session) -> None:
        self.problems.clear()
        self._session.close()

    def pytest_benchmark_update_json(self, config, benchmarks, output_json) -> None:
        """``pytest bench/ --benchmark-json/--benchmark-save``: add our section.

        The points not measured go in ``vecbench.not_measured``, not in ``benchmarks``
        (why: pytest-benchmark's compare refuses a whole file with one ``"stats": null``).
        """
        output_json["vecbench"] = {**self.run_section(complete=True), "not_measured": self.not_measured}

    # ---- the run ------------------------------------------------------------------------
    def start(self) -> None:
        """Thread limits, bandwidth and machine info: once, before the first point is timed."""
        if self._running:
            return
        self._running = True
        if self.bandwidth is None:
            self.bandwidth = measure_bandwidth(self.settings.threads)
        self._session.enter_context(limited_threads(self.settings.threads))
        self.machine = machine_info()  # why: after the bandwidth's parallel sum, Numba knows its layer
        self.implementations = implementations_info()
        if self.recorder:
            self.recorder.start(self)

    def run_section(self, *, complete: bool) -> dict:
        """The results file's ``vecbench`` section for this run."""
        settings = self.settings
        return run_section(preset=settings.preset, command=self.command, started=self.started,
                           threads=settings.threads, settings=settings.as_dict(), machine=self.machine,
                           bandwidth=self.bandwidth, implementations=self.implementations, finished=now_iso() if complete else None,
                           complete=complete, canary=self.canary.as_dict())

    def unbenchmarked(self) -> list[str]:
        """Implementations that should have points but were given none (the guard test)."""
        expected = self.settings.grid.impls if self.settings.impls_selected else registered_impls()
        covered = {p.impl for p in self.generated} | {key[0] for key in self.done_keys}
        return [name for name in expected if name not in covered]

    def run_point(self, benchmark, point: Point) -> None:
        """Record one point; its size's group (:func:`~bench.runner.sizes.size_group`) is measured
        when the group's first point comes up."""
        self.raise_if_stopping()
        self.start()
        benchmark.group = point.group
        if point.key not in self.outcomes:
            pending = [p for p in self.points if p.key in self.selected]
            together = size_group(pending, point, limit_bytes=None if self.settings.sizes_in_turn else 0)
            try:
                self.outcomes.update(measure_sizes(self, together, timed=not benchmark.disabled))
            except Exception:
                self.raise_if_stopping()
                raise
            self._release_cluster(pending[pending.index(point):], measured=together)
        outcome = self.outcomes.pop(point.key)
        if outcome.status == MEASURED and outcome.rounds is None:
            return  # --benchmark-disable: a correctness run, nothing timed or recorded
        if outcome.rounds is not None:
            self.compile_total_s += (outcome.compile_s or 0.0) + (outcome.prepare_s or 0.0)
        self._record(benchmark, point, outcome)
        if outcome.status == "skipped-budget":
            pytest.skip(f"{point.id}: predicted {format_seconds(outcome.prediction.seconds)} per call"
                        f" > budget {format_seconds(self.settings.budget_s)}")
        if outcome.status == "failed":
            pytest.fail(f"{point.id}: {outcome.error}", pytrace=False)

    def raise_if_stopping(self) -> None:
        """KeyboardInterrupt if Ctrl-C came (why: a library may have swallowed the exception, or
        turned it into another one, as Numba's unpickler does with a SystemError: that error is
        the interruption, not a failure of the point)."""
        if self.stop_requested:
            raise KeyboardInterrupt from None

    def _release_cluster(self, later: list[Point], measured: list[Point]) -> None:
        """Shut the embedded Dask cluster down once no point of ``later`` but those just
        ``measured`` needs it (why: its idle workers would go on taking CPU from the points
        measured after them)."""
        done = {p.key for p in measured}
        if not any(impl_family(p.impl) == "dask" and p.key not in done for p in later):
            if "dask-distributed" in impls.IMPLEMENTATIONS:
                from impls import dask_distributed

                info = dask_distributed.cluster_info()
                if self.machine is not None and info:
                    self.machine["dask_cluster"] = info  # why: recorded before the cluster goes
                dask_distributed.shutdown()

    def _memory_refusal(self, point: Point, impl) -> str | None:
        """Why this point would not fit in the memory available now (None if it fits)."""
        needed = memory.impl_extra_bytes(impl, point.m, point.n_x, point.dtype)
        if point.data_key != self.problems.key:  # why: else the problem is already allocated
            needed += memory.problem_bytes(point.m, point.n_x, point.dtype)
        return memory.refusal(f"{point.impl} at m={point.m}, n_x={point.n_x}", needed)

    def remember(self, point: Point, median: float) -> None:
        """A point's timed median: for the budget's predictions and the progress lines."""
        self.medians[point.key] = median
        self.predictor.add(point, median)

    def _predict(self, point: Point) -> Prediction | None:
        if not self.predictor.has_basis(point) and point.m * point.n_x > FREE_ELEMENTS:
            self._probe(point)
        return self.predictor.predict(point)

    def _probe(self, point: Point) -> None:
        """Time single calls at small sizes of the same n_x: a basis for a large first point."""
        sizes = {max(1, elements // point.n_x) for elements in PROBE_ELEMENTS}
        prepare = impls.IMPLEMENTATIONS[point.impl].prepare
        for m in sorted(size for size in sizes if size < point.m):
            try:
                _, step, args = prepared_call(prepare, kernel_args(m, point.n_x, point.dtype, point.order))
                step(*args)  # why: a JIT kernel compiles here, not inside the probe's timing
                self.predictor.add(Point(point.impl, m, point.n_x, point.dtype, point.order),
                                   estimate_call_s(step, args), probe=True)
            except Exception:  # the point's own check reports what is wrong with the kernel
                return

    def _record(self, benchmark, point: Point, outcome: Outcome) -> None:
        rounds = outcome.rounds
        parallelism = rounds.parallelism if rounds else None
        benchmark.extra_info.update(
            impl=point.impl, m=point.m, n_x=point.n_x, dtype=point.dtype, order=point.order,
            threads=self.settings.threads, compile_s=outcome.compile_s, prepare_s=outcome.prepare_s,
            status=outcome.status, predicted_s=outcome.prediction.seconds if outcome.prediction else None,
            prediction_basis=outcome.prediction.basis if outcome.prediction else None, error=outcome.error,
            **floor_fields(point, outcome.median_s, self.bandwidth, self.settings.threads),
        )
        if rounds is not None:
            benchmark.extra_info.update(compile_cache=outcome.compile_cache, rounds_interleaved=True,
                                        canary_s=rounds.canary, round_index=rounds.index,
                                        parallelism=parallelism,
                                        over_threads=over_budget(parallelism, self.settings.threads))
            record_rounds(benchmark, rounds)
            entry = benchmark.stats.as_dict(include_data=True)
        else:
            entry = {"group": point.group, "name": benchmark.name, "fullname": benchmark.fullname,
                     "params": dict(zip(POINT_FIELDS, point.key)), "param": benchmark.param,
                     "extra_info": dict(benchmark.extra_info), "stats": None}
            if outcome.status != MEASURED:
                self.not_measured.append(entry)
            benchmark._mode = "vecbench: checked, not timed"  # why: pytest-benchmark warns on an unused fixture
        self.recorded_nodeids.add(benchmark.fullname)
        self.finished_points += 1
        if self.recorder:
            self.recorder.point(self, point, entry)

    # ---- for progress lines ---------------------------------------------------------------
    def speedup(self, point: Point) -> float | None:
        """``python-loops``'s time over this point's at the same size: the median of the ratios
        of rounds measured side by side (medians' ratio when they were not), if both are known."""
        baseline = self.medians.get((BASELINE, *point.key[1:]))
        median = self.medians.get(point.key)
        paired = self.paired.get(point.key)
        return paired if paired else (baseline / median if baseline and median else None)

    def seconds_left(self, elapsed_s: float) -> float:
        """Estimated wall time of the points not yet finished.

        Each point's cost is modelled from its predicted call time (check and calibration calls,
        then about ``timing_s`` but at least MIN_ROUNDS calls) plus the build of each new size;
        the sum is scaled by how the same model did on the points already finished.
        """
        done, remaining = self.points[:self.finished_points], self.points[self.finished_points:]
        if not remaining or not done:
            return 0.0
        modelled_done = self._modelled_seconds(done, built=None)
        active_s = max(0.0, elapsed_s - self.compile_total_s)
        scale = min(max(active_s / modelled_done, 0.5), 4.0) if modelled_done > 0 else 1.0
        return scale * self._modelled_seconds(remaining, built=self.problems.key)

    def _modelled_seconds(self, points: list[Point], built: tuple | None) -> float:
        total, sizes = 0.0, set()
        for point in points:
            prediction = self.predictor.predict(point) if self.predictor.has_basis(point) else None
            call_s = prediction.seconds if prediction else 0.0
            if skipped_by_budget(point, prediction, self.settings.budget_s):
                continue  # skipped: costs nothing
            total += POINT_OVERHEAD_S + 2 * call_s + max(self.settings.timing_s, MIN_ROUNDS * call_s)
            if point.data_key != built:
                sizes.add(point.data_key)
        return total + sum(self.problems.seconds_per_element * m * n_x for m, n_x, *_ in sizes)
