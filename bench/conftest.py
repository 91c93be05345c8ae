"""pytest's entry for ``pytest bench/``: the ``--vecbench-*`` options and the ``vecbench`` fixture.

pytest reads hooks and fixtures from this file's names; they live in :mod:`bench.runner.pytest_options`.
"""

from bench.runner.pytest_options import pytest_addoption, pytest_configure, vecbench  # noqa: F401
