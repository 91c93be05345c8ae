"""``vecbench plot [RESULTS]``: charts (PNG and SVG) from a results file.

Charts are drawn per (dtype, order) of the grid: the default float64 C (or the first layout in the
file) gets plain names (``time_vs_m.png``), any other layout a suffix (``time_vs_m-float32-F.png``).
Next to the charts, ``index.json`` lists what was drawn from which results file (by SHA-256), so
``vecbench report`` can tell whether the charts on disk belong to the file it reports on.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Callable

from matplotlib.figure import Figure

from bench.analysis.charts import canary, heatmap, plots, roofline
from bench.analysis.charts.common import Context, NotDrawn, looks, save_figure
from bench.cli import fail
from bench.analysis.command_line import results_parser
from bench.results.schema import BASELINE, REFERENCE
from bench.results.reading import Results, ResultsError, load_results

PROG = "vecbench plot"
DEFAULT_CHARTS_DIR = Path("reports/charts")
MANIFEST = "index.json"


@dataclass(frozen=True)
class ChartSpec:
    key: str
    title: str
    draw: Callable[[Context], Figure]
    caption: str  # one sentence for the report: how to read it
    per_run: bool = False  # drawn once per run (with the first layout), not per layout


CHARTS = (
    ChartSpec(
        "speedup_vs_python_loops",
        f"Speedup over {BASELINE}",
        partial(plots.speedup_vs_m, baseline=BASELINE),
        f"Each implementation's time divided into {BASELINE}'s at the same size; above the "
        "dotted 1× line it is faster.",
    ),
    ChartSpec(
        "speedup_vs_numpy_vectorized",
        f"Speedup over {REFERENCE}",
        partial(plots.speedup_vs_m, baseline=REFERENCE),
        f"The same relative to {REFERENCE}: what compiling or fusing gains over plain NumPy.",
    ),
    ChartSpec(
        "speedup_heatmap",
        f"Speedup over {BASELINE} on the (m, n_x) grid",
        heatmap.speedup_heatmap,
        "Blue cells are faster than the loops, red slower; the thick black line between cells is "
        "break-even (1×), where vectorization starts to pay.",
    ),
    ChartSpec(
        "time_vs_m",
        "Time per step vs m",
        plots.time_vs_m,
        "Median time per gradient step, one panel per n_x; bars span the interquartile range.",
    ),
    ChartSpec(
        "time_vs_nx",
        "Time per step vs n_x",
        plots.time_vs_nx,
        "The same times against the number of features, one panel per m.",
    ),
    ChartSpec(
        "roofline",
        "Achieved memory throughput (roofline)",
        roofline.roofline,
        "Bytes of X and Y divided by the time per step; the black lines are the memory read "
        "bandwidth measured in the same run, the most a step reading X and Y once from main "
        "memory can reach (points above them ran from cache); the red lines, the compute roof: "
        "the per-sample math alone, measured in the same run, in GB/s of X and Y at each panel's "
        "n_x. The lower of the two is the attainable bound.",
    ),
    ChartSpec(
        "compile_payback",
        "JIT compile time and pay-back",
        plots.compile_payback,
        "Left: the compile time of each JIT implementation's first call; right: after how many "
        "calls that time is recovered, at sizes where it is faster than the comparison.",
    ),
    ChartSpec(
        "canary",
        "The machine's speed during the run (speed canary)",
        canary.canary_chart,
        "Each dot is one reading of the speed canary, relative to its fastest (1× = full speed); "
        "the line is their running median; above the dashed line the machine was unsteady.",
        per_run=True,
    ),
)


@dataclass(frozen=True)
class Rendered:
    key: str
    title: str
    caption: str
    layout: str  # e.g. "float64, order C"
    png: str  # file names inside the charts folder
    svg: str


@dataclass(frozen=True)
class Skipped:
    key: str
    layout: str
    reason: str


def chart_stem(key: str, layout: tuple[str, str], primary: tuple[str, str]) -> str:
    return key if layout == primary else f"{key}-{layout[0]}-{layout[1]}"


def render_charts(results: Results, out_dir: Path) -> tuple[list[Rendered], list[Skipped]]:
    """Draw every chart for every (dtype, order) of ``results`` into ``out_dir``; write the index."""
    out_dir.mkdir(parents=True, exist_ok=True)
    assigned = looks(results)
    rendered, skipped = [], []
    for index, grid in enumerate(results.grids()):
        for spec in CHARTS:
            if spec.per_run and index > 0:
                continue
            try:
                fig = spec.draw(Context(results, grid, assigned))
            except NotDrawn as reason:
                skipped.append(Skipped(spec.key, grid.label, str(reason)))
                continue
            stem = chart_stem(spec.key, (grid.dtype, grid.order), results.layouts[0])
            png, svg = save_figure(fig, out_dir, stem)
            rendered.append(Rendered(spec.key, spec.title, spec.caption, grid.label, png.name, svg.name))
    _write_manifest(out_dir, results, rendered, skipped)
    return rendered, skipped


def _write_manifest(out_dir: Path, results: Results, rendered, skipped) -> None:
    manifest = {
        "results": str(results.path),
        "results_sha256": results.sha256,
        "charts": [asdict(r) for r in rendered],
        "not_drawn": [asdict(s) for s in skipped],
    }
    temporary = out_dir / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    os.replace(temporary, out_dir / MANIFEST)


def read_manifest(out_dir: Path, results: Results) -> tuple[list[Rendered], list[Skipped]] | None:
    """The charts in ``out_dir`` if they were drawn from this very results file (and exist)."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text())
        if manifest["results_sha256"] != results.sha256:
            return None
        rendered = [Rendered(**entry) for entry in manifest["charts"]]
        skipped = [Skipped(**entry) for entry in manifest["not_drawn"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not all((out_dir / r.png).is_file() and (out_dir / r.svg).is_file() for r in rendered):
        return None
    return rendered, skipped


def main(argv: list[str] | None = None) -> int:
    parser = results_parser(PROG, "Draw the charts of a vecbench results file.")
    parser.add_argument(
        "--out-dir",
        default=str(DEFAULT_CHARTS_DIR),
        help=f"folder for the PNG and SVG files (default: {DEFAULT_CHARTS_DIR})",
    )
    args = parser.parse_args(argv)
    try:
        results = load_results(args.results)
        rendered, skipped = render_charts(results, Path(args.out_dir))
    except ResultsError as exc:
        return fail(PROG, str(exc))
    except OSError as exc:
        return fail(PROG, f"cannot write charts to {args.out_dir}: {exc.strerror or exc}")
    print(f"{PROG}: wrote {len(rendered)} charts (PNG + SVG) to {args.out_dir}")
    for item in skipped:
        print(f"{PROG}: not drawn: {item.key} ({item.layout}): {item.reason}")
    return 0
