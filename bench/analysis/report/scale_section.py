"""The report's "Beyond one machine" section, from ``vecbench scale``'s results file."""

from __future__ import annotations

from pathlib import Path

from bench.analysis.report.markdown import table
from bench.analysis.scale import CHART_STEM, DISTRIBUTED, ScaleFigures, scale_figures
from bench.results.scale import ScaleResults, load_scale_results
from bench.results.schema import FAILED, SCALE_LATEST, SKIPPED_MEMORY
from bench.results.units import format_count, format_seconds

TITLE = "## Beyond one machine"
SCALE_NAME = SCALE_LATEST.name


def _cluster_text(scale: ScaleResults) -> str:
    cluster = scale.dask_cluster
    if not cluster:
        return "a Dask cluster (not recorded)"
    workers = list(cluster.get("workers", {}).values())
    threads = sorted({w.get("threads") for w in workers if w.get("threads")})
    memory = sorted({w.get("memory_limit_bytes") for w in workers if w.get("memory_limit_bytes")})
    where = "embedded on this machine, loopback only" if cluster.get("embedded") else f"at `{cluster.get('scheduler')}`"
    text = (f"{cluster.get('n_workers', len(workers))} workers ({where}), "
            f"{'/'.join(map(str, threads)) or '?'} thread(s) each")
    if memory:
        text += f", memory limit {'/'.join(f'{b / 2**30:.1f}' for b in memory)} GiB each"
    return text + f"; dask {cluster.get('dask', '?')}, distributed {cluster.get('distributed', '?')}"


def _cell(scale: ScaleResults, impl: str, m: int, n_x: int) -> str:
    point = scale.grid.point(impl, m, n_x)
    if point is None:
        return "—"
    if point.status == SKIPPED_MEMORY:
        return "too large"
    if point.status == FAILED:
        return "failed"
    text = format_seconds(point.median_s)
    if impl == DISTRIBUTED and point.prepare_s is not None:
        text += f" (prep. {format_seconds(point.prepare_s)})"
    return text


def figures_table(scale: ScaleResults, figures: ScaleFigures) -> str:
    rows = []
    for n_x in figures.nxs:
        model = figures.models.get((DISTRIBUTED, n_x))
        smallest = min((p for p in scale.grid.measured(DISTRIBUTED) if p.n_x == n_x), key=lambda p: p.m, default=None)
        rows.append([f"{n_x:,}",
                     format_seconds(model.overhead_s) if model else "—",
                     f"{format_seconds(smallest.median_s)} at m = {format_count(smallest.m)}" if smallest else "—",
                     format_count(figures.largest_m[n_x]) if n_x in figures.largest_m else "—",
                     f"{model.median_abs_error:.1%} / {model.max_abs_error:.1%}" if model else "—"])
    return table(["n_x", "fixed cost per step (model a)", "measured, smallest m", "largest m measured",
                  "model error (median / max)"], rows)


def crossover_table(figures: ScaleFigures) -> str:
    against = list(dict.fromkeys(c.against for c in figures.crossovers))
    if not against:
        return "No in-process implementation was measured: no crossover to derive."
    by_key = {(c.against, c.n_x): c for c in figures.crossovers}
    rows = [[f"{n_x:,}", name, by_key[(name, n_x)].text(), by_key[(name, n_x)].measured_text()]
            for n_x in figures.nxs for name in against if (name, n_x) in by_key]
    return table(["n_x", "against", "faster when (model)", "the measured medians"], rows, "llll")


def _not_measured(scale: ScaleResults) -> str:
    rows = [[p.impl, f"{p.m:,}", f"{p.n_x:,}", p.status, p.error or ""] for p in scale.points if not p.measured]
    if not rows:
        return ""
    return "Points not measured:\n\n" + table(["implementation", "m", "n_x", "status", "reason"], rows, "lrrll")


def other_machine_note(scale: ScaleResults, machine: dict | None) -> str:
    """A warning when the scale file was measured on another machine than the report's run
    (``machine``: its results' machine section; None: nothing to compare), else ""."""
    identity = ("cpu", "cores", "memory_bytes")
    if not machine or all(scale.machine.get(k) == machine.get(k) for k in identity):
        return ""
    return (f"**Measured on another machine** than the rest of this report ({scale.machine.get('cpu', '?')}, "
            f"{scale.machine.get('cores', '?')} cores, against {machine.get('cpu', '?')}, "
            f"{machine.get('cores', '?')} cores): run `python -m bench scale` to measure this one.")


