"""The benchmark engine end to end on tiny grids: results file, budget, resume, failures, memory.

Each run is a real ``vecbench run`` (pytest-benchmark inside) on sizes of at most 200 elements,
so the file takes a few seconds. Nothing here asserts on a measured time.
"""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
import json

import numpy as np
import pytest

import impls
from bench.measure import canary, memory
from bench.runner import command as runner
from bench.runner import budget, grid, plugin, sizes
from bench.results.schema import Point
from bench.results.writing import ResultsFile
from bench.runner.progress import RunProgress
from bench.runner.settings import make_settings
from impls.model import validated
from impls.registry import Implementation

# why: the quick preset's budget (0.05 s per call) and timing target (see fast_runs) keep runs short
TINY = ["--preset", "quick", "--m", "10", "100", "--n-x", "1", "2", "--no-report"]
SOME = ["python-loops", "numpy-vectorized", "numba-loops"]
FAKE_BANDWIDTH = {"single_thread_GBps": 10.0, "multi_thread_GBps": 10.0, "multi_threads": 1,
                  "array_bytes": 1, "repeats": 1, "method": "fake, for tests"}
EXTRA_FIELDS = ("impl", "m", "n_x", "dtype", "order", "threads", "compile_s", "status", "predicted_s",
                "prediction_basis", "error", "prepare_s", "bytes", "floor_s", "fraction_of_floor", "achieved_GBps")
STAT_FIELDS = ("min", "max", "mean", "stddev", "median", "iqr", "q1", "q3", "rounds", "iterations", "ops", "total")
MACHINE_FIELDS = ("cpu", "cores", "memory_bytes", "python", "platform", "numpy", "blas", "numba",
                  "numba_threading_layer", "numba_threads")


@pytest.fixture(autouse=True)
def fast_runs(monkeypatch):
    """Skip the 512 MiB bandwidth measurement (tested by its own module; the floor fields are still
    computed) and time each point for ~3 ms instead of the quick preset's 30 ms."""
    monkeypatch.setattr(plugin, "measure_bandwidth", lambda threads: dict(FAKE_BANDWIDTH))
    monkeypatch.setitem(grid.PRESETS, "quick", dataclasses.replace(grid.PRESETS["quick"], timing_s=0.003))


def run(tmp_path, *args) -> tuple[int, dict | None]:
    out = tmp_path / "run.json"
    code = runner.main([*args, "--out", str(out)])
    return code, json.loads(out.read_text()) if out.exists() else None


def by_key(document) -> dict[tuple, dict]:
    """Every recorded point: measured ones in ``benchmarks``, the others in ``vecbench.not_measured``."""
    entries = [*document["benchmarks"], *document["vecbench"].get("not_measured", [])]
    return {tuple(e["extra_info"][f] for f in EXTRA_FIELDS[:5]): e for e in entries}


def broken_kernel(w, b, X, Y):
    """Right shapes, wrong numbers."""
    return np.ones(X.shape[0]), 0.0, 0.0


def raising_kernel(w, b, X, Y):
    raise RuntimeError("kernel exploded")


def failing_preparation(X, Y):
    raise MemoryError("no room on the device")


def register(monkeypatch, name, kernel, prepare=None) -> None:
    implementation = Implementation(name, "a broken kernel, for tests", validated(kernel, prepare), "numpy")
    monkeypatch.setitem(impls.IMPLEMENTATIONS, name, implementation)


