"""Shared fixtures: every test that takes ``impl`` runs once per registered implementation."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

import impls


def pytest_configure(config) -> None:
    """Under pytest-xdist (``-n``), a worker's environment names it in ``PYTEST_XDIST_WORKER``, and
    pytest-benchmark turns benchmarks off in every pytest session that sees that name. The
    ``vecbench run`` sessions these tests start, in this process or in a child, are sessions of
    their own and must time: the name is removed (xdist itself reads ``config.workerinput``)."""
    os.environ.pop("PYTEST_XDIST_WORKER", None)


def pytest_sessionstart(session) -> None:
    """Compile the Numba kernels once before any test runs: float64 and float32 side by side, each
    in a process of its own (``bench.measure.compile_cache``'s probe), into the usual on-disk cache.
    why: otherwise every pytest-xdist worker, Dask worker and child process that a test starts on
    an empty cache compiles the same kernels (30–60 s each on a 2-core machine) at the same time.
    A probe that fails is only reported: the tests that call the kernels then show the error."""
    if hasattr(session.config, "workerinput"):  # a pytest-xdist worker: its controller did this
        return
    start = time.perf_counter()
    probes = [subprocess.Popen([sys.executable, "-m", "bench.measure.compile_cache", dtype],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
              for dtype in ("float64", "float32")]
    failed = []
    for probe in probes:
        error = probe.communicate()[1]
        if probe.returncode != 0:
            failed.append((error.strip().splitlines() or ["no output"])[-1])
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"Numba kernels compiled or loaded from the cache in {time.perf_counter() - start:.0f} s"
                            + (f"; the probe failed: {failed}" if failed else ""))


@pytest.fixture(scope="session", params=list(impls.IMPLEMENTATIONS))
def impl(request) -> impls.Implementation:
    """Each entry of ``impls.IMPLEMENTATIONS`` in turn (test ids are the implementation names).

    Session-scoped so that hypothesis tests may use it (it holds no per-test state).
    """
    return impls.IMPLEMENTATIONS[request.param]


@pytest.fixture(scope="session", autouse=True)
def no_user_plan(tmp_path_factory):
    """The fused kernels use their built-in defaults in every test (and the processes tests start),
    not the plan `vecbench tune` saved for this machine: tests/test_plan.py runs every variant a
    plan can hold, and sets its own plan files."""
    from impls._plan_cache import PLAN_FILE_ENV

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PLAN_FILE_ENV, str(tmp_path_factory.mktemp("plan") / "none.json"))
        yield


# ---- the summary: tests per implementation ----------------------------------------------------

OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "impl" in params:
            # why: user properties travel with each report, also from pytest-xdist's workers to the
            # process that prints the summary (which collects no items itself)
            item.user_properties.append(("impl", params["impl"]))


def outcomes_per_implementation(stats: dict) -> dict[str, dict[str, int]]:
    """``{name: {outcome: count}}`` from a terminal reporter's ``stats`` (reports by outcome)."""
    counts = {name: dict.fromkeys(OUTCOMES, 0) for name in impls.IMPLEMENTATIONS}
    for outcome in OUTCOMES:
        for report in stats.get(outcome, []):
            name = dict(getattr(report, "user_properties", ())).get("impl")
            if name is not None:
                counts.setdefault(name, dict.fromkeys(OUTCOMES, 0))[outcome] += 1
    return counts


def pytest_terminal_summary(terminalreporter) -> None:
    """A line per registered implementation: how many harness tests (those taking ``impl``) ran
    and how they ended, so that a run shows which implementations it really checked."""
    counts = outcomes_per_implementation(terminalreporter.stats)
    if not any(sum(by_outcome.values()) for by_outcome in counts.values()):
        return
    terminalreporter.section("harness tests per implementation")
    width = max(map(len, counts))
    for name, by_outcome in counts.items():
        shown = ", ".join(f"{count} {outcome}" for outcome, count in by_outcome.items() if count or outcome == "passed")
        terminalreporter.write_line(f"{name:<{width}}  {sum(by_outcome.values()):>4} tests: {shown}")
