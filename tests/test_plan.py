"""The planner of the fused kernels: every variant it can pick is exact, and its plan file is
used when valid and ignored (with a warning, never trusted) when damaged, foreign or stale."""

from __future__ import annotations

import functools
import json
import warnings

import numpy as np
import pytest
from _reference import assert_matches, random_parameters, reference_step

import impls
from bench.measure.machine import kernel_plan_line, machine_info
from bench.performance import ablation, tune
from impls import _fused_kernel as fused
from impls import _fused_plan as plan
from impls import _plan_cache

#: Feature counts covering every range the planner tunes apart and the row groups' remainders.
FEATURE_COUNTS = (1, 3, 8, 13, 37, 257)


@functools.cache
def _problem(m: int, n_x: int, order: str, dtype=np.float64):
    rng = np.random.default_rng(m * 1000 + n_x)
    X = np.asarray(rng.standard_normal((n_x, m)), dtype=dtype, order=order)
    Y = (rng.random((1, m)) < 0.5).astype(dtype)
    w, b = random_parameters(rng, n_x, dtype)
    return (w, b, X, Y), reference_step(w, b, X, Y)


def _sizes(variants, n_x: int) -> list[int]:
    """m = 1, a block ± 1, and 4 blocks + 5: each thread's range then has blocks of equal length
    (the pipelined walks' overlap) and a shorter last one (their fallback)."""
    sizes = {1}
    for block in {v.block(n_x) for v in variants}:
        sizes |= {block - 1, block + 1, 4 * block + 5}
    return sorted(sizes)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize(("n_x", "dtype"), [(n_x, np.float64) for n_x in FEATURE_COUNTS]
                         + [(n_x, np.float32) for n_x in (3, 5, 13, 37)],
                         ids=lambda v: np.dtype(v).name if isinstance(v, type) else str(v))
def test_every_candidate_variant_is_exact(n_x, dtype, order):
    """Whatever the planner picks on whatever CPU: every candidate of the regime, one thread and
    two, against the high-precision reference."""
    regime = plan.regime_of(order, dtype, n_x, 1)
    variants = plan.candidates(regime)
    # every walk of the order, less the transposing one with many features and the _FEW one
    # beyond its count (its regime's n_x; where the regime spans more it runs as its fallback,
    # checked here at 5 in F, and at 17 in C by test_every_few_walk_count_is_exact)
    few_walk = fused.FEATURE_MAJOR_FEW if order == "C" else fused.SAMPLE_MAJOR_FEW
    left_out = (order == "F" and n_x >= 32) + (regime.representative_n_x > plan.FEW_FEATURES[few_walk])
    assert len({v.walk for v in variants}) == len(plan.ORDER_WALKS[order]) - left_out
    for m in _sizes(variants, n_x):
        args, reference = _problem(m, n_x, order, dtype)
        walked_as = plan.operand_of(args[2])[1]  # why: with one feature or one sample, F order is C order too
        for variant in (variants if walked_as == order else plan.candidates(plan.regime_of(walked_as, "float64", n_x, 1))):
            driver_args = plan.driver_args(*args, variant=variant)
            for dw, db, cost in (fused.fused_step(*driver_args),
                                 fused.parallel_step(*driver_args, 2, fused.WHOLE_STEP)):
                try:
                    assert_matches(impls.Gradients(dw.reshape(-1, 1), db, cost), reference, dtype)
                except AssertionError as exc:
                    raise AssertionError(f"{variant.name}, m={m}: {exc}") from None


@pytest.mark.parametrize("order", ["C", "F"])
def test_every_few_walk_count_is_exact(order):
    """Every count of features a _FEW walk takes (each compiled copy, exact or padded by a row),
    and the first count beyond (which runs as the order's default), on blocks of equal length and
    a shorter last one."""
    walk = fused.FEATURE_MAJOR_FEW if order == "C" else fused.SAMPLE_MAJOR_FEW
    variant = plan.Variant(walk, 2**20)
    # why from 2 in F: X (1, m) is C-contiguous as well, and walked as C
    for n_x in range(1 if order == "C" else 2, plan.FEW_FEATURES[walk] + 2):
        args, reference = _problem(2 * fused.MIN_BLOCK + 7, n_x, order)
        driver_args = plan.driver_args(*args, variant=variant)
        for dw, db, cost in (fused.fused_step(*driver_args[:-1], fused.MIN_BLOCK),
                             fused.parallel_step(*driver_args[:-1], fused.MIN_BLOCK, 2, fused.WHOLE_STEP)):
            try:
                assert_matches(impls.Gradients(dw.reshape(-1, 1), db, cost), reference, np.float64)
            except AssertionError as exc:
                raise AssertionError(f"{variant.name}, n_x={n_x}: {exc}") from None


