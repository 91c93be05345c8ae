"""The Dask cluster ``dask-distributed`` runs on: an embedded loopback cluster, or one you name.

- Nothing configured: the first step starts a ``distributed.LocalCluster`` in this process,
  single-threaded worker processes (one per core, or as many as :func:`set_embedded_workers`
  says: a run's thread budget), listening on 127.0.0.1 only, shut down at exit.
- ``DASK_SCHEDULER_ADDRESS`` (Dask's own setting, also ``dask.config`` ``scheduler-address``) or
  :func:`connect`: a scheduler already running. Its workers must run the same vecbench: checked
  on connecting (:func:`check_workers`), so a mismatch is one clear error, not a failed task.

Dask is imported on first use only (``import impls`` stays light).
"""

from __future__ import annotations

import atexit
import hashlib
import importlib
import importlib.metadata
import logging
import os
import threading
from pathlib import Path

#: seconds to wait for a named scheduler before giving up (never hang on a wrong address)
CONNECT_TIMEOUT_S = 5.0
#: the module every worker must import; its code must be ours, byte for byte
WORKER_MODULE = "impls.dask_distributed"
#: what runs on the workers: a worker whose copies differ computes something else
_WORKER_SOURCES = ("dask_distributed.py", "_cluster.py", "_fused_kernel.py", "_fused_plan.py", "_plan_cache.py",
                   "problem.py", "model.py")

#: ``LocalCluster`` options of the embedded cluster: single-threaded worker processes, every
#: port on 127.0.0.1. why: a scheduler runs whatever code its clients send it. No dashboard; the
#: scheduler's small HTTP server (health, metrics) on a free loopback port, not 8787 on all hosts.
LOOPBACK_CLUSTER = dict(threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}, silence_logs=logging.ERROR)

_lock = threading.RLock()
_client = None  # the current distributed.Client, created lazily
_cluster = None  # the embedded LocalCluster, if we started it
_embedded_workers = None  # worker processes of the next embedded cluster (None: one per core)


class SchedulerUnreachable(ConnectionError):
    """No Dask scheduler answered at the address given."""


class WorkerMismatch(RuntimeError):
    """A worker cannot run the step: vecbench missing there, or another version of it."""


def code_version() -> str:
    """``"<vecbench version>+<hash>"``: the installed version and a hash of the code the workers
    run, so two checkouts of the same version with different code do not pass for each other."""
    try:
        version = importlib.metadata.version("vecbench")
    except importlib.metadata.PackageNotFoundError:
        version = "not-installed"
    digest = hashlib.sha256()
    for name in _WORKER_SOURCES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return f"{version}+{digest.hexdigest()[:12]}"


def _worker_code_version(module: str) -> str:
    """Run on a worker: the code version of its vecbench, as that worker imports it."""
    return importlib.import_module(module).code_version()


def check_workers(client, module: str = WORKER_MODULE, expected: str | None = None) -> dict:
    """Raise :class:`WorkerMismatch` unless every worker imports ``module`` and reports
    ``expected`` (this process's :func:`code_version`). Returns ``{worker address: version}``."""
    expected = code_version() if expected is None else expected
    address = client.scheduler.address
    answers = client.run(_worker_code_version, module, on_error="return")
    if not answers:
        raise WorkerMismatch(f"the Dask scheduler at {address} has no workers")
    for worker, answer in sorted(answers.items()):
        if isinstance(answer, BaseException):
            raise WorkerMismatch(
                f"worker {worker} (scheduler {address}) cannot import {module}: "
                f"{type(answer).__name__}: {answer}. Install the same vecbench on every worker "
                f"(python -m pip install vecbench, or -e of the same checkout)") from answer
        if answer != expected:
            raise WorkerMismatch(
                f"worker {worker} (scheduler {address}) runs vecbench {answer}, this client "
                f"{expected}: install the same version on the workers")
    return answers


