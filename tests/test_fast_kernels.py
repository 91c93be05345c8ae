"""Tests specific to the fused kernels, the peers' registration, the bandwidth probe and targets.

The equivalence harness (test_equivalence.py) already checks every registered implementation's
results; this file checks what it cannot see: the polynomial exp/log1p over their whole range,
the block boundaries and memory walks of the fused kernels, thread-count independence, the
on-disk compile cache, and which peers get registered.
"""

from __future__ import annotations

import json
import math
import random
import statistics
import types

import numba
import numpy as np
import pytest
from _reference import assert_matches, random_parameters, reference_step

import impls
from bench.measure import bandwidth, compute_roof, machine, timing
from bench.performance import ablation, side_by_side, target_checks, targets
from bench.results import folders
from bench.results.schema import REFERENCE
from bench.measure.compile_cache import check_compile_cache
from bench.measure.problems import kernel_args
from impls import _fused_kernel as fused
from impls import _fused_plan as plan
from impls import logistic, peers

ULP = np.finfo(np.float64).eps
TINY = np.finfo(np.float64).tiny
FUSED = ("numba-fused", "numba-parallel")


def _exp_arguments() -> np.ndarray:
    """x ≤ 0 over the whole range: dense near 0, every k of the range reduction, the subnormal
    range (−708.4 > x > −745.1) and beyond (exp(x) = 0)."""
    rng = np.random.default_rng(0)
    return -np.concatenate([
        np.geomspace(1e-300, 1.0, 300), rng.uniform(0, 746, 3000), np.arange(0, 760, 0.5 * math.log(2)),
        [0.0, 708.39, 708.4, 709.0, 744.0, 745.0, 745.13, 745.14, 745.2, 746.0, 800.0, 1e300],
    ])


#: exp_nonpositive's promised relative error (a degree-9 polynomial; see _EXP_COEFFS).
EXP_RTOL = 3e-14


def test_exp_matches_math_exp_over_the_whole_range():
    for x in _exp_arguments():
        got, want = fused.exp_nonpositive(x), math.exp(x)
        # a subnormal result also carries the rounding of its last place
        assert abs(got - want) <= EXP_RTOL * want + 5e-324, (x, got, want)
    assert fused.exp_nonpositive(-745.2) == 0.0 and fused.exp_nonpositive(-1e308) == 0.0
    assert fused.exp_nonpositive(0.0) == pytest.approx(1.0, rel=EXP_RTOL)


def test_exp_coefficients_are_the_chebyshev_interpolant_they_claim_to_be():
    half_ln2 = math.log(2) / 2
    derived = np.polynomial.chebyshev.Chebyshev.interpolate(np.exp, 9, domain=[-half_ln2, half_ln2])
    np.testing.assert_allclose(fused._EXP_COEFFS, derived.convert(kind=np.polynomial.Polynomial).coef,
                               rtol=1e-9)


def test_log1p_matches_math_log1p_on_the_unit_interval():
    rng = np.random.default_rng(1)
    for e in np.concatenate([np.geomspace(TINY, 1.0, 400), rng.uniform(0, 1, 2000), [0.0, 0.5, 1.0]]):
        got, want = fused.log1p_unit(e), math.log1p(e)
        assert abs(got - want) <= 4 * ULP * want, (e, got, want)


def test_log1p_of_any_nonnegative_argument_matches_math_log1p():
    """log1p_nonnegative takes the lanes' products Π(1 + e) − 1: from subnormal to beyond 2^64."""
    rng = np.random.default_rng(2)
    arguments = np.concatenate([
        np.geomspace(1e-320, 1e300, 2000), rng.uniform(0, 3, 2000),
        [0.0, 5e-324, TINY, 1.0 - ULP / 2, 1.0, 1.0 + ULP, 2.0, 2.0**64, 1.7e308],
    ])
    for q in arguments:
        got, want = fused.log1p_nonnegative(q), math.log1p(q)
        assert abs(got - want) <= 4 * ULP * want + 5e-324, (q, got, want)


