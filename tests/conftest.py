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