def test_run_writes_every_field_for_every_registered_impl_at_every_point(tmp_path, capsys):
    code, document = run(tmp_path, "--preset", "quick", "--m", "10", "--n-x", "2", "--no-report",
                         "--dtype", "float64", "float32", "--order", "C", "F")
    assert code == 0
    vecbench = document["vecbench"]
    assert vecbench["schema"] == 1 and vecbench["complete"] is True and vecbench["finished"]
    assert vecbench["preset"] == "custom" and vecbench["threads"] == 1
    assert vecbench["command"].startswith("python -m bench run --preset quick --m 10")
    assert set(MACHINE_FIELDS) <= set(vecbench["machine"])
    assert vecbench["bandwidth"] == FAKE_BANDWIDTH
    assert {"machine_info", "commit_info", "datetime", "version"} <= set(document)
    expected = {(name, m, n_x, dtype, order) for name in impls.IMPLEMENTATIONS for m in (10,)
                for n_x in (2,) for dtype in ("float64", "float32") for order in ("C", "F")}
    entries = by_key(document)
    assert set(entries) == expected and len(document["benchmarks"]) == len(expected)
    for (name, m, n_x, dtype, order), entry in entries.items():
        info = entry["extra_info"]
        assert set(EXTRA_FIELDS) <= set(info)
        assert entry["params"] == {"impl": name, "m": m, "n_x": n_x, "dtype": dtype, "order": order}
        assert entry["group"] == f"m={m} n_x={n_x} {dtype} {order}"
        assert info["bytes"] == (n_x + 1) * m * np.dtype(dtype).itemsize
        assert info["status"] == "measured", info  # the quick budget covers 20 elements
        assert set(STAT_FIELDS) <= set(entry["stats"]) and entry["stats"]["rounds"] >= 3
        assert info["achieved_GBps"] > 0 and info["floor_s"] > 0
        assert (info["compile_s"] is not None) == impls.IMPLEMENTATIONS[name].jit
        assert info["prepare_s"] >= 0  # measured apart for every point, ~0 where nothing is moved
    assert set(vecbench["implementations"]) == set(impls.IMPLEMENTATIONS)
    assert json.loads((tmp_path / "latest.json").read_text()) == document
    assert not (tmp_path / "checkpoints" / "run.jsonl").exists()  # dropped once complete
    printed = capsys.readouterr().out
    assert f"[{len(expected)}/{len(expected)}]" in printed and "done:" in printed


def test_sizes_run_smallest_first_with_isolated_families_after_all_others(monkeypatch):
    register(monkeypatch, "a-cluster", lambda w, b, X, Y: (0, 0, 0))
    monkeypatch.setitem(impls.IMPLEMENTATIONS, "a-cluster",
                        dataclasses.replace(impls.IMPLEMENTATIONS["a-cluster"], family="dask"))
    settings = make_settings(impls=["python-loops", "a-cluster", "numba-loops"], ms=[10, 100], n_xs=[1])
    points = settings.grid.points()
    assert [(p.impl, p.m) for p in points] == [("python-loops", 10), ("numba-loops", 10), ("python-loops", 100),
                                               ("numba-loops", 100), ("a-cluster", 10), ("a-cluster", 100)]


def checks_and_medians(monkeypatch) -> list[tuple]:
    """("checked" | "timed", impl, m, n_x) in the order the run checks points and hands their
    timed medians to the budget's predictor."""
    events = []
    remember, check = plugin.VecbenchPlugin.remember, sizes._check

    def remembered(self, point, median):
        events.append(("timed", point.impl, point.m, point.n_x))
        remember(self, point, median)

    def checked(vecbench, point, *rest):
        events.append(("checked", point.impl, point.m, point.n_x))
        return check(vecbench, point, *rest)

    monkeypatch.setattr(plugin.VecbenchPlugin, "remember", remembered)
    monkeypatch.setattr(sizes, "_check", checked)
    return events


def test_sizes_are_timed_in_groups_that_fit_in_memory_and_never_mix_isolated_families(monkeypatch):
    register(monkeypatch, "a-cluster", lambda w, b, X, Y: (0, 0, 0))
    monkeypatch.setitem(impls.IMPLEMENTATIONS, "a-cluster",
                        dataclasses.replace(impls.IMPLEMENTATIONS["a-cluster"], family="dask"))
    points = make_settings(impls=["numba-loops", "a-cluster", "numpy-vectorized"], ms=[10, 100, 1000],
                           n_xs=[1]).grid.points()
    local, isolated = points[:6], points[6:]
    assert sizes.size_group(points, points[0]) == local  # small sizes: one group
    assert sizes.size_group(points, points[2]) == local[2:]  # from the size asked for on
    assert sizes.size_group(points, isolated[0]) == isolated[:1]  # Dask-like: size by size
    one_size = sizes.size_bytes(local[:2])
    assert sizes.size_group(points, points[0], limit_bytes=one_size) == local[:2]
    assert sizes.size_group(points, points[0], limit_bytes=1) == local[:2]  # a size too large: alone


