"""bench.analysis.report and bench.analysis.costmodel: REPORT.md from a synthetic results file holds the numbers of
that file; cost models recover the parameters the data was generated with."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from _synthetic_results import (
    BAD_INPUTS,
    SMALL_IMPLS,
    SMALL_MS,
    SMALL_NXS,
    build_results,
    status_of,
    write_bad_input,
    write_results,
)

from bench.analysis import charts, costmodel, report
from bench.results.reading import PointRecord, load_results
from bench.results.units import format_ratio, format_seconds

IMPLS = {impl.name: impl for impl in SMALL_IMPLS}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Run ``vecbench report`` once (it draws the charts, none being there yet)."""
    folder = tmp_path_factory.mktemp("report")
    results = write_results(folder / "results.json")
    out = folder / "reports" / "REPORT.md"
    assert report.main([str(results), "--out", str(out)]) == 0
    return results, out, out.read_text(encoding="utf-8")


def _row(text: str, *first_cells: str) -> str:
    """The table line that starts with these cells."""
    start = "| " + " | ".join(first_cells) + " |"
    lines = [line for line in text.splitlines() if line.startswith(start)]
    assert lines, f"no row starting {start!r}"
    return lines[0]


def test_report_has_every_section(written):
    text = written[2]
    for heading in (
        "# vecbench report",
        "## Headline",
        "## Machine and run",
        "### Median time per step",
        "### Speedup over python-loops",
        "### Speedup over numpy-vectorized",
        "### Cost model",
        "### Crossovers (derived from the cost models, not measured)",
        "### Memory bandwidth: fraction of the floor at m = 10,000",
        "### Skipped and failed points",
    ):
        assert f"\n{heading}" in "\n" + text


def test_median_times_and_speedups_are_the_files_numbers(written):
    text = written[2]
    # numpy-vectorized at m=1000, n_x=10: 2 µs + 4 ns·1000 + 1 ns·10,000 = 16 µs; loops 10.002 ms.
    row = _row(text, "1,000", "10")
    assert "| 10 ms | 16 µs |" in row and format_seconds(16e-6) == "16 µs"
    speedup_rows = [line for line in text.splitlines() if line.startswith("| 1,000 | 10 |")]
    assert "| 625× |" in speedup_rows[1]  # 10.002 ms / 16 µs = 625.1
    assert format_ratio(0.010002 / 16e-6) == "625×"


def test_predicted_and_failed_points_are_marked(written):
    text = written[2]
    assert _row(text, "10,000", "100").startswith("| 10,000 | 100 | ≈1 s† |")
    assert "| numba-loops | 100 | 10 | MemoryError: cannot allocate X |" in text
    assert _row(text, "100", "10").split(" | ")[4] == "failed"  # numba-loops column of the times
    assert "| python-loops | 10,000 | 100 | ≈1 s† | fit t=a+b·m·n_x" in text