def test_a_variant_of_the_other_order_is_refused():
    args, _ = _problem(5, 3, "C")
    with pytest.raises(ValueError, match="cannot walk X in C order"):
        plan.driver_args(*args, variant=plan.Variant(fused.SAMPLE_MAJOR, 2**20))


def test_regimes_cover_every_feature_count():
    for n_x in range(1, 2000):
        regime = plan.regime_of("C", np.float64, n_x, 2)
        assert regime.n_x_low <= n_x and (regime.n_x_high is None or n_x <= regime.n_x_high)
        assert regime.n_x_low <= regime.representative_n_x
    assert plan.regime_of("F", np.float32, 100, 1).key == "F/float32/threads=1/n_x=32-255"
    assert len(plan.regimes(threads=(1, 2))) == 2 * 2 * 2 * len(plan.N_X_RANGES)


@pytest.fixture
def plan_file(tmp_path, monkeypatch):
    path = tmp_path / "plans.json"
    monkeypatch.setenv(_plan_cache.PLAN_FILE_ENV, str(path))
    return path


def _a_plan(key=None) -> _plan_cache.Plan:
    """A plan whose variants all differ from the built-in defaults (to see that it is used)."""
    regime = plan.regime_of("C", "float64", 37, 1)
    return _plan_cache.Plan(key or _plan_cache.machine_key(), "now",
                            {regime.key: (fused.FEATURE_MAJOR_PIPELINED, 512 * 2**10)})


def test_a_saved_plan_is_used_by_the_kernels_and_recorded(plan_file):
    assert plan.variant_for("C", np.float64, 37, 1)[1] == "built-in"
    assert machine_info()["fused_kernel_plan"]["source"] == "built-in defaults"
    _plan_cache.save_plan(_a_plan())
    variant, source = plan.variant_for("C", np.float64, 37, 1)
    assert source == "plan" and variant == plan.Variant(fused.FEATURE_MAJOR_PIPELINED, 512 * 2**10)
    assert plan.variant_for("C", np.float64, 37, 2)[1] == "built-in"  # another regime: not in the plan
    described = machine_info()["fused_kernel_plan"]
    assert described["source"] == "plan file" and described["path"] == str(plan_file)
    (w, b, X, Y), reference = _problem(4 * 640 + 5, 37, "C")
    for name in ("numba-fused", "numba-parallel"):
        got = impls.IMPLEMENTATIONS[name].propagate(w, b, X, Y)
        assert_matches(got, reference, np.float64)


def test_run_targets_and_ablation_say_which_variants_they_use(plan_file):
    assert "built-in defaults" in kernel_plan_line(_plan_cache.describe_active_plan())
    _plan_cache.save_plan(_a_plan())
    line = kernel_plan_line(_plan_cache.describe_active_plan())
    assert "this machine's plan" in line and str(plan_file) in line


def test_saving_keeps_other_machines_plans_and_drops_this_ones_stale_plans(plan_file):
    other = _a_plan(key={**_plan_cache.machine_key(), "cpu": "another CPU"})
    stale = _a_plan(key={**_plan_cache.machine_key(), "kernel_version": "0" * 16})
    _plan_cache.save_plan(other)
    _plan_cache.save_plan(stale)
    _plan_cache.save_plan(_a_plan())
    assert [p.key for p in _plan_cache.read_plans(plan_file)] == [other.key, _plan_cache.machine_key()]


@pytest.mark.parametrize("content", [
    "not json {",
    json.dumps({"format": "something else", "version": 1, "plans": []}),
    json.dumps({"format": _plan_cache.FORMAT, "version": 99, "plans": []}),
    json.dumps({"format": _plan_cache.FORMAT, "version": 1, "plans": "all"}),
    "BAD-WALK", "BAD-ORDER", "BAD-BLOCK", "FOREIGN", "STALE",
], ids=["not-json", "other-format", "other-version", "no-list", "bad-walk", "bad-order", "bad-block",
        "foreign-machine", "stale-kernels"])
