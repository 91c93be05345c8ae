"""bench.analysis.charts: every chart is drawn from a synthetic results file as valid PNG and SVG; the
figures show predicted points hollow, leave failed points out and draw the break-even contour."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import matplotlib.image
import pytest
from _synthetic_results import BAD_INPUTS, SMALL_IMPLS, build_results, write_bad_input, write_results
from _synthetic_results import COMPUTE_ROOF as SYNTHETIC_ROOF

from bench.analysis import charts
from bench.analysis.charts import heatmap, plots, roofline
from bench.analysis.charts.common import PALETTE, PREDICTED_LABEL, Context, NotDrawn, looks
from bench.results.reading import load_results

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ALL_CHARTS = {spec.key for spec in charts.CHARTS}


@pytest.fixture(scope="module")
def plotted(tmp_path_factory):
    """Run ``vecbench plot`` once for the module on the small synthetic file."""
    folder = tmp_path_factory.mktemp("plot")
    results = write_results(folder / "results.json")
    data = json.loads(results.read_text())  # a canary series, bimodal, for the canary chart
    data["vecbench"]["canary"] = {"workload": "synthetic",
                                  "series": [[0.1 * i, 1.9e-4 if 10 <= i < 20 else 1e-4] for i in range(40)]}
    results.write_text(json.dumps(data))
    out_dir = folder / "charts"
    assert charts.main([str(results), "--out-dir", str(out_dir)]) == 0
    return results, out_dir


@pytest.fixture(scope="module")
def context(plotted):
    results = load_results(plotted[0])
    return lambda: Context(results, results.grids()[0], looks(results))


@pytest.mark.parametrize("key", sorted(ALL_CHARTS))
def test_chart_is_a_valid_png(plotted, key):
    path = plotted[1] / f"{key}.png"
    assert path.read_bytes()[:8] == PNG_MAGIC
    pixels = matplotlib.image.imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] > 300 and pixels.shape[1] > 600
    assert path.stat().st_size < 300 * 1024


@pytest.mark.parametrize("key", sorted(ALL_CHARTS))
def test_chart_is_a_valid_svg(plotted, key):
    root = ET.parse(plotted[1] / f"{key}.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_index_lists_every_chart_for_this_results_file(plotted):
    results, out_dir = plotted
    index = json.loads((out_dir / charts.MANIFEST).read_text())
    assert {entry["key"] for entry in index["charts"]} == ALL_CHARTS
    assert index["not_drawn"] == []
    assert charts.read_manifest(out_dir, load_results(results)) is not None
    assert not list(out_dir.glob(".*.tmp")), "temporary files left behind"


def _hollow_points(fig) -> set[tuple[str, float, float]]:
    return {
        (line.get_color(), x, y)
        for ax in fig.axes
        for line in ax.get_lines()
        if line.get_markerfacecolor() == "white"
        for x, y in zip(line.get_xdata(), line.get_ydata())
    }


def test_predicted_points_are_hollow_and_only_they_are(context):
    ctx = context()
    fig = plots.time_vs_m(ctx)
    skipped = [p for p in ctx.grid.points.values() if p.predicted]
    assert skipped, "the synthetic file should have skipped points"
    expected = {(ctx.looks[p.impl].colour, p.m, p.predicted_s) for p in skipped}
    assert _hollow_points(fig) == expected
    assert PREDICTED_LABEL in [t.get_text() for t in fig.legends[0].get_texts()]


def test_failed_points_are_not_drawn(context):
    ctx = context()
    fig = plots.time_vs_m(ctx)
    colour = ctx.looks["numba-loops"].colour
    panel = next(ax for ax in fig.axes if ax.get_title() == "n_x = 10")
    xs = {x for line in panel.get_lines() if line.get_color() == colour for x in line.get_xdata()}
    assert 100 not in xs and 1000 in xs


def _break_even_segments(ax) -> list:
    return [
        seg.tolist()
        for c in ax.collections
        if c.get_gid() == plots.BREAK_EVEN_GID
        for seg in c.get_segments()
    ]


def test_heatmap_draws_the_break_even_contour_where_speedup_crosses_one(context):
    fig = heatmap.speedup_heatmap(context())
    titled = {ax.get_title().split("\n")[0].split(" (")[0]: ax for ax in fig.axes}
    # torch-cpu (30 µs overhead) is slower than the loops only at m=10, n_x=1 (cell col 0, row 0):
    # the contour is that cell's right edge and top edge.
    assert sorted(_break_even_segments(titled["torch-cpu"])) == [
        [[-0.5, 0.5], [0.5, 0.5]],
        [[0.5, -0.5], [0.5, 0.5]],
    ]
    assert _break_even_segments(titled["numba-fused"]) == []  # faster everywhere on the grid
    assert titled["numba-fused"].get_title() == "numba-fused\n(faster at every size)"


def test_each_implementation_has_one_colour_in_every_chart(context):
    ctx = context()
    assignments = [looks(ctx.results)[i.name].colour for i in SMALL_IMPLS]
    assert assignments == list(PALETTE[: len(SMALL_IMPLS)])
    for draw in (plots.time_vs_m, roofline.roofline):
        fresh = context()
        fig = draw(fresh)
        legend = {
            t.get_text(): h.get_color()
            for t, h in zip(fig.legends[0].get_texts(), fig.legends[0].legend_handles)
        }
        for impl in fresh.drawn_impls:
            assert legend[impl] == ctx.looks[impl].colour


def _roof_levels(fig, panels: int) -> list[list[float]]:
    """The compute roofs drawn in each of the first ``panels`` panels (GB/s), highest first."""
    return [sorted((line.get_ydata()[0] for line in ax.get_lines() if line.get_gid() == "compute-roof"), reverse=True)
            for ax in fig.axes[:panels]]


def test_the_roofline_draws_the_compute_roof_at_each_n_x(context):
    """rate × bytes of X and Y per sample, per panel (one n_x each); a larger n_x, a higher roof."""
    ctx = context()
    fig = roofline.roofline(ctx)
    roof = SYNTHETIC_ROOF
    levels = _roof_levels(fig, len(ctx.grid.nxs))
    for drawn, n_x in zip(levels, ctx.grid.nxs):
        m = ctx.grid.ms[-1]
        per_sample = ctx.grid.point(ctx.grid.impls[0], m, n_x).bytes / m
        expected = [roof["multi_thread_samples_per_s"] * per_sample / 1e9,
                    roof["single_thread_samples_per_s"] * per_sample / 1e9]
        memory = 16.0  # the synthetic multi-thread bandwidth
        shown = [level for level in expected if level <= memory * roofline.COMPUTE_ROOF_SHOWN_UP_TO]
        assert drawn == pytest.approx(shown)
    assert any(levels), "no panel shows its compute roof"
    assert any("compute roof" in text.get_text() for text in fig.legends[0].get_texts())


def test_the_roofline_of_a_file_without_a_compute_roof_has_the_memory_roof_only(tmp_path):
    results = _load(build_results(with_compute_roof=False), tmp_path)
    fig = roofline.roofline(Context(results, results.grids()[0], looks(results)))
    assert not any(_roof_levels(fig, len(results.grids()[0].nxs)))
    assert not any("compute roof" in text.get_text() for text in fig.legends[0].get_texts())
    assert roofline.compute_roofs(results.bandwidth, 808.0) == []


def _load(data: dict, tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    return load_results(path)


def test_unknown_implementation_names_still_get_distinct_colours(tmp_path):
    data = build_results()
    for i, entry in enumerate(data["benchmarks"]):
        entry["extra_info"]["impl"] = f"impl-{i % 25}"
    assigned = looks(_load(data, tmp_path))
    assert len(assigned) == 25
    assert len({look.colour for look in list(assigned.values())[: len(PALETTE)]}) == len(PALETTE)
    assert len({(look.colour, look.marker) for look in assigned.values()}) == 25


def test_charts_without_their_data_are_reported_not_drawn(tmp_path):
    data = build_results(with_bandwidth=False)
    data["benchmarks"] = [b for b in data["benchmarks"] if b["extra_info"]["impl"] != "python-loops"]
    results = _load(data, tmp_path)
    ctx = Context(results, results.grids()[0], looks(results))
    for draw in (roofline.roofline, heatmap.speedup_heatmap, lambda c: plots.speedup_vs_m(c, "python-loops")):
        with pytest.raises(NotDrawn):
            draw(ctx)


def test_other_layouts_get_suffixed_names():
    assert charts.chart_stem("time_vs_m", ("float64", "C"), ("float64", "C")) == "time_vs_m"
    assert charts.chart_stem("time_vs_m", ("float32", "F"), ("float64", "C")) == "time_vs_m-float32-F"


@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, kind):
    out_dir = tmp_path / "charts"
    status = charts.main([str(write_bad_input(kind, tmp_path / "r.json")), "--out-dir", str(out_dir)])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.startswith("vecbench plot: error: ") and captured.err.count("\n") == 1
    assert not out_dir.exists()


def test_bad_usage_exits_2_with_one_line(capsys):
    with pytest.raises(SystemExit) as caught:
        charts.main(["--no-such-option"])
    assert caught.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1
