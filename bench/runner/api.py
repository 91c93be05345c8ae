"""``bench.run(...)``: a run from Python (a notebook), with the same engine and files as the CLI.

    from bench import run, load
    results = run(preset="quick", impls=["numpy-vectorized", "numba-fused"], m=[1000, 10_000])
    results.table()                                # a DataFrame (pandas) or a list of dicts
    results.chart("speedup_vs_python_loops")       # a matplotlib Figure, shown inline
    results.compare(load("reports/results/latest.json"))
"""

from __future__ import annotations

from pathlib import Path

from bench.analysis.notebook import RunResults, load
from bench.runner.command import INTERRUPTED, make_reports, measure, new_results
from bench.runner.settings import make_settings


def run(preset: str = "quick", *, impls=None, m=None, n_x=None, dtype=("float64",), order=("C",),
        threads: int = 1, budget: float | None = None, timing: float | None = None, sizes_in_turn: bool = False,
        out: str | Path | None = None, report: bool = False, plain: bool = True) -> RunResults:
    """Measure like ``vecbench run`` and return the results; one line per point as progress.

    ``m``, ``n_x``, ``dtype``, ``order`` replace the preset's values (a list each, or one value);
    ``timing`` is the seconds of timed calls per point (more: tighter intervals); ``sizes_in_turn``
    as ``vecbench run --sizes-in-turn``; ``out`` is the
    results file (default: a new reports/results/run-*.json; latest.json is written beside it);
    ``report`` also writes the charts and REPORT.md as the CLI does. Bad
    input raises ValueError naming the argument. Ctrl-C (the notebook's interrupt) keeps every
    finished point: the returned results hold them, and ``vecbench run --resume`` continues.
    """
    settings = make_settings(preset=preset, impls=_listed(impls), ms=_listed(m), n_xs=_listed(n_x),
                             dtypes=_listed(dtype), orders=_listed(order), threads=threads, budget=budget,
                             timing=timing, sizes_in_turn=sizes_in_turn)
    command = "bench.run(" + ", ".join(f"{name}={value!r}" for name, value in (
        ("preset", preset), ("impls", impls), ("m", m), ("n_x", n_x), ("dtype", dtype), ("order", order),
        ("threads", threads), ("budget", budget), ("timing", timing), ("sizes_in_turn", sizes_in_turn or None))
        if value is not None) + ")"
    results = new_results(settings, out, command)
    status = measure(results, settings, plain=plain, no_report=True)
    if not results.path.exists():
        if status == INTERRUPTED:
            raise KeyboardInterrupt("interrupted before the first point finished: nothing was measured")
        raise RuntimeError(f"the run recorded no point (exit status {status}; see the errors above)")
    if report and status != INTERRUPTED:
        make_reports(results.path)
    return load(results.path)


def _listed(value):
    """None, or a tuple of what was given (one value or several)."""
    if value is None:
        return None
    if isinstance(value, (str, int, float)):
        return (value,)
    return tuple(value)
