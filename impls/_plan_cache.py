"""The plan file: the fused kernels' variants measured on this machine by ``vecbench tune``.

One JSON file holds plans for several machines (a home directory shared by a cluster): each plan
is keyed by everything that makes it valid — the CPU model, the LLVM CPU name Numba compiles for,
the core count and the kernels' version (a hash of the kernel and plan sources) — and maps a
regime's key (impls._fused_plan.Regime.key) to ``[walk, block_bytes]``. A file that cannot be
read, is not a plan file, or has no plan for this machine is ignored with a warning (never
trusted, never an error): the kernels then use their built-in defaults.

Where: ``$VECBENCH_PLAN_FILE`` if set, else ``$XDG_CACHE_HOME/vecbench/fused-plans.json`` (default
``~/.cache``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = "vecbench-fused-plans"
VERSION = 1
PLAN_FILE_ENV = "VECBENCH_PLAN_FILE"
#: the sources whose every edit invalidates a plan (the compiled kernels and how they are called)
_SOURCES = ("_fused_kernel.py", "_fused_plan.py")


class PlanFileWarning(UserWarning):
    """A plan file was ignored (damaged, foreign or stale); the built-in defaults are used."""


def plan_path() -> Path:
    explicit = os.environ.get(PLAN_FILE_ENV)
    if explicit:
        return Path(explicit)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "vecbench" / "fused-plans.json"


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo, else py-cpuinfo, else the platform's processor)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    try:
        import cpuinfo

        return cpuinfo.get_cpu_info().get("brand_raw") or platform.processor()
    except Exception:  # py-cpuinfo can fail on exotic platforms; the model is informative only
        return platform.processor() or "unknown"


@functools.cache
def kernel_version() -> str:
    """A hash of the kernel and plan sources: an edit to either makes every old plan stale."""
    digest = hashlib.sha256()
    for name in _SOURCES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def machine_key() -> dict:
    """What a plan is valid for (see the module docstring)."""
    from impls._fused_plan import HOST_CPU_NAME  # why here: _fused_plan imports this module

    return {"cpu": cpu_model(), "llvm_cpu": HOST_CPU_NAME, "cores": os.cpu_count() or 1,
            "kernel_version": kernel_version()}


@dataclass(frozen=True)
class Plan:
    """The measured variants of one machine: regime key → (walk, block_bytes)."""

    key: dict
    created: str
    variants: dict[str, tuple[int, int]]
    #: what each regime's candidates measured (informative: shown by ``vecbench tune``)
    measured: dict = field(default_factory=dict, compare=False)

    def to_json(self) -> dict:
        return {"valid_for": self.key, "created": self.created,
                "variants": {k: list(v) for k, v in self.variants.items()}, "measured": self.measured}


def _parse_plan(entry) -> Plan:
    from impls._fused_plan import ORDER_WALKS  # why here: _fused_plan imports this module

    if not isinstance(entry, dict) or not isinstance(entry.get("valid_for"), dict):
        raise ValueError("a plan without 'valid_for'")
    variants = {}
    for regime, value in (entry.get("variants") or {}).items():
        order = str(regime).split("/", 1)[0]
        if (order not in ORDER_WALKS or not isinstance(value, list) or len(value) != 2
                or not all(type(v) is int for v in value)):
            raise ValueError(f"regime {regime!r}: expected [walk, block_bytes] of a known order, got {value!r}")
        walk, block_bytes = value
        if walk not in ORDER_WALKS[order] or not 1024 <= block_bytes <= 2**30:
            raise ValueError(f"regime {regime!r}: walk {walk} or block of {block_bytes} bytes is not valid")
        variants[regime] = (walk, block_bytes)
    measured = entry.get("measured") if isinstance(entry.get("measured"), dict) else {}
    return Plan(entry["valid_for"], str(entry.get("created", "")), variants, measured)


def read_plans(path: Path) -> list[Plan]:
    """Every plan in ``path``; ValueError (why) if it is not a readable plan file."""
    try:
        document = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read it ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"not a vecbench plan file (no \"format\": \"{FORMAT}\")")
    if document.get("version") != VERSION:
        raise ValueError(f"plan file version {document.get('version')!r}, this vecbench reads {VERSION}")
    if not isinstance(document.get("plans"), list):
        raise ValueError("no list of plans")
    return [_parse_plan(entry) for entry in document["plans"]]


def load_plan(path: Path) -> Plan | None:
    """This machine's plan in ``path``, or None (with a PlanFileWarning if the file exists but is
    damaged, or holds plans for other machines or another version of the kernels only)."""
    if not path.exists():
        return None
    try:
        plans = read_plans(path)
    except ValueError as exc:
        warnings.warn(f"ignoring the plan file {path}: {exc}; using the built-in defaults", PlanFileWarning,
                      stacklevel=2)
        return None
    key = machine_key()
    for plan in plans:
        if plan.key == key:
            return plan
    warnings.warn(f"the plan file {path} has no plan for this machine and kernel version ({key['cpu']}, "
                  f"{key['llvm_cpu']}, {key['cores']} cores, kernels {key['kernel_version']}); using the "
                  "built-in defaults (run `vecbench tune` to measure one)", PlanFileWarning, stacklevel=2)
    return None


def _same_machine(key: dict, other: dict) -> bool:
    """Whether two plan keys name the same machine (whatever their kernel versions)."""
    return {k: v for k, v in key.items() if k != "kernel_version"} == {
        k: v for k, v in other.items() if k != "kernel_version"}


def save_plan(plan: Plan, path: Path | None = None) -> Path:
    """Write ``plan`` into the plan file, atomically; returns the path. It replaces this
    machine's earlier plans (also those of older kernels, stale anyway); other machines' plans are
    kept; a damaged file is replaced."""
    path = plan_path() if path is None else path
    try:
        others = [p for p in read_plans(path) if not _same_machine(p.key, plan.key)]
    except ValueError:
        others = []
    document = {"format": FORMAT, "version": VERSION, "plans": [p.to_json() for p in (*others, plan)]}
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(handle, "w") as stream:
        json.dump(document, stream, indent=1)
    os.replace(temporary, path)
    forget_loaded_plan()
    return path


#: How often active_plan looks at the file again. why: the kernels ask on every call, and a
#: stat of the file costs microseconds, as much as a whole step on a small problem.
RECHECK_S = 1.0


@dataclass
class _Loaded:
    """What active_plan last read: for which $VECBENCH_PLAN_FILE, file and file state, when."""

    environment: str | None = None
    path: str = ""
    stamp: int | None = None
    checked: float = -float("inf")
    plan: Plan | None = None
    generation: int = 0  # changes whenever ``plan`` may have changed


_loaded = _Loaded()


def active_plan() -> Plan | None:
    """This machine's plan from :func:`plan_path`, read again when the file changes (looked at
    no more than once every RECHECK_S seconds, or at once if $VECBENCH_PLAN_FILE changes)."""
    environment = os.environ.get(PLAN_FILE_ENV)
    now = time.monotonic()
    if environment == _loaded.environment and now - _loaded.checked < RECHECK_S:
        return _loaded.plan
    path = plan_path()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = None
    if (environment, str(path), stamp) != (_loaded.environment, _loaded.path, _loaded.stamp):
        _loaded.environment, _loaded.path, _loaded.stamp = environment, str(path), stamp
        _loaded.plan = None if stamp is None else load_plan(path)
        _loaded.generation += 1
    _loaded.checked = now
    return _loaded.plan


def plan_generation() -> int:
    """A number that changes whenever :func:`active_plan` may return another plan."""
    return _loaded.generation


def forget_loaded_plan() -> None:
    """Make the next :func:`active_plan` read the file again (after it was written)."""
    _loaded.checked = -float("inf")
    _loaded.stamp = -1


def describe_active_plan() -> dict:
    """What the kernels use now, for a results file's machine section and the commands' output:
    ``source`` ("plan file" or "built-in defaults"), ``path``, ``created``, the ``variants``."""
    plan = active_plan()
    if plan is None:
        return {"source": "built-in defaults", "path": str(plan_path()), "kernel_version": kernel_version()}
    return {"source": "plan file", "path": str(plan_path()), "created": plan.created,
            "kernel_version": kernel_version(), "variants": {k: list(v) for k, v in plan.variants.items()}}
