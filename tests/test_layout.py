"""The layout of bench/ shows the pipeline, and its imports run one way (see bench/__init__.py).

Reads every module's imports with ``ast`` (module level and inside functions), so a change that
adds an import going back up the pipeline fails here instead of going unnoticed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
IMPLS = ROOT / "impls"
#: stage → the stages it may import (besides itself, bench.cli and impls)
ALLOWED = {
    "runner": {"measure", "results", "analysis"},
    "performance": {"measure", "results", "analysis"},
    "analysis": {"results"},
    "measure": {"results"},
    "results": set(),
}
#: modules allowed at the top of bench/: entry points, and what they may import
ENTRY_POINTS = {"__init__": {"runner", "analysis"}, "__main__": {"cli"}, "cli": set(), "conftest": {"runner"}}
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, package: str | None = None) -> set[str]:
    """Every module ``path`` imports, relative imports resolved, anywhere in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    if package is None:
        package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # `from bench import run`
    return found


def bench_stage(module: str) -> str | None:
    """``run`` for ``bench.runner.plugin``; the top-level module's name for ``bench.cli``."""
    parts = module.split(".")
    return parts[1] if parts[0] == "bench" and len(parts) > 1 else None


BENCH_MODULES = sorted(BENCH.rglob("*.py"))


def test_every_module_of_bench_lives_in_a_stage():
    top = {path.stem for path in BENCH.glob("*.py")}
    assert top <= set(ENTRY_POINTS), f"modules at the top of bench/ outside a stage: {top - set(ENTRY_POINTS)}"
    packages = {path.name for path in BENCH.iterdir() if path.is_dir() and path.name != "__pycache__"}
    assert packages == set(ALLOWED)


@pytest.mark.parametrize("stage", sorted(ALLOWED))
def test_every_stage_says_what_it_owns_and_may_import(stage):
    docstring = ast.get_docstring(ast.parse((BENCH / stage / "__init__.py").read_text()))
    assert docstring and "import" in docstring


@pytest.mark.parametrize("path", BENCH_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_run_one_way(path):
    name = module_name(path)
    stage = bench_stage(name) if name != "bench" else "__init__"
    allowed = ENTRY_POINTS[stage] if stage in ENTRY_POINTS else ALLOWED[stage] | {stage, "cli"}
    for module in imported_modules(path):
        target = bench_stage(module)
        if target is not None and target in ALLOWED | ENTRY_POINTS.keys():
            assert target in allowed, f"{name} imports {module}: {stage} may import only {sorted(allowed)}"


@pytest.mark.parametrize("path", sorted(IMPLS.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_impls_never_import_bench(path):
    assert not [m for m in imported_modules(path) if m.split(".")[0] == "bench"]


@pytest.mark.parametrize("path", BENCH_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_small(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines (at most {MAX_LINES}): split it"


def test_the_checker_sees_an_import_going_back_up(tmp_path):
    """The rule above can fail: a measuring module that imports the run is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from ..runner.grid import PRESETS\n")
    imported = imported_modules(bad, package="bench.measure")
    assert "bench.runner.grid" in imported
    assert {bench_stage(module) for module in imported} - ALLOWED["measure"] - {"measure"} == {"runner"}
