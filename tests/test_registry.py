"""What is registered, and the tolerance guard on what each entry may declare.

The expected registrations are written here, not derived from ``impls.peers.is_installed`` or
``module.LIBRARIES``: a typo in a peer's library list would drop it (and its whole harness) from
the registry without a word, and a test that asks the registry what it should contain cannot
see that. What is installed is asked of ``importlib.util.find_spec``, which imports nothing.

Shown to fail (2026-12-02), each mutation made alone, then reverted: with
``LIBRARIES = ("sklearn_",)`` in ``impls/peers/sklearn_loss.py``, the three tests here that name
sklearn-loss fail (it is missing from the registry); with ``float64_rtol=1e-3`` added to
``numpy-vectorized``'s entry in ``impls/__init__.py``, ``import impls`` raises the guard's
ValueError, so the test session stops at conftest.py; with sklearn-loss's ``float64_rtol`` set to
1e-6 (its note states 1e-8), ``import impls`` raises the same way.
"""

from __future__ import annotations

import importlib.util
import math
import os
import shutil

import numpy as np
import pytest
from _reference import RTOL, reference_step

import impls
from impls.registry import FLOAT64_RTOL, Implementation, stated_error

#: Ours, always registered, in registry order.
OWN = ["python-loops", "feature-vectorized", "numpy-vectorized", "numba-loops", "numba-fused", "numba-parallel"]
#: The optional ones, in registry order after ours, each with the top-level modules that must be
#: installed for it (the extras that bring them: ``dask``, ``test``, ``peers``).
OPTIONAL = [
    ("dask-distributed", ("dask", "distributed")),
    ("sklearn-loss", ("sklearn",)),
    ("torch-cpu", ("torch",)),
    ("torch-compile", ("torch",)),  # and a C++ compiler, for Inductor (see _has_cxx)
    ("jax-jit", ("jax", "jaxlib")),
]
#: What CI installs (the test and peers extras on a machine with g++): all eleven.
ALL = OWN + [name for name, _ in OPTIONAL]
#: Set by .ci/run: there, every implementation must be registered, none may be left out.
EXPECT_ALL_ENV = "VECBENCH_EXPECT_ALL_IMPLEMENTATIONS"


def _has_cxx() -> bool:
    return shutil.which(os.environ.get("CXX") or "g++") is not None


def _expected() -> list[str]:
    installed = [
        name for name, modules in OPTIONAL
        if all(importlib.util.find_spec(module) is not None for module in modules)
        and (name != "torch-compile" or _has_cxx())
    ]
    return OWN + installed


def test_the_installed_extras_register_their_implementations():
    """Ours always; each optional one exactly when its libraries are installed, in this order."""
    assert list(impls.IMPLEMENTATIONS) == _expected()


def test_the_test_extra_brings_sklearn_loss():
    """scikit-learn is in the test extra (the tests' independent oracle): its peer is always here."""
    assert importlib.util.find_spec("sklearn") is not None
    assert "sklearn-loss" in impls.IMPLEMENTATIONS


@pytest.mark.skipif(not os.environ.get(EXPECT_ALL_ENV), reason=f"only where {EXPECT_ALL_ENV} is set (.ci/run)")
def test_ci_registers_all_eleven():
    """CI installs every extra: nothing may be missing there (a missing g++ or a failed install)."""
    assert len(ALL) == 11
    assert list(impls.IMPLEMENTATIONS) == ALL


# ---- the tolerance guard ----------------------------------------------------------------------


def test_the_harness_bound_is_the_reference_bound():
    assert FLOAT64_RTOL == RTOL[np.dtype(np.float64)] == 1e-10


def test_each_entry_keeps_to_its_float64_bound(impl):
    """Ours never loosen the harness's float64 bound; a peer only with a reason stating the error."""
    if impl.family != "peer":
        assert impl.float64_rtol <= 1e-10
    elif impl.float64_rtol > 1e-10:
        assert impl.accuracy_note
        assert impl.float64_rtol <= stated_error(impl.accuracy_note)


def _entry(family: str, rtol: float, note: str = "") -> Implementation:
    propagate = impls.IMPLEMENTATIONS["numpy-vectorized"].propagate
    return Implementation("x", "test entry", propagate, family, float64_rtol=rtol, accuracy_note=note)


@pytest.mark.parametrize("family", ["python", "numpy", "numba", "dask"])
def test_guard_refuses_our_own_implementation_a_looser_bound(family):
    with pytest.raises(ValueError, match=r"float64_rtol must be <= 1e-10 .*got 0\.001"):
        _entry(family, 1e-3, "relative error up to 1e-3")
    assert _entry(family, 1e-12).float64_rtol == 1e-12  # tighter is fine


def test_guard_refuses_a_peer_without_a_stated_reason():
    with pytest.raises(ValueError, match="needs its reason in accuracy_note"):
        _entry("peer", 1e-8)
    with pytest.raises(ValueError, match="needs its reason in accuracy_note"):
        _entry("peer", 1e-8, "the library is approximate")  # a reason, but no error stated


def test_guard_holds_a_peer_to_the_error_its_reason_states():
    with pytest.raises(ValueError, match="must be <= 1e-08, the error its accuracy_note states; got 1e-06"):
        _entry("peer", 1e-6, "log1p approximated: cost relative error below 1e-8")
    assert _entry("peer", 1e-8, "log1p approximated: cost relative error below 1e-8").float64_rtol == 1e-8
    assert _entry("peer", 5e-9, "relative error up to ~7.6e-9").float64_rtol == 5e-9


@pytest.mark.parametrize("rtol", [0.0, -1e-10, math.nan, math.inf, "1e-10", True])
def test_guard_refuses_a_bound_that_is_not_a_positive_number(rtol):
    with pytest.raises(ValueError, match="float64_rtol must be a finite number > 0"):
        _entry("numpy", rtol)


def test_sklearn_loss_reason_is_real_and_within_its_statement():
    """Its reason (log1p(e^-x) taken as e^-x for 18 < x <= 33.3) shows where it says: a confidently
    right sample just above 18 misses the harness bound, and stays within the stated error."""
    impl = impls.IMPLEMENTATIONS["sklearn-loss"]
    errors = []
    for z in (18.01, 18.05, 20.0, 30.0):
        X, w, Y = np.array([[z]]), np.ones((1, 1)), np.ones((1, 1))
        expected = reference_step(w, 0.0, X, Y).cost
        errors.append(abs(impl.propagate(w, 0.0, X, Y).cost - expected) / expected)
    assert max(errors) > FLOAT64_RTOL  # the loosening is needed
    assert max(errors) <= math.exp(-18) / 2 <= impl.float64_rtol <= stated_error(impl.accuracy_note)


FIRST_CALLS = """
import json, warnings
import numpy as np
import impls
X, w, Y = np.array([[20.0, -1.0]]), np.ones((1, 1)), np.array([[1.0, 0.0]])
said = {}
for name, impl in impls.IMPLEMENTATIONS.items():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        impl.propagate(w, 0.0, X, Y)
    said[name] = [f"{w.category.__name__}: {w.message}" for w in caught]
print(json.dumps(said))
"""


def test_the_first_step_of_a_process_warns_nothing():
    """Each implementation's first call in a fresh process (where its library sets itself up)
    issues no warning: where warnings are errors, that first step would fail. why a process of
    its own: in the test session an earlier test has already made each first call."""
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", FIRST_CALLS], capture_output=True, text=True, check=True)
    said = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(said) == set(impls.IMPLEMENTATIONS)
    assert {name: warnings for name, warnings in said.items() if warnings} == {}