def test_sizes_in_turn_spreads_each_sizes_rounds_over_the_group(tmp_path, monkeypatch):
    readings = iter(range(1, 10**6))
    monkeypatch.setattr(canary, "read_canary", lambda: next(readings) * 1e-6)  # distinct, in order
    code, document = run(tmp_path, *TINY, "--impl", *SOME, "--sizes-in-turn")
    assert code == 0 and document["vecbench"]["settings"]["sizes_in_turn"] is True
    series = [reading for _, reading in document["vecbench"]["canary"]["series"]]
    position = {reading: i for i, reading in enumerate(series)}
    spans = {}
    for entry in document["benchmarks"]:
        info = entry["extra_info"]
        spans.setdefault((info["m"], info["n_x"]), set()).update(position[c] for c in info["canary_s"])
    assert len(spans) == 4
    for mine in spans.values():  # every size's rounds run from the first stretch of the run to the last
        assert min(mine) < len(series) / 4 and max(mine) > 3 * len(series) / 4
    # by default each size in a stretch of its own
    code, document = run(tmp_path, *TINY, "--impl", *SOME)
    assert code == 0 and document["vecbench"]["settings"]["sizes_in_turn"] is False
    spans = {}
    for entry in document["benchmarks"]:
        info = entry["extra_info"]
        spans.setdefault((info["m"], info["n_x"]), []).extend(info["canary_s"])
    stretches = sorted((min(s), max(s)) for s in spans.values())
    assert all(one[1] < two[0] for one, two in zip(stretches, stretches[1:]))


def test_dask_is_timed_size_by_size_after_the_others_and_its_cluster_is_gone_after_its_points(
        tmp_path, monkeypatch):
    if "dask-distributed" not in impls.IMPLEMENTATIONS:
        pytest.skip("Dask is not installed")
    import multiprocessing

    from impls import _cluster

    readings = iter(range(1, 10**6))
    monkeypatch.setattr(canary, "read_canary", lambda: next(readings) * 1e-6)
    events = checks_and_medians(monkeypatch)
    code, document = run(tmp_path, *TINY, "--impl", "numpy-vectorized", "dask-distributed")
    assert code == 0
    # Dask's sizes one by one, each timed (its median there for the budget) before the next is checked
    assert [e for e in events if e[1] == "dask-distributed"] == [
        (event, "dask-distributed", m, n_x) for m, n_x in ((10, 1), (10, 2), (100, 1), (100, 2)) for event in ("checked", "timed")]
    rounds = {}
    for entry in document["benchmarks"]:
        rounds.setdefault(entry["extra_info"]["impl"], []).extend(entry["extra_info"]["canary_s"])
    assert min(rounds["dask-distributed"]) > max(rounds["numpy-vectorized"])  # after the others
    assert document["vecbench"]["machine"]["dask_cluster"]["n_workers"] == 1  # sized to --threads 1
    assert _cluster._cluster is None and _cluster._client is None and not multiprocessing.active_children()


def test_an_isolated_familys_next_size_is_budgeted_from_the_median_timed_before_it(tmp_path, monkeypatch):
    register(monkeypatch, "a-cluster", impls.IMPLEMENTATIONS["numpy-vectorized"].kernel)
    monkeypatch.setitem(impls.IMPLEMENTATIONS, "a-cluster",
                        dataclasses.replace(impls.IMPLEMENTATIONS["a-cluster"], family="dask"))
    events = checks_and_medians(monkeypatch)
    code, _ = run(tmp_path, "--preset", "quick", "--m", "10", "100", "--n-x", "1", "--no-report",
                  "--impl", "numpy-vectorized", "a-cluster")
    assert code == 0
    ours = [event for event in events if event[1] == "a-cluster"]
    assert ours == [("checked", "a-cluster", 10, 1), ("timed", "a-cluster", 10, 1),
                    ("checked", "a-cluster", 100, 1), ("timed", "a-cluster", 100, 1)]


