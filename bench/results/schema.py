"""The results file's vocabulary: its version, field names, statuses, and the names it singles out.

A results file is pytest-benchmark's JSON (``machine_info``, ``commit_info``, ``benchmarks``,
``datetime``, ``version``) plus a ``vecbench`` section (:func:`run_section`). Each entry of
``benchmarks`` is one :class:`Point`; its ``extra_info`` holds the point's fields
(:data:`POINT_FIELDS`), its ``status`` (:data:`STATUSES`) and the figures measured with it
(``threads``, ``compile_s``, ``prepare_s``, ``bytes``, ``floor_s``, ``fraction_of_floor``,
``achieved_GBps``; ``predicted_s`` and ``prediction_basis`` of a skipped point, ``error`` of a
failed one). ``stats`` holds pytest-benchmark's statistics of a measured point, in seconds.

Interleaved runs (``rounds_interleaved: true``) keep ``stats.data`` in round order: the time
``stats.data[i]`` was measured in the size's round ``round_index[i]``, side by side with the other
implementations of the size in that round, with the speed canary's reading ``canary_s[i]``
(files without ``round_index`` timed every implementation in every round: ``i`` is the round);
``parallelism`` is the CPU seconds of the process and its children over the wall
seconds of the timed rounds, and ``over_threads`` flags one above the thread budget;
``compile_cache`` is ``"hit"`` where a JIT peer's first call loaded its compiled graph from its
library's disk cache (``"miss"``: it compiled; ``"reused"``: it compiled nothing, a graph compiled
earlier in the run served it, as torch.compile's dynamic-shape graph does). The
``vecbench`` section's ``canary`` holds the canary's time series (:data:`CANARY_FIELDS`). Older
files have none of these and are still read.

The writer (:mod:`bench.results.writing`) and the reader (:mod:`bench.results.reading`) both take
these names from here, so the file has one definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.results.intervals import quantile

#: The ``vecbench.schema`` this code writes and reads.
SCHEMA_VERSION = 1
RESULTS_DIR = Path("reports/results")
LATEST_NAME = "latest.json"
DEFAULT_RESULTS = RESULTS_DIR / LATEST_NAME
#: The reference run committed with the code (README, "A reference run"): what
#: ``vecbench compare --against-reference`` compares a learner's run with.
REFERENCE_RUN = RESULTS_DIR / "2026-12-02-znver3-2cpu" / "run-20261202-105119.json"

#: The ``vecbench`` section's list of the points not measured (skipped or failed); older files
#: kept them in ``benchmarks`` with ``"stats": null``, and both are read.
NOT_MEASURED = "not_measured"
#: Older files kept at most this many of a point's round times (``stats.data``), sorted.
MAX_SAMPLES = 200
#: The ``vecbench.canary`` section: the workload's description and its readings as
#: ``[seconds since the run started, seconds of one reading]`` pairs in time order.
CANARY_FIELDS = ("workload", "series")
#: ``extra_info`` fields of an interleaved point (see the module docstring).
INTERLEAVED_FIELDS = ("rounds_interleaved", "canary_s", "round_index", "parallelism", "over_threads",
                      "compile_cache")

#: ``extra_info.compile_cache``'s values (see the module docstring; ``impls.peers`` decides them).
COMPILE_CACHE_OUTCOMES = ("hit", "miss", "reused")
#: What identifies a point, in ``extra_info`` and in :attr:`Point.key` order.
POINT_FIELDS = ("impl", "m", "n_x", "dtype", "order")
DTYPES = ("float64", "float32")
ORDERS = ("C", "F")

MEASURED = "measured"
SKIPPED_BUDGET = "skipped-budget"  # predicted over the time budget: never run, prediction kept
FAILED = "failed"  # wrong output, an exception, or no memory for it: the reason kept
STATUSES = (MEASURED, SKIPPED_BUDGET, FAILED)

#: Speedups are given over this one: the course's double for-loop.
BASELINE = "python-loops"
#: Every point's output is checked against this one; the second baseline of speedups.
REFERENCE = "numpy-vectorized"


@dataclass(frozen=True, order=True)
class Point:
    """What one entry measures: an implementation at one size, dtype and memory order."""

    impl: str
    m: int
    n_x: int
    dtype: str = "float64"
    order: str = "C"

    @property
    def key(self) -> tuple:
        """(impl, m, n_x, dtype, order): identifies the point across runs (resume, compare)."""
        return (self.impl, self.m, self.n_x, self.dtype, self.order)

    @property
    def data_key(self) -> tuple:
        """Points with the same data_key share one problem (and one reference result)."""
        return (self.m, self.n_x, self.dtype, self.order)

    @property
    def group(self) -> str:
        return f"m={self.m} n_x={self.n_x} {self.dtype} {self.order}"

    @property
    def id(self) -> str:
        return f"{self.impl}-m={self.m}-n_x={self.n_x}-{self.dtype}-{self.order}"


def entry_key(entry: dict) -> tuple:
    """The :attr:`Point.key` of a ``benchmarks`` entry."""
    info = entry["extra_info"]
    return tuple(info[field] for field in POINT_FIELDS)


def entry_status(entry: dict) -> str:
    return entry["extra_info"]["status"]


def run_section(*, preset: str, command: str, started: str, threads: int, settings: dict,
                machine: dict | None = None, bandwidth: dict | None = None,
                implementations: dict | None = None,
                finished: str | None = None, complete: bool = False, canary: dict | None = None) -> dict:
    """The ``vecbench`` section: the run's preset, command line, times, machine and settings.

    ``settings`` is what ``--resume`` needs to continue the run (its grid, budget and timing);
    ``implementations`` says what each implementation is (description, family, notes);
    ``canary`` the speed canary's series (:data:`CANARY_FIELDS`).
    """
    return {"schema": SCHEMA_VERSION, "preset": preset, "command": command, "started": started,
            "finished": finished, "complete": complete, "threads": threads, "machine": machine,
            "bandwidth": bandwidth, "implementations": implementations, "settings": settings,
            "canary": canary}


# ---------------------------------------------------------------- vecbench scale

#: ``vecbench scale``'s results file: time per step against m, in one process and on a Dask
#: cluster. A JSON object: :data:`SCALE_SECTION` (:func:`scale_section`) and :data:`SCALE_POINTS`
#: (a list of :func:`scale_point`), rewritten atomically after every point.
SCALE_SCHEMA_VERSION = 1
SCALE_LATEST = RESULTS_DIR / "scale-latest.json"
SCALE_SECTION = "vecbench_scale"
SCALE_POINTS = "points"
#: a size whose X would not fit where the implementation runs (this process, or the workers)
SKIPPED_MEMORY = "skipped-memory"
SCALE_STATUSES = (MEASURED, FAILED, SKIPPED_MEMORY)
#: where a distributed point's data came from: make_distributed_problem, X never on the client
DATA_GENERATED = "generated-on-workers"


def scale_section(*, command: str, started: str, threads: int, rounds: int, dtype: str,
                  implementations: list[str], machine: dict | None = None,
                  dask_cluster: dict | None = None, finished: str | None = None,
                  complete: bool = False, load_average: dict | None = None) -> dict:
    """The file's header: the command, the timing settings, the machine and the Dask cluster.

    ``implementations``: every registered name in registry order (why: the charts give each its
    colour by that position, the same as in ``vecbench run``'s charts). ``load_average``: the
    machine's 1-minute load at the start and the end (``{"start": …, "end": …}``), because other
    processes on the same cores slow the steps (threaded kernels most).
    """
    return {"schema": SCALE_SCHEMA_VERSION, "command": command, "started": started, "finished": finished,
            "complete": complete, "threads": threads, "rounds": rounds, "dtype": dtype,
            "implementations": implementations, "machine": machine, "dask_cluster": dask_cluster,
            "load_average": load_average}


def scale_point(impl: str, m: int, n_x: int, status: str, *, times_s: list[float] | None = None,
                prepare_s: float | None = None, compile_s: float | None = None, data: str | None = None,
                checked_against: str | None = None, error: str | None = None) -> dict:
    """One point: ``times_s`` are the timed steps (seconds, in the order run); the median and
    quartiles are derived from them. ``prepare_s``: the one-off preparation (scatter, or
    generation on the workers); ``compile_s``: first call minus median; ``checked_against``:
    the implementation its first step's output was compared with (None: not checked)."""
    point = {"impl": impl, "m": m, "n_x": n_x, "status": status, "prepare_s": prepare_s,
             "compile_s": compile_s, "data": data, "checked_against": checked_against, "error": error}
    if times_s:
        ordered = sorted(times_s)
        point.update(times_s=list(times_s), median_s=quantile(ordered, 0.5), q1_s=quantile(ordered, 0.25),
                     q3_s=quantile(ordered, 0.75))
    return point


# ---------------------------------------------------------------- vecbench ablation

#: ``vecbench ablation``'s results file (``ablation-*.json`` in the machine's folder): one problem,
#: its stages timed interleaved against the floor. A JSON object (:func:`ablation_document`).
ABLATION_SCHEMA_VERSION = 1
ABLATION_KIND = "vecbench-ablation"


def ablation_document(*, command: str, started: str, finished: str, m: int, n_x: int, order: str,
                      threads: int, rounds: int, machine: dict, result: dict) -> dict:
    """The file: what was run and where, then ``result`` as ``ablation.measure`` returns it
    (``bandwidth``, ``variant``, ``variant_source``, ``block`` in samples, and ``stages``: per
    stage ``median_s``, ``times_s``, ``floor_s``, ``fraction_of_floor``…)."""
    return {"kind": ABLATION_KIND, "schema": ABLATION_SCHEMA_VERSION, "command": command, "started": started,
            "finished": finished, "dtype": "float64", "m": m, "n_x": n_x, "order": order, "threads": threads,
            "rounds": rounds, "machine": machine, **result}