def test_headline_gives_the_largest_and_median_measured_speedup(written):
    measured = []
    for impl in SMALL_IMPLS[1:]:
        for m in SMALL_MS:
            for n_x in SMALL_NXS:
                both = status_of(impl, m, n_x) == status_of(SMALL_IMPLS[0], m, n_x) == "measured"
                if both:
                    measured.append((SMALL_IMPLS[0].time(m, n_x) / impl.time(m, n_x), impl.name, m, n_x))
    top = max(measured)
    best = {}
    for value, name, m, n_x in measured:
        best[(m, n_x)] = max(best.get((m, n_x), (0, "")), (value, name))
    median = sorted(best.values())[(len(best) - 1) // 2]
    text = written[2]
    assert f"**{format_ratio(top[0])}** ({top[1]} at m={top[2]:,}, n_x={top[3]:,})" in text
    assert (
        f"median over the {len(best)} sizes" in text
        and f"**{format_ratio(median[0])}** faster ({median[1]}" in text
    )


def test_cost_model_table_recovers_the_generating_parameters(written):
    text = written[2]
    assert _row(text, "python-loops", "`a + b·m·n_x`").startswith(
        "| python-loops | `a + b·m·n_x` | 2 | — | 1,000 | 9 |"
    )
    assert _row(text, "numpy-vectorized", "`a + c·m + b·m·n_x`").startswith(
        "| numpy-vectorized | `a + c·m + b·m·n_x` | 2 | 4 | 1 |"
    )
    # torch-cpu (30 µs + 0.5 ns/element) against the loops (2 µs + 1 µs/element) at n_x = 1:
    # m* = 28 µs / 0.9995 µs = 28.0.
    assert _row(text, "torch-cpu", "m ≥ 28")


def test_machine_bandwidth_and_run_metadata_are_shown(written):
    text = written[2]
    assert "| CPU | Synthetic Xeon (2 cores) |" in text
    assert "| memory read bandwidth | 10 GB/s on 1 thread, 16 GB/s on 2 threads" in text
    assert "| command | `python -m bench run --preset custom` |" in text
    assert "| complete | yes |" in text


def test_fraction_of_floor_table_and_rule_based_sentence(written):
    section = written[2].split("### Memory bandwidth")[1].split("\n### ")[0]
    # numba-fused at m=10,000: floor = bytes (m·n_x + m)·8 / 16 GB/s; time 1 µs + 0.6 ns·m·n_x.
    m, fused = 10_000, IMPLS["numba-fused"]
    fractions = [(m * n_x + m) * 8 / 16e9 / fused.time(m, n_x) for n_x in SMALL_NXS]
    cells = " | ".join(f"{f:.2f}" for f in fractions)
    sentence = f"memory-bound: reaches {max(fractions):.2f} of the floor (n_x = 100)."
    assert _row(section, "numba-fused") == f"| numba-fused | {cells} | {sentence} |"
    # python-loops: measured at n_x = 1 (1.6e5 B / 16 GB/s / 10.002 ms = 0.001), predicted beyond.
    assert _row(section, "python-loops") == (
        "| python-loops | 0.001 | ≈0.00055† | ≈0.0005† | "
        "compute-bound far from memory: at most 0.001 of the floor (n_x = 1). |"
    )


@pytest.mark.parametrize(
    ("fractions", "start"),
    [
        ({1: 0.4, 100: 1.3}, "faster than main memory allows (1.30 of the floor (n_x = 100))"),
        ({1: 0.5, 100: 0.9}, "memory-bound: reaches 0.90 of the floor (n_x = 100)"),
        ({1: 0.001, 100: 0.01}, "compute-bound far from memory: at most 0.01 of the floor"),
        ({1: 0.1, 100: 0.5}, "per-sample work bound on few features: the fraction falls from 0.50"),
        ({1: 0.4, 100: 0.5}, "not memory-bound: at most 0.50 of the floor (n_x = 100)"),
        ({}, "no measured point at the largest m"),
    ],
)
def test_limit_sentence_rules(fractions, start):
    assert report.limit_sentence(fractions).startswith(start)


def test_charts_are_embedded_by_relative_path_and_exist(written):
    _, out, text = written
    links = re.findall(r"!\[[^]]*\]\(([^)]+)\)", text)
    # the canary chart needs a canary series, which this (older-format) synthetic file lacks
    assert {link.split("/")[-1] for link in links} >= {f"{spec.key}.png" for spec in charts.CHARTS if spec.key != "canary"}
    assert "carries no speed canary" in text
    for link in links:
        assert link.startswith("charts/") and (out.parent / link).is_file()


def test_report_reuses_charts_drawn_from_the_same_file_only(written, tmp_path):
    results_path, out, _ = written
    results = load_results(results_path)
    assert charts.read_manifest(out.parent / "charts", results) is not None
    other = load_results(write_results(tmp_path / "other.json", budget_s=None))
    assert charts.read_manifest(out.parent / "charts", other) is None


def test_incomplete_run_is_flagged(tmp_path):
    data = build_results()
    data["vecbench"]["complete"] = False
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    assert "**Incomplete run**" in report.header(load_results(path))


@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, kind):
    out = tmp_path / "reports" / "REPORT.md"
    status = report.main([str(write_bad_input(kind, tmp_path / "r.json")), "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.startswith("vecbench report: error: ") and captured.err.count("\n") == 1
    assert not out.parent.exists()


# ---------------------------------------------------------------- cost model


def _points(impl, sizes, times=None) -> list[PointRecord]:
    times = times or [impl.time(m, n) for m, n in sizes]
    return [PointRecord(impl.name, m, n, "float64", "C", "measured", t, t, t) for (m, n), t in zip(sizes, times)]


SIZES = [(m, n) for m in SMALL_MS for n in SMALL_NXS]


def test_fit_recovers_overhead_and_per_element_cost_exactly():
    model = costmodel.fit_cost_model("python-loops", _points(IMPLS["python-loops"], SIZES))
    assert model.form == costmodel.SIMPLE
    assert model.overhead_s == pytest.approx(2e-6, rel=1e-6)
    assert model.per_element_s == pytest.approx(1e-6, rel=1e-9)
    assert model.max_abs_error < 1e-6 and model.r2_log == pytest.approx(1.0)


def test_fit_chooses_the_per_sample_term_when_the_data_has_one():
    model = costmodel.fit_cost_model("numpy-vectorized", _points(IMPLS["numpy-vectorized"], SIZES))
    assert model.form == costmodel.PER_SAMPLE
    assert (model.overhead_s, model.per_sample_s, model.per_element_s) == (
        pytest.approx(2e-6, rel=1e-6),
        pytest.approx(4e-9, rel=1e-6),
        pytest.approx(1e-9, rel=1e-6),
    )


def test_fit_lists_points_it_misses_instead_of_hiding_them():
    impl = IMPLS["numba-fused"]
    times = [impl.time(m, n) * (3.0 if (m, n) == (1000, 10) else 1.0) for m, n in SIZES]
    model = costmodel.fit_cost_model(impl.name, _points(impl, SIZES, times))
    assert [(p.m, p.n_x) for p, _ in model.bad_points()] == [(1000, 10)]
    assert model.max_abs_error > costmodel.BAD_FIT


def test_fit_needs_two_measured_points():
    assert costmodel.fit_cost_model("x", _points(IMPLS["python-loops"], SIZES[:1])) is None


def test_nonnegative_lstsq_matches_scipy():
    nnls = pytest.importorskip("scipy.optimize").nnls
    rng = np.random.default_rng(7)
    for _ in range(20):
        A, y = rng.standard_normal((12, 3)), rng.standard_normal(12)
        expected = nnls(A, y)[0]
        assert costmodel.nonnegative_lstsq(A, y) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("overhead_s", "per_element_s", "n_x", "kind", "m_star"),
    [
        (30e-6, 5e-10, 1, "above", 28e-6 / (1e-6 - 5e-10)),  # big overhead, cheap elements
        (1e-6, 5e-10, 1, "always", None),  # cheaper in both terms
        (1.0, 5e-10, 1, "never", None),  # an overhead no m in range repays
        (1e-6, 1.001e-6, 1, "below", 1e-6 / 1e-9),  # cheaper call, dearer element
    ],
)
def test_crossover_from_two_models(overhead_s, per_element_s, n_x, kind, m_star):
    base = costmodel.CostModel("python-loops", costmodel.SIMPLE, 2e-6, 0.0, 1e-6, 0.0, ())
    model = costmodel.CostModel("other", costmodel.SIMPLE, overhead_s, 0.0, per_element_s, 0.0, ())
    found = costmodel.crossover(model, base, n_x, (10, 10_000))
    assert found.kind == kind
    assert found.m == (None if m_star is None else pytest.approx(m_star))


def test_each_layout_gets_its_own_section_and_missing_data_is_said(tmp_path):
    data = build_results(layouts=(("float32", "F"), ("float64", "C")), with_bandwidth=False)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    skipped = [charts.Skipped("roofline", "float64, C order", "no bandwidth measurement")]
    text = report.render_report(load_results(path), [], skipped, "charts")
    assert text.index("## float64, C order") < text.index("## float32, F order")  # the default first
    assert text.count("### Median time per step") == 2
    assert "Not available: the run did not measure the memory bandwidth." in text
    assert "| roofline | float64, C order | no bandwidth measurement |" in text


def test_jit_compile_time_and_calls_to_repay_it(written):
    section = written[2].split("### JIT compile time")[1].split("\n### ")[0]
    fused, numpy_impl = IMPLS["numba-fused"], IMPLS["numpy-vectorized"]
    calls = [0.9 / (numpy_impl.time(10_000, n) - fused.time(10_000, n)) for n in SMALL_NXS]
    assert (
        _row(section, "numba-fused")
        == "| numba-fused | 900 ms | not recorded | " + " | ".join(f"{c:,.0f}" for c in calls) + " |"
    )
    # numba-loops is slower than numpy-vectorized at m = 10,000, n_x = 1: compiling never pays back
    assert _row(section, "numba-loops", "400 ms", "not recorded", "never (not faster)")


def test_preparation_paid_once_is_shown_apart_where_it_matters(written):
    """torch-cpu's synthetic copy (2 ns per element) is reported with the steps it is worth; the
    implementations that prepare nothing are left out of the table."""
    text = written[2]
    assert "### Paid once: preparing the data" in text
    assert "moving the data into torch-cpu costs 2 ms once at m=10,000, n_x=100" in text
    section = text.split("### Paid once: preparing the data")[1].split("###")[0]
    row = _row(section, "torch-cpu")
    assert "20 µs" in row and "200 µs" in row and "2 ms" in row
    assert "| numpy-vectorized |" not in section


def test_implementation_notes_are_shown(tmp_path):
    data = build_results()
    data["vecbench"]["implementations"] = {
        "torch-cpu": {"description": "PyTorch, eager", "family": "peer", "note": "float32 stays float32",
                      "accuracy_note": ""}}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    text = report.render_report(load_results(path), [], [], "charts")
    assert "## Implementations" in text
    assert "| `torch-cpu` | PyTorch, eager | float32 stays float32 |" in text


def test_steadiness_section_states_the_canary_range_and_draws_it(tmp_path):
    from _synthetic_results import build_results, interleave_rounds

    data = interleave_rounds(build_results(), lambda size, r: 1.9 if size == 2 else 1.0, seed=0)
    path = tmp_path / "run.json"
    path.write_text(json.dumps(data))
    out = tmp_path / "REPORT.md"
    assert report.main([str(path), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "ran between 1.00× and 1.90× of its fastest time" in text
    assert "absolute times are less reliable than its speedups" in text
    assert "](charts/canary.png)" in text and (tmp_path / "charts" / "canary.png").exists()
    assert "No point used more CPU than its thread budget" in text
    section = text.split("### Speedup over python-loops")[1].split("\n### ")[0]
    speedups = _row(section, "100", "1")  # paired speedups carry their interval
    assert "× (" in speedups and "–" in speedups
