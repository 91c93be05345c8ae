"""The results file's vocabulary: its version, field names, statuses, and the names it singles out.

A results file is pytest-benchmark's JSON (``machine_info``, ``commit_info``, ``benchmarks``,
``datetime``, ``version``) plus a ``vecbench`` section (:func:`run_section`). Each entry of
``benchmarks`` is one :class:`Point`; its ``extra_info`` holds the point's fields
(:data:`POINT_FIELDS`), its ``status`` (:data:`STATUSES`) and the figures measured with it
(``threads``, ``compile_s``, ``prepare_s``, ``bytes``, ``floor_s``, ``fraction_of_floor``,
``achieved_GBps``; ``predicted_s`` and ``prediction_basis`` of a skipped point, ``error`` of a
failed one). ``stats`` holds pytest-benchmark's statistics of a measured point, in seconds.

The writer (:mod:`bench.results.writing`) and the reader (:mod:`bench.results.reading`) both take
these names from here, so the file has one definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: The ``vecbench.schema`` this code writes and reads.
SCHEMA_VERSION = 1
RESULTS_DIR = Path("reports/results")
LATEST_NAME = "latest.json"
DEFAULT_RESULTS = RESULTS_DIR / LATEST_NAME
#: The reference run committed with the code (README, "A reference run"): what
#: ``vecbench compare --against-reference`` compares a learner's run with.
REFERENCE_RUN = RESULTS_DIR / "run-20261201-222129.json"

#: The ``vecbench`` section's list of the points not measured (skipped or failed); older files
#: kept them in ``benchmarks`` with ``"stats": null``, and both are read.
NOT_MEASURED = "not_measured"
#: A measured entry keeps at most this many of its rounds' times (``stats.data``), sorted.
MAX_SAMPLES = 200

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
                finished: str | None = None, complete: bool = False) -> dict:
    """The ``vecbench`` section: the run's preset, command line, times, machine and settings.

    ``settings`` is what ``--resume`` needs to continue the run (its grid, budget and timing);
    ``implementations`` says what each implementation is (description, family, notes).
    """
    return {"schema": SCHEMA_VERSION, "preset": preset, "command": command, "started": started,
            "finished": finished, "complete": complete, "threads": threads, "machine": machine,
            "bandwidth": bandwidth, "implementations": implementations, "settings": settings}
