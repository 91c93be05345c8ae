"""``vecbench compare``: ratios and noise-aware verdicts for two files, per-machine headlines for
many, and one-line errors (exit 2) for anything that cannot be compared. Synthetic files only."""

from __future__ import annotations

import dataclasses
import json
import statistics

import numpy as np
import pytest
from _synthetic_results import SMALL_IMPLS, build_results, interleave_rounds, write_bad_input

from bench.analysis import compare
from bench.analysis.compare import verdicts
from bench.results.reading import load_results
from bench.results.schema import REFERENCE_RUN


def _write(path, data) -> str:
    path.write_text(json.dumps(data))
    return str(path)


def _slower(impl_name: str, factor: float):
    return tuple(dataclasses.replace(i, overhead_s=i.overhead_s * factor, per_element_s=i.per_element_s * factor,
                                     per_sample_s=i.per_sample_s * factor) if i.name == impl_name else i
                 for i in SMALL_IMPLS)


def _with_samples(data: dict, impl: str, scale: float, seed: int) -> dict:
    """Give every measured entry of ``impl`` 20 round times around its median × ``scale``."""
    rng = np.random.default_rng(seed)
    for entry in data["benchmarks"]:
        if entry["extra_info"]["impl"] == impl and entry["stats"]:
            median = entry["stats"]["median"] * scale
            times = np.sort(median * (1 + 0.02 * rng.standard_normal(20)))
            q1, mid, q3 = np.quantile(times, [0.25, 0.5, 0.75])
            entry["stats"].update(data=times.tolist(), median=mid, q1=q1, q3=q3)
    return data


def _interleaved(tmp_path, name: str, weather, seed: int, scale: dict | None = None) -> str:
    return _write(tmp_path / f"{name}.json", interleave_rounds(build_results(), weather, seed=seed, scale=scale))


def steady(size: int, round_: int) -> float:
    return 1.0


def bimodal(size: int, round_: int) -> float:
    """A VM at half speed on every other size and in every third round (the issue's weather)."""
    return 1.9 if size % 2 or round_ % 3 == 0 else 1.0


def test_weather_between_runs_is_not_a_change(tmp_path):
    """A/A: B ran on a machine in another state (1.9× slower on half the sizes): nothing changed."""
    a = load_results(_interleaved(tmp_path, "a", steady, seed=1))
    b = load_results(_interleaved(tmp_path, "b", bimodal, seed=2))
    found = verdicts.compare_runs(a, b)
    assert {c.verdict for c in found.changes} == {verdicts.SAME}
    assert max(found.size_shifts.values()) == pytest.approx(1.9, rel=0.05)  # the weather, reported
    assert found.canary_ratio == pytest.approx(1.9, rel=0.01)  # median canary of B over A


def test_a_slower_implementation_is_found_through_the_weather(tmp_path):
    """A/B: numba-fused 1.25× slower per step in B, and B on the bimodal machine."""
    a = load_results(_interleaved(tmp_path, "a", steady, seed=1))
    b = load_results(_interleaved(tmp_path, "b", bimodal, seed=2, scale={"numba-fused": 1.25}))
    found = verdicts.changes(a, b)
    fused = [c for c in found if c.key[0] == "numba-fused"]
    others = [c for c in found if c.key[0] != "numba-fused"]
    assert fused and all(c.verdict == verdicts.SLOWER for c in fused)
    assert all(c.ratio == pytest.approx(1.25, rel=0.05) and c.low > 1 for c in fused)
    assert others and all(c.verdict == verdicts.SAME for c in others)


def test_a_rank_test_on_rounds_would_have_called_the_weather_a_change(tmp_path):
    """Why the verdicts do not test one run's rounds: under bimodal weather every point's rounds
    differ significantly between the runs although nothing changed (the issue's 79 of 88)."""
    a = load_results(_interleaved(tmp_path, "a", steady, seed=1))
    b = load_results(_interleaved(tmp_path, "b", bimodal, seed=2))
    raw = [c.raw_ratio for c in verdicts.changes(a, b)]
    assert sum(r > 1.5 for r in raw) > len(raw) / 3  # the medians as measured moved by 1.9×


