"""``vecbench scale`` and the Dask cluster it measures on: the figures from a known scale file,
the sizes planned against memory, an end-to-end sweep on tiny sizes (results file, chart, REPORT
section), bad input (exit 2, one line), Ctrl-C during a distributed point, a TLS cluster, and
``targets --dask-scheduler``.

Correctness only, never speed: no assertion here depends on how fast anything ran.
"""

from __future__ import annotations

import functools
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from _reference import assert_matches, random_parameters, reference_step
from _synthetic_results import SyntheticImpl, write_results

import impls
from bench.cli import call_main
from bench.analysis.scale import scale_figures
from bench.performance import scale, targets
from bench.performance.scale.plan import default_ms, plan_sizes
from bench.results.scale import load_scale_results
from bench.results.schema import MEASURED, SCALE_POINTS, SCALE_SECTION, SKIPPED_MEMORY, scale_point, scale_section

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("impls.dask_distributed")
psutil = pytest.importorskip("psutil")
from impls import _cluster  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GIB = 2**30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------- figures and plan (no cluster)


def _write_scale(path: Path, models: dict[str, SyntheticImpl], ms: dict[str, tuple[int, ...]], nxs=(10, 100)) -> Path:
    """A scale results file whose medians are exactly the ``models``' times."""
    points = [scale_point(name, m, n_x, MEASURED, times_s=[model.time(m, n_x)] * 3, prepare_s=0.01)
              for name, model in models.items() for n_x in nxs for m in ms[name]]
    section = scale_section(command="python -m bench scale", started="2026-12-02T00:00:00+00:00", threads=2,
                            rounds=3, dtype="float64", implementations=list(impls.IMPLEMENTATIONS),
                            machine={"cpu": "Synthetic EPYC", "cores": 2}, dask_cluster=None, complete=True)
    path.write_text(json.dumps({SCALE_SECTION: section, SCALE_POINTS: points}))
    return path


def test_fixed_cost_and_crossovers_follow_the_models(tmp_path):
    """dask: 10 ms + 0.1 ns/element; numba-parallel: 0.3 ns/element, measured up to 10⁶;
    numpy-vectorized: 0.15 ns/element, measured only up to 10⁵; so against numba-parallel the
    lines meet at m·n_x = 5·10⁷ (m = 5·10⁵, measured, at n_x = 100; m = 5·10⁶, beyond 10⁶, at
    n_x = 10), against numpy at m·n_x = 2·10⁸ (extrapolated)."""
    models = {"numpy-vectorized": SyntheticImpl("numpy-vectorized", 0.0, 0.15e-9),
              "numba-parallel": SyntheticImpl("numba-parallel", 0.0, 0.3e-9),
              "dask-distributed": SyntheticImpl("dask-distributed", 0.01, 0.1e-9)}
    ms = {"numpy-vectorized": (10**3, 10**4, 10**5), "numba-parallel": (10**3, 10**5, 10**6),
          "dask-distributed": (10**3, 10**4, 10**5, 10**6, 10**7, 10**8)}
    figures = scale_figures(load_scale_results(_write_scale(tmp_path / "scale.json", models, ms)))
    assert figures.fixed_cost_s(10) == pytest.approx(0.01, rel=1e-6)
    assert figures.largest_m == {10: 10**8, 100: 10**8}
    found = {(c.against, c.n_x): c for c in figures.crossovers}
    assert found[("numba-parallel", 100)].kind == "measured"
    assert found[("numba-parallel", 100)].m == pytest.approx(5e5, rel=1e-6)
    assert found[("numba-parallel", 100)].measured_text() == "first faster at m = 1,000,000 (slower at m = 100,000)"
    assert found[("numba-parallel", 10)].measured_text() == "slower at every m measured by both"
    assert found[("numba-parallel", 10)].kind == "extrapolated"
    assert found[("numba-parallel", 10)].m == pytest.approx(5e6, rel=1e-6) and "extrapolated" in found[("numba-parallel", 10)].text()
    assert found[("numpy-vectorized", 10)].kind == "extrapolated"
    slower = dict(models, **{"dask-distributed": SyntheticImpl("dask-distributed", 0.01, 0.5e-9)})
    figures = scale_figures(load_scale_results(_write_scale(tmp_path / "never.json", slower, ms)))
    assert {c.text() for c in figures.crossovers} == {"never within the model"}


