"""Does a second process load every Numba kernel from the on-disk cache instead of compiling it?

:func:`check_compile_cache` runs :func:`probe` twice, each in a fresh Python process sharing one
new, empty ``NUMBA_CACHE_DIR``: the first (cold) process compiles every kernel and records each
first call's time; the second (warm) one must load all of them from the cache. The probe calls
every registered Numba implementation on small problems of each dtype and memory order, then
reads the cache statistics (``Dispatcher.stats``) of every compiled function of ``impls`` and
``bench`` (the bandwidth probe's sum included).

Run as ``python -m bench.measure.compile_cache DTYPE...``: prints the probe's JSON on stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

ORDERS = ("C", "F")
#: A probe problem: big enough to run every code path (several blocks), small enough to be instant.
PROBE_M, PROBE_N_X = 300, 3


PACKAGES = ("impls", "bench")


def _dispatchers() -> dict[str, object]:
    """Every Numba dispatcher held by a loaded ``impls`` or ``bench`` module, by qualified name."""
    from numba.core.dispatcher import Dispatcher

    found = {}
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in PACKAGES:
            for attribute in vars(module).values():
                if isinstance(attribute, Dispatcher):
                    found[f"{attribute.py_func.__module__}.{attribute.py_func.__qualname__}"] = attribute
    return found


def probe(dtypes: list[str]) -> dict:
    """First-call seconds of each Numba implementation per ``"dtype order"``, and cache statistics.

    ``dispatchers`` maps each compiled function to its signatures' counts of cache ``hits`` and
    ``misses`` and the number of ``compiled`` signatures that were *not* loaded from the cache.
    """
    import impls
    from bench.measure.bandwidth import measure_read_bandwidth
    from bench.measure.problems import kernel_args

    measure_read_bandwidth(1, array_bytes=2**20, repeats=1)  # its compiled sum is cached too

    first_call_s: dict[str, dict[str, float]] = {}
    for name, impl in impls.IMPLEMENTATIONS.items():
        if impl.family != "numba":
            continue
        for dtype in dtypes:
            for order in ORDERS:
                args = kernel_args(PROBE_M, PROBE_N_X, dtype, order)
                start = time.perf_counter()
                impl.kernel(*args)
                first_call_s.setdefault(name, {})[f"{dtype} {order}"] = time.perf_counter() - start
    dispatchers = {}
    for qualname, dispatcher in _dispatchers().items():
        stats = dispatcher.stats
        signatures = list(dispatcher.overloads)
        dispatchers[qualname] = {
            "signatures": len(signatures),
            "hits": sum(stats.cache_hits.values()),
            "misses": sum(stats.cache_misses.values()),
            "compiled": sum(1 for signature in signatures if stats.cache_hits[signature] == 0),
        }
    from impls._plan_cache import describe_active_plan

    return {"first_call_s": first_call_s, "dispatchers": dispatchers, "plan": describe_active_plan()}


def _run_probe(dtypes: list[str], cache_dir: str | None) -> dict:
    environment = dict(os.environ) if cache_dir is None else dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    completed = subprocess.run(
        [sys.executable, "-m", "bench.measure.compile_cache", *dtypes],
        env=environment, capture_output=True, text=True, check=False,
    )
    if completed.returncode != 0:
        last_line = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"compile-cache probe failed (exit {completed.returncode}): {last_line}")
    return json.loads(completed.stdout)


def check_compile_cache(dtypes: list[str], *, fresh: bool = True) -> dict:
    """Cold then warm probe, in an empty temporary cache directory (or, if not ``fresh``, in the
    usual cache, where the first probe may already load from cache: its compile times are then
    not first-compile times).

    Returns ``{"passed", "recompiled", "plan_reused", "first_compile_s", "cache_load_s", "cold",
    "warm"}``: ``recompiled`` lists the functions the warm process compiled instead of loading (empty
    when the target is met); ``plan_reused``: both processes ran the fused kernels with the plan
    this process uses (the same plan file, or the built-in defaults for both: nothing re-tunes); per implementation, ``first_compile_s`` is the cold process's first calls
    (all dtypes and orders) minus the warm process's, i.e. the compile time, and ``cache_load_s``
    the warm first calls (loading from the cache included).
    """
    if fresh:
        with tempfile.TemporaryDirectory(prefix="vecbench-numba-cache-") as cache_dir:
            cold = _run_probe(dtypes, cache_dir)
            warm = _run_probe(dtypes, cache_dir)
    else:
        cold = _run_probe(dtypes, None)
        warm = _run_probe(dtypes, None)
    recompiled = sorted(name for name, stats in warm["dispatchers"].items() if stats["compiled"])
    cold_s = {name: sum(calls.values()) for name, calls in cold["first_call_s"].items()}
    warm_s = {name: sum(calls.values()) for name, calls in warm["first_call_s"].items()}
    loaded = sum(stats["hits"] for stats in warm["dispatchers"].values())
    from impls._plan_cache import describe_active_plan

    plan_reused = cold.get("plan") == warm.get("plan") == describe_active_plan()
    return {
        "passed": not recompiled and loaded > 0 and plan_reused,
        "plan_reused": plan_reused,
        "fresh_cache": fresh,
        "recompiled": recompiled,
        "first_compile_s": {name: cold_s[name] - warm_s[name] for name in cold_s},
        "cache_load_s": warm_s,
        "cold": cold,
        "warm": warm,
    }


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1:] or ["float64"])))
