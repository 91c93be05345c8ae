"""What ``vecbench scale`` prints and writes at the end: a line per point, the figures, the chart
and REPORT.md's "Beyond one machine" section."""

from __future__ import annotations

from bench.analysis.scale import DISTRIBUTED, scale_figures
from bench.cli import call_main
from bench.results.reading import ResultsError
from bench.results.scale import load_scale_results
from bench.results.schema import LATEST_NAME, MEASURED
from bench.results.units import format_count, format_seconds

PROG = "vecbench scale"


def point_line(point: dict) -> str:
    """``impl m n_x``, then the median (and the preparation) or the status and its reason."""
    head = f"{point['impl']:<18} m={point['m']:>13,} n_x={point['n_x']:<4}"
    if point["status"] != MEASURED:
        return f"{head} {point['status'].upper()}: {point['error']}"
    prepared = f"  (prepared in {format_seconds(point['prepare_s'])})" if point.get("prepare_s") else ""
    return f"{head} {format_seconds(point['median_s']):>10}{prepared}"


def figure_lines(path) -> list[str]:
    """The fixed cost per distributed step and the crossovers, per n_x, as printed lines."""
    figures = scale_figures(load_scale_results(path))
    lines = []
    for n_x in figures.nxs:
        fixed = figures.fixed_cost_s(n_x)
        largest = figures.largest_m.get(n_x)
        lines.append(f"n_x={n_x}: fixed cost per {DISTRIBUTED} step "
                     f"{format_seconds(fixed) if fixed is not None else 'n/a'} (model a); "
                     f"largest m measured {format_count(largest) if largest else 'none'}")
        lines += [f"    faster than {c.against}: {c.text()}; measured: {c.measured_text()}"
                  for c in figures.crossovers if c.n_x == n_x]
    return lines


def finish(args) -> int:
    """Print the figures; draw the chart and rewrite REPORT.md unless ``--no-report``."""
    try:
        print("\n".join(figure_lines(args.out)))
    except ResultsError as exc:
        print(f"{PROG}: no figures: {exc}")
        return 1
    if args.no_report:
        return 0
    from bench.analysis.charts.scale import scale_chart  # why: matplotlib only when drawing

    scale = load_scale_results(args.out)
    png, svg = scale_chart(scale, scale_figures(scale), args.charts_dir)
    print(f"{PROG}: chart {png} and {svg.name}")
    # why: the default --out is in the machine's folder; the run's latest.json is at the top
    latest = (args.out if getattr(args, "latest", None) is None else args.latest).parent / LATEST_NAME
    if not latest.is_file():
        print(f"{PROG}: no {latest} (a vecbench run's results) beside {args.out}: REPORT.md not written; "
              f"vecbench report RESULTS --scale {args.out} writes it")
        return 0
    from bench.analysis import report

    return call_main(report, [str(latest), "--out", str(args.report), "--charts-dir", str(args.charts_dir),
                              "--scale", str(args.out)])