def test_sizes_too_large_for_the_workers_are_skipped_by_default_and_refused_when_asked_for():
    cluster = {"embedded": False, "workers": {"a": {"memory_limit_bytes": 10 * GIB}, "b": {"memory_limit_bytes": 10 * GIB}}}
    assert default_ms(10**5) == [1_000, 3_000, 10_000, 30_000, 100_000]
    plans = plan_sizes([10**6, 10**8], [10, 100], cluster, explicit=False, available=4 * GIB)
    by_size = {(p.m, p.n_x): p for p in plans}
    assert by_size[(10**6, 10)].in_process and not by_size[(10**6, 10)].skipped  # 88 MB
    assert not by_size[(10**8, 10)].in_process and not by_size[(10**8, 10)].skipped  # 8.8 GB: workers only
    assert "needs 80.8 GB on the Dask workers" in by_size[(10**8, 100)].skipped
    with pytest.raises(ValueError, match=r"--m 100000000: m=100,000,000 at n_x=100 needs 80\.8 GB"):
        plan_sizes([10**8], [100], cluster, explicit=True, available=4 * GIB)


def test_a_size_that_no_longer_fits_is_skipped_when_its_turn_comes(monkeypatch):
    """Memory taken by another process since the plan: nothing is built, the points say why."""
    from bench.performance.scale import plan as plan_module
    from bench.performance.scale.points import measure_size

    monkeypatch.setattr(plan_module, "available_bytes", lambda: 10**6)
    got = list(measure_size(plan_module.SizePlan(10**6, 10, in_process=True), rounds=3, embedded=True))
    assert [(p["impl"], p["status"]) for p in got] == [
        ("numpy-vectorized", SKIPPED_MEMORY), ("numba-parallel", SKIPPED_MEMORY), ("dask-distributed", SKIPPED_MEMORY)]
    assert "in this process needs about" in got[0]["error"] and "on the embedded workers needs" in got[2]["error"]


# ---------------------------------------------------------------- the command


def _scale_args(folder: Path, *extra: str) -> list[str]:
    return ["--out", str(folder / "results" / "scale-latest.json"), "--charts-dir", str(folder / "charts"),
            "--report", str(folder / "REPORT.md"), "--plain", *extra]


def test_scale_end_to_end_on_tiny_sizes(tmp_path, capsys):
    """m = 1000: numpy-vectorized and numba-parallel in process, then dask-distributed; m = 3000:
    on the workers only. Distributed data is generated there, checked by numpy-vectorized there."""
    (tmp_path / "results").mkdir()
    write_results(tmp_path / "results" / "latest.json", ms=(10, 100), nxs=(1,))
    status = scale.main(_scale_args(tmp_path, "--m", "1000", "3000", "--n-x", "3", "--rounds", "2",
                                    "--max-in-process-m", "1000"))
    out = capsys.readouterr().out
    assert status == 0, out
    results = load_scale_results(tmp_path / "results" / "scale-latest.json")
    assert results.complete and results.dask_cluster["n_workers"] >= 1
    got = {(p.impl, p.m): p for p in results.points}
    assert set(got) == {("numpy-vectorized", 1000), ("numba-parallel", 1000), ("dask-distributed", 1000),
                        ("dask-distributed", 3000)}
    assert all(p.measured and len(p.samples) == 2 and p.prepare_s is not None for p in got.values())
    assert results.data[("dask-distributed", 1000, 3)] == "generated-on-workers"
    assert results.data[("dask-distributed", 3000, 3)] == "generated-on-workers"
    assert "fixed cost per dask-distributed step" in out
    assert (tmp_path / "charts" / "scale.png").is_file() and (tmp_path / "charts" / "scale.svg").is_file()
    report = (tmp_path / "REPORT.md").read_text()
    section = report[report.index("## Beyond one machine"):]
    assert "| 3 | " in section and "](charts/scale.png)" in section and "numba-parallel" in section
    assert _cluster._client is None  # the command shut its cluster down


@pytest.mark.parametrize("argv, message", [
    (["--m", "0"], "m must be a positive integer; got '0'"),
    (["--n-x", "ten"], "n_x must be a positive integer"),
    (["--out", "scale.txt"], "--out must name a .json file"),
    (["--m", "1e12", "--n-x", "100"], "--m 1000000000000: m=1,000,000,000,000 at n_x=100 needs"),
], ids=["m-zero", "n_x-text", "out-not-json", "too-large-for-the-cluster"])
def test_bad_input_is_one_line_and_exit_status_2(tmp_path, capsys, argv, message):
    assert call_main(scale, _scale_args(tmp_path, *argv)) == 2  # as `vecbench scale` runs it
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "results").exists()  # nothing generated, nothing written
    assert _cluster._client is None