def test_json_and_the_exit_code_for_ci_gates(tmp_path, capsys):
    a = _interleaved(tmp_path, "a", steady, seed=1)
    b = _interleaved(tmp_path, "b", bimodal, seed=2, scale={"numba-fused": 1.25})
    out = tmp_path / "cmp.json"
    charts = ["--charts-dir", str(tmp_path / "charts")]
    assert compare.main([a, b, "--json", str(out), *charts]) == 0  # no gate: exit 0
    document = json.loads(out.read_text())
    fields = {"impl", "m", "n_x", "dtype", "order", "threads", "ratio", "interval", "verdict"}
    assert document["points"] and all(fields <= set(point) for point in document["points"])
    assert {p["verdict"] for p in document["points"] if p["impl"] == "numba-fused"} == {"slower"}
    assert {p["verdict"] for p in document["points"] if p["impl"] != "numba-fused"} == {"same"}
    assert all(p["interval"][0] <= p["ratio"] <= p["interval"][1] for p in document["points"])
    # the A/A and A/B rates count points of at least 50 µs in both runs: here the slowed ones
    timed = [p for p in document["points"] if min(p["a_median_s"], p["b_median_s"]) >= 50e-6]
    assert 0 < len(timed) < len(document["points"])  # the grid has points on both sides of 50 µs
    assert document["timed_points"] == {"min_median_s": 50e-6, "points": len(timed),
                                        "changed": sum(p["impl"] == "numba-fused" for p in timed)}
    assert compare.main([a, b, "--fail-on-slower", *charts]) == 1
    assert "slower beyond the noise" in capsys.readouterr().err
    assert compare.main([b, a, "--fail-on-slower", *charts]) == 0  # B faster: the gate passes
    with pytest.raises(SystemExit) as exit_info:
        compare.main([a, b, a, "--json", str(out)])
    assert exit_info.value.code == 2


def test_older_files_without_canary_still_compare_with_a_note(tmp_path, capsys):
    a = _write(tmp_path / "a.json", build_results())
    b = _write(tmp_path / "b.json", build_results(impls=_slower("numba-fused", 2.0)))
    assert compare.main([a, b, "--charts-dir", str(tmp_path / "charts")]) == 0
    text = capsys.readouterr().out
    assert "carries no speed canary" in text
    fused = [line for line in text.splitlines() if line.startswith("| numba-fused | ") and "slower" in line]
    assert fused  # 2× slower still found from the medians and quartiles
    assert "Synthetic Xeon" in text and "### The machines" in text
    for suffix in ("png", "svg"):
        assert (tmp_path / "charts" / f"compare_ratio.{suffix}").stat().st_size > 1000


def test_the_notebook_gives_the_same_verdicts(tmp_path):
    from bench.analysis.notebook import load

    a = _interleaved(tmp_path, "a", steady, seed=1)
    b = _interleaved(tmp_path, "b", bimodal, seed=2, scale={"numba-fused": 1.25})
    out = tmp_path / "cmp.json"
    compare.main([a, b, "--json", str(out), "--charts-dir", str(tmp_path / "charts")])
    assert load(a).verdicts(b) == json.loads(out.read_text())["points"]


