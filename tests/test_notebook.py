"""The example notebook (reports/quick_tour.ipynb) runs top to bottom, so it cannot rot; and the
notebook API it uses (``from bench import run, load``) gives tables, figures and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _synthetic_results import write_results

import bench

REPORTS = Path(__file__).resolve().parents[1] / "reports"
NOTEBOOK = REPORTS / "quick_tour.ipynb"


def test_example_notebook_runs_top_to_bottom():
    nbclient = pytest.importorskip("nbclient", reason="nbclient comes with the test extra")
    import nbformat

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(REPORTS)}}).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2  # the two charts, inline
    text = json.dumps([o.get("data", {}).get("text/markdown", "") for o in outputs])
    assert "# vecbench report" in text and "Speedup over python-loops" in text


def test_load_gives_a_table_figures_and_the_report(tmp_path):
    results = bench.load(write_results(tmp_path / "r.json"))
    table = results.table()
    records = table.to_dict("records") if hasattr(table, "to_dict") else table
    assert len(records) == len(results.results.points)
    assert {"impl", "m", "n_x", "status", "median_s", "prepare_s"} <= set(records[0])
    figure = results.chart("speedup_vs_python_loops")
    assert type(figure).__name__ == "Figure" and figure.axes
    assert results.report().startswith("# vecbench report")
    with pytest.raises(ValueError, match="chart must be one of"):
        results.chart("pie")
    with pytest.raises(ValueError, match="dtype and order must be one of"):
        results.chart("time_vs_m", dtype="float16")


@pytest.mark.parametrize("arguments, named", [({"m": [0]}, "m must be a positive integer; got 0"),
                                              ({"n_x": 2.5}, "n_x must be a positive integer"),
                                              ({"impls": ["nope"]}, "unknown implementation 'nope'"),
                                              ({"sizes_in_turn": "yes"}, "sizes_in_turn must be True or False; got 'yes'")])
def test_run_refuses_bad_arguments_before_measuring(tmp_path, arguments, named):
    with pytest.raises(ValueError, match=named):
        bench.run(**arguments, out=tmp_path / "r.json")
    assert list(tmp_path.iterdir()) == []
