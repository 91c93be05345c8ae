"""Interleaved rounds, the speed canary, paired statistics and the parallelism flag.

The statistics are checked against known cases (numbers worked out by hand or by the binomial
distribution); the engine on tiny real runs. Nothing here asserts on a measured time: the
parallelism test asserts on CPU seconds over wall seconds of a step built to use two cores.
"""

from __future__ import annotations

import gc
import json
import os
import random
import threading
import time

import numpy as np
import pytest
from test_runner import fast_runs, register, run  # noqa: F401  (fast_runs: autouse fixture)

import impls
from bench.analysis.paired import canary_summary, paired_ratio, smoothed
from bench.measure import cpu, timing
from bench.measure import interleave as interleave_module
from bench.measure.canary import CanaryLog
from bench.measure.threads import pinned_cpus
from bench.measure.interleave import MAX_ROUNDS, MIN_ROUNDS, Contender, interleave, interleave_sizes, plan, spread
from bench.results.intervals import median_interval
from bench.results.reading import PointRecord, load_results
from bench.results.records import pair_by_round


# ---------------------------------------------------------------- planning and interleaving


class _FakeClock:
    """perf_counter for bench.measure.timing: advanced only by the kernel below."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


def test_one_stalled_call_does_not_become_the_estimate_of_a_fast_step(monkeypatch):
    clock = _FakeClock()
    monkeypatch.setattr(timing, "time", clock)
    seen_gc = []

    def kernel():  # 5 ms on its first call (a collection, a stolen vCPU), then 40 µs
        seen_gc.append(gc.isenabled())
        clock.now += 5e-3 if len(seen_gc) == 1 else 40e-6

    assert timing.estimate_call_s(kernel, ()) == pytest.approx(40e-6)  # the mean would say 5 ms
    assert len(seen_gc) >= 3 and not any(seen_gc) and gc.isenabled()


def test_a_slow_step_is_estimated_from_one_call(monkeypatch):
    clock = _FakeClock()
    monkeypatch.setattr(timing, "time", clock)
    calls = []

    def kernel():
        calls.append(1)
        clock.now += timing.ONE_CALL_ENOUGH_S

    assert timing.estimate_call_s(kernel, ()) == timing.ONE_CALL_ENOUGH_S and len(calls) == 1



def test_plan_gives_each_contender_about_the_timing_target_in_as_many_rounds_as_fit():
    planned = plan({"slow": 2.5e-3, "fast": 1e-6}, timing_s=0.03)
    assert planned.rounds == MAX_ROUNDS  # the fast contender fits in MAX_ROUNDS: the size has them all
    assert planned.joins["fast"] == tuple(range(MAX_ROUNDS))
    assert len(planned.joins["slow"]) == 12  # int(0.03 / 2.5e-3) of them, not all: the slow one
    assert planned.iterations["slow"] == 1  # ceil((0.03 / 12) / 2.5e-3)
    assert planned.iterations["fast"] == 968  # ceil((0.03 / 31) / 1e-6)
    assert plan({"a": 1.0}, 0.03).rounds == MIN_ROUNDS  # too slow for the target: the minimum still
    assert plan({"a": 1e-7}, 0.03).rounds == MAX_ROUNDS


def test_fewer_rounds_are_spread_over_the_size_and_nested():
    for n in range(1, MAX_ROUNDS + 1):
        chosen = spread(n, MAX_ROUNDS)
        assert len(chosen) == n and list(chosen) == sorted(set(chosen)) and chosen[-1] < MAX_ROUNDS
        assert set(spread(max(n - 1, 1), MAX_ROUNDS)) <= set(chosen)  # a smaller set is a subset
    nine = spread(MIN_ROUNDS, MAX_ROUNDS)
    assert max(b - a for a, b in zip(nine, nine[1:])) <= 2 * MAX_ROUNDS / MIN_ROUNDS  # no long gap
    assert spread(40, MAX_ROUNDS) == tuple(range(MAX_ROUNDS))


def test_a_slow_contender_joins_only_its_rounds_and_pairs_on_them():
    calls: list[str] = []
    slow = Contender("slow", lambda: calls.append("slow"), (), call_s=10e-3)
    fast = Contender("fast", lambda: calls.append("fast"), (), call_s=1e-5)
    found = interleave([slow, fast], timing_s=0.03, canary=CanaryLog(), rng=random.Random(1))
    assert found["fast"].index == list(range(MAX_ROUNDS))
    assert found["slow"].index == list(spread(MIN_ROUNDS, MAX_ROUNDS)) and calls.count("slow") == MIN_ROUNDS
    by_round = dict(zip(found["fast"].index, found["fast"].canary))
    assert all(by_round[r] == c for r, c in zip(found["slow"].index, found["slow"].canary))
    pairs = pair_by_round(found["slow"].indexed, found["fast"].indexed)
    assert len(pairs) == MIN_ROUNDS


def test_every_round_times_each_contender_once_in_a_shuffled_order():
    calls: list[str] = []

    def contender(name):
        return Contender(name, lambda: calls.append(name), (), call_s=1e-3)

    log = CanaryLog()
    found = interleave([contender(n) for n in "abcd"], timing_s=0.02, canary=log, rng=random.Random(3))
    rounds = plan({n: 1e-3 for n in "abcd"}, 0.02).rounds
    # each block: one untimed warm call (call_s < 2 ms), then `iterations` timed calls
    per_block = 1 + found["a"].iterations
    blocks = [calls[i:i + per_block] for i in range(0, len(calls), per_block)]
    assert len(blocks) == 4 * rounds and all(len(set(block)) == 1 for block in blocks)
    orders = ["".join(block[0] for block in blocks[r * 4:(r + 1) * 4]) for r in range(rounds)]
    assert all(sorted(order) == list("abcd") for order in orders)
    assert len(set(orders)) > 1  # shuffled, not a fixed order
    assert all(len(found[n].times) == rounds and found[n].canary == found["a"].canary for n in "abcd")
    assert len(log.series) == rounds and [t for t, _ in log.series] == sorted(t for t, _ in log.series)


class CountingCanary(CanaryLog):
    """A canary whose n-th reading is n (its position in the series)."""

    def read(self) -> float:
        reading = float(len(self.series))
        self.series.append([reading, reading])
        return reading


def test_sizes_take_their_rounds_in_turn_each_size_side_by_side_and_a_shorter_one_spread():
    calls: list[str] = []

    def contender(name, call_s):
        return Contender(name, lambda: calls.append(name), (), call_s=call_s)

    sizes = [[contender("a1", 1e-5), contender("b1", 1e-5)],  # fast: MAX_ROUNDS rounds
             [contender("a2", 1e-5), contender("b2", 1e-5)],
             [contender("a3", 10e-3), contender("b3", 10e-3)]]  # slow: MIN_ROUNDS rounds
    found = interleave_sizes(sizes, timing_s=0.03, canary=CountingCanary(), rng=random.Random(5))
    assert [sorted(size) for size in found] == [["a1", "b1"], ["a2", "b2"], ["a3", "b3"]]
    assert found[0]["a1"].index == found[1]["b2"].index == list(range(MAX_ROUNDS))
    assert found[2]["a3"].index == list(range(MIN_ROUNDS))
    # a size's contenders share its round's canary reading (paired); each size-round reads it once
    for size in found:
        assert len({tuple(rounds.canary) for rounds in size.values()}) == 1
    one, two, three = (list(map(int, size[next(iter(size))].canary)) for size in found)
    assert sorted(one + two + three) == list(range(2 * MAX_ROUNDS + MIN_ROUNDS))
    # group round g reads the canary of each size taking part, one after another, before round g + 1
    groups = [[one[g], two[g], *([three[spread(MIN_ROUNDS, MAX_ROUNDS).index(g)]]
                                  if g in spread(MIN_ROUNDS, MAX_ROUNDS) else [])] for g in range(MAX_ROUNDS)]
    assert all(max(groups[g]) < min(groups[g + 1]) for g in range(MAX_ROUNDS - 1))
    assert all(max(group) - min(group) == len(group) - 1 for group in groups)
    assert len({one[g] < two[g] for g in range(MAX_ROUNDS)}) == 2  # the sizes' order shuffled
    # one size's blocks are never split by another size's: a size-round is one stretch of calls
    stretches = 1 + sum(a[1] != b[1] for a, b in zip(calls, calls[1:]))
    assert stretches <= 2 * MAX_ROUNDS + MIN_ROUNDS


def test_one_size_interleaved_alone_is_the_same_as_in_a_group_of_one():
    sizes = [[Contender(n, lambda: None, (), call_s=1e-3) for n in "ab"]]
    alone = interleave(sizes[0], 0.02, CanaryLog(), random.Random(2))
    grouped = interleave_sizes(sizes, 0.02, CanaryLog(), random.Random(2))[0]
    assert {n: r.index for n, r in alone.items()} == {n: r.index for n, r in grouped.items()}


def test_the_canary_log_continues_a_resumed_series():
    log = CanaryLog(series=[[0.5, 1e-4], [2.0, 1.1e-4]])
    log.read()
    assert len(log.series) == 3 and log.series[2][0] >= 2.0


# ---------------------------------------------------------------- statistics, known cases


def test_median_interval_uses_the_binomial_order_statistics():
    # n = 15: P(X ≤ 3) = 0.0176 for X ~ Bin(15, ½), so [x(4), x(12)] covers 96.5 % ≥ 95 %,
    # while [x(5), x(11)] would cover only 88.2 %
    interval = median_interval(range(1, 16))
    assert (interval.value, interval.low, interval.high) == (8, 4, 12)
    # n = 5: even [x(1), x(5)] covers only 93.75 %: the whole range is the interval
    assert (median_interval([5, 1, 4, 2, 3]).low, median_interval([5, 1, 4, 2, 3]).high) == (1, 5)
    with pytest.raises(ValueError, match="at least one value"):
        median_interval([])


def _point(impl, rounds, canary) -> PointRecord:
    return PointRecord(impl, 100, 10, "float64", "C", "measured", median_s=float(np.median(rounds)),
                       q1_s=min(rounds), q3_s=max(rounds), rounds=tuple(rounds), canary_s=tuple(canary))


def test_a_paired_ratio_is_exact_where_the_ratio_of_medians_is_not():
    """The machine switching between full and half speed from round to round (bimodal): the loop
    is 10× slower in every round, so every paired ratio is 10 whatever the weather; the medians of
    rounds timed at other moments would give 10 / 1.9."""
    speed = [1.0, 1.9, 1.0, 1.9, 1.9, 1.0, 1.9, 1.0, 1.0]
    canary = [60e-6 * s for s in speed]
    loops = _point("python-loops", [1e-3 * s for s in speed], canary)
    numpy_ = _point("numpy-vectorized", [1e-4 * s for s in speed], canary)
    ratio = paired_ratio(loops, numpy_)
    assert (ratio.value, ratio.low, ratio.high) == pytest.approx((10.0, 10.0, 10.0))
    other_moments = [1.9] * 5 + [1.0] * 4
    shifted = _point("numpy-vectorized", [1e-4 * s for s in other_moments], [60e-6 * s for s in other_moments])
    assert paired_ratio(loops, shifted) is None  # other rounds (other canary readings): not paired
    assert loops.median_s / shifted.median_s == pytest.approx(10 / 1.9)  # what medians would say


def test_canary_summary_reports_the_smoothed_range():
    series = [[i * 0.1, 1e-4] for i in range(10)] + [[1 + i * 0.1, 1.9e-4] for i in range(10)]
    series[3][1] = 5e-4  # one interrupted reading: smoothed away
    summary = canary_summary(series)
    assert summary.range == pytest.approx(1.9) and summary.unsteady and summary.readings == 20
    assert canary_summary([[0.0, 1e-4], [1.0, 1.1e-4]]).unsteady is False
    assert canary_summary([]) is None
    assert smoothed([1, 9, 1, 1, 1]) == [1, 1, 1, 1, 1]


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="CPU affinity is Linux-only")
def test_a_one_thread_run_confines_itself_and_the_threads_it_starts_to_one_cpu():
    allowed = os.sched_getaffinity(0)
    seen = []
    with pinned_cpus(1):
        worker = threading.Thread(target=lambda: seen.append(os.sched_getaffinity(0)))
        worker.start()
        worker.join()
        inside = os.sched_getaffinity(0)
    assert len(inside) == 1 and inside <= allowed and seen == [inside]  # a pool started inside inherits it
    assert os.sched_getaffinity(0) == allowed  # restored
    with pinned_cpus(len(allowed)):  # a budget of every CPU: left alone
        assert os.sched_getaffinity(0) == allowed


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs CPU affinity and two CPUs")
def test_threads_started_before_the_pin_are_confined_too_and_restored():
    """A pool left by an earlier run in the same process (vecbench noise runs two; a notebook may
    run many) is confined with the caller, not left free on the other CPUs."""
    allowed = os.sched_getaffinity(0)
    started, release = threading.Event(), threading.Event()
    ids = []

    def pool_thread():
        ids.append(threading.get_native_id())
        started.set()
        release.wait(30)

    worker = threading.Thread(target=pool_thread)
    worker.start()
    try:
        started.wait(30)
        with pinned_cpus(1):
            inside = os.sched_getaffinity(0)
            assert os.sched_getaffinity(ids[0]) == inside and len(inside) == 1
        assert os.sched_getaffinity(ids[0]) == allowed  # restored with the caller
    finally:
        release.set()
        worker.join()


def _busy(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


class _SlowClock(cpu.CpuClock):
    """A CPU clock whose reading itself costs 2 ms of CPU (as psutil does with many children)."""

    def seconds(self) -> float:
        _busy(2e-3)
        return super().seconds()


def test_the_clocks_own_cost_does_not_count_as_parallelism(monkeypatch):
    """A single-threaded step reads one core however long the CPU clock takes to read: the CPU
    it counts and the wall time it divides by cover the same interval."""
    monkeypatch.setattr(interleave_module, "CpuClock", _SlowClock)
    step = Contender("one-thread", lambda: _busy(2e-4), (), 2e-4)
    measured = interleave([step], 0.02, CanaryLog(), random.Random(0))["one-thread"]
    assert measured.parallelism is not None and measured.parallelism < 1 + cpu.OVER_BUDGET


def test_over_budget_flags_more_than_15_percent():
    assert cpu.over_budget(1.16, 1) and not cpu.over_budget(1.14, 1) and cpu.over_budget(2.4, 2)
    assert not cpu.over_budget(None, 1)


# ---------------------------------------------------------------- the engine, end to end


def test_a_run_keeps_rounds_in_order_with_the_canary_of_each(tmp_path):
    code, document = run(tmp_path, "--preset", "quick", "--m", "10", "100", "--n-x", "2", "--no-report",
                         "--impl", "python-loops", "numpy-vectorized", "numba-fused")
    assert code == 0
    entries = document["benchmarks"]
    assert entries and all(e["extra_info"]["rounds_interleaved"] for e in entries)
    for entry in entries:
        data, canary, index = (entry["stats"]["data"], entry["extra_info"]["canary_s"],
                               entry["extra_info"]["round_index"])
        assert len(data) == len(canary) == len(index) == entry["stats"]["rounds"] >= MIN_ROUNDS
        assert index == sorted(set(index)) and entry["extra_info"]["parallelism"] > 0
    by_size: dict[tuple, dict] = {}
    for entry in entries:  # the implementations of one size share each round's canary reading
        rounds = by_size.setdefault((entry["extra_info"]["m"], entry["extra_info"]["n_x"]), {})
        for r, reading in zip(entry["extra_info"]["round_index"], entry["extra_info"]["canary_s"]):
            assert rounds.setdefault(r, reading) == reading
    series = document["vecbench"]["canary"]["series"]
    assert len(series) == sum(len(rounds) for rounds in by_size.values())  # one reading per round
    results = load_results(tmp_path / "run.json")
    speedup = results.grid(("float64", "C")).speedup("numba-fused", "python-loops", 100, 2)
    assert speedup.low <= speedup.value <= speedup.high  # paired: with an interval
    pytest_benchmark = pytest.importorskip("pytest_benchmark.cli")  # its own compare reads the file
    assert pytest_benchmark is not None


class TwoCoreClock:
    """A CPU clock that reads 2.5 CPU seconds per wall second, as a step using 2.5 cores would."""

    def seconds(self) -> float:
        return 2.5 * time.perf_counter()


def test_a_point_over_its_thread_budget_is_flagged_in_the_file_the_output_and_the_report(
        tmp_path, monkeypatch, capsys):
    """The flag's path from the clock to the user, with a clock that reads 2.5 cores (why not
    real threads: whether two threads get two cores depends on what else the machine runs; the
    clock itself is checked against a real child process below)."""
    monkeypatch.setattr(interleave_module, "CpuClock", TwoCoreClock)
    code, document = run(tmp_path, "--preset", "quick", "--m", "100", "--n-x", "2", "--no-report",
                         "--impl", "numpy-vectorized", "numba-fused", "--threads", "1")
    assert code == 0
    info = {e["extra_info"]["impl"]: e["extra_info"] for e in document["benchmarks"]}
    # why not 2.5 exactly: the wall time also counts the moments between the clock's readings,
    # and a preemption there (CI's two test processes on two cores) read 2.37 once
    assert all(i["over_threads"] is True and 2.0 <= i["parallelism"] <= 2.5 * 1.02 for i in info.values()), info
    output = capsys.readouterr().out
    assert "OVER THREADS: used 2." in output and "cores, budget 1" in output
    assert "2 points used more CPU than their thread budget" in output
    from bench.analysis.report import render_report

    text = render_report(load_results(tmp_path / "run.json"), [], [], "charts")
    assert "Points that used more CPU than their thread budget" in text and "| numba-fused |" in text


def test_the_cpu_clock_counts_the_cpu_time_of_child_processes():
    """A child that burns CPU while this process sleeps: the clock sees the child's seconds."""
    import subprocess
    import sys

    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass\ntime.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c", burn])
    try:
        time.sleep(0.05)
        clock = cpu.CpuClock()
        start = clock.seconds()
        deadline = time.perf_counter() + 10
        while clock.seconds() - start < 0.3 and time.perf_counter() < deadline:
            time.sleep(0.05)
        assert clock.seconds() - start >= 0.3  # the child's CPU, not this process's (it slept)
    finally:
        child.kill()
        child.wait()


