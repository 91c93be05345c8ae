"""vecbench's benchmark suite: plan a run → measure → one results file → analyse and draw.

Sub-packages, one per stage of that pipeline (each one's docstring says what it owns):

- :mod:`bench.runner`: a run from the command line, pytest or a notebook: settings, grid, budget.
- :mod:`bench.measure`: timing, threads, bandwidth, machine record, memory guard, problems.
- :mod:`bench.results`: the results file: its schema, writing, reading, units.
- :mod:`bench.analysis`: cost models, the report and the charts, from a results file.
- :mod:`bench.performance`: performance checks against the memory-bandwidth floor.

Imports run one way: ``runner`` and ``performance`` may import ``measure``, ``results`` and
``analysis``; ``measure`` and ``analysis`` import only ``results``; ``results`` imports no other
stage. Every stage may import :mod:`bench.cli` (shared command-line helpers, no stage imports of
its own) and :mod:`impls`; ``impls`` never imports ``bench``. tests/test_layout.py checks this.

For notebooks, ``from bench import run, load, pool`` (see :mod:`bench.runner.api`).
"""


def __getattr__(name: str):
    """``from bench import run, load``: the notebook API, imported on first use (why: ``import
    bench`` for the CLI or pytest should not import the measuring engine and matplotlib)."""
    if name == "run":
        from bench.runner.api import run

        return run
    if name in ("load", "pool"):
        from bench.analysis import notebook

        return getattr(notebook, name)
    raise AttributeError(f"module 'bench' has no attribute {name!r}")


__all__ = ["load", "pool", "run"]
