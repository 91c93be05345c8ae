"""``vecbench compare``: ratios and noise-aware verdicts for two files, per-machine headlines for
many, and one-line errors (exit 2) for anything that cannot be compared. Synthetic files only."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from _synthetic_results import SMALL_IMPLS, build_results, write_bad_input

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


def test_two_files_give_ratios_and_verdicts_from_the_quartiles(tmp_path, capsys):
    a = _write(tmp_path / "a.json", build_results())
    b = _write(tmp_path / "b.json", build_results(impls=_slower("numba-fused", 2.0)))
    assert compare.main([a, b, "--charts-dir", str(tmp_path / "charts")]) == 0
    text = capsys.readouterr().out
    fused = [line for line in text.splitlines() if line.startswith("| numba-fused | ") and "slower" in line]
    assert fused and all("2× | slower | interquartile ranges" in line for line in fused)
    assert "| numpy-vectorized | 1× | 0 | 0 |" in text  # unchanged: every point within noise
    assert "Synthetic Xeon" in text and "### The machines" in text
    for suffix in ("png", "svg"):
        assert (tmp_path / "charts" / f"compare_ratio.{suffix}").stat().st_size > 1000


def test_round_times_are_tested_with_mann_whitney(tmp_path):
    def results(scale: float, seed: int):
        path = tmp_path / f"r-{scale}-{seed}.json"
        return load_results(_write(path, _with_samples(build_results(), "numpy-vectorized", scale, seed)))

    a, same, faster = results(1.0, 1), results(1.0, 2), results(0.8, 3)
    found = [c for c in verdicts.changes(a, same) if c.key[0] == "numpy-vectorized"]
    assert found and all(c.verdict == verdicts.NOISE and c.method.startswith("Mann–Whitney") for c in found)
    found = [c for c in verdicts.changes(a, faster) if c.key[0] == "numpy-vectorized"]
    assert found and all(c.verdict == verdicts.FASTER and c.method.startswith("Mann–Whitney") for c in found)
    assert all(c.ratio == pytest.approx(0.8, rel=0.05) for c in found)


@pytest.mark.parametrize("seed", range(5))
def test_mann_whitney_matches_scipy(seed):
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(seed)
    x = np.round(rng.random(12), 2)  # ties included
    y = np.round(rng.random(15) + 0.1 * seed, 2)
    expected = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True).pvalue
    assert verdicts.mann_whitney_p(x, y) == pytest.approx(expected, rel=1e-9)


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
    assert "| numpy-vectorized | 1× |" in capsys.readouterr().out  # a file against itself


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