# ---------------------------------------------------------------- vecbench noise


def test_noise_runs_an_a_a_and_an_a_b_pair_and_says_what_it_found(tmp_path, capsys):
    """Two runs per side, each in a process of its own, A and B alternating, pooled."""
    import psutil

    from bench.runner import noise

    out = tmp_path / "noise"
    before = set(psutil.Process().children(recursive=True))  # earlier tests' (a Dask cluster's)
    code = noise.main(["--only", "numba-loops", "--m", "10000", "--n-x", "10", "100",  # why: steps ≥ 50 µs
                       "--factor", "3", "--runs", "2", "--out-dir", str(out)])
    assert code == 0
    assert not set(psutil.Process().children(recursive=True)) - before  # every run's process is gone
    summary = json.loads((out / "noise.json").read_text())
    assert summary["copy"] == "numpy-vectorized-copy" and summary["factor"] == 3 and summary["runs_per_side"] == 2
    assert "numpy-vectorized-copy" not in impls.IMPLEMENTATIONS  # registered for the command only
    names = [name for _, name in noise.run_names(2)]
    assert names == ["run-a-1.json", "run-b-1.json", "run-a-2.json", "run-b-2.json"]
    runs = [load_results(out / name) for name in names]
    for results in runs:
        assert {p.impl for p in results.points} == {"numba-loops", "numpy-vectorized", "numpy-vectorized-copy"}
    assert [r.started for r in runs] == sorted(r.started for r in runs)  # measured in that order
    assert summary["runs"] == {side: [str(out / n) for n in names if n.startswith(f"run-{side}")] for side in "ab"}
    # the rates are there; not judged: with three implementations a size's shift is too unsteady
    # (the pooled verdicts are tested on known files in test_pooled.py)
    assert summary["points_slowed"] >= 1 and {"detected", "false_changes", "speedup_agreement"} <= set(summary)
    a, b = runs[0], runs[1]
    slowed = [q.median_s / p.median_s for p in a.points for q in b.points
              if p.impl == q.impl == "numpy-vectorized-copy" and (p.m, p.n_x) == (q.m, q.n_x)]
    copy_over_original = [p.median_s / q.median_s for p in b.points for q in b.points
                          if p.impl == "numpy-vectorized-copy" and q.impl == "numpy-vectorized"
                          and (p.m, p.n_x) == (q.m, q.n_x)]
    assert len(slowed) == 2 and min(copy_over_original) > 1.5  # the busy wait really slows it (3× asked)
    text = capsys.readouterr().out
    assert "false changes (A/A" in text and "detected (numpy-vectorized-copy 3× slower in B)" in text
    assert "verdict:" in text


