"""Shared fixtures: every test that takes ``impl`` runs once per registered implementation."""

from __future__ import annotations

import pytest

import impls


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

#: node id -> implementation name, for every collected test that takes the ``impl`` fixture
_IMPLEMENTATION_OF: dict[str, str] = {}
OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "impl" in params:
            _IMPLEMENTATION_OF[item.nodeid] = params["impl"]


def outcomes_per_implementation(stats: dict, implementation_of: dict[str, str]) -> dict[str, dict[str, int]]:
    """``{name: {outcome: count}}`` from a terminal reporter's ``stats`` (reports by outcome)."""
    counts = {name: dict.fromkeys(OUTCOMES, 0) for name in impls.IMPLEMENTATIONS}
    for outcome in OUTCOMES:
        for report in stats.get(outcome, []):
            name = implementation_of.get(getattr(report, "nodeid", None))
            if name is not None:
                counts.setdefault(name, dict.fromkeys(OUTCOMES, 0))[outcome] += 1
    return counts


def pytest_terminal_summary(terminalreporter) -> None:
    """A line per registered implementation: how many harness tests (those taking ``impl``) ran
    and how they ended, so that a run shows which implementations it really checked."""
    if not _IMPLEMENTATION_OF:
        return
    counts = outcomes_per_implementation(terminalreporter.stats, _IMPLEMENTATION_OF)
    terminalreporter.section("harness tests per implementation")
    width = max(map(len, counts))
    for name, by_outcome in counts.items():
        shown = ", ".join(f"{count} {outcome}" for outcome, count in by_outcome.items() if count or outcome == "passed")
        terminalreporter.write_line(f"{name:<{width}}  {sum(by_outcome.values()):>4} tests: {shown}")
