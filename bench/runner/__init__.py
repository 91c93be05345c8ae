"""The run: from a command line or pytest options to measured points in a results file.

Owns ``vecbench run`` (:mod:`.command`, :mod:`.args`) and ``bench.run`` for notebooks (:mod:`.api`), the run's settings (:mod:`.settings`), the
presets and the grid of points in measuring order (:mod:`.grid`), the pytest plugin that carries a
run and its one benchmark test (:mod:`.plugin`, :mod:`.test_benchmarks`, :mod:`.pytest_options`),
the time budget (:mod:`.budget`) and the progress lines (:mod:`.progress`); ``vecbench record``
(:mod:`.record`), here because the README's presets block comes from the grid. The top of the
pipeline: it may import :mod:`bench.measure`, :mod:`bench.results` and :mod:`bench.analysis`
(to draw the charts and report at the end); nothing below imports it.
"""
