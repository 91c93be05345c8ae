"""The benchmarks: one step of every registered implementation at every grid point.

``pytest bench/`` runs the quick grid (see ``--vecbench-*`` options in bench/conftest.py) with
all of pytest-benchmark's options; ``vecbench run`` runs this same file with its own settings.
The parameters come from :mod:`bench.runner.plugin`, which reads ``impls.IMPLEMENTATIONS``: a new
implementation is benchmarked with no new code.
"""

from bench.results.schema import Point


def test_every_registered_implementation_is_benchmarked(vecbench):
    missing = vecbench.unbenchmarked()
    assert not missing, f"registered but given no benchmark point: {', '.join(missing)}"


def test_step(benchmark, vecbench, impl, m, n_x, dtype, order):
    vecbench.run_point(benchmark, Point(impl, m, n_x, dtype, order))
