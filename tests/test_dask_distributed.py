"""``dask-distributed`` beyond the shared harness: the cluster, no deduplication, data generated
on the workers, a worker dying mid-training, and the errors of a wrong cluster.

Correctness itself (every shape, dtype and layout) comes from the harness through the ``impl``
fixture. Tests here that need a cluster of their own start a two-worker LocalCluster on
127.0.0.1 once (``cluster`` fixture) and close it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from _reference import assert_matches, random_parameters, reference_step

import impls
from impls.model import optimize_prepared

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("impls.dask_distributed")
from impls import _cluster  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NAME = "dask-distributed"


@pytest.fixture(scope="module")
def cluster():
    """A two-worker loopback LocalCluster of this module's own (not the embedded one)."""
    with distributed.LocalCluster(n_workers=2, **_cluster.LOOPBACK_CLUSTER) as local:
        yield local


@pytest.fixture()
def client(cluster):
    with distributed.Client(cluster, set_as_default=False) as connected:
        connected.wait_for_workers(2, timeout=30)
        yield connected


def _step(problem, w, b):
    dw, db, cost = dd.run(w, b, problem)
    return impls.Gradients(np.asarray(dw).reshape(w.shape), db, cost)


def test_registered_as_family_dask_before_the_peers():
    impl = impls.IMPLEMENTATIONS[NAME]
    assert impl.family == "dask" and impl.jit
    names = list(impls.IMPLEMENTATIONS)
    assert names.index(NAME) == names.index("numba-parallel") + 1


def test_registration_does_not_import_dask():
    code = "import json, sys, impls; print(json.dumps([%r in impls.IMPLEMENTATIONS, 'dask' in sys.modules]))" % NAME
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [True, False]


def test_embedded_cluster_listens_on_loopback_only():
    client = _cluster.get_client()
    info = dd.cluster_info()
    assert client.scheduler.address.startswith("tcp://127.0.0.1:")
    assert info["embedded"] and info["scheduler"] == client.scheduler.address
    assert all(address.startswith("tcp://127.0.0.1:") for address in info["workers"])
    assert info["n_workers"] == len(os.sched_getaffinity(0))
    assert {worker["threads"] for worker in info["workers"].values()} == {1}
    assert info["dask"] and info["distributed"]