def test_sizes_in_turn_is_kept_for_resume_and_older_files_read_as_off():
    from bench.runner.settings import RunSettings

    settings = make_settings(ms=[10], n_xs=[1], sizes_in_turn=True)
    vecbench = {"preset": settings.preset, "threads": 1, "settings": settings.as_dict()}
    assert RunSettings.from_vecbench(vecbench).sizes_in_turn is True
    del vecbench["settings"]["sizes_in_turn"]  # a file from before the option
    assert RunSettings.from_vecbench(vecbench).sizes_in_turn is False


def test_a_timed_median_replaces_the_estimate_at_its_size():
    predictor = budget.Predictor()
    point = Point("numpy-vectorized", 1000, 10)
    predictor.add(point, 2.0)  # the check's estimate
    predictor.add(Point("numpy-vectorized", 100, 10), 0.1)
    predictor.add(point, 1.0)  # the median timed later
    assert predictor.predict(point).basis.startswith("fit t=a+b·m·n_x to 2 points")
    assert predictor.predict(point).seconds == pytest.approx(1.0, rel=1e-3)


def test_point_over_budget_is_skipped_with_prediction_and_never_timed(tmp_path, monkeypatch):
    calls = []
    kernel = impls.IMPLEMENTATIONS["numpy-vectorized"].kernel
    register(monkeypatch, "counted", lambda *args: calls.append(args[2].shape) or kernel(*args))
    big = budget.FREE_ELEMENTS  # sizes above it may be skipped
    code, document = run(tmp_path, "--preset", "quick", "--impl", "numpy-vectorized", "counted",
                         "--m", str(2 * big), str(4 * big), "--n-x", "1", "--budget", "1e-9", "--no-report")
    assert code == 0
    entries = by_key(document)
    # no basis yet (one probe call at FREE_ELEMENTS samples): measured
    assert entries[("counted", 2 * big, 1, "float64", "C")]["extra_info"]["status"] == "measured"
    skipped = entries[("counted", 4 * big, 1, "float64", "C")]
    info = skipped["extra_info"]
    assert info["status"] == "skipped-budget" and skipped["stats"] is None
    assert info["predicted_s"] > 1e-9 and "fit t=a+b·m·n_x to 2 points" in info["prediction_basis"]
    assert info["fraction_of_floor"] is None and info["achieved_GBps"] is None
    assert (1, 4 * big) not in calls


def test_points_of_at_most_free_elements_are_measured_whatever_their_prediction(tmp_path, monkeypatch):
    calls = []
    kernel = impls.IMPLEMENTATIONS["numpy-vectorized"].kernel
    register(monkeypatch, "counted", lambda *args: calls.append(args[2].shape) or kernel(*args))
    code, document = run(tmp_path, "--preset", "quick", "--impl", "numpy-vectorized", "counted",
                         "--m", "10", "20", str(budget.FREE_ELEMENTS), "--n-x", "1", "--budget", "1e-9", "--no-report")
    assert code == 0
    entries = by_key(document)
    for m in (10, 20, budget.FREE_ELEMENTS):  # each predicted above 1 ns from the ones before it
        assert entries[("counted", m, 1, "float64", "C")]["extra_info"]["status"] == "measured"
    assert (1, budget.FREE_ELEMENTS) in calls


def test_large_first_point_is_predicted_from_probe_calls(monkeypatch):
    settings = make_settings(impls=["python-loops"], ms=[10**6], n_xs=[10], budget=1e-3)
    vecbench = plugin.VecbenchPlugin(settings)
    prediction = vecbench._predict(Point("python-loops", 10**6, 10))
    assert prediction.seconds > 1e-3 and "2 of them probe calls" in prediction.basis