@pytest.mark.parametrize("argv, message", [
    (["--factor", "1"], "--factor must be a number above 1"),
    (["--impl", "nope"], "--impl must be a registered implementation"),
    (["--only", "nope"], "unknown implementation 'nope'"),
    (["--threads", "0"], "--threads must be an integer"),
    (["--runs", "0"], "--runs must be an integer from 1 to 10"),
])
def test_noise_usage_errors_exit_2_with_one_line(argv, message, capsys):
    from bench.runner import noise

    with pytest.raises(SystemExit) as exit_info:
        noise.main(argv)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1


def test_noise_rates_count_false_changes_and_detections_on_known_files(tmp_path):
    from _synthetic_results import build_results, interleave_rounds
    from bench.runner.noise import rates

    def write(name, weather, seed, scale=None):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(interleave_rounds(build_results(), weather, seed=seed, scale=scale)))
        return load_results(path)

    a = write("a", lambda s, r: 1.0, 1)
    b = write("b", lambda s, r: 1.9 if s % 2 else 1.0, 2, scale={"torch-cpu": 1.5})
    found = rates(a, b, "torch-cpu")
    assert found["false_changes"] == 0 and found["false_change_rate"] == 0.0
    assert found["detected"] == found["points_slowed"] > 0 and found["detection_rate"] == 1.0