def test_chunk_bounds():
    assert dd.chunk_bounds(9_999, 2) == [(0, 9_999)]  # small problems: one chunk, one task
    bounds = dd.chunk_bounds(1_000_000, 2)
    assert len(bounds) == 8 and bounds[0] == (0, 125_000) and bounds[-1][1] == 1_000_000
    assert dd.chunk_bounds(10, 2, chunk_samples=3) == [(0, 2), (2, 5), (5, 7), (7, 10)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_many_chunks_spread_over_workers_and_reduced_by_a_tree(client, dtype):
    X, Y, _, _ = impls.make_problem(3_000, 6, seed=2, dtype=dtype, order="F")
    w, b = random_parameters(np.random.default_rng(2), 6, dtype)
    problem = dd.scatter_problem(X, Y, chunk_samples=100, client=client)  # 30 chunks > GATHER_AT_MOST
    assert all(chunk.flags.c_contiguous for chunk, _ in client.gather(problem.futures))
    assert len({holder for holders in client.who_has(problem.futures).values() for holder in holders}) == 2
    assert_matches(_step(problem, w, b), reference_step(w, b, X, Y), dtype, impl=impls.IMPLEMENTATIONS[NAME])


def test_steps_are_computed_every_time_never_deduplicated(client):
    X, Y, _, _ = impls.make_problem(1_000, 4, seed=3)
    problem = dd.scatter_problem(X, Y, chunk_samples=250, client=client)
    w, b = random_parameters(np.random.default_rng(3), 4, np.float64)
    with distributed.get_task_stream(client) as stream:
        first, again = _step(problem, w, b), _step(problem, w, b)
    computed = [record for record in stream.data if "_chunk_sums" in str(record["key"])]
    assert len(computed) == 2 * len(problem.futures)  # the same w twice: computed twice
    np.testing.assert_array_equal(first.dw, again.dw)
    other = _step(problem, 2 * w, b)  # results follow w
    assert not np.allclose(other.dw, first.dw)
    assert_matches(other, reference_step(2 * w, b, X, Y), np.float64)


def test_problem_generated_on_the_workers_matches_numpy_vectorized(client):
    prepared, w, b = dd.make_distributed_problem(4_000, 5, seed=4, chunk_samples=900, client=client)
    (problem,) = prepared.data
    assert len(problem.futures) == 5 and w.shape == (5, 1) and b == 0.0
    X, Y = problem.gather()
    assert X.shape == (5, 4_000) and Y.shape == (1, 4_000) and set(np.unique(Y)) == {0.0, 1.0}
    numpy_step = impls.IMPLEMENTATIONS["numpy-vectorized"].propagate
    w_random, b_random = random_parameters(np.random.default_rng(4), 5, np.float64)
    got = _step(problem, w_random, b_random)
    assert_matches(got, reference_step(w_random, b_random, X, Y), np.float64)
    np.testing.assert_allclose(got.dw, numpy_step(w_random, b_random, X, Y).dw, rtol=1e-10, atol=1e-13)
    w_trained, b_trained, costs = optimize_prepared(prepared, w, b, 20, 0.5)
    w_ref, b_ref, costs_ref = impls.optimize(numpy_step, w, b, X, Y, 20, 0.5)
    np.testing.assert_allclose(w_trained, w_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(costs, costs_ref, rtol=1e-10)
    assert costs[-1] < costs[0] and np.mean(impls.predict(w_trained, b_trained, X) == Y) > 0.7
    again, _, _ = dd.make_distributed_problem(4_000, 5, seed=4, chunk_samples=900, client=client)
    np.testing.assert_array_equal(again.data[0].gather()[0], X)  # seeded


def _kill_holder_of_first_chunk(client, problem) -> None:
    # why replicate(n=1): a task the scheduler ran on the other worker copied its chunk there
    # (Dask's Active Memory Manager drops such copies, but only every few seconds)
    client.replicate(problem.futures, n=1)
    (holder,) = client.who_has(problem.futures[:1])[problem.futures[0].key]  # the only copy
    os.kill(client.run(os.getpid)[holder], signal.SIGKILL)


@pytest.mark.parametrize("source", ["scattered", "generated"])
def test_worker_killed_mid_training_gives_the_uninterrupted_result(client, source):
    if source == "scattered":
        X, Y, w, b = impls.make_problem(2_000, 4, seed=5)
        prepared = impls.Prepared(dd.run, (dd.scatter_problem(X, Y, chunk_samples=500, client=client),))
    else:
        prepared, w, b = dd.make_distributed_problem(2_000, 4, seed=5, chunk_samples=500, client=client)
        X, Y = prepared.data[0].gather()
    w_ref, b_ref, costs_ref = impls.optimize(impls.IMPLEMENTATIONS["numpy-vectorized"].propagate, w, b, X, Y, 6, 0.5)
    w_half, b_half, costs = optimize_prepared(prepared, w, b, 3, 0.5)
    keys = [future.key for future in prepared.data[0].futures]
    _kill_holder_of_first_chunk(client, prepared.data[0])
    w_end, b_end, costs_end = optimize_prepared(prepared, w_half, b_half, 3, 0.5)
    if source == "scattered":  # Dask cannot recompute scattered data: the step sent it again
        assert prepared.data[0].futures[0].key != keys[0]
    np.testing.assert_allclose(w_end, w_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(b_end, b_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(costs + costs_end, costs_ref, rtol=1e-10)
    client.wait_for_workers(2, timeout=30)  # the nanny restarts the killed worker


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_scheduler_that_does_not_answer_is_a_clear_error_not_a_hang():
    address = f"tcp://127.0.0.1:{_free_port()}"
    in_use = _cluster._client
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match=f"no Dask scheduler answered at {address}"):
        dd.connect(address, timeout=1)
    assert time.perf_counter() - start < 10
    assert _cluster._client is in_use  # the cluster in use stays as it was


def test_connects_to_the_scheduler_named_by_dask_scheduler_address(cluster, monkeypatch):
    previous = (_cluster._client, _cluster._cluster)
    monkeypatch.setattr(_cluster, "_client", None)
    monkeypatch.setattr(_cluster, "_cluster", None)
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.scheduler_address)
    try:
        assert _cluster.get_client().scheduler.address == cluster.scheduler_address
        info = dd.cluster_info()
        assert not info["embedded"] and info["n_workers"] == 2
        X, Y, w, b = impls.make_problem(50, 3, seed=6)
        w, b = random_parameters(np.random.default_rng(6), 3, np.float64)
        assert_matches(impls.IMPLEMENTATIONS[NAME].propagate(w, b, X, Y), reference_step(w, b, X, Y), np.float64)
    finally:
        _cluster.shutdown()  # closes our client only: the scheduler was not ours to stop
        _cluster._client, _cluster._cluster = previous
    assert cluster.status.name == "running"


def test_workers_without_vecbench_or_with_another_version_are_refused(client, monkeypatch):
    with pytest.raises(dd.WorkerMismatch, match="cannot import impls.no_such_module"):
        dd.check_workers(client, module="impls.no_such_module")
    with pytest.raises(dd.WorkerMismatch, match=r"runs vecbench .*, this client 0\.0\.0\+other"):
        dd.check_workers(client, expected="0.0.0+other")
    assert set(dd.check_workers(client).values()) == {dd.code_version()}


def test_a_worker_that_cannot_import_the_probe_is_refused(client, monkeypatch, tmp_path):
    """As on a worker without vecbench: the check's function comes from a module that only this
    process has (added to sys.path after the workers started), so the worker cannot load it."""
    (tmp_path / "client_only_probe.py").write_text("def probe(module):\n    return 'never'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import client_only_probe

    monkeypatch.setattr(_cluster, "_worker_code_version", client_only_probe.probe)
    with pytest.raises(dd.WorkerMismatch, match="cannot import impls.dask_distributed.*client_only_probe"):
        dd.check_workers(client)


def test_no_worker_process_outlives_the_program():
    code = """
import json, psutil, numpy as np, impls
X, Y, w, b = impls.make_problem(20, 3, seed=1)
impls.IMPLEMENTATIONS["dask-distributed"].propagate(w, b, X, Y)
print(json.dumps([child.pid for child in psutil.Process().children(recursive=True)]))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    children = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(children) >= len(os.sched_getaffinity(0))  # the workers were running
    psutil = pytest.importorskip("psutil")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(psutil.pid_exists(pid) for pid in children):
        time.sleep(0.1)
    left = [pid for pid in children if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert not left, f"still running after exit: {left}"
