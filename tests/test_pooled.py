"""Several runs per side of a comparison (``vecbench compare A1 A2 --vs B1 B2``) and implementations
that move as a whole between processes. Synthetic files only, with known answers."""

from __future__ import annotations

import json
import math

import pytest
from _synthetic_results import REALISTIC_IMPLS, build_results, interleave_rounds

from bench.analysis import compare
from bench.analysis.compare import verdicts
from bench.analysis.pooled import RUN_STRIDE, PoolError, pool_runs
from bench.results.reading import load_results
from bench.results.records import shared_rounds

SIZES = {"ms": (100, 1000, 10000), "nxs": (1, 10, 100), "budget_s": None, "failed": ()}


def _run(tmp_path, name: str, seed: int, scale: dict | None = None, weather=lambda s, r: 1.0, **build) -> str:
    path = tmp_path / f"{name}.json"
    data = interleave_rounds(build_results(REALISTIC_IMPLS, **{**SIZES, **build}), weather, seed=seed, scale=scale)
    path.write_text(json.dumps(data))
    return str(path)


def _point(results, impl: str, m: int, n_x: int):
    return next(p for p in results.points if (p.impl, p.m, p.n_x) == (impl, m, n_x))


def test_pooled_times_are_the_geometric_mean_of_the_runs_medians(tmp_path):
    """Each process weighs the same: torch-cpu 1.2× and 0.8× as fast in two runs pools to √0.96."""
    runs = [load_results(_run(tmp_path, f"r{i}", seed=i, scale={"torch-cpu": f})) for i, f in enumerate((1.2, 0.8))]
    pooled = pool_runs(runs)
    for impl in ("torch-cpu", "numba-fused"):
        mine = [_point(r, impl, 1000, 10) for r in runs]
        assert _point(pooled, impl, 1000, 10).median_s == pytest.approx(math.sqrt(mine[0].median_s * mine[1].median_s))
    assert pooled.path.name == "r0.json+r1.json" and len(pooled.points) == len(runs[0].points)
    assert pool_runs(runs[:1]) is runs[0]


def test_pooled_rounds_pair_only_within_their_own_run(tmp_path):
    """Run 0's round i and run 1's round i were measured minutes apart: the pooled rounds keep them
    apart (round numbers offset by run), so a paired ratio pairs rounds of one run only."""
    runs = [load_results(_run(tmp_path, f"r{i}", seed=i, weather=lambda s, r, i=i: 1.0 + i + 0.1 * r)) for i in (0, 1)]
    pooled = pool_runs(runs)
    base, mine = _point(pooled, "numpy-vectorized", 1000, 10), _point(pooled, "numba-fused", 1000, 10)
    assert len(mine.rounds) == len(mine.canary_s) == len(mine.round_index) == 2 * len(_point(runs[0], "numba-fused", 1000, 10).rounds)
    assert len(set(mine.round_index)) == len(mine.round_index) and max(mine.round_index) >= RUN_STRIDE
    pairs = shared_rounds(base, mine)
    per_run = [shared_rounds(_point(r, "numpy-vectorized", 1000, 10), _point(r, "numba-fused", 1000, 10)) for r in runs]
    assert sorted(pairs) == sorted(per_run[0] + per_run[1])


def test_pooling_averages_a_shift_each_process_gives_an_implementation(tmp_path):
    """A/A with a process effect: jax-jit 1.15×, 0.87× and 1.0× as slow in A's three runs, as it is in
    B's. One pair of runs sees its shift of 1.15×; the pooled sides see the geometric mean, 1.0."""
    a_runs = [_run(tmp_path, f"a{i}", seed=i, scale={"jax-jit": f}) for i, f in enumerate((1.15, 1 / 1.15, 1.0))]
    b_runs = [_run(tmp_path, f"b{i}", seed=10 + i) for i in range(3)]
    single = verdicts.compare_runs(load_results(a_runs[0]), load_results(b_runs[0]))
    pooled = verdicts.compare_runs(pool_runs([load_results(p) for p in a_runs]), pool_runs([load_results(p) for p in b_runs]))
    assert single.implementations["jax-jit"][0] == pytest.approx(1 / 1.15, rel=0.02)
    assert pooled.implementations["jax-jit"][0] == pytest.approx(1.0, abs=0.02)
    assert max(pooled.speedup_changes) < 0.03 < max(single.speedup_changes)