def test_the_noise_summary_names_the_implementations_of_its_false_changes(tmp_path):
    """An A/A pair where one implementation moved as a whole (as an embedded Dask cluster does
    from process to process): its points are the false changes, and the summary says so."""
    from _synthetic_results import build_results, interleave_rounds
    from bench.analysis.record.tools import false_changes_sentence
    from bench.runner.noise import rates

    def write(name, seed, scale=None):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(interleave_rounds(build_results(), lambda s, r: 1.0, seed=seed, scale=scale)))
        return load_results(path)

    found = rates(write("a", 1), write("b", 2, scale={"numba-loops": 0.6}), "torch-cpu")
    moved = [point for point in found["false_change_points"] if point[0] == "numba-loops"]
    assert moved and len(moved) == found["false_changes"]
    assert false_changes_sentence(found["false_change_points"]) == f"False changes by implementation: numba-loops {len(moved)}. "
    assert false_changes_sentence([["b", 1], ["a", 1], ["b", 1]]) == "False changes by implementation: b 2, a 1. "
    assert false_changes_sentence([]) == false_changes_sentence(None) == ""


def test_the_noise_verdict_shows_a_rate_just_past_its_bar_as_past_it():
    from bench.results.units import format_percent
    from bench.runner.noise import verdict_text

    assert [format_percent(r) for r in (0.0, 0.05, 4 / 74, 1 / 76, 8 / 9, 1.0)] == [
        "0%", "5%", "5.4%", "1.3%", "88.9%", "100%"]
    text = verdict_text({"false_change_rate": 4 / 74, "detection_rate": 1.0}, 1.25)
    assert text.startswith("NOT trusted") and "5.4% false changes (bar 5%)" in text
    assert verdict_text({"false_change_rate": 0.05, "detection_rate": 0.9}, 1.25).startswith("trusted")


