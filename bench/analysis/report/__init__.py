"""``vecbench report [RESULTS]``: write ``reports/REPORT.md`` from a results file.

Every number in the report is read from the results file or derived from it here (speedups,
cost models, crossovers); predicted values (points the time budget skipped) are marked ``≈ … †``.
The report embeds the charts of ``vecbench plot`` by relative path. If the charts folder
(default: ``charts/`` next to the report) does not hold charts drawn from this very results file
(checked by SHA-256 in its ``index.json``), the report draws them first, so it never embeds
stale or missing charts.

When a ``vecbench scale`` results file exists (default: ``scale-latest.json`` beside the results
file), the report ends with its "Beyond one machine" section (:mod:`.scale_section`).
"""

from __future__ import annotations

import os
from pathlib import Path

from bench.analysis import costmodel
from bench.analysis.command_line import results_parser
from bench.analysis.report.limits import bandwidth_section, limit_sentence, skipped_and_failed_section
from bench.analysis.report.machine import header, implementations_section, machine_section
from bench.analysis.report.markdown import charts_section, table
from bench.analysis.report.steadiness import steadiness_section
from bench.analysis.report.scale_section import SCALE_NAME, scale_section_from
from bench.analysis.report.speed import (
    compile_section,
    preparation_section,
    cost_model_section,
    crossover_section,
    headline,
    speedup_section,
    times_section,
)
from bench.cli import fail
from bench.results.reading import ResultGrid, Results, ResultsError, load_results
from bench.results.schema import BASELINE, REFERENCE

PROG = "vecbench report"
DEFAULT_REPORT = Path("reports/REPORT.md")


__all__ = ["header", "limit_sentence", "main", "render_report", "write_report"]


def layout_sections(results: Results, grid: ResultGrid, charts, charts_rel: str) -> str:
    models = costmodel.fit_grid(grid)
    embed = lambda *keys: charts_section(charts, keys, grid.label, charts_rel)  # noqa: E731
    sections = [
        f"## {grid.label}",
        times_section(grid),
        embed("time_vs_m", "time_vs_nx"),
        speedup_section(grid, BASELINE),
        speedup_section(grid, REFERENCE),
        embed("speedup_vs_python_loops", "speedup_vs_numpy_vectorized", "speedup_heatmap"),
        cost_model_section(grid, models),
        crossover_section(grid, models),
        compile_section(grid),
        embed("compile_payback"),
        preparation_section(grid),
        bandwidth_section(results, grid),
        embed("roofline"),
        skipped_and_failed_section(grid),
    ]
    return "\n\n".join(section for section in sections if section)


def render_report(results: Results, charts, skipped_charts, charts_rel: str, extra: str = "") -> str:
    """The whole REPORT.md text; ``charts_rel`` is the charts folder relative to the report;
    ``extra``: sections added at the end (the scale section)."""
    grids = results.grids()
    lead = charts_section(charts, ("speedup_vs_python_loops",), grids[0].label, charts_rel)
    canary_chart = charts_section(charts, ("canary",), grids[0].label, charts_rel)
    parts = [header(results), "## Headline", headline(grids[0]), lead, machine_section(results),
             steadiness_section(results, canary_chart), implementations_section(results)]
    parts += [layout_sections(results, grid, charts, charts_rel) for grid in grids]
    if skipped_charts:
        rows = [[s.key, s.layout, s.reason] for s in skipped_charts]
        parts.append("## Charts not drawn\n\n" + table(["chart", "layout", "reason"], rows, "lll"))
    parts.append(extra)
    return "\n\n".join(part for part in parts if part) + "\n"


# ---------------------------------------------------------------- CLI


def _charts_for(results: Results, charts_dir: Path):
    from bench.analysis import charts  # why: matplotlib is imported only when charts must be drawn

    found = charts.read_manifest(charts_dir, results)
    return found if found is not None else charts.render_charts(results, charts_dir)


def write_report(results: Results, out: Path, charts_dir: Path, scale_path: Path | None = None) -> Path:
    """Draw the charts if needed, then write the report atomically (temporary name, os.replace).
    ``scale_path``: a ``vecbench scale`` results file for the last section (None: none)."""
    rendered, skipped = _charts_for(results, charts_dir)
    charts_rel = Path(os.path.relpath(charts_dir, out.parent)).as_posix()
    extra = scale_section_from(scale_path, charts_dir, charts_rel, results.machine) if scale_path else ""
    text = render_report(results, rendered, skipped, charts_rel, extra)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = results_parser(PROG, "Write REPORT.md from a vecbench results file.")
    parser.add_argument(
        "--out", default=str(DEFAULT_REPORT), help=f"the Markdown file to write (default: {DEFAULT_REPORT})"
    )
    parser.add_argument(
        "--scale",
        default=None,
        help=f"vecbench scale results for the 'Beyond one machine' section (default: {SCALE_NAME} "
        "beside RESULTS, if it exists)",
    )
    parser.add_argument(
        "--charts-dir",
        default=None,
        help="charts to embed (default: charts/ next to the report); drawn there if "
        "missing or drawn from another results file",
    )
    args = parser.parse_args(argv)
    out = Path(args.out)
    charts_dir = Path(args.charts_dir) if args.charts_dir else out.parent / "charts"
    scale_path = Path(args.scale) if args.scale else Path(args.results).parent / SCALE_NAME
    try:
        results = load_results(args.results)
        write_report(results, out, charts_dir, scale_path if args.scale or scale_path.exists() else None)
    except ResultsError as exc:
        return fail(PROG, str(exc))
    except OSError as exc:
        return fail(PROG, f"cannot write {out}: {exc.strerror or exc}")
    print(f"{PROG}: wrote {out}")
    return 0
