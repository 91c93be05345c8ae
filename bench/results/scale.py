"""Read ``vecbench scale``'s results file (see :func:`bench.results.schema.scale_section`).

Its points become the same :class:`~bench.results.reading.PointRecord` / ``ResultGrid`` records
as a run's, so the cost models and charts of ``vecbench report`` apply to them unchanged.
A file that cannot be used raises :class:`~bench.results.reading.ResultsError` (one line).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.results.reading import PointRecord, ResultGrid, ResultsError
from bench.results.schema import (MEASURED, SCALE_POINTS, SCALE_SCHEMA_VERSION, SCALE_SECTION, SCALE_STATUSES)


@dataclass(frozen=True)
class ScaleResults:
    """A validated scale results file."""

    path: Path
    sha256: str
    command: str
    started: str
    finished: str | None
    complete: bool
    threads: int | None
    rounds: int | None
    dtype: str
    implementations: tuple[str, ...]  # every registered name, registry order (colours)
    machine: dict[str, Any]
    dask_cluster: dict[str, Any] | None
    load_average: dict[str, Any]  # "start", "end": the machine's 1-minute load (other processes)
    points: tuple[PointRecord, ...]
    data: dict[tuple[str, int, int], str | None]  # (impl, m, n_x) → where its data came from

    @property
    def impls(self) -> tuple[str, ...]:
        """The implementations with points, in registry order."""
        present = {p.impl for p in self.points}
        return tuple([name for name in self.implementations if name in present]
                     + sorted(present - set(self.implementations)))

    @property
    def grid(self) -> ResultGrid:
        return ResultGrid(dtype=self.dtype, order="C", impls=self.impls,
                          ms=tuple(sorted({p.m for p in self.points})),
                          nxs=tuple(sorted({p.n_x for p in self.points})),
                          points={(p.impl, p.m, p.n_x): p for p in self.points})


def _bad(path: Path, where: str, expected: str, value: Any) -> ResultsError:
    return ResultsError(f"{path}: {where}: expected {expected}, got {str(value)[:60]!r}")


def _number(path: Path, where: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise _bad(path, where, "a non-negative number", value)
    return float(value)


def _point(path: Path, entry: Any, index: int, dtype: str, threads: int | None) -> PointRecord:
    where = f"$.{SCALE_POINTS}[{index}]"
    if not isinstance(entry, dict):
        raise _bad(path, where, "an object", entry)
    if not isinstance(entry.get("impl"), str):
        raise _bad(path, f"{where}.impl", "a name", entry.get("impl"))
    for size in ("m", "n_x"):
        if isinstance(entry.get(size), bool) or not isinstance(entry.get(size), int) or entry[size] < 1:
            raise _bad(path, f"{where}.{size}", "a positive integer", entry.get(size))
    if entry.get("status") not in SCALE_STATUSES:
        raise _bad(path, f"{where}.status", f"one of {', '.join(SCALE_STATUSES)}", entry.get("status"))
    numbers = {name: _number(path, f"{where}.{name}", entry.get(name))
               for name in ("median_s", "q1_s", "q3_s", "prepare_s", "compile_s")}
    if entry["status"] == MEASURED and not numbers["median_s"]:
        raise _bad(path, f"{where}.median_s", "a positive number for a measured point", entry.get("median_s"))
    times = entry.get("times_s") or []
    return PointRecord(impl=entry["impl"], m=entry["m"], n_x=entry["n_x"], dtype=dtype, order="C",
                       status=entry["status"], samples=tuple(sorted(float(t) for t in times)),
                       error=entry.get("error"), threads=threads, **numbers)


def load_scale_results(path: str | Path) -> ScaleResults:
    """Read and validate ``path``; :class:`ResultsError` (one line) if it cannot be used."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = json.loads(raw)
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such scale results file (run: vecbench scale)") from None
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ResultsError(f"{path}: not JSON ({exc})") from None
    section = data.get(SCALE_SECTION) if isinstance(data, dict) else None
    if not isinstance(section, dict):
        raise ResultsError(f"{path}: not a vecbench scale results file (no {SCALE_SECTION!r} section)")
    if section.get("schema") != SCALE_SCHEMA_VERSION:
        raise ResultsError(f"{path}: unsupported scale schema {section.get('schema')!r} "
                           f"(this vecbench reads {SCALE_SCHEMA_VERSION})")
    entries = data.get(SCALE_POINTS)
    if not isinstance(entries, list):
        raise _bad(path, f"$.{SCALE_POINTS}", "a list", entries)
    dtype = section.get("dtype") or "float64"
    threads = section.get("threads") if isinstance(section.get("threads"), int) else None
    points = tuple(_point(path, entry, i, dtype, threads) for i, entry in enumerate(entries))
    names = section.get("implementations")
    cluster = section.get("dask_cluster")
    return ScaleResults(
        path=path, sha256=hashlib.sha256(raw).hexdigest(), command=str(section.get("command", "not recorded")),
        started=str(section.get("started", "unknown")), finished=section.get("finished"),
        complete=section.get("complete") is True, threads=threads,
        rounds=section.get("rounds") if isinstance(section.get("rounds"), int) else None, dtype=dtype,
        implementations=tuple(n for n in names if isinstance(n, str)) if isinstance(names, list) else (),
        machine=section.get("machine") if isinstance(section.get("machine"), dict) else {},
        dask_cluster=cluster if isinstance(cluster, dict) else None,
        load_average=section.get("load_average") if isinstance(section.get("load_average"), dict) else {},
        points=points,
        data={(e["impl"], e["m"], e["n_x"]): e.get("data") for e in entries})