def test_many_files_give_headlines_per_machine_and_a_chart(tmp_path, capsys):
    paths = []
    for i, factor in enumerate((1.0, 2.0, 4.0)):
        data = build_results(impls=_slower("python-loops", factor))
        data["vecbench"]["machine"]["cpu"] = f"CPU number {i}"
        paths.append(_write(tmp_path / f"m{i}.json", data))
    out = tmp_path / "class" / "compare.md"
    assert compare.main([*paths, "--out", str(out)]) == 0
    text = out.read_text()
    assert "## 3 machines" in text
    rows = [line for line in text.splitlines() if line.startswith("| CPU number")]
    assert len(rows) == 3
    speedups = [float(row.split("|")[3].strip().rstrip("×").replace(",", "")) for row in rows]
    assert speedups[1] == pytest.approx(2 * speedups[0], rel=0.01) and speedups[2] == pytest.approx(4 * speedups[0], rel=0.01)
    assert (out.parent / "charts" / "compare_machines.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out.parent / "charts" / "compare_machines.svg").exists()


def test_against_reference_compares_with_the_committed_run(tmp_path, capsys):
    assert REFERENCE_RUN.exists(), "the reference run named in bench.results.schema is committed"
    assert compare.main(["--against-reference", str(REFERENCE_RUN), "--charts-dir", str(tmp_path)]) == 0
    assert "| numpy-vectorized | 1× | 1×–1× | 0 | 0 |" in capsys.readouterr().out  # a file against itself: all same


@pytest.mark.parametrize("kind", ["missing", "truncated", "no-vecbench-key", "wrong-schema", "json-list"])
def test_bad_files_exit_2_with_one_line(tmp_path, capsys, kind):
    good = _write(tmp_path / "good.json", build_results())
    bad = write_bad_input(kind, tmp_path / "bad.json")
    assert compare.main([good, str(bad), "--charts-dir", str(tmp_path / "c")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("vecbench compare: error: ") and error.count("\n") == 1 and "Traceback" not in error


def test_files_with_nothing_in_common_or_too_few_files_exit_2(tmp_path, capsys):
    a = _write(tmp_path / "a.json", build_results(nxs=(1, 10)))
    b = _write(tmp_path / "b.json", build_results(nxs=(100,)))
    assert compare.main([a, b, "--charts-dir", str(tmp_path)]) == 2
    assert "no measured point in common" in capsys.readouterr().err
    assert compare.main([a, b, a, "--charts-dir", str(tmp_path)]) == 2
    assert "share no size" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        compare.main([a])
    assert exit_info.value.code == 2 and "at least two results files" in capsys.readouterr().err


def test_speedup_agreement_between_two_runs_is_reported(tmp_path):
    """Each run's speedups over numpy-vectorized come from its own paired rounds, so the bimodal
    weather of B does not move them; only the slowed implementation's do (by 1.25×)."""
    a = load_results(_interleaved(tmp_path, "a", steady, seed=1))
    b = load_results(_interleaved(tmp_path, "b", bimodal, seed=2, scale={"numba-fused": 1.25}))
    changes = verdicts.speedup_changes(a, b)
    moved = [c for c in changes if c > 0.1]
    fused_points = sum(1 for p in a.points if p.impl == "numba-fused" and p.measured)
    assert len(moved) == fused_points and all(c == pytest.approx(0.2, abs=0.03) for c in moved)  # 1/1.25
    assert max(c for c in changes if c <= 0.1) < 0.05
    document = compare.comparison_json(a, b, verdicts.compare_runs(a, b))
    assert document["speedup_over_reference_change"]["points"] == len(changes)
    agreement = verdicts.speedup_agreement(a, b)
    assert agreement["by_impl"]["numba-fused"] == pytest.approx(0.2, abs=0.03)  # the one that moved
    assert max(v for impl, v in agreement["by_impl"].items() if impl != "numba-fused") < 0.05
    left_out = verdicts.speedup_agreement(a, b, exclude=("numba-fused",))  # as vecbench noise leaves its copy out
    assert "numba-fused" not in left_out["by_impl"] and left_out["points"] == len(changes) - fused_points
    assert left_out["p90"] < 0.05


def test_an_implementations_points_pooled_show_a_change_within_each_points_noise(tmp_path):
    """A between-run effect of σ = 10 % per point: one point's interval cannot show a 1.25× change, its implementation's
    points pooled can; the unchanged implementations stay *same* (the A/A half of the check)."""
    a = load_results(_write(tmp_path / "a.json", interleave_rounds(build_results(), steady, seed=1, jitter=0.0)))
    data = interleave_rounds(build_results(), steady, seed=2, jitter=0.0, scale={"numba-fused": 1.25})
    rng = np.random.default_rng(5)  # a between-run effect per point, σ = 10 %, as measured on a shared VM
    for entry in data["benchmarks"]:
        if entry["stats"]:
            factor = float(np.exp(0.10 * rng.standard_normal()))
            entry["stats"]["data"] = [t * factor for t in entry["stats"]["data"]]
            entry["stats"]["median"] *= factor
    b = load_results(_write(tmp_path / "b.json", data))
    comparison = verdicts.compare_runs(a, b)
    fused = [c for c in comparison.changes if c.key[0] == "numba-fused"]
    assert sum(c.verdict == verdicts.SLOWER for c in fused) >= 0.75 * len(fused)
    assert any(c.evidence == "implementation" for c in fused)  # called with its implementation
    assert comparison.implementations["numba-fused"][1] > 1  # the pooled interval is above 1×
    others = [c for c in comparison.changes if c.key[0] != "numba-fused"]
    assert sum(c.verdict != verdicts.SAME for c in others) <= 0.05 * len(others)


def test_an_implementation_that_varies_more_between_runs_is_judged_by_its_own_spread(tmp_path):
    """A/A where one implementation's every step varies by σ = 30 % from run to run (a peer's
    runtime on a shared VM) and the rest by 3 %: its points must not be called changed for
    varying as much as it always does, and the steady ones keep their narrow intervals."""
    a = load_results(_write(tmp_path / "a.json", interleave_rounds(build_results(), steady, seed=1, jitter=0.0)))
    data = interleave_rounds(build_results(), steady, seed=2, jitter=0.0)
    rng = np.random.default_rng(11)
    for entry in data["benchmarks"]:
        if entry["stats"]:
            sigma = 0.30 if entry["extra_info"]["impl"] == "torch-cpu" else 0.03
            factor = float(np.exp(sigma * rng.standard_normal()))
            entry["stats"]["data"] = [t * factor for t in entry["stats"]["data"]]
            entry["stats"]["median"] *= factor
    b = load_results(_write(tmp_path / "b.json", data))
    comparison = verdicts.compare_runs(a, b)
    noisy = [c for c in comparison.changes if c.key[0] == "torch-cpu"]
    assert len(noisy) >= 5 and sum(c.verdict != verdicts.SAME for c in noisy) <= 1
    steady_widths = [c.high / c.low for c in comparison.changes if c.key[0] != "torch-cpu"]
    assert statistics.median(steady_widths) < 1.5  # the others are not judged by torch-cpu's spread