def test_a_damaged_or_foreign_plan_file_is_ignored_with_a_warning(plan_file, content):
    key = _plan_cache.machine_key()
    entries = {
        "BAD-WALK": ("C/float64/threads=1/n_x=32-255", [fused.SAMPLE_MAJOR, 2**20], key),
        "BAD-ORDER": ("X/float64/threads=1/n_x=32-255", [fused.FEATURE_MAJOR, 2**20], key),
        "BAD-BLOCK": ("C/float64/threads=1/n_x=32-255", [fused.FEATURE_MAJOR, 0], key),
        "FOREIGN": ("C/float64/threads=1/n_x=32-255", [fused.FEATURE_MAJOR, 2**20], {**key, "llvm_cpu": "other"}),
        "STALE": ("C/float64/threads=1/n_x=32-255", [fused.FEATURE_MAJOR, 2**20],
                  {**key, "kernel_version": "0" * 16}),
    }
    if content in entries:
        regime, value, valid_for = entries[content]
        content = json.dumps({"format": _plan_cache.FORMAT, "version": 1,
                              "plans": [{"valid_for": valid_for, "created": "x", "variants": {regime: value}}]})
    plan_file.write_text(content)
    with pytest.warns(_plan_cache.PlanFileWarning, match=str(plan_file)):
        assert _plan_cache.active_plan() is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # read once per change of the file: no second warning
        assert plan.variant_for("C", np.float64, 37, 1)[1] == "built-in"
    (w, b, X, Y), reference = _problem(300, 37, "C")
    assert_matches(impls.IMPLEMENTATIONS["numba-fused"].propagate(w, b, X, Y), reference, np.float64)


def test_tune_measures_every_regime_and_saves_a_plan_the_kernels_use(plan_file, capsys):
    assert tune.main(["--quick", "--plain", "--threads", "1", "--dtype", "float64", "--rounds", "1",
                      "--plan-file", str(plan_file)]) == 0
    out = capsys.readouterr().out
    saved = _plan_cache.active_plan()
    expected = {r.key for r in plan.regimes(dtypes=("float64",), threads=(1,))}
    assert saved is not None and set(saved.variants) == expected and set(saved.measured) == expected
    for key, (walk, block_bytes) in saved.variants.items():
        measured = saved.measured[key]
        assert plan.Variant(walk, block_bytes).name == measured["best"] in out
        assert measured["best"] in measured["finalists"] and measured["default"] in measured["finalists"]
        fastest = min(measured["median_s"][name] for name in measured["finalists"])
        assert measured["median_s"][measured["best"]] == fastest or (  # the default, within the noise
            measured["best"] == measured["default"]
            and measured["median_s"][measured["best"]] <= fastest * (1 + tune.MIN_GAIN))
    assert "saved in" in out
    assert "from this machine's plan" in _ablation_line(capsys, plan_file.parent)


def _ablation_line(capsys, folder) -> str:
    assert ablation.main(["--m", "3000", "--n-x", "37", "--threads", "1", "--rounds", "1",
                          "--output", str(folder / "ablation.json")]) == 0
    return capsys.readouterr().out.splitlines()[0]


def test_without_a_plan_ablation_says_it_uses_the_built_in_defaults(plan_file, capsys):
    assert "built-in default" in _ablation_line(capsys, plan_file.parent)


@pytest.mark.parametrize("argv", [["--rounds", "0"], ["--threads", "x"], ["--dtype", "int8"], ["--threads", "100000"]])
def test_tune_usage_errors_exit_2(argv):
    assert tune.main(argv) == 2


def test_tune_data_is_larger_than_the_cache_and_bounded():
    assert tune.data_bytes(32 * 2**20, 24 * 2**30) == tune.MIN_DATA_BYTES
    assert tune.data_bytes(480 * 2**20, 24 * 2**30) == tune.MAX_DATA_BYTES
    assert tune.data_bytes(100 * 2**20, 24 * 2**30) == 200 * 2**20
    assert tune.data_bytes(100 * 2**20, 400 * 2**20) == 100 * 2**20
    assert tune.default_rounds(tune.MIN_DATA_BYTES) == tune.DEFAULT_ROUNDS
    assert tune.default_rounds(tune.MAX_DATA_BYTES) == tune.MIN_ROUNDS <= tune.default_rounds(2**20)


def test_tune_and_ablation_time_their_rounds_in_a_shuffled_order(plan_file, monkeypatch, capsys):
    import random

    from bench.measure import timing

    shuffles = []

    def recording(kernels, args, rounds, pause_s=timing.PAUSE_S, shuffle=None):
        shuffles.append(shuffle)
        return timing.interleaved_times(kernels, args, rounds, pause_s, shuffle)

    monkeypatch.setattr(tune, "interleaved_times", recording)
    monkeypatch.setattr(ablation, "interleaved_times", recording)
    assert tune.main(["--quick", "--plain", "--threads", "1", "--dtype", "float64", "--rounds", "1",
                      "--plan-file", str(plan_file)]) == 0
    _ablation_line(capsys, plan_file.parent)
    assert len(shuffles) >= 3 and all(isinstance(s, random.Random) for s in shuffles)
