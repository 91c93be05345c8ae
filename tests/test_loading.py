"""bench.results.reading: a results file becomes typed records; anything else is a one-line ResultsError."""

from __future__ import annotations

import json
import re

import _synthetic_results as synthetic
import pytest

from bench.results.reading import Estimate, ResultsError, load_results


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return load_results(synthetic.write_results(tmp_path_factory.mktemp("loading") / "results.json"))


def test_every_entry_becomes_a_point_with_its_status(results):
    assert len(results.points) == len(synthetic.SMALL_IMPLS) * len(synthetic.SMALL_MS) * len(
        synthetic.SMALL_NXS
    )
    for impl in synthetic.SMALL_IMPLS:
        for m in synthetic.SMALL_MS:
            for n_x in synthetic.SMALL_NXS:
                grid_point = results.grid(("float64", "C")).point(impl.name, m, n_x)
                assert grid_point.status == synthetic.status_of(impl, m, n_x)


def test_measured_predicted_and_failed_points_carry_their_own_fields(results):
    grid = results.grid(("float64", "C"))
    measured = grid.point("numpy-vectorized", 1000, 10)
    assert measured.median_s == pytest.approx(16e-6)
    assert measured.q1_s < measured.median_s < measured.q3_s
    assert grid.time("numpy-vectorized", 1000, 10) == Estimate(measured.median_s, False)

    skipped = grid.point("python-loops", 10000, 100)
    assert skipped.predicted and skipped.median_s is None
    assert grid.time("python-loops", 10000, 100) == Estimate(pytest.approx(1.000002), True)

    failed = grid.point("numba-loops", 100, 10)
    assert failed.status == "failed" and "MemoryError" in failed.error
    assert grid.time("numba-loops", 100, 10) is None
    assert grid.speedup("numba-loops", "python-loops", 100, 10) is None


def test_speedup_is_marked_predicted_when_either_time_is(results):
    grid = results.grid(("float64", "C"))
    assert grid.speedup("numpy-vectorized", "python-loops", 1000, 10).value == pytest.approx(0.010002 / 16e-6)
    assert not grid.speedup("numpy-vectorized", "python-loops", 1000, 10).predicted
    assert grid.speedup("numpy-vectorized", "python-loops", 10000, 100).predicted


def test_implementations_keep_the_file_order_and_the_default_layout_comes_first(tmp_path):
    path = synthetic.write_results(tmp_path / "two.json", layouts=(("float32", "F"), ("float64", "C")))
    loaded = load_results(path)
    assert loaded.impls == tuple(i.name for i in synthetic.SMALL_IMPLS)
    assert loaded.layouts == (("float64", "C"), ("float32", "F"))
    grid = loaded.grids()[1]
    assert (grid.dtype, grid.order, grid.ms, grid.nxs) == (
        "float32",
        "F",
        synthetic.SMALL_MS,
        synthetic.SMALL_NXS,
    )


def test_run_metadata_is_read(results):
    assert results.complete and results.threads == 2 and results.preset == "custom"
    assert results.bandwidth.multi_thread_GBps == 16.0 and results.bandwidth.multi_threads == 2
    assert results.machine["cpu"] == "Synthetic Xeon"
    assert len(results.sha256) == 64


def test_the_compute_roof_is_read_and_older_files_without_it_still_load(results, tmp_path):
    assert results.bandwidth.single_thread_samples_per_s == synthetic.COMPUTE_ROOF["single_thread_samples_per_s"]
    assert results.bandwidth.multi_thread_samples_per_s == synthetic.COMPUTE_ROOF["multi_thread_samples_per_s"]
    path = tmp_path / "older.json"
    path.write_text(json.dumps(synthetic.build_results(with_compute_roof=False)))
    older = load_results(path).bandwidth
    assert older.multi_thread_GBps == 16.0
    assert older.single_thread_samples_per_s is None and older.multi_thread_samples_per_s is None


def test_a_first_calls_compile_cache_outcome_is_read_and_an_unknown_one_is_not(tmp_path):
    data = synthetic.build_results()
    measured = [e for e in data["benchmarks"] if e["stats"]]
    for entry, outcome in zip(measured, ["hit", "miss", "reused", "bogus"]):
        entry["extra_info"]["compile_cache"] = outcome
    path = tmp_path / "cache.json"
    path.write_text(json.dumps(data))
    loaded = load_results(path)
    read = [loaded.grid((e["extra_info"]["dtype"], e["extra_info"]["order"]))
            .point(e["extra_info"]["impl"], e["extra_info"]["m"], e["extra_info"]["n_x"]).compile_cache
            for e in measured[:4]]
    assert read == ["hit", "miss", "reused", None]


def test_missing_optional_sections_are_tolerated(tmp_path):
    data = synthetic.build_results(with_bandwidth=False)
    del data["vecbench"]["machine"]
    path = tmp_path / "lean.json"
    path.write_text(json.dumps(data))
    loaded = load_results(path)
    assert loaded.bandwidth is None and loaded.machine == {}


@pytest.mark.parametrize("kind", sorted(synthetic.BAD_INPUTS))
def test_bad_input_raises_one_line_error_naming_the_file(tmp_path, kind):
    path = synthetic.write_bad_input(kind, tmp_path / f"{kind}.json")
    with pytest.raises(ResultsError) as caught:
        load_results(path)
    message = str(caught.value)
    assert str(path) in message and "\n" not in message


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("missing", "no such file"),
        ("empty", "empty"),
        ("truncated", "not valid JSON"),
        ("no-vecbench-key", "not a vecbench results file"),
        ("wrong-schema", "unsupported results schema 99"),
        ("m-not-integer", "benchmarks[0].extra_info.m: expected an integer >= 1, got 'ten'"),
        ("unknown-status", "status: expected one of measured, skipped-budget, failed"),
        ("no-measured-points", "no measured points"),
    ],
)
def test_bad_input_message_says_what_is_wrong(tmp_path, kind, expected):
    with pytest.raises(ResultsError, match=re.escape(expected)):
        load_results(synthetic.write_bad_input(kind, tmp_path / "r.json"))


def test_implementations_keep_registry_order_whatever_the_entry_order(tmp_path):
    """An implementation whose points all sit in not_measured (after the measured entries) keeps
    its place, and so its colour in every chart."""
    data = synthetic.build_results()
    names = list(dict.fromkeys(entry["extra_info"]["impl"] for entry in data["benchmarks"]))
    data["vecbench"]["not_measured"] = [e for e in data["benchmarks"] if e["extra_info"]["impl"] == names[0]]
    for entry in data["vecbench"]["not_measured"]:
        entry["stats"] = None
        entry["extra_info"].update(status="skipped-budget", predicted_s=1.0)
    data["benchmarks"] = [e for e in data["benchmarks"] if e["extra_info"]["impl"] != names[0]]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data))
    assert load_results(path).impls[-1] == names[0]  # no implementations section: file order
    data["vecbench"]["implementations"] = {name: {"description": name} for name in names}
    path.write_text(json.dumps(data))
    assert load_results(path).impls == tuple(names)
