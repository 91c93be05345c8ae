"""``dask-distributed``: the step over chunks of samples on a Dask cluster, each chunk on a worker.

``prepare`` cuts the samples (columns of X) into chunks, makes each C-contiguous and scatters
them to the workers once; a step submits one task per chunk (the fused Numba kernel of
``numba-fused``, partial sums in float64), adds the partial sums (a tree of tasks when there are
many chunks) and divides by m. Every task is submitted with ``pure=False``: Dask computes a key
once, so a step that reused one would return the previous step's result.

Scattered data is not recomputed by Dask when its worker dies: the prepared problem keeps how
to rebuild each chunk (the caller's X, or a chunk's seed for :func:`make_distributed_problem`)
and a step that lost one re-sends it and runs again. The cluster: :mod:`impls._cluster`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from impls import problem as _problem
from impls._cluster import (CONNECT_TIMEOUT_S, SchedulerUnreachable, WorkerMismatch, check_workers, cluster_info,
                            code_version, connect, get_client, shutdown)
from impls.model import Prepared, validated_prepared

DESCRIPTION = ("Dask distributed: chunks of samples scattered to the workers once, numba-fused on each, "
               "partial sums reduced")
LIBRARIES = ("dask", "distributed")
PREPARE_COPIES = 1.0  # the workers' copy of X (on the embedded cluster, this machine's memory)
NOTE = ("one task per chunk of samples on a Dask cluster (embedded: one single-threaded worker "
        "process per core on 127.0.0.1); the first call starts the cluster; a step pays the "
        "scheduler's round trips (milliseconds)")
#: fewest samples worth a chunk of their own (smaller problems are one chunk, one task)
MIN_CHUNK_SAMPLES = 5_000
CHUNKS_PER_WORKER = 4
#: partial sums gathered to the client at most; more are first added in groups on the workers
GATHER_AT_MOST = 8
GROUP = 4
#: a step that lost chunks with a dead worker is run again this many times at most
RETRIES = 3

__all__ = ["SchedulerUnreachable", "WorkerMismatch", "check_workers", "cluster_info", "code_version", "connect",
           "get_client", "make_distributed_problem", "prepare", "propagate", "run", "scatter_problem", "shutdown"]


def usable() -> bool:
    return True


def _chunk_sums(chunk, weights, b):
    """On a worker: ``(Σ x·dz (n_x,), Σ dz, Σ loss)`` of one chunk ``(X (n_x, k) C-order, y (k,))``,
    float64, with ``numba-fused``'s kernel (loaded from Numba's on-disk cache)."""
    from impls._fused_kernel import fused_step
    from impls._fused_plan import variant_for

    X, y = chunk
    count = y.shape[0]
    variant, _ = variant_for("C", X.dtype, X.shape[0], 1)  # this worker's plan, one thread
    dw, db, cost = fused_step(weights, b, X, y, variant.walk, variant.block(X.shape[0]))
    return dw * count, db * count, cost * count  # the kernel's means back to sums


def _add_partials(*partials):
    """The sum of partial ``(dw, db, cost)`` sums (on a worker, or on the client at the end)."""
    return (np.sum([p[0] for p in partials], axis=0), math.fsum(p[1] for p in partials),
            math.fsum(p[2] for p in partials))


def _generate_chunk(count, direction, seed, dtype_name):
    """On a worker: ``count`` samples of the problem with hidden model ``direction`` from ``seed``."""
    X, Y = _problem.problem_chunk(count, direction, seed, dtype_name)
    return X, Y[0]


@dataclass
class ChunkedProblem:
    """A problem held on the cluster as chunks of samples: ``futures[i]`` is chunk i's
    ``(X (n_x, counts[i]), y (counts[i],))`` on some worker; ``rebuild(i)`` makes it anew."""

    client: object
    futures: list
    counts: list[int]
    n_x: int
    dtype: np.dtype
    rebuild: Callable[[int], object]

    @property
    def m(self) -> int:
        return sum(self.counts)

    def restore_lost(self) -> list[int]:
        """Rebuild the chunks whose data is gone (worker died); returns their indices."""
        alive = [future for future in self.futures if not future.cancelled()]  # who_has refuses the others
        holders = self.client.who_has(alive) if alive else {}
        lost = [i for i, future in enumerate(self.futures) if not holders.get(future.key)]
        for i in lost:
            self.futures[i] = self.rebuild(i)
        return lost

    def gather(self) -> tuple[np.ndarray, np.ndarray]:
        """``(X (n_x, m), Y (1, m))`` brought to the client (small problems, tests)."""
        chunks = self.client.gather(self.futures)
        return np.hstack([X for X, _ in chunks]), np.concatenate([y for _, y in chunks]).reshape(1, -1)


def chunk_bounds(m: int, workers: int, chunk_samples: int | None = None) -> list[tuple[int, int]]:
    """``(start, stop)`` of each chunk: about ``CHUNKS_PER_WORKER`` per worker, none under
    ``MIN_CHUNK_SAMPLES`` (so m < 10,000 is one chunk), or ``chunk_samples`` each if given."""
    if chunk_samples is not None:
        parts = math.ceil(m / max(1, int(chunk_samples)))
    else:
        parts = max(1, min(CHUNKS_PER_WORKER * max(1, workers), m // MIN_CHUNK_SAMPLES))
    edges = [m * i // parts for i in range(parts + 1)]
    return list(zip(edges[:-1], edges[1:]))


def _worker_addresses(client) -> list[str]:
    """The workers' addresses, asked of the scheduler (why not ``scheduler_info()``: the client
    caches that, and under load it was seen empty while two workers were running)."""
    workers = sorted(client.nthreads())
    if not workers:  # a worker may still be starting (a loaded machine): wait a little for one
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except (TimeoutError, OSError):
            pass
        workers = sorted(client.nthreads())
    if not workers:
        raise RuntimeError(f"the Dask scheduler at {client.scheduler.address} has no workers")
    return workers


def scatter_problem(X, Y, *, chunk_samples: int | None = None, client=None) -> ChunkedProblem:
    """Validated ``X (n_x, m)``, ``Y (1, m)`` scattered to the workers as C-contiguous chunks,
    spread round-robin. Only one chunk's copy exists on the client at a time; lost chunks are
    cut again from ``X`` (which, as for every implementation, must not change meanwhile)."""
    client = client or get_client()
    workers = _worker_addresses(client)
    bounds = chunk_bounds(X.shape[1], len(workers), chunk_samples)

    def chunk(i):
        start, stop = bounds[i]
        return np.ascontiguousarray(X[:, start:stop]), np.ascontiguousarray(Y[0, start:stop])

    def send(i, to=None):
        # why a one-item list: scatter sends each item of a list as one object (a tuple alone
        # would be split); hash=False: a fresh key, never shared with an identical chunk
        return client.scatter([chunk(i)], workers=to, broadcast=False, hash=False)[0]

    futures = [send(i, [workers[i % len(workers)]]) for i in range(len(bounds))]
    counts = [stop - start for start, stop in bounds]
    return ChunkedProblem(client, futures, counts, X.shape[0], X.dtype, send)


def _reduce(client, partials):
    while len(partials) > GATHER_AT_MOST:
        partials = [client.submit(_add_partials, *partials[i:i + GROUP], pure=False)
                    for i in range(0, len(partials), GROUP)]
    return _add_partials(*client.gather(partials))


def _lost_errors() -> tuple[type[BaseException], ...]:
    from concurrent.futures import CancelledError

    from distributed import KilledWorker

    return CancelledError, KilledWorker  # FutureCancelledError is a CancelledError


def run(w, b, problem: ChunkedProblem):
    """One step on the cluster: NumPy ``dw (n_x,)`` in the problem's dtype, float ``db``, ``cost``."""
    client = problem.client
    weights = np.ascontiguousarray(np.asarray(w).reshape(-1), dtype=np.float64)
    for attempt in range(RETRIES + 1):
        partials = [client.submit(_chunk_sums, chunk, weights, float(b), pure=False)
                    for chunk in problem.futures]
        try:
            dw, db, cost = _reduce(client, partials)
            break
        except _lost_errors() as exc:
            client.cancel(partials)
            if attempt == RETRIES:
                raise RuntimeError(f"the step failed {RETRIES + 1} times on the Dask cluster at "
                                   f"{client.scheduler.address}: workers keep dying") from exc
            if not problem.restore_lost():
                time.sleep(0.1 * 2**attempt)  # why: the scheduler may not yet know which worker died
    m = problem.m
    return (dw / m).astype(problem.dtype), db / m, cost / m


