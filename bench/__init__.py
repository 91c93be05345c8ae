"""vecbench's benchmark suite: plan a run → measure → one results file → analyse and draw.

Sub-packages, one per stage of that pipeline (each one's docstring says what it owns):

- :mod:`bench.run`: a run from the command line or pytest: settings, grid, budget, progress.
- :mod:`bench.measure`: timing, threads, bandwidth, machine record, memory guard, problems.
- :mod:`bench.results`: the results file: its schema, writing, reading, units.
- :mod:`bench.analysis`: cost models, the report and the charts, from a results file.
- :mod:`bench.performance`: performance checks against the memory-bandwidth floor.

Imports run one way: ``run`` and ``performance`` may import ``measure``, ``results`` and
``analysis``; ``measure`` and ``analysis`` import only ``results``; ``results`` imports no other
stage. Every stage may import :mod:`bench.cli` (shared command-line helpers, no stage imports of
its own) and :mod:`impls`; ``impls`` never imports ``bench``. tests/test_layout.py checks this.
"""