@pytest.mark.parametrize("command", [scale, targets], ids=["scale", "targets"])
def test_an_unreachable_scheduler_is_one_line_and_exit_status_2(tmp_path, capsys, monkeypatch, command):
    monkeypatch.setattr(dd, "connect", functools.partial(dd.connect, timeout=1))
    address = f"tcp://127.0.0.1:{_free_port()}"
    argv = _scale_args(tmp_path, "--dask-scheduler", address) if command is scale else \
        ["--dask-scheduler", address, "--output", str(tmp_path / "t.json")]
    assert call_main(command, argv) == 2
    err = capsys.readouterr().err
    assert f"no Dask scheduler answered at {address}" in err and len(err.strip().splitlines()) == 1


def _points_in(path: Path) -> list:
    try:
        return json.loads(path.read_text())[SCALE_POINTS]
    except (OSError, ValueError):
        return []


def test_ctrl_c_during_a_distributed_point_keeps_the_finished_points_and_no_process(tmp_path):
    out = tmp_path / "scale.json"
    command = [sys.executable, "-m", "bench", "scale", "--m", "1000", "2e7", "--n-x", "10", "--rounds", "3",
               "--max-in-process-m", "1000", "--plain", "--no-report", "--out", str(out)]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while len(_points_in(out)) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)  # m = 1000: numpy-vectorized, numba-parallel, then dask-distributed
        assert len(_points_in(out)) == 3, f"not the 3 points of m = 1000: {proc.poll()}"
        time.sleep(1.0)  # into the distributed point (generating 1.6 GB on the workers takes seconds)
        children = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "interrupted: 3 points saved" in stderr
    document = json.loads(out.read_text())
    assert not document[SCALE_SECTION]["complete"]
    assert {(p["impl"], p["m"]) for p in document[SCALE_POINTS]} == {
        ("numpy-vectorized", 1000), ("numba-parallel", 1000), ("dask-distributed", 1000)}
    assert len(children) >= 2  # the nannies and workers of the embedded cluster were running
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(psutil.pid_exists(c.pid) for c in children):
        time.sleep(0.1)
    left = [c.pid for c in children if psutil.pid_exists(c.pid) and c.status() != psutil.STATUS_ZOMBIE]
    assert not left, f"still running after Ctrl-C: {left}"


# ---------------------------------------------------------------- TLS


def test_tls_cluster_with_a_security_object_and_with_dasks_configuration(tmp_path, monkeypatch):
    """A loopback LocalCluster on tls:// with temporary certificates: connect(address, security)
    works, and so does the CLI's path (--dask-scheduler), which takes them from Dask's config."""
    import dask
    from distributed.security import Security

    from bench.measure.dask_cluster import use_dask_scheduler

    security = Security.temporary()
    options = dict(_cluster.LOOPBACK_CLUSTER, protocol="tls://", security=security)
    previous = (_cluster._client, _cluster._cluster)
    monkeypatch.setattr(_cluster, "_client", None)
    monkeypatch.setattr(_cluster, "_cluster", None)
    try:
        with distributed.LocalCluster(n_workers=1, **options) as cluster:
            address = cluster.scheduler_address
            assert address.startswith("tls://127.0.0.1:")
            client = dd.connect(address, security=security)
            assert client.scheduler.address == address
            X, Y, _, _ = impls.make_problem(300, 4, seed=7)
            w, b = random_parameters(np.random.default_rng(7), 4, np.float64)
            assert_matches(impls.IMPLEMENTATIONS["dask-distributed"].propagate(w, b, X, Y),
                           reference_step(w, b, X, Y), np.float64)
            _cluster.shutdown()
            files = {}
            for name, pem in (("ca", security.tls_ca_file), ("cert", security.tls_client_cert),
                              ("key", security.tls_client_key)):
                files[name] = tmp_path / f"{name}.pem"
                files[name].write_text(pem)
            config = {"distributed.comm.tls.ca-file": str(files["ca"]),
                      "distributed.comm.tls.client.cert": str(files["cert"]),
                      "distributed.comm.tls.client.key": str(files["key"])}
            with dask.config.set(config):
                use_dask_scheduler(address)
            assert dd.cluster_info()["scheduler"] == address
    finally:
        _cluster.shutdown()
        _cluster._client, _cluster._cluster = previous


def test_the_report_says_when_the_scale_file_comes_from_another_machine():
    from types import SimpleNamespace

    from bench.analysis.report.scale_section import other_machine_note

    here = {"cpu": "AMD EPYC", "cores": 2, "memory_bytes": 24 * 2**30}
    scale = SimpleNamespace(machine=dict(here))
    assert other_machine_note(scale, here) == "" and other_machine_note(scale, None) == ""
    note = other_machine_note(scale, {**here, "cpu": "Intel(R) Xeon(R) Processor"})
    assert "another machine" in note and "AMD EPYC" in note and "Xeon" in note