def prepare(X, Y) -> Prepared:
    """The chunks scattered to the cluster's workers once (:func:`scatter_problem`)."""
    return Prepared(run, (scatter_problem(X, Y),))


def make_distributed_problem(m: int, n_x: int, *, seed: int = 0, dtype=np.float64,
                             chunk_samples: int | None = None, client=None):
    """A seeded learnable problem (the definition of ``impls.make_problem``) generated on the
    workers, chunk by chunk, so X never exists on the client. Returns ``(prepared, w, b)``:
    a :class:`~impls.model.Prepared` for ``run(w, b, *data)`` or ``impls.model.optimize_prepared``,
    zeros ``w (n_x, 1)`` and ``b = 0.0``.

    The hidden model comes from ``seed``, chunk i's samples from the i-th child of its
    ``SeedSequence``: the values depend on ``seed`` and on the chunking (``chunk_samples``, else
    :func:`chunk_bounds` for the cluster's worker count). A lost chunk is generated again.
    """
    m, n_x, dtype = _problem.check_problem_args(m, n_x, dtype)
    client = client or get_client()
    workers = _worker_addresses(client)
    bounds = chunk_bounds(m, len(workers), chunk_samples)
    model_seed, *chunk_seeds = np.random.SeedSequence(seed).spawn(len(bounds) + 1)
    direction = _problem.hidden_direction(np.random.default_rng(model_seed), n_x)
    counts = [stop - start for start, stop in bounds]

    def generate(i, to=None):
        return client.submit(_generate_chunk, counts[i], direction, chunk_seeds[i], dtype.name,
                             pure=False, workers=to, allow_other_workers=True)

    futures = [generate(i, [workers[i % len(workers)]]) for i in range(len(bounds))]
    problem = ChunkedProblem(client, futures, counts, n_x, dtype, generate)
    return Prepared(run, (problem,)), np.zeros((n_x, 1), dtype=dtype), 0.0


propagate = validated_prepared(prepare)