def scale_section(scale: ScaleResults, figures: ScaleFigures, chart_png: str | None, chart_svg: str | None,
                  machine: dict | None = None) -> str:
    """The section's Markdown; ``chart_png``/``chart_svg``: the chart's paths relative to the report;
    ``machine``: the report's own machine section (a note says so if the scale file's differs)."""
    grid = scale.grid
    state = "" if scale.complete else " **Incomplete**: the sweep was interrupted; what finished is shown."
    load = scale.load_average
    if load.get("start") is not None:
        state += (f" The machine's 1-minute load average was {load['start']:.2f} at the start and "
                  f"{load['end']:.2f} at the end" if load.get("end") is not None else
                  f" The machine's 1-minute load average was {load['start']:.2f} at the start")
        state += " (other processes on the same cores slow the steps, threaded kernels most)."
    cpu = scale.machine.get("cpu", "CPU not recorded")
    parts = [
        TITLE,
        other_machine_note(scale, machine),
        f"From `{scale.path}` (`{scale.command}`, started {scale.started}), on {cpu} "
        f"({scale.machine.get('cores', '?')} cores), {scale.threads} thread(s) for the in-process "
        f"implementations; the Dask cluster: {_cluster_text(scale)}. Each time is the median of "
        f"{scale.rounds or '?'} steps after a checked warm-up step; the preparation is timed apart (prep.). "
        f"{DISTRIBUTED}'s X was generated on the workers, never in this process, and its first step "
        "checked against numpy-vectorized run there; the in-process implementations ran before it on an X "
        "of the same size built here (the two never coexisted), where it fit in memory." + state,
        "### Time per step\n\n" + table(["m", "n_x", *grid.impls],
                                         [[f"{m:,}", f"{n_x:,}", *(_cell(scale, i, m, n_x) for i in grid.impls)]
                                          for n_x in grid.nxs for m in grid.ms
                                          if any(grid.point(i, m, n_x) for i in grid.impls)], "r" * (len(grid.impls) + 2)),
        "### The fixed cost of a distributed step\n\n"
        f"Fitted per n_x to {DISTRIBUTED}'s measured medians, `t ≈ a + b·m·n_x` (the report's cost "
        "model): `a` is what a step costs before any data is touched, the scheduler's round trips.\n\n"
        + figures_table(scale, figures),
        "### Where distributing pays (the cost models' crossover beside the measured medians)\n\n"
        f"From which m {DISTRIBUTED}'s model is faster than each in-process implementation's, per n_x. "
        "A crossover beyond the sizes where both were measured is marked *extrapolated*; "
        "*never within the model*: the distributed line's slope is not below the other's. "
        "Beside it, what the measured medians themselves say (the models' errors are in the table above).\n\n"
        + crossover_table(figures),
    ]
    if chart_png:
        parts.append(f"![Time per step vs m, one process and Dask]({chart_png})\n\n"
                     "*Median time per step against m, one panel per n_x (bars: interquartile range); dotted: "
                     f"the fitted models, extrapolated beyond the measured sizes.* ([SVG]({chart_svg}))")
    parts.append(_not_measured(scale))
    return "\n\n".join(part for part in parts if part)


def scale_section_from(path: Path, charts_dir: Path, charts_rel: str, machine: dict | None = None) -> str:
    """The section from the scale results file at ``path``, its chart drawn into ``charts_dir``
    unless one newer than the file is there. ResultsError (one line) if the file is unusable."""
    scale = load_scale_results(path)
    figures = scale_figures(scale)
    if not any(p.measured for p in scale.points):
        return f"{TITLE}\n\n`{path}` has no measured point yet."
    png = charts_dir / f"{CHART_STEM}.png"
    if not png.is_file() or png.stat().st_mtime < path.stat().st_mtime:
        from bench.analysis.charts.scale import scale_chart  # why: matplotlib only when drawing

        png, _ = scale_chart(scale, figures, charts_dir)
    return scale_section(scale, figures, f"{charts_rel}/{png.name}", f"{charts_rel}/{png.with_suffix('.svg').name}",
                         machine)
