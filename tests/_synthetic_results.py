"""Build results files in the engine's schema from known cost models, for the charts/report tests.

Every time is ``a + c·m + b·m·n_x`` (times an optional seeded log-normal noise), so a test knows
the exact numbers the charts and the report must show. Points above ``budget_s`` become
"skipped-budget" with the model time as their prediction; ``failed`` points carry an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class SyntheticImpl:
    name: str
    overhead_s: float  # a
    per_element_s: float  # b
    per_sample_s: float = 0.0  # c
    compile_s: float | None = None  # set for JIT implementations
    prepare_per_element_s: float = 0.0  # preparing the data (a copy into a library's form), once

    def time(self, m: int, n_x: int) -> float:
        return self.overhead_s + self.per_sample_s * m + self.per_element_s * m * n_x


# A small, exact set for the tests: python-loops 1 µs per element, numpy 2 µs + 1 ns per element;
# torch-cpu's 30 µs overhead makes it slower than the loops at m=10, n_x=1 (a break-even inside).
SMALL_IMPLS = (
    SyntheticImpl("python-loops", 2e-6, 1e-6),
    SyntheticImpl("numpy-vectorized", 2e-6, 1e-9, per_sample_s=4e-9),
    SyntheticImpl("numba-loops", 5e-7, 5e-10, per_sample_s=6e-9, compile_s=0.4),
    SyntheticImpl("numba-fused", 1e-6, 6e-10, per_sample_s=2e-9, compile_s=0.9),
    SyntheticImpl("torch-cpu", 30e-6, 5e-10, prepare_per_element_s=2e-9),
)
SMALL_MS = (10, 100, 1000, 10000)
SMALL_NXS = (1, 10, 100)
SMALL_BUDGET_S = 0.05  # python-loops at m·n_x >= 1e5 is skipped and predicted
SMALL_FAILED = (("numba-loops", 100, 10),)
BANDWIDTH = {"single_thread_GBps": 10.0, "multi_thread_GBps": 16.0, "multi_threads": 2}
#: The compute roof a run records inside its bandwidth (bench.measure.compute_roof).
COMPUTE_ROOF = {"single_thread_samples_per_s": 2.5e8, "multi_thread_samples_per_s": 5e8, "multi_threads": 2,
                "repeats": 5, "method": "synthetic"}

# A realistic set for looking at the charts by eye (python -m tests._synthetic_results OUT.json).
REALISTIC_IMPLS = (
    SyntheticImpl("python-loops", 3e-6, 1.0e-6, per_sample_s=1.2e-6),
    SyntheticImpl("feature-vectorized", 4e-6, 1.8e-9, per_sample_s=3e-6 / 1000),
    SyntheticImpl("numpy-vectorized", 2e-6, 1.1e-9, per_sample_s=12e-9),
    SyntheticImpl("numba-loops", 6e-7, 1.0e-9, per_sample_s=9e-9, compile_s=0.8),
    SyntheticImpl("numba-fused", 5e-7, 0.85e-9, per_sample_s=2.5e-9, compile_s=1.3),
    SyntheticImpl("numba-parallel", 12e-6, 0.55e-9, per_sample_s=1.4e-9, compile_s=2.1),
    SyntheticImpl("sklearn-loss", 25e-6, 1.5e-9, per_sample_s=8e-9),
    SyntheticImpl("torch-cpu", 18e-6, 1.0e-9, per_sample_s=3e-9),
    SyntheticImpl("jax-jit", 9e-6, 0.9e-9, per_sample_s=2e-9, compile_s=0.35),
)
REALISTIC_MS = (10, 100, 1000, 10_000, 100_000, 1_000_000)
REALISTIC_NXS = (1, 10, 100, 1000)


def _stats(median: float) -> dict:
    q1, q3 = median * 0.98, median * 1.03
    return {
        "min": median * 0.95,
        "max": median * 1.2,
        "mean": median * 1.01,
        "stddev": median * 0.03,
        "median": median,
        "iqr": q3 - q1,
        "q1": q1,
        "q3": q3,
        "rounds": 7,
        "iterations": 1,
        "ops": 1.0 / median,
        "total": median * 7,
    }


def _entry(impl: SyntheticImpl, m: int, n_x: int, dtype: str, order: str, first: bool) -> dict:
    itemsize = 4 if dtype == "float32" else 8
    size_bytes = (m * n_x + m) * itemsize
    return {
        "name": f"test_step[{impl.name}-{m}-{n_x}-{dtype}-{order}]",
        "fullname": f"bench/test_step.py::test_step[{impl.name}-{m}-{n_x}-{dtype}-{order}]",
        "group": f"m={m} n_x={n_x} {dtype} {order}",
        "params": {"impl": impl.name, "m": m, "n_x": n_x, "dtype": dtype, "order": order},
        "extra_info": {
            "impl": impl.name,
            "m": m,
            "n_x": n_x,
            "dtype": dtype,
            "order": order,
            "threads": 2,
            "compile_s": (impl.compile_s if first else 1e-4) if impl.compile_s else None,
            "prepare_s": impl.prepare_per_element_s * m * n_x,
            "status": "measured",
            "predicted_s": None,
            "prediction_basis": None,
            "error": None,
            "bytes": size_bytes,
            "floor_s": size_bytes / (BANDWIDTH["multi_thread_GBps"] * 1e9),
            "fraction_of_floor": None,
            "achieved_GBps": None,
        },
        "stats": None,
    }


def _settle(entry: dict, time_s: float, budget_s: float | None, failed: bool) -> None:
    info = entry["extra_info"]
    if failed:
        info.update(status="failed", error="MemoryError: cannot allocate X")
    elif budget_s is not None and time_s > budget_s:
        info.update(
            status="skipped-budget",
            predicted_s=time_s,
            prediction_basis="fit t=a+b·m·n_x to the measured points with m<=1e4",
        )
    else:
        entry["stats"] = _stats(time_s)
        info.update(fraction_of_floor=info["floor_s"] / time_s, achieved_GBps=info["bytes"] / time_s / 1e9)


def build_results(
    impls=SMALL_IMPLS,
    ms=SMALL_MS,
    nxs=SMALL_NXS,
    *,
    budget_s: float | None = SMALL_BUDGET_S,
    failed: tuple[tuple[str, int, int], ...] = SMALL_FAILED,
    layouts: tuple[tuple[str, str], ...] = (("float64", "C"),),
    noise: float = 0.0,
    seed: int = 0,
    with_bandwidth: bool = True,
    with_compute_roof: bool = True,
) -> dict:
    """A results dict in the engine's schema (see the project brief) from ``impls``' models."""
    rng = np.random.default_rng(seed)
    benchmarks = []
    for dtype, order in layouts:
        for impl in impls:
            for i, (n_x, m) in enumerate((n_x, m) for n_x in nxs for m in ms):
                entry = _entry(impl, m, n_x, dtype, order, first=i == 0)
                time_s = impl.time(m, n_x) * float(np.exp(noise * rng.standard_normal()))
                _settle(entry, time_s, budget_s, (impl.name, m, n_x) in failed)
                benchmarks.append(entry)
    bandwidth = (
        dict(BANDWIDTH, array_bytes=2**28, repeats=5, method="numpy sum of 256 MiB",
             **({"compute_roof": dict(COMPUTE_ROOF)} if with_compute_roof else {}))
        if with_bandwidth
        else None
    )
    return {
        "machine_info": {"cpu": {"brand_raw": "Synthetic CPU"}},
        "commit_info": {},
        "datetime": "2026-11-21T10:00:00",
        "version": "5.3.0",
        "vecbench": {
            "schema": 1,
            "preset": "custom",
            "command": "python -m bench run --preset custom",
            "started": "2026-11-21T10:00:00+00:00",
            "finished": "2026-11-21T10:20:00+00:00",
            "complete": True,
            "threads": 2,
            "machine": {
                "cpu": "Synthetic Xeon",
                "cores": 2,
                "memory_bytes": 24 * 2**30,
                "python": "3.11.9",
                "platform": "Linux-x86_64",
                "numpy": "2.4.0",
                "blas": [
                    {
                        "internal_api": "openblas",
                        "version": "0.3.30",
                        "num_threads": 2,
                        "threading_layer": "pthreads",
                    }
                ],
                "numba": "0.68.0",
                "numba_threading_layer": "omp",
                "numba_threads": 2,
            },
            "bandwidth": bandwidth,
        },
        "benchmarks": benchmarks,
    }


def write_results(path: Path, **kwargs) -> Path:
    path = Path(path)
    path.write_text(json.dumps(build_results(**kwargs), indent=1))
    return path


def status_of(impl: SyntheticImpl, m: int, n_x: int, budget_s=SMALL_BUDGET_S, failed=SMALL_FAILED) -> str:
    """The status build_results gives a point (without noise)."""
    if (impl.name, m, n_x) in failed:
        return "failed"
    return "skipped-budget" if budget_s is not None and impl.time(m, n_x) > budget_s else "measured"


def _without_vecbench(data: dict) -> dict:
    data.pop("vecbench")
    return data


def _first_extra(data: dict, **changes) -> dict:
    data["benchmarks"][0]["extra_info"].update(changes)
    return data


def _no_measured(data: dict) -> dict:
    for entry in data["benchmarks"]:
        entry["extra_info"].update(status="failed", error="boom")
        entry["stats"] = None
    return data


# Bad results files: kind -> the text written (None: no file at all).
_GOOD = lambda: build_results()  # noqa: E731
BAD_INPUTS = {
    "missing": lambda: None,
    "empty": lambda: "",
    "truncated": lambda: json.dumps(_GOOD())[:500],
    "json-list": lambda: "[1, 2, 3]",
    "no-vecbench-key": lambda: json.dumps(_without_vecbench(_GOOD())),
    "benchmarks-not-list": lambda: json.dumps(dict(_GOOD(), benchmarks={"a": 1})),
    "wrong-schema": lambda: json.dumps(dict(_GOOD(), vecbench=dict(_GOOD()["vecbench"], schema=99))),
    "m-not-integer": lambda: json.dumps(_first_extra(_GOOD(), m="ten")),
    "unknown-status": lambda: json.dumps(_first_extra(_GOOD(), status="done")),
    "no-measured-points": lambda: json.dumps(_no_measured(_GOOD())),
}


def write_bad_input(kind: str, path: Path) -> Path:
    text = BAD_INPUTS[kind]()
    if text is not None:
        Path(path).write_text(text)
    return Path(path)


if __name__ == "__main__":
    import sys

    write_results(
        Path(sys.argv[1]),
        impls=REALISTIC_IMPLS,
        ms=REALISTIC_MS,
        nxs=REALISTIC_NXS,
        budget_s=2.0,
        failed=(("sklearn-loss", 1_000_000, 1000),),
        noise=0.08,
    )


def interleave_rounds(data: dict, weather, *, rounds: int = 9, jitter: float = 0.01, seed: int = 0,
                      scale: dict | None = None) -> dict:
    """Make every measured point of ``data`` an interleaved one, as ``vecbench run`` writes them.

    ``weather(size_index, round)`` is the machine's slowdown in that round (1.0 = full speed),
    shared by every implementation of the size and by the canary; each round time also gets a
    seeded log-normal ``jitter`` of its own. ``scale`` multiplies an implementation's times (a
    real change). The ``vecbench`` section gets the canary's series.
    """
    rng = np.random.default_rng(seed)
    sizes = sorted({(e["extra_info"]["m"], e["extra_info"]["n_x"], e["extra_info"]["dtype"], e["extra_info"]["order"])
                    for e in data["benchmarks"] if e["stats"]})
    canary0 = 60e-6
    series, clock = [], 0.0
    canaries = {}
    for index, size in enumerate(sizes):
        factors = [weather(index, r) for r in range(rounds)]
        canaries[size] = (factors, [canary0 * f for f in factors])
        for f in factors:
            clock += 0.05
            series.append([round(clock, 4), canary0 * f])
    for entry in data["benchmarks"]:
        if not entry["stats"]:
            continue
        info = entry["extra_info"]
        factors, canary = canaries[(info["m"], info["n_x"], info["dtype"], info["order"])]
        base = entry["stats"]["median"] * (scale or {}).get(info["impl"], 1.0)
        times = [base * f * float(np.exp(jitter * rng.standard_normal())) for f in factors]
        q1, mid, q3 = np.quantile(times, [0.25, 0.5, 0.75])
        entry["stats"].update(data=times, median=float(mid), q1=float(q1), q3=float(q3), rounds=rounds)
        info.update(rounds_interleaved=True, canary_s=canary, parallelism=0.99, over_threads=False)
    data["vecbench"]["canary"] = {"workload": "synthetic", "series": series}
    return data
