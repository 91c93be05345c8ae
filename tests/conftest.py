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
