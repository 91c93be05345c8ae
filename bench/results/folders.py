"""Where results files live: one folder per machine and day under ``reports/results/``.

A folder is named ``YYYY-MM-DD-<cpu>-<cores>cpu`` (``2026-12-02-znver4-2cpu``): the UTC date and
the CPU as Numba's LLVM names it (the vendor's brand string when that is not recorded) with its
core count, so that machines accumulate side by side and sort by date. ``targets``, ``tune``,
``ablation`` and ``scale`` write their dated files into the current machine's folder; the
``*latest.json`` files at the top of ``reports/results/`` are copies of the newest ones, kept for
the commands and links that name them. ``vecbench record`` reads every machine folder
(:func:`machine_folders`), never the copies.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from bench.results.schema import RESULTS_DIR

#: A machine folder's name: date, then the CPU slug.
FOLDER_PATTERN = re.compile(r"^(\d{4}-\d{2}-\d{2})-([a-z0-9][a-z0-9-]*)$")
#: The kinds of dated file a machine folder holds, by file-name prefix (``targets-*.json``).
KINDS = ("run", "targets", "plan", "ablation", "scale", "noise")
#: The hand-written notes beside the results (shown verbatim by ``vecbench record``).
NOTES_NAME = "notes.toml"


def cpu_slug(machine: dict) -> str:
    """``znver4-2cpu`` for a machine section (``llvm_cpu`` or ``cpu``, and ``cores``)."""
    name = machine.get("llvm_cpu") or machine.get("cpu") or "unknown-cpu"
    slug = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-") or "unknown-cpu"
    cores = machine.get("cores")
    return f"{slug}-{cores}cpu" if cores else slug


def machine_folder(machine: dict, when: datetime | None = None, results_dir: Path = RESULTS_DIR) -> Path:
    """The folder of ``machine`` on the UTC day of ``when`` (default: now)."""
    day = (when or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%d")
    return Path(results_dir) / f"{day}-{cpu_slug(machine)}"


def stamp(when: datetime | None = None) -> str:
    """``YYYYmmdd-HHMMSS`` (UTC), the time part of a dated file's name."""
    return (when or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%d-%H%M%S")


def dated_path(folder: Path, kind: str, when: datetime | None = None) -> Path:
    """``folder/<kind>-YYYYmmdd-HHMMSS.json`` (``-2``, ``-3``… if that name is taken)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    stem = f"{kind}-{stamp(when)}"
    path, number = Path(folder) / f"{stem}.json", 1
    while path.exists():
        number += 1
        path = Path(folder) / f"{stem}-{number}.json"
    return path


def machine_folders(results_dir: Path = RESULTS_DIR) -> list[Path]:
    """Every machine folder under ``results_dir``, newest first (by the date in the name, then
    the name)."""
    found = [p for p in Path(results_dir).iterdir() if p.is_dir() and FOLDER_PATTERN.match(p.name)]
    return sorted(found, key=lambda p: (FOLDER_PATTERN.match(p.name).group(1), p.name), reverse=True)


def files_of(folder: Path, kind: str) -> list[Path]:
    """The folder's ``<kind>-*.json`` files in the order of their names (their dates)."""
    return sorted(Path(folder).glob(f"{kind}-*.json"))