def test_interrupted_run_resumes_without_remeasuring(tmp_path, monkeypatch, capsys):
    original_add = ResultsFile.add

    def add_then_interrupt(self, entry):
        original_add(self, entry)
        if len(self.entries) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(ResultsFile, "add", add_then_interrupt)
    code, partial = run(tmp_path, *TINY, "--impl", *SOME)
    assert code == runner.INTERRUPTED
    assert partial["vecbench"]["complete"] is False and len(partial["benchmarks"]) == 3
    assert "--resume" in capsys.readouterr().out
    monkeypatch.setattr(ResultsFile, "add", original_add)

    rerun = []
    original_run_point = plugin.VecbenchPlugin.run_point
    monkeypatch.setattr(plugin.VecbenchPlugin, "run_point",
                        lambda self, bench, point: rerun.append(point.key) or original_run_point(self, bench, point))
    out = tmp_path / "run.json"
    assert runner.main(["--resume", str(out), "--no-report"]) == 0
    final = json.loads(out.read_text())
    assert final["vecbench"]["complete"] is True
    assert final["benchmarks"][:3] == partial["benchmarks"]  # kept as measured, not re-measured
    assert set(rerun).isdisjoint(by_key(partial))
    assert len(final["benchmarks"]) == 4 * len(SOME) == len(by_key(final))
    with pytest.raises(SystemExit, match="2"):  # a complete run cannot be resumed
        runner.main(["--resume", str(out)])


def ctrl_c_turned_into_a_system_error(calls_before: int):
    """A kernel during whose call number ``calls_before + 1`` at m = 100 Ctrl-C arrives and the
    library turns it into another exception, as Numba's unpickler does while it loads a kernel."""
    calls = []

    def kernel(w, b, X, Y):
        if X.shape[1] >= 100:
            calls.append(X.shape[1])
        if X.shape[1] < 100 or len(calls) <= calls_before:
            return impls.IMPLEMENTATIONS["numpy-vectorized"].kernel(w, b, X, Y)
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(30)  # why: the signal is delivered here, within a few bytecodes
        except KeyboardInterrupt:
            raise SystemError("<built-in function _unpickle> returned a result with an exception set") from None
        raise AssertionError("SIGINT was not delivered")

    return kernel


