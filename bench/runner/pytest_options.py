"""The ``--vecbench-*`` options of plain ``pytest bench/``, and the plugin built from them.

``vecbench run`` registers its own plugin before this runs; then these options are ignored.
"""

from __future__ import annotations

import pytest

from bench.cli import parse_size
from bench.runner.plugin import VecbenchPlugin
from bench.runner.settings import make_settings


def pytest_addoption(parser):
    group = parser.getgroup("vecbench", "vecbench grid (comma-separated lists)")
    group.addoption("--vecbench-preset", default="quick", help="quick (default), default or full")
    group.addoption("--vecbench-impl", default="", help="implementations (default: all registered)")
    group.addoption("--vecbench-m", default="", help="numbers of samples, e.g. 100,1e4")
    group.addoption("--vecbench-n-x", default="", help="numbers of features, e.g. 1,10")
    group.addoption("--vecbench-dtype", default="float64", help="float64 and/or float32")
    group.addoption("--vecbench-order", default="C", help="C and/or F")
    group.addoption("--vecbench-threads", default=1, type=int, help="BLAS/Numba threads (default 1)")
    group.addoption("--vecbench-budget", default=None, type=float, help="seconds per call (default: preset's)")
    group.addoption("--vecbench-timing", default=None, type=float, help="seconds of timed calls per point (default: preset's)")
    group.addoption("--vecbench-sizes-in-turn", action="store_true", help="small sizes timed together, rounds in turn")


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def pytest_configure(config):
    if any(isinstance(plugin, VecbenchPlugin) for plugin in config.pluginmanager.get_plugins()):
        return
    option = config.getoption
    try:
        settings = make_settings(
            preset=option("vecbench_preset"),
            impls=_items(option("vecbench_impl")) or None,
            ms=[parse_size("m", text) for text in _items(option("vecbench_m"))] or None,
            n_xs=[parse_size("n_x", text) for text in _items(option("vecbench_n_x"))] or None,
            dtypes=_items(option("vecbench_dtype")),
            orders=_items(option("vecbench_order")),
            threads=option("vecbench_threads"),
            budget=option("vecbench_budget"),
            timing=option("vecbench_timing"),
            sizes_in_turn=option("vecbench_sizes_in_turn"),
        )
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.pluginmanager.register(VecbenchPlugin(settings), "vecbench")


@pytest.fixture(scope="session")
def vecbench(request) -> VecbenchPlugin:
    """The plugin carrying this run's settings and state."""
    for plugin in request.config.pluginmanager.get_plugins():
        if isinstance(plugin, VecbenchPlugin):
            return plugin
    raise RuntimeError("no VecbenchPlugin registered")  # pytest_configure above always adds one
