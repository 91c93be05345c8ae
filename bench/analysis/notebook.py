"""Results for a notebook: a table, each chart as a matplotlib Figure, the report, a comparison.

``bench.load(path)`` returns a :class:`RunResults`; ``bench.run(...)`` (in :mod:`bench.runner.api`)
measures and returns one too. Everything is read from the results file, as the report and charts
of the command line are, so a notebook shows exactly what ``vecbench report`` would.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from bench.analysis.charts import CHARTS, NotDrawn
from bench.analysis.charts.common import Context, looks
from bench.analysis.report import render_report
from bench.results.reading import Results, load_results
from bench.results.schema import DEFAULT_RESULTS

#: The columns of :meth:`RunResults.table`, in order.
COLUMNS = ("impl", "m", "n_x", "dtype", "order", "status", "median_s", "q1_s", "q3_s", "predicted_s",
           "compile_s", "prepare_s", "fraction_of_floor", "achieved_GBps", "threads", "error")


class RunResults:
    """One results file, for a notebook. ``results`` is the validated file (bench.results.reading)."""

    def __init__(self, results: Results) -> None:
        self.results = results

    @property
    def path(self) -> Path:
        return self.results.path

    @property
    def charts(self) -> tuple[str, ...]:
        """The names :meth:`chart` takes."""
        return tuple(spec.key for spec in CHARTS)

    def table(self):
        """Every point, one row each (:data:`COLUMNS`; times in seconds per step): a pandas
        DataFrame when pandas is installed, else a list of dicts."""
        records = [{column: asdict(point)[column] for column in COLUMNS} for point in self.results.points]
        try:
            import pandas
        except ImportError:
            return records
        return pandas.DataFrame.from_records(records, columns=list(COLUMNS))

    def chart(self, name: str, dtype: str | None = None, order: str | None = None):
        """The chart ``name`` (see :attr:`charts`) as a matplotlib Figure, for the first
        (dtype, order) of the file unless given. ValueError names what is not available."""
        specs = {spec.key: spec for spec in CHARTS}
        if name not in specs:
            raise ValueError(f"chart must be one of {', '.join(specs)}; got {name!r}")
        layouts = self.results.layouts
        layout = (dtype or layouts[0][0], order or layouts[0][1])
        if layout not in layouts:
            raise ValueError(f"dtype and order must be one of {layouts} in {self.path}; got {layout}")
        try:
            return specs[name].draw(Context(self.results, self.results.grid(layout), looks(self.results)))
        except NotDrawn as reason:
            raise ValueError(f"chart {name!r} cannot be drawn from {self.path}: {reason}") from None

    def report(self) -> str:
        """REPORT.md's text, without the embedded charts (draw them with :meth:`chart`)."""
        return render_report(self.results, [], [], "charts")

    def compare(self, other: RunResults | str | Path) -> str:
        """The Markdown comparison of this run (A) with ``other`` (B), as ``vecbench compare``."""
        from bench.analysis.compare import compare_markdown  # why: compare is optional reading

        other = other if isinstance(other, RunResults) else load(other)
        return compare_markdown([self.results, other.results])

    def verdicts(self, other: RunResults | str | Path) -> list[dict]:
        """Per shared point of this run (A) and ``other`` (B): ratio B / A (weather removed), its
        interval and verdict (faster / slower / same): ``vecbench compare --json``'s ``points``."""
        from bench.analysis.compare import comparison_json, compare_runs

        other = other if isinstance(other, RunResults) else load(other)
        return comparison_json(self.results, other.results, compare_runs(self.results, other.results))["points"]

    def _repr_markdown_(self) -> str:
        """What Jupyter shows for the object: the report's headline and machine sections."""
        return self.report().split("\n## ", 3)[0] + "\n"

    def __repr__(self) -> str:
        counts = {status: sum(p.status == status for p in self.results.points)
                  for status in ("measured", "skipped-budget", "failed")}
        return f"<RunResults {self.path}: " + ", ".join(f"{n} {s}" for s, n in counts.items()) + ">"


def load(path: str | Path = DEFAULT_RESULTS) -> RunResults:
    """Read any results file written by ``vecbench run`` (or ``bench.run``)."""
    return RunResults(load_results(path))


def pool(*runs: RunResults | str | Path) -> RunResults:
    """Several runs of one machine and thread count as one (``vecbench compare … --vs …``'s
    sides; see :mod:`bench.analysis.pooled`): ``pool(a1, a2, a3).verdicts(pool(b1, b2, b3))``.
    ValueError when they cannot be pooled."""
    from bench.analysis.pooled import pool_runs

    return RunResults(pool_runs([r.results if isinstance(r, RunResults) else load_results(r) for r in runs]))
