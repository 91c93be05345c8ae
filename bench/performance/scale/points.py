"""Measuring one size of ``vecbench scale``: prepare once, check the first step, time the rest.

The in-process implementations run first on an X built here, which is then freed; then
``dask-distributed`` on the same problem generated on the workers (so the two copies never
coexist in this machine's memory). Every implementation is prepared once (``prepare_s``), its
first step is checked against ``numpy-vectorized`` (and is the warm-up), then timed in rounds
(:func:`bench.measure.timing.interleaved_times`); each step gets another ``w`` (a few fixed
perturbations, built before the timing), so no step could be answered from an earlier one.
"""

from __future__ import annotations

import gc
import itertools
import math
import statistics
import time
from typing import Callable, Iterator

import numpy as np

import impls
from bench.measure.problems import describe_error, kernel_args, prepared_call
from bench.measure.timing import Step, interleaved_times, mismatch, timed_call
from bench.performance.scale.plan import DISTRIBUTED, DTYPE, IN_PROCESS, SizePlan, refused_now
from bench.results.schema import (DATA_GENERATED, FAILED, MEASURED, REFERENCE, SKIPPED_MEMORY,
                                  scale_point)

#: how many different w the timed steps cycle through
FRESH_WEIGHTS = 8
#: the check of a size whose X never leaves the workers: numpy-vectorized run there, chunk by chunk
CHECKED_ON_WORKERS = f"{REFERENCE} (on the workers)"


def fresh_weight_step(step: Callable, w: np.ndarray, b: float, data: tuple) -> Callable[[], object]:
    """``step(w_k, b, *data)`` with the next of FRESH_WEIGHTS weights ``w + noise`` per call.

    why: dask-distributed submits its tasks with pure=False, so equal arguments are computed
    again anyway; different weights make that hold for every implementation, not by trust.
    """
    rng = np.random.default_rng(1)
    weights = [w + np.asarray(0.01 * rng.standard_normal(w.shape), dtype=w.dtype) for _ in range(FRESH_WEIGHTS)]
    cycle = itertools.cycle(weights)
    return lambda: step(next(cycle), b, *data)


def _measured(name: str, plan: SizePlan, seconds: list[float], prepare_s: float, first_s: float,
              data: str | None, checked: str) -> dict:
    jit = impls.IMPLEMENTATIONS[name].jit
    compile_s = max(0.0, first_s - statistics.median(seconds)) if jit else None
    return scale_point(name, plan.m, plan.n_x, MEASURED, times_s=seconds, prepare_s=prepare_s,
                       compile_s=compile_s, data=data, checked_against=checked)


def _release(problem) -> None:
    """Drop a distributed problem's chunks from the workers now (why: the next, larger size
    must not find them there), then collect this process's garbage."""
    problem.client.cancel(problem.futures)
    gc.collect()


def measure_in_process(plan: SizePlan, rounds: int) -> list[dict]:
    """numpy-vectorized and numba-parallel on one X built here, timed in interleaved rounds;
    X is unreachable once this returns (why: it must never coexist with a distributed problem)."""
    args = kernel_args(plan.m, plan.n_x, DTYPE, "C")
    w, b = args[0], args[1]
    reference = Step.of(impls.IMPLEMENTATIONS[REFERENCE].kernel(*args))
    points, steps, started = {}, {}, {}
    for name in IN_PROCESS:
        impl = impls.IMPLEMENTATIONS[name]
        try:
            prepare_s, step, step_args = prepared_call(impl.prepare, args)
            first_s, output = timed_call(step, step_args)
        except Exception as exc:  # a failing implementation is recorded; the others go on
            points[name] = scale_point(name, plan.m, plan.n_x, FAILED, error=describe_error(exc))
            continue
        error = mismatch(output, reference, DTYPE, impl.float64_rtol)
        if error:
            points[name] = scale_point(name, plan.m, plan.n_x, FAILED, error=error)
            continue
        steps[name] = fresh_weight_step(step, w, b, step_args[2:])
        started[name] = (prepare_s, first_s)
    for name, seconds in interleaved_times(steps, (), rounds).items():
        points[name] = _measured(name, plan, seconds, *started[name], None, REFERENCE)
    return [points[name] for name in IN_PROCESS if name in points]


def _numpy_chunk_sums(chunk, w, b):
    """On a worker: numpy-vectorized's ``(dw (n_x,), db, cost)`` on one chunk, as sums."""
    X, y = chunk
    count = y.shape[0]
    dw, db, cost = impls.IMPLEMENTATIONS[REFERENCE].kernel(w, b, X, y.reshape(1, count))
    return np.asarray(dw, dtype=np.float64).reshape(-1) * count, db * count, cost * count


def reference_on_workers(problem, w: np.ndarray, b: float) -> Step:
    """numpy-vectorized's step on a problem held on the workers, computed where each chunk is."""
    client = problem.client
    partials = client.gather([client.submit(_numpy_chunk_sums, chunk, w, b, pure=False)
                              for chunk in problem.futures])
    m = problem.m
    return Step(np.sum([p[0] for p in partials], axis=0) / m, math.fsum(p[1] for p in partials) / m,
                math.fsum(p[2] for p in partials) / m)


def measure_distributed(plan: SizePlan, rounds: int) -> list[dict]:
    """dask-distributed alone, on a problem generated on the workers (X never on the client)."""
    from distributed import wait

    from impls import dask_distributed

    prepared = None
    try:
        start = time.perf_counter()
        prepared, w, b = dask_distributed.make_distributed_problem(plan.m, plan.n_x, seed=0)
        problem = prepared.data[0]
        with problem.client.as_current():  # why: wait() asks for the current client; ours is not the default
            wait(problem.futures)
        prepare_s = time.perf_counter() - start
        w_check = w + 0.01  # why: a step at w = 0 would not test the weights' use
        first_s, output = timed_call(prepared.run, (w_check, b, *prepared.data))
        error = mismatch(output, reference_on_workers(problem, w_check, b), DTYPE)
        if error:
            return [scale_point(DISTRIBUTED, plan.m, plan.n_x, FAILED, error=error, data=DATA_GENERATED)]
        step = fresh_weight_step(prepared.run, w, b, prepared.data)
        seconds = interleaved_times({DISTRIBUTED: step}, (), rounds)[DISTRIBUTED]
    except Exception as exc:  # recorded as a failed point; the sweep goes on
        return [scale_point(DISTRIBUTED, plan.m, plan.n_x, FAILED, error=describe_error(exc), data=DATA_GENERATED)]
    finally:
        if prepared is not None:
            _release(prepared.data[0])
    return [_measured(DISTRIBUTED, plan, seconds, prepare_s, first_s, DATA_GENERATED, CHECKED_ON_WORKERS)]


def measure_size(plan: SizePlan, rounds: int, embedded: bool) -> Iterator[dict]:
    """The points of one size as each finishes: skipped (too large for the workers, or for the
    memory available now), or the in-process ones (where X fits here), then dask-distributed's."""
    local, workers = refused_now(plan, embedded)
    if plan.in_process:
        if local:
            yield from (scale_point(name, plan.m, plan.n_x, SKIPPED_MEMORY, error=local) for name in IN_PROCESS)
        else:
            yield from measure_in_process(plan, rounds)
    gc.collect()  # why: the in-process X is unreachable now; free it before the workers fill up
    reason = plan.skipped or workers
    if reason:
        yield scale_point(DISTRIBUTED, plan.m, plan.n_x, SKIPPED_MEMORY, error=reason)
    else:
        yield from measure_distributed(plan, rounds)