def configured_address() -> str | None:
    """The scheduler named by ``DASK_SCHEDULER_ADDRESS`` or dask.config ``scheduler-address``."""
    import dask

    return os.environ.get("DASK_SCHEDULER_ADDRESS") or dask.config.get("scheduler-address", None)


def _open(address: str, timeout: float, security=None):
    from distributed import Client

    try:
        # why security=None is passed on: Client then builds one from Dask's own configuration
        # (``distributed.comm.tls.*``), which is how a ``tls://`` address works from the CLI
        client = Client(address, timeout=timeout, set_as_default=False, security=security)
    except (OSError, TimeoutError) as exc:
        raise SchedulerUnreachable(
            f"no Dask scheduler answered at {address} within {timeout:g} s "
            f"(start one with `dask scheduler`, or check the address): {exc}") from exc
    try:
        check_workers(client)
    except BaseException:
        client.close()
        raise
    return client


def connect(address: str, timeout: float = CONNECT_TIMEOUT_S, security=None):
    """Use the running scheduler at ``address`` (e.g. ``tcp://10.0.0.5:8786``) from now on.

    ``security``: a ``distributed.security.Security`` for a ``tls://`` scheduler; None takes
    the certificates from Dask's configuration (``distributed.comm.tls.ca-file``,
    ``distributed.comm.tls.client.cert`` / ``.key``, or the matching ``DASK_…`` variables).

    Raises :class:`SchedulerUnreachable` (a ``ConnectionError``) within ``timeout`` seconds if
    nothing answers, :class:`WorkerMismatch` if its workers lack this vecbench; in both cases
    the cluster in use stays as it was. Returns the ``distributed.Client``.
    """
    global _client
    client = _open(address, timeout, security)
    with _lock:
        shutdown()
        _client = client
    return client


def set_embedded_workers(workers: int | None) -> None:
    """Worker processes of the embedded cluster started next (None: one per core). A running
    embedded cluster of another size is shut down (the next step starts the new one)."""
    global _embedded_workers
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be a positive integer or None; got {workers!r}")
    with _lock:
        if workers != _embedded_workers and _cluster is not None:
            shutdown()
        _embedded_workers = workers


def _start_embedded():
    from distributed import Client, LocalCluster

    from impls.peers import cpu_count

    cluster = LocalCluster(n_workers=_embedded_workers or cpu_count(), **LOOPBACK_CLUSTER)
    client = Client(cluster, set_as_default=False)
    try:
        check_workers(client)
    except BaseException:
        client.close()
        cluster.close()
        raise
    return cluster, client


def get_client():
    """The client in use: the configured scheduler's, else the embedded cluster's (started on
    the first call, shut down when the process exits)."""
    global _client, _cluster
    with _lock:
        if _client is None:
            address = configured_address()
            if address:
                _client = _open(address, CONNECT_TIMEOUT_S)
            else:
                _cluster, _client = _start_embedded()
        return _client


def shutdown() -> None:
    """Close the client, and the embedded cluster if we started it (no worker left running).
    The next step starts or connects again."""
    global _client, _cluster
    with _lock:
        client, cluster, _client, _cluster = _client, _cluster, None, None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


atexit.register(shutdown)  # why: registered after distributed's own handlers, so it runs first


def cluster_info(client=None) -> dict | None:
    """The cluster a step runs on, for the results' machine section; None if none is in use
    (never starts one). Scheduler address, per-worker threads and memory limit, versions."""
    client = client or _client
    if client is None:
        return None
    import dask
    import distributed

    info = client.scheduler_info()
    workers = {address: {"threads": worker.get("nthreads"), "memory_limit_bytes": worker.get("memory_limit")}
               for address, worker in sorted(info.get("workers", {}).items())}
    return {
        "scheduler": client.scheduler.address,
        "embedded": client is _client and _cluster is not None,
        "n_workers": len(workers),
        "workers": workers,
        "dask": dask.__version__,
        "distributed": distributed.__version__,
    }