@pytest.mark.parametrize("label", [0.0, 1.0])
def test_per_sample_math_matches_the_stable_reference_formulation(label):
    for z in np.concatenate([np.linspace(-60, 60, 2401), [-1000, -745, -709, -700, 700, 709, 745, 1000]]):
        loss, dz = fused.loss_and_dz(z, label)
        want_loss, want_dz = logistic.loss_and_dz(z, label)
        assert abs(loss - want_loss) <= 2 * EXP_RTOL * want_loss + TINY, (z, loss, want_loss)
        assert abs(dz - want_dz) <= 2 * EXP_RTOL * abs(want_dz) + TINY, (z, dz, want_dz)


def _problem(m: int, n_x: int, order: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = np.asarray(rng.standard_normal((n_x, m)), order=order)
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    w, b = random_parameters(rng, n_x, np.float64)
    return w, b, X, Y


def _walk(X: np.ndarray, tuning: plan.Tuning) -> tuple[np.ndarray, int]:
    """The operand and walk ``tuning``'s built-in defaults choose for ``X``."""
    operand, order = plan.operand_of(X)
    return operand, plan.default_variant(order, X.shape[0], tuning).walk


def _block(n_x: int, order: str, tuning: plan.Tuning) -> int:
    return plan.default_variant(order, n_x, tuning).block(n_x)


def _sizes(tuning: plan.Tuning) -> list[tuple[int, int]]:
    """Block boundaries for feature counts around every walk's threshold and the row and sample
    groups' remainders: m = 1, < block, block ± 1, several blocks (of both C and F order)."""
    thresholds = [tuning.transpose_below_features - 1, tuning.transpose_below_features]
    for threshold in (tuning.group_from_features, tuning.group_dw_below_features, tuning.group_dw_from_features):
        if threshold:
            thresholds += [threshold - 1, threshold + 3]
    sizes = set()
    for n_x in (1, 2, 3, 4, fused.TILES_FROM_FEATURES, 10, 37, *thresholds):
        for block in {_block(n_x, "C", tuning), _block(n_x, "F", tuning)}:
            sizes |= {(m, n_x) for m in (1, 5, block - 1, block, block + 1, 3 * block + 7)}
    return sorted(sizes)


_DRIVERS = {"numba-fused": lambda *args: fused.fused_step(*args),
            "numba-parallel": lambda *args: fused.parallel_step(*args, 2, fused.WHOLE_STEP)}


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize(("tuning", "m", "n_x"), [(t, m, n_x) for t in plan.TUNINGS for m, n_x in _sizes(t)],
                         ids=lambda v: v.name if isinstance(v, plan.Tuning) else str(v))
@pytest.mark.parametrize("name", FUSED)
def test_block_boundaries(name, tuning, m, n_x, order):
    """Every tuning's walks and blocks, whatever CPU the tests run on (the registered kernels use
    the host's tuning only)."""
    w, b, X, Y = _problem(m, n_x, order)
    variant = plan.default_variant(plan.operand_of(X)[1], n_x, tuning)  # one sample or feature: C too
    dw, db, cost = _DRIVERS[name](*plan.driver_args(w, b, X, Y, variant))
    assert_matches(impls.Gradients(dw.reshape(w.shape), db, cost), reference_step(w, b, X, Y), np.float64)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("n_x", range(1, 18))
def test_transpose_block_copies_every_feature_of_every_sample(n_x, dtype):
    XT = np.arange(300.0 * n_x).reshape(300, n_x).astype(dtype)
    for start, stop in ((37, 237), (37, 240), (5, 8), (0, 300)):  # whole tiles of four samples, and left over
        scratch = np.full((n_x, stop - start + 8), np.nan)
        fused._transpose_block(XT, start, stop, scratch)
        np.testing.assert_array_equal(scratch[:, : stop - start], XT[start:stop].T)
        assert np.isnan(scratch[:, stop - start :]).all()


def _f_walk(n_x: int, tuning: plan.Tuning) -> int:
    return _walk(np.zeros((n_x, 9), order="F"), tuning)[1]


@pytest.mark.parametrize("tuning", plan.TUNINGS, ids=lambda t: t.name)
def test_every_walk_is_taken(tuning):
    """C order walks feature rows; F order walks samples, transposing blocks of few features and
    four samples at a time where the tuning says so; any other view is copied to C order first."""
    few, many = tuning.transpose_below_features - 1, tuning.transpose_below_features
    X = np.zeros((few, 9))
    assert _walk(X, tuning) == (X, fused.FEATURE_MAJOR)
    assert _walk(np.asfortranarray(X), tuning)[1] == fused.SAMPLE_MAJOR_TRANSPOSED
    one_at_a_time = {fused.SAMPLE_MAJOR, fused.SAMPLE_MAJOR_GROUPED_DW}
    assert _f_walk(many, tuning) in one_at_a_time
    if tuning.group_from_features is None:
        assert _f_walk(5000, tuning) in one_at_a_time
    else:
        assert _f_walk(tuning.group_from_features - 1, tuning) in one_at_a_time
        assert _f_walk(tuning.group_from_features, tuning) == fused.SAMPLE_MAJOR_GROUPED
    below, upper = tuning.group_dw_below_features, tuning.group_dw_from_features
    for n_x in range(many, 600):
        grouped_dw = n_x < below or (upper is not None and n_x >= upper)
        if tuning.group_from_features is None or n_x < tuning.group_from_features:
            assert _f_walk(n_x, tuning) == (fused.SAMPLE_MAJOR_GROUPED_DW if grouped_dw else fused.SAMPLE_MAJOR)
    view = np.arange(many * 18.0).reshape(many, 18)[:, ::-2]
    operand, walk = _walk(view, tuning)
    assert walk == fused.FEATURE_MAJOR and operand.flags.c_contiguous
    np.testing.assert_array_equal(operand, view)


def test_the_tunings_cover_every_walk_and_match_cpu_names():
    walks = {_walk(np.zeros((n_x, 9), order=order), tuning)[1]
             for tuning in plan.TUNINGS for n_x in (2, 20, 100, 5000) for order in "CF"}
    assert walks == set(range(5))  # FEATURE_MAJOR ... SAMPLE_MAJOR_GROUPED_DW
    assert plan.tuning_for("znver4") is plan.ZEN and plan.tuning_for("znver3") is plan.ZEN
    assert plan.tuning_for("icelake-server") is plan.GENERIC and plan.tuning_for("generic") is plan.GENERIC
    for tuning in plan.TUNINGS:
        for n_x in (1, 10, 100, 1000, 10**5):
            block = plan.block_size(n_x, fused.FEATURE_MAJOR, tuning.block_bytes)
            assert block % 16 == 0 and fused.MIN_BLOCK <= block <= fused.MAX_BLOCK
            assert plan.block_size(n_x, fused.SAMPLE_MAJOR, tuning.block_bytes) == block
            grouped = plan.block_size(n_x, fused.SAMPLE_MAJOR_GROUPED, tuning.grouped_block_bytes)
            assert grouped % 16 == 0 and 16 <= grouped <= fused.MAX_BLOCK


@pytest.mark.parametrize("order", ["C", "F"])
def test_parallel_results_do_not_depend_on_the_thread_count(order):
    w, b, X, Y = _problem(5 * _block(8, order, plan.HOST_TUNING) + 3, 8, order, seed=3)
    kernel = impls.IMPLEMENTATIONS["numba-parallel"].kernel
    previous = numba.get_num_threads()
    results = []
    try:
        for threads in range(1, numba.config.NUMBA_NUM_THREADS + 1):
            numba.set_num_threads(threads)
            results.append(kernel(w, b, X, Y))
    finally:
        numba.set_num_threads(previous)
    results.append(impls.IMPLEMENTATIONS["numba-fused"].kernel(w, b, X, Y))
    first_dw, first_db, first_cost = results[0]
    for dw, db, cost in results[1:]:  # only the summation order differs
        np.testing.assert_allclose(dw, first_dw, rtol=1e-12, atol=1e-15)
        assert db == pytest.approx(first_db, rel=1e-12, abs=1e-15)
        assert cost == pytest.approx(first_cost, rel=1e-12)


def test_parallel_step_with_more_threads_than_blocks():
    w, b, X, Y = _problem(3, 4, "C")
    weights = np.ascontiguousarray(w[:, 0])
    block = _block(4, "C", plan.HOST_TUNING)
    dw, db, cost = fused.parallel_step(weights, b, X, Y[0], fused.FEATURE_MAJOR, block, 16, fused.WHOLE_STEP)
    assert_matches(impls.Gradients(dw, db, cost), reference_step(w, b, X, Y), np.float64)


def test_compile_cache_is_used_by_a_second_process():
    """A second process loads every compiled function of impls and bench from the disk cache."""
    result = check_compile_cache(["float64"], fresh=False)
    assert result["recompiled"] == []
    assert result["passed"]
    assert result["warm"]["dispatchers"]["impls._fused_kernel.parallel_step"]["hits"] >= 1


@pytest.mark.parametrize("before, after, expected", [
    (None, peers.CompileCounts(1, 1), None),  # not a JIT peer
    (peers.CompileCounts(0, 0), peers.CompileCounts(1, 1), "hit"),
    (peers.CompileCounts(2, 3), peers.CompileCounts(2, 4), "miss"),
    (peers.CompileCounts(2, 3), peers.CompileCounts(2, 3), "reused"),
    (peers.CompileCounts(2, None), peers.CompileCounts(2, None), "miss"),  # the library does not count graphs
])
def test_a_first_call_is_called_a_cache_hit_a_compile_or_a_reuse(before, after, expected):
    assert peers.compile_cache_outcome(before, after) == expected


def test_a_torch_compile_shape_served_by_the_dynamic_graph_is_called_reused():
    """After two shapes, Inductor compiles a graph with dynamic sizes; a third shape compiles
    nothing, and its first call must not be recorded as a compile ("miss")."""
    if "torch-compile" not in impls.IMPLEMENTATIONS:
        pytest.skip("torch-compile is not registered here (no PyTorch or no C++ compiler)")
    propagate = impls.IMPLEMENTATIONS["torch-compile"].propagate
    for m in (13, 17):
        propagate(*kernel_args(m, 3, "float64", "C"))
    before = peers.compile_counts("torch-compile")
    propagate(*kernel_args(23, 3, "float64", "C"))
    assert before is not None and before.graphs >= 1
    assert peers.compile_cache_outcome(before, peers.compile_counts("torch-compile")) == "reused"


def test_a_peer_whose_library_is_missing_is_not_available(monkeypatch):
    missing = types.SimpleNamespace(LIBRARIES=("vecbench_no_such_library",))
    assert not peers.is_installed(missing)
    monkeypatch.setattr(peers, "PEERS", (("missing-peer", missing), *peers.PEERS))
    assert "missing-peer" not in dict(peers.available())


def test_bandwidth_probe_reports_the_schema_fields():
    result = bandwidth.measure_read_bandwidth(2, array_bytes=8 * 2**20, repeats=2)
    assert set(result) == {"single_thread_GBps", "multi_thread_GBps", "multi_threads", "array_bytes",
                           "repeats", "method", "sized_by", "compute_roof", "single_thread_streams",
                           "multi_thread_streams"}
    assert result["single_thread_GBps"] > 0 and result["multi_thread_GBps"] > 0
    assert {result["single_thread_streams"], result["multi_thread_streams"]} <= {1, bandwidth.STREAMS}
    assert bandwidth.read_streams(result, 1) == result["single_thread_streams"]
    assert bandwidth.read_streams(result, 2) == result["multi_thread_streams"]
    assert bandwidth.read_streams({"multi_thread_GBps": 1.0}, 2) == 1  # a probe from before the streams
    assert result["array_bytes"] == 8 * 2**20 and result["repeats"] == 2
    with pytest.raises(ValueError, match="threads"):
        bandwidth.measure_read_bandwidth(0)


@pytest.mark.parametrize("cache, available, expected, says", [
    (32 * 2**20, 24 * 2**30, 512 * 2**20, "the minimum"),
    (480 * 2**20, 24 * 2**30, 1920 * 2**20, "4× the 480 MiB last-level cache"),
    (1536 * 2**20, 8 * 2**30, 4 * 2**30, "capped at 50% of the available memory"),
    (None, 0, 512 * 2**20, "the minimum"),
])
def test_bandwidth_probe_is_four_times_the_last_level_cache_capped_by_memory(cache, available, expected, says):
    size, basis = bandwidth.probe_bytes(cache, available)
    assert size == expected and size % 8 == 0 and says in basis


def test_read_once_sums_every_element_in_either_memory_order():
    X = np.arange(12.0).reshape(3, 4)
    Y = np.ones((1, 4), dtype=np.float32)
    assert bandwidth.read_once(X, Y) == 66.0 + 4.0
    assert bandwidth.read_once(np.asfortranarray(X)) == 66.0
    with pytest.raises(ValueError, match="contiguous"):
        bandwidth.read_once(X[:, ::2])
    with pytest.raises(ValueError, match="streams must be one of"):
        bandwidth.read_once(X, streams=3)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("length", [1, 7, 16, 17, 1001])
def test_the_streamed_read_sums_every_element_once(threads, length):
    values = np.arange(1.0, length + 1.0)  # why integers: every partial sum is exact
    expected = length * (length + 1) / 2  # Gauss, not the code under test
    previous = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        assert bandwidth.read_once(values, streams=bandwidth.STREAMS) == expected
        assert bandwidth.read_once(values.reshape(1, -1), values[:1], streams=bandwidth.STREAMS) == expected + 1.0
    finally:
        numba.set_num_threads(previous)


def test_cache_sizes_are_read_from_sysfs(tmp_path):
    for index, (level, kind, size) in enumerate([(1, "Data", "48K"), (1, "Instruction", "32K"),
                                                 (2, "Unified", "1280K"), (3, "Unified", "48M")]):
        folder = tmp_path / f"index{index}"
        folder.mkdir()
        (folder / "level").write_text(f"{level}\n")
        (folder / "type").write_text(f"{kind}\n")
        (folder / "size").write_text(f"{size}\n")
    sizes = machine.cache_bytes(str(tmp_path))
    assert sizes == {"L1": 48 * 2**10, "L2": 1280 * 2**10, "L3": 48 * 2**20}
    assert machine.last_level_cache_bytes({"cache_bytes": sizes}) == 48 * 2**20
    assert machine.cache_bytes(str(tmp_path / "missing")) == {}
    assert machine.last_level_cache_bytes({}) is None


def test_floor_fields():
    measured = {"single_thread_GBps": 10.0, "multi_thread_GBps": 20.0}
    assert bandwidth.floor_fields(10**9, 0.2, measured, 2) == pytest.approx(
        {"bytes": 10**9, "floor_s": 0.05, "fraction_of_floor": 0.25, "achieved_GBps": 5.0})
    assert bandwidth.floor_fields(10**9, 0.2, measured, 1)["floor_s"] == pytest.approx(0.1)
    assert bandwidth.floor_fields(10**9, None, None, 1) == {
        "bytes": 10**9, "floor_s": None, "fraction_of_floor": None, "achieved_GBps": None}


def test_the_attainable_bound_is_the_slower_of_the_read_and_the_math():
    assert compute_roof.attainable_fields(0.004, 0.001, 0.005) == pytest.approx(
        {"attainable_s": 0.004, "bound_by": "memory", "fraction_of_attainable": 0.8})
    assert compute_roof.attainable_fields(0.001, 0.003, 0.004) == pytest.approx(
        {"attainable_s": 0.003, "bound_by": "compute", "fraction_of_attainable": 0.75})
    assert compute_roof.attainable_fields(0.002, 0.001, None)["fraction_of_attainable"] is None
    assert compute_roof.attainable_fields(None, 0.001, 0.002) == {
        "attainable_s": None, "bound_by": None, "fraction_of_attainable": None}


@pytest.mark.parametrize("threads", [1, 2])
def test_the_compute_roofs_kernel_does_the_steps_per_sample_math(threads):
    """Its checksum is Σ dz + Σ loss of the block (impls.logistic's), once per repeat and thread."""
    y, logits = compute_roof._block()  # the block math_of_samples uses
    loss, dz = logistic.loss_and_dz_arrays(logits, y)
    expected = 3 * threads * (math.fsum(dz) + math.fsum(loss))
    assert fused.per_sample_math(y, logits, 3, threads) == pytest.approx(expected, rel=1e-12)
    call, samples = compute_roof.math_of_samples(5 * compute_roof.BLOCK * threads - 7, threads)
    assert samples == 5 * compute_roof.BLOCK * threads
    assert call() == pytest.approx(5 * expected / 3, rel=1e-12)


def test_the_compute_roof_is_measured_on_one_and_all_threads():
    roof = compute_roof.measure_compute_roof(2, repeats=1)
    assert roof["single_thread_samples_per_s"] > 0 and roof["multi_thread_samples_per_s"] > 0
    assert roof["multi_threads"] == min(2, numba.config.NUMBA_NUM_THREADS)
    probe = bandwidth.measure_read_bandwidth(2, array_bytes=2**20, repeats=1)
    assert probe["compute_roof"]["multi_threads"] == probe["multi_threads"]
    assert bandwidth.measure_read_bandwidth(1, array_bytes=2**20, repeats=1, compute_roof=False)["compute_roof"] is None


def test_targets_quick_run_writes_what_it_measured(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # why: without --output it writes under ./reports/results/
    # why --impl: the two kernels judged and one peer (the cheapest to start) cover every check;
    # every peer at every point would add torch.compile's and a Dask cluster's start-ups (~1.5 min)
    peer_names = [name for name, impl in impls.IMPLEMENTATIONS.items() if impl.family == "peer"]
    chosen = ["numba-parallel", "numba-fused", *sorted(peer_names, key=lambda name: name != "sklearn-loss")[:1]]
    status = targets.main(["--quick", "--impl", *chosen])
    written = list(tmp_path.glob("reports/results/*/targets-*.json"))
    assert len(written) == 1, "one dated file in this machine's folder"
    output = written[0]
    document = json.loads(output.read_text())
    assert folders.FOLDER_PATTERN.match(output.parent.name)
    assert output.parent.name.endswith(folders.cpu_slug(document["machine"]))
    assert (tmp_path / targets.LATEST_COPY).read_text() == output.read_text()
    assert status == (0 if document["passed"] else 1)
    assert document["complete"] and document["bandwidth"]["multi_thread_GBps"] > 0
    assert len(document["points"]) == 2 * len(targets.TARGET_POINTS)
    llc = machine.last_level_cache_bytes(document["machine"])
    assert document["machine"]["fused_kernel_plan"]["source"] in ("plan file", "built-in defaults")
    for point, (target, order) in zip(document["points"], [(t, o) for t in targets.TARGET_POINTS for o in "CF"]):
        assert point["fits_in_cache"] == (None if llc is None else point["bytes"] <= llc)
        assert (point["order"], point["threads"]) == (order, target.threads or document["threads"])
        timed = {*chosen, REFERENCE, target.judged}
        assert list(point["implementations"]) == [n for n in impls.IMPLEMENTATIONS
                                                  if n in (target.only or impls.IMPLEMENTATIONS) and n in timed]
        assert point["fastest"] in impls.IMPLEMENTATIONS
        judged = point["checks"][0]
        entry = point["implementations"][target.judged]
        assert entry["fraction_of_read_once"] == pytest.approx(point["read_once"]["median_s"] / entry["median_s"])
        attainable_s = max(point["read_once"]["median_s"], point["per_sample_math"]["median_s"])
        assert entry["fraction_of_attainable"] == pytest.approx(attainable_s / entry["median_s"])
        name = "fraction_of_attainable" if target.of_attainable else "fraction_of_read_once"
        assert judged["name"] == name and judged["implementation"] == target.judged
        # the judged fraction: the median of per-round ratios of its own rounds, side by side
        side = point["side_by_side"]
        assert side["implementation"] == target.judged and side["rounds"] == document["judge_rounds"] == 3
        step_s, read_s, math_s = (side["times_s"][k] for k in ("step", "read_once", "per_sample_math"))
        assert len(step_s) == len(read_s) == len(math_s) == 3
        per_round = ([max(r, m) / s for r, m, s in zip(read_s, math_s, step_s)] if target.of_attainable
                     else [r / s for r, s in zip(read_s, step_s)])
        assert judged["value"] == pytest.approx(statistics.median(per_round))
        assert (judged["low"], judged["high"]) == pytest.approx((min(per_round), max(per_round)))  # n=3: the range
        assert judged["passed"] == (judged["value"] >= target.min_fraction_of_read)
        for entry in point["implementations"].values():
            assert entry["status"] in ("measured", "skipped-slow", "failed")
            if entry["status"] == "measured":
                assert entry["fraction_of_floor"] == pytest.approx(point["floor_s"] / entry["median_s"])
        for check in point["checks"]:
            if check["name"] == "speedup_over_numpy-vectorized":  # the ceiling a step at the floor has
                reference_s = point["implementations"]["numpy-vectorized"]["median_s"]
                assert check["reachable"] == pytest.approx(reference_s / point["floor_s"])
                # the speedup: the median of the rounds' ratios, each round's two times side by side
                by_round = zip(point["implementations"]["numpy-vectorized"]["times_s"],
                               point["implementations"][point["fastest"]]["times_s"])
                assert check["value"] == pytest.approx(statistics.median(r / f for r, f in by_round))
    assert document["compile_cache"]["passed"]
    assert "PASS" in capsys.readouterr().out


def test_interleaved_times_shuffles_each_round_only_when_asked(monkeypatch):
    monkeypatch.setattr(timing.time, "sleep", lambda seconds: None)
    calls: list[str] = []
    kernels = {name: (lambda name=name: calls.append(name)) for name in "abc"}
    times = timing.interleaved_times(kernels, (), 6, shuffle=random.Random(5))
    assert all(len(seconds) == 6 for seconds in times.values())
    assert calls[0::2] == calls[1::2]  # each timed call right after its untimed one
    orders = ["".join(calls[2 * 3 * r:2 * 3 * (r + 1):2]) for r in range(6)]
    expected, order, rng = [], list("abc"), random.Random(5)
    for _ in range(6):
        rng.shuffle(order)
        expected.append("".join(order))
    assert orders == expected and len(set(orders)) > 1
    calls.clear()
    timing.interleaved_times(kernels, (), 2)
    assert "".join(calls[0::2]) == "abcabc"  # no shuffle: the kernels' own order


def test_side_by_side_fractions_are_medians_of_the_rounds_ratios(monkeypatch):
    # three rounds, worked out by hand: the step 2, 4, 1 s; the read 1 s each; the math 0.1, 0.5,
    # 0.2 s for a tenth of the samples (scale 10: 1, 5, 2 s)
    series = {"step": [2.0, 4.0, 1.0], "read_once": [1.0, 1.0, 1.0], "per_sample_math": [0.1, 0.5, 0.2]}
    monkeypatch.setattr(side_by_side, "interleaved_times", lambda kernels, args, rounds, pause_s, shuffle: {
        name: series[name] for name in kernels})
    found = side_by_side.side_by_side(None, None, None, 10.0, 3)
    # of the read: 1/2, 1/4, 1/1 → median 0.5; of the attainable: 1/2, 5/4, 2/1 → median 1.25
    assert found["fraction_of_read_once"] == pytest.approx({"value": 0.5, "low": 0.25, "high": 1.0})
    assert found["fraction_of_attainable"] == pytest.approx({"value": 1.25, "low": 0.5, "high": 2.0})
    assert found["times_s"]["per_sample_math"] == pytest.approx([1.0, 5.0, 2.0])


def test_targets_usage_error_exits_2(capsys):
    assert targets.main(["--repeats", "0"]) == 2
    assert targets.main(["--judge-rounds", "0"]) == 2
    assert targets.main(["--impl", "numba-fused", "no-such-kernel"]) == 2
    assert "--impl: unknown implementation 'no-such-kernel'" in capsys.readouterr().err


def test_the_peer_check_compares_with_the_peers_timed_and_fails_without_any():
    peer = next((name for name, impl in impls.IMPLEMENTATIONS.items() if impl.family == "peer"), None)
    if peer is None:
        pytest.skip("no peer is installed (pip install -e .[peers])")
    measured = {"status": "measured", "median_s": 1.0}
    entries = {"numba-parallel": dict(measured, median_s=0.5), peer: measured}
    check = target_checks.peer_check("numba-parallel", entries, {"numba-parallel": 0.5, peer: 1.0})
    assert (check["peers"], check["value"], check["passed"]) == ([peer], 2.0, True)
    alone = target_checks.peer_check("numba-parallel", {"numba-parallel": entries["numba-parallel"]}, {"numba-parallel": 0.5})
    assert not alone["passed"] and alone["detail"].startswith("no peer was timed")
    # a peer the fastest: the value is the best peer over the suite's fastest, below 1
    behind = target_checks.peer_check(peer, entries, {"numba-parallel": 0.5, peer: 0.4})
    assert (behind["value"], behind["passed"]) == (0.8, False)


def test_ablation_stages_time_the_kernel_stage_by_stage(capsys, tmp_path):
    result = ablation.measure(3000, 37, "F", 1, 2)
    assert list(result["stages"]) == list(ablation.STAGES)
    read_s, cached = result["read_once"]["median_s"], result["step_in_cache"]
    for stage in result["stages"].values():
        assert stage["median_s"] > 0
        assert stage["fraction_of_floor"] == pytest.approx(stage["floor_s"] / stage["median_s"])
        assert stage["fraction_of_read_once"] == pytest.approx(read_s / stage["median_s"])
    whole_s = result["stages"][ablation.WHOLE_STEP_STAGE]["median_s"]
    assert cached["read_plus_in_cache_over_step"] == pytest.approx((read_s + cached["median_s"]) / whole_s)
    assert cached["overlap_bound"] == pytest.approx((read_s + cached["median_s"]) / max(read_s, cached["median_s"]))
    assert cached["samples"] >= 3000 and len(cached["times_s"]) == 2
    output = tmp_path / "ablation.json"
    assert ablation.main(["--m", "2e3", "--n-x", "3", "--order", "C", "--threads", "1", "--rounds", "3",
                          "--output", str(output)]) == 0
    out = capsys.readouterr().out
    assert "whole step" in out and str(output) in out
    saved = json.loads(output.read_text())  # the file vecbench record reads
    assert (saved["kind"], saved["m"], saved["n_x"], saved["order"], saved["threads"]) == (
        "vecbench-ablation", 2000, 3, "C", 1)
    assert list(saved["stages"]) == list(ablation.STAGES) and saved["machine"]["cores"] >= 1
    for stage in saved["stages"].values():
        assert len(stage["times_s"]) == 3 and stage["median_s"] == sorted(stage["times_s"])[1]

    with pytest.MonkeyPatch.context() as patch:  # without --output: this machine's folder
        patch.chdir(tmp_path)
        assert ablation.main(["--m", "2e3", "--n-x", "3", "--threads", "1", "--rounds", "1"]) == 0
    written = list(tmp_path.glob("reports/results/*/ablation-*.json"))
    assert len(written) == 1 and folders.FOLDER_PATTERN.match(written[0].parent.name)


@pytest.mark.parametrize("order", ["C", "F"])
def test_step_in_cache_repeats_the_whole_step_on_the_first_block(order):
    """Its call is run_blocks' whole step on X's first block, ``repeats`` times, with the walk and
    block it was given: the checksum is the block's own step, unscaled, times the repeats."""
    w, b, X, Y = kernel_args(5000, 7, "float64", order)
    variant = plan.default_variant(order, 7)
    args = plan.driver_args(w, b, X, Y, variant)
    block = args[-1]
    call, samples, x_bytes = compute_roof.step_in_cache(args, 5000, 1)
    repeats = samples // block
    assert samples >= 5000 and samples == repeats * block and x_bytes == block * 7 * 8
    sliced = np.asfortranarray(X[:, :block]) if order == "F" else np.ascontiguousarray(X[:, :block])
    dw, db, cost = fused.fused_step(*plan.driver_args(w, b, sliced, Y[:, :block], variant))
    assert call() == pytest.approx(repeats * block * (cost + db + dw[0]), rel=1e-9)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("n_x", [3, 37, 100, 300])
@pytest.mark.parametrize("tuning", plan.TUNINGS, ids=lambda t: t.name)
def test_partial_stages_compute_what_they_claim(tuning, n_x, order):
    """LOGITS_ONLY returns Σ z; WITHOUT_DW the step's db and cost with dw = 0; WHOLE_STEP the step."""
    w, b, X, Y = _problem(700, n_x, order, seed=4)
    args = (*plan.driver_args(w, b, X, Y, plan.default_variant(plan.operand_of(X)[1], n_x, tuning)), 2)
    whole = fused.parallel_step(*args, fused.WHOLE_STEP)
    without_dw = fused.parallel_step(*args, fused.WITHOUT_DW)
    logits = fused.parallel_step(*args, fused.LOGITS_ONLY)
    assert not without_dw[0].any() and not logits[0].any()
    assert without_dw[1:] == pytest.approx(whole[1:], rel=1e-12)
    assert logits[2] == pytest.approx(float(np.mean(w[:, 0] @ X + b)), rel=1e-10)