def test_an_implementation_moving_as_a_whole_among_others_that_do_is_not_a_change(tmp_path):
    """Between two processes every implementation moved as a whole by up to ±4 % (the spread of
    their centres); python-loops' 0.9× is the largest of them, not a change of its code (without
    that spread in its pooled interval, all its points were called faster). 1.25× still is one."""
    shifts = {"feature-vectorized": 1.03, "numba-loops": 0.97, "numba-fused": 1.04, "numba-parallel": 0.96,
              "sklearn-loss": 1.02, "torch-cpu": 0.98, "jax-jit": 1.04, "python-loops": 0.9}
    a = load_results(_run(tmp_path, "a", seed=1))
    found = verdicts.compare_runs(a, load_results(_run(tmp_path, "b", seed=3, scale=shifts)))
    assert {c.verdict for c in found.changes} == {verdicts.SAME}
    slowed = verdicts.compare_runs(a, load_results(_run(tmp_path, "c", seed=3, scale={**shifts, "python-loops": 1.25})))
    assert {c.verdict for c in slowed.changes if c.key[0] == "python-loops"} == {verdicts.SLOWER}
    assert {c.verdict for c in slowed.changes if c.key[0] != "python-loops"} == {verdicts.SAME}


def test_compare_vs_pools_each_side_and_finds_the_slowed_implementation(tmp_path, capsys):
    a_runs = [_run(tmp_path, f"a{i}", seed=i) for i in range(2)]
    b_runs = [_run(tmp_path, f"b{i}", seed=10 + i, scale={"numba-fused": 1.25}) for i in range(2)]
    out = tmp_path / "cmp.json"
    assert compare.main([*a_runs, "--vs", *b_runs, "--json", str(out), "--charts-dir", str(tmp_path / "charts")]) == 0
    text = capsys.readouterr().out
    assert "## `b0.json+b1.json` (B) against `a0.json+a1.json` (A)" in text and "A pools 2 run(s), B 2" in text
    document = json.loads(out.read_text())
    assert {p["verdict"] for p in document["points"] if p["impl"] == "numba-fused"} == {"slower"}
    assert {p["verdict"] for p in document["points"] if p["impl"] != "numba-fused"} == {"same"}
    assert compare.main([*a_runs, "--vs", *b_runs, "--fail-on-slower", "--charts-dir", str(tmp_path / "charts")]) == 1
    import bench  # the notebook's way to the same verdicts

    assert bench.pool(*a_runs).verdicts(bench.pool(*b_runs)) == document["points"]


@pytest.mark.parametrize("argv, message", [
    (["--vs", "b.json"], "--vs compares the files before it"),
    (["a.json", "--vs", "b.json", "--against-reference"], "and no --against-reference"),
])
def test_compare_vs_usage_errors_exit_2_with_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        compare.main(argv)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1


def test_runs_of_another_thread_count_are_not_pooled(tmp_path, capsys):
    one = _run(tmp_path, "one", seed=1)
    data = json.loads((tmp_path / "one.json").read_text())
    threads = data["vecbench"]["threads"] % 2 + 1  # the other of 1 and 2
    data["vecbench"]["threads"] = threads
    for entry in data["benchmarks"]:
        entry["extra_info"]["threads"] = threads
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data))
    with pytest.raises(PoolError, match="one thread count"):
        pool_runs([load_results(one), load_results(other)])
    assert compare.main([one, str(other), "--vs", one, "--charts-dir", str(tmp_path / "charts")]) == 2
    error = capsys.readouterr().err
    assert "pooled runs must use one thread count" in error and error.count("\n") == 1