def test_an_older_file_without_canary_still_resumes_loads_and_compares(tmp_path, capsys):
    """A results file written before interleaving (sorted rounds, no canary, no parallelism),
    interrupted: --resume completes it, and it loads and compares (with a note)."""
    from bench.analysis import compare
    from bench.runner import command as runner

    code, document = run(tmp_path, "--preset", "quick", "--m", "10", "100", "--n-x", "2", "--no-report",
                         "--impl", "python-loops", "numpy-vectorized")
    assert code == 0
    for entry in document["benchmarks"]:  # as an older vecbench wrote them
        for field in ("rounds_interleaved", "canary_s", "parallelism", "over_threads", "compile_cache"):
            entry["extra_info"].pop(field)
        entry["stats"]["data"] = sorted(entry["stats"]["data"])
    document["vecbench"].pop("canary")
    document["vecbench"].update(complete=False, finished=None)
    document["benchmarks"] = document["benchmarks"][:-1]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(document))
    assert runner.main(["--resume", str(old), "--no-report"]) == 0
    resumed = load_results(old)
    assert resumed.complete and len([p for p in resumed.points if p.measured]) == 4
    assert sum(p.interleaved for p in resumed.points) == 1  # only the point measured on resuming
    assert compare.main([str(old), str(tmp_path / "run.json"), "--charts-dir", str(tmp_path / "c")]) == 0
    assert "carries no speed canary" not in capsys.readouterr().out  # the resumed run has one now
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({**document, "vecbench": {**document["vecbench"], "complete": True}}))
    assert compare.main([str(plain), str(tmp_path / "run.json"), "--charts-dir", str(tmp_path / "c")]) == 0
    assert "`plain.json` carries no speed canary" in capsys.readouterr().out