@pytest.fixture
def ctrl_c_raises():
    """SIGINT raises KeyboardInterrupt during the test, as in a terminal, even where pytest was
    started with it ignored (why: a script's ``(command &)`` starts it so, and the run then
    rightly leaves SIGINT alone; the test's own signal would be lost)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("calls_before", [0, 3], ids=["first-call", "while-timed"])
def test_ctrl_c_that_a_library_turns_into_another_error_stops_the_run_without_a_failure(
        tmp_path, monkeypatch, capsys, calls_before, ctrl_c_raises):
    register(monkeypatch, "interrupted", ctrl_c_turned_into_a_system_error(calls_before))
    code, document = run(tmp_path, *TINY, "--impl", "numpy-vectorized", "interrupted")
    assert code == runner.INTERRUPTED
    assert document["vecbench"]["complete"] is False
    assert {e["extra_info"]["status"] for e in by_key(document).values()} == {"measured"}  # m = 10, not "failed"
    printed = capsys.readouterr()
    assert "SystemError" not in printed.out + printed.err and "--resume" in printed.out


def test_ctrl_c_within_a_group_of_sizes_keeps_none_of_the_group_and_says_so(
        tmp_path, monkeypatch, capsys, ctrl_c_raises):
    register(monkeypatch, "interrupted", ctrl_c_turned_into_a_system_error(0))
    code, document = run(tmp_path, *TINY, "--impl", "numpy-vectorized", "interrupted", "--sizes-in-turn")
    assert code == runner.INTERRUPTED and document is None  # m = 10 was checked, not yet timed
    assert "nothing was written" in capsys.readouterr().out


def test_checkpoint_recovers_a_point_the_results_file_missed(tmp_path):
    settings = make_settings(impls=["numpy-vectorized"], ms=[10], n_xs=[1, 2])
    entry = {"extra_info": {"impl": "numpy-vectorized", "m": 10, "n_x": 1, "dtype": "float64", "order": "C"}}
    results = ResultsFile(tmp_path / "r.json", {"benchmarks": [], "vecbench": {"settings": settings.as_dict()}})
    results.add(entry)
    results.document["benchmarks"].clear()  # as if the crash hit between checkpoint and rewrite
    results.write()
    assert ResultsFile.load(tmp_path / "r.json").entries == [entry]


def test_the_whole_file_is_rewritten_at_most_every_few_seconds_and_the_checkpoint_has_every_point(tmp_path):
    """A run killed between rewrites (no final write) loses nothing: its checkpoint has each point."""
    settings = make_settings(impls=["numpy-vectorized"], ms=[10], n_xs=[1, 2, 3])
    results = ResultsFile(tmp_path / "r.json", {"benchmarks": [], "vecbench": {"settings": settings.as_dict()}})
    entries = [{"extra_info": {"impl": "numpy-vectorized", "m": 10, "n_x": n_x, "dtype": "float64", "order": "C"},
                "stats": {"median": 1.0}} for n_x in (1, 2, 3)]
    for entry in entries:
        results.add(entry)
    on_disk = json.loads((tmp_path / "r.json").read_text())
    assert len(on_disk["benchmarks"]) == 1  # the first point at once, the next two within WRITE_EVERY_S
    assert ResultsFile.load(tmp_path / "r.json").entries == entries


@pytest.mark.parametrize("kernel, prepare, message", [
    (broken_kernel, None, "differs from the reference"),
    (raising_kernel, None, "RuntimeError: kernel exploded"),
    (broken_kernel, failing_preparation, "preparing the data raised MemoryError: no room on the device"),
], ids=["wrong", "raising", "preparation-fails"])
def test_wrong_or_raising_implementation_fails_its_points_and_the_run_goes_on(
        tmp_path, monkeypatch, capsys, kernel, prepare, message):
    register(monkeypatch, "broken", kernel, prepare)
    code, document = run(tmp_path, "--impl", "broken", "numpy-vectorized", *TINY)
    assert code == 1
    entries = by_key(document)
    for (name, *_), entry in entries.items():
        info = entry["extra_info"]
        if name == "broken":
            assert info["status"] == "failed" and message in info["error"] and entry["stats"] is None
        else:
            assert info["status"] == "measured"
    assert len(entries) == 8 and document["vecbench"]["complete"] is True
    printed = capsys.readouterr().out
    assert "FAILED" in printed and message in printed


def test_point_too_large_for_memory_is_refused_before_anything_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(memory, "available_bytes", lambda: 10**6)
    with pytest.raises(SystemExit) as exit_info:
        runner.main(["--m", "100000", "--n-x", "10", "--out", str(tmp_path / "r.json")])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "m=100000, n_x=10 needs about" in error and error.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_implementation_needing_more_memory_than_available_fails_its_point(tmp_path, monkeypatch):
    needed = memory.problem_bytes(1000, 10, "float64")
    monkeypatch.setattr(memory, "available_bytes", lambda: 2 * needed)  # not enough for Python lists
    code, document = run(tmp_path, "--preset", "quick", "--impl", "python-loops", "numpy-vectorized",
                         "--m", "1000", "--n-x", "10", "--no-report")
    assert code == 1
    entries = by_key(document)
    refused = entries[("python-loops", 1000, 10, "float64", "C")]["extra_info"]
    assert refused["status"] == "failed" and "python-loops at m=1000, n_x=10 needs about" in refused["error"]
    assert entries[("numpy-vectorized", 1000, 10, "float64", "C")]["extra_info"]["status"] == "measured"


def test_preset_leaves_out_sizes_that_do_not_fit(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 2 * memory.problem_bytes(1000, 100, "float64"))
    quick = make_settings(preset="quick").grid
    assert (10_000, 100) in quick.dropped_sizes and (1000, 100) not in quick.dropped_sizes
    assert (10_000, 100) not in quick.sizes() and (1000, 100) in quick.sizes()


def test_guard_names_a_registered_implementation_without_points(monkeypatch):
    vecbench = plugin.VecbenchPlugin(make_settings(ms=[10], n_xs=[1]))
    vecbench.generated = vecbench.points
    assert vecbench.unbenchmarked() == []
    register(monkeypatch, "newcomer", broken_kernel)
    assert vecbench.unbenchmarked() == ["newcomer"]


def test_plain_pytest_bench_writes_pytest_benchmark_json_with_our_section(tmp_path):
    out = tmp_path / "direct.json"
    code = pytest.main([str(runner.BENCHMARKS), "-q", "-p", "no:cacheprovider", f"--vecbench-m=10,20,{4 * budget.FREE_ELEMENTS}",
                        "--vecbench-n-x=1", "--vecbench-impl=numpy-vectorized,python-loops",
                        "--vecbench-budget=1e-9", f"--benchmark-json={out}"])
    assert code == 0
    document = json.loads(out.read_text())
    assert [e["extra_info"]["status"] for e in document["benchmarks"]] == ["measured"] * 4
    vecbench = document["vecbench"]
    assert [e["extra_info"]["m"] for e in vecbench["not_measured"]] == [4 * budget.FREE_ELEMENTS] * 2  # predicted, skipped
    assert vecbench["preset"] == "custom" and vecbench["complete"] is True


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _entry(status: str) -> dict:
    return {"extra_info": {"status": status, "error": "boom", "predicted_s": None}, "stats": {"median": 1e-3}}


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere():
    point = Point("numba-loops", 1000, 10)
    terminal = _Terminal()
    bar = RunProgress(3, stream=terminal)
    bar.point(point, _entry("measured"), "LINE measured", 2, 12.0)
    bar.point(point, _entry("failed"), "LINE FAILED boom", 1, None)
    bar.close()
    shown = terminal.getvalue()
    assert "numba-loops m=1000 n_x=10" in shown and "2/3" in shown and "ETA ~12 s" in shown
    assert "LINE FAILED boom" in shown and "LINE measured" not in shown  # failures stay visible
    piped = io.StringIO()
    lines = RunProgress(3, stream=piped)
    lines.point(point, _entry("measured"), "LINE measured", 2, 12.0)
    assert piped.getvalue() == "LINE measured\n"
    plain = _Terminal()
    RunProgress(3, stream=plain, plain=True).point(point, _entry("measured"), "LINE measured", 2, None)
    assert plain.getvalue() == "LINE measured\n"


def test_pytest_benchmark_compare_lists_a_vecbench_run_file(tmp_path):
    """Skipped and failed points go to vecbench.not_measured, where pytest-benchmark does not
    look, so its own ``compare`` reads the file; vecbench's reader still sees every point."""
    code, document = run(tmp_path, "--impl", "python-loops", "numpy-vectorized", "--m", "10", "10000",
                         "--n-x", "100", "--budget", "0.002", "--no-report")
    assert code == 0
    statuses = {key: e["extra_info"]["status"] for key, e in by_key(document).items()}
    assert "skipped-budget" in statuses.values()
    assert all(entry["stats"] is not None for entry in document["benchmarks"])
    assert all(len(entry["stats"]["data"]) <= 200 for entry in document["benchmarks"])
    # why beside sys.executable first: the console script of the environment running these tests,
    # not another environment's that happens to come first on PATH (it cannot import this project)
    tool = (shutil.which("pytest-benchmark", path=str(Path(sys.executable).parent)) or shutil.which("pytest-benchmark")
            or pytest.skip("pytest-benchmark's console script is not on PATH"))
    listed = subprocess.run([tool, "compare", str(tmp_path / "run.json")], capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    for entry in document["benchmarks"]:
        assert entry["name"] in listed.stdout
    from bench.results.reading import load_results

    assert len(load_results(tmp_path / "run.json").points) == len(statuses)


def test_timing_sets_how_long_each_point_is_timed_and_is_recorded_for_resume(tmp_path):
    calls = {}
    for timing in (0.002, 0.05):
        code, document = run(tmp_path, "--impl", "numpy-vectorized", "python-loops", "--m", "10", "--n-x", "1",
                             "--timing", str(timing), "--no-report")
        assert code == 0 and document["vecbench"]["settings"]["timing_s"] == timing
        stats = by_key(document)[("python-loops", 10, 1, "float64", "C")]["stats"]
        calls[timing] = stats["rounds"] * stats["iterations"]
    assert calls[0.05] > 5 * calls[0.002], calls  # 25× the timing: far more calls, whatever the speed
