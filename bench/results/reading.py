"""Read a results file written by ``vecbench run`` into small typed records, validating it.

Everything the charts and the report show comes from here. A file that is missing, empty, not
JSON, not ours (see the schema in the project brief) or without a single measured point raises
:class:`ResultsError` with a one-line message naming the file and the bad field.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any, NoReturn

from bench.results.records import Bandwidth, Estimate, PointRecord, ResultGrid, Results
from bench.results.schema import (COMPILE_CACHE_OUTCOMES, MEASURED, NOT_MEASURED, ORDERS, SCHEMA_VERSION,
                                  SKIPPED_BUDGET, STATUSES)



__all__ = ["Bandwidth", "Estimate", "PointRecord", "ResultGrid", "Results", "ResultsError", "load_results"]


class ResultsError(ValueError):
    """The results file cannot be used; the message is one line meant for the user."""


# ---------------------------------------------------------------- validation helpers


def _where(path: Path, where: str) -> str:
    return f"{path}: {where}"


class _Reader:
    """Typed access to one JSON object that raises ResultsError naming the field."""

    def __init__(self, path: Path, obj: Any, where: str):
        if not isinstance(obj, dict):
            raise ResultsError(f"{_where(path, where)}: expected an object, got {_kind(obj)}")
        self.path, self.obj, self.where = path, obj, where

    def _bad(self, key: str, expected: str, value: Any) -> NoReturn:
        raise ResultsError(
            f"{_where(self.path, f'{self.where}.{key}')}: expected {expected}, got {_short(value)}"
        )

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.obj:
            if required:
                raise ResultsError(f"{_where(self.path, self.where)}: missing field {key!r}")
            return None
        return self.obj[key]

    def text(self, key: str, required: bool = True) -> str | None:
        value = self._get(key, required)
        if value is None and not required:
            return None
        if not isinstance(value, str):
            self._bad(key, "a string", value)
        return value

    def integer(self, key: str, required: bool = True, minimum: int = 1) -> int | None:
        value = self._get(key, required)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self._bad(key, f"an integer >= {minimum}", value)
        return value

    def number(self, key: str, required: bool = False, positive: bool = False) -> float | None:
        value = self._get(key, required)
        if value is None and not required:
            return None
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or value < 0 or (positive and value == 0):
            self._bad(key, "a positive number" if positive else "a number >= 0", value)
        return float(value)

    def choice(self, key: str, options: tuple[str, ...]) -> str:
        value = self._get(key, True)
        if value not in options:
            self._bad(key, "one of " + ", ".join(options), value)
        return value

    def child(self, key: str, required: bool = True) -> _Reader | None:
        value = self._get(key, required)
        if value is None and not required:
            return None
        return _Reader(self.path, value, f"{self.where}.{key}")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string"}.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _read_json(path: Path) -> tuple[Any, str]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such file (run `vecbench run` first)") from None
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not raw.strip():
        raise ResultsError(f"{path}: the file is empty")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        detail = (
            f"line {exc.lineno} column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else "bad text encoding"
        )
        raise ResultsError(f"{path}: not valid JSON (truncated or corrupt? {detail})") from None
    return data, hashlib.sha256(raw).hexdigest()


def _point(path: Path, entry: Any, index: int) -> PointRecord:
    entry_reader = _Reader(path, entry, f"benchmarks[{index}]")
    info = entry_reader.child("extra_info")
    status = info.choice("status", STATUSES)
    point = dict(
        impl=info.text("impl"),
        m=info.integer("m"),
        n_x=info.integer("n_x"),
        dtype=info.text("dtype"),
        order=info.choice("order", ORDERS),
        status=status,
        compile_s=info.number("compile_s"),
        prepare_s=info.number("prepare_s"),
        bytes=info.integer("bytes", required=False, minimum=0),
        floor_s=info.number("floor_s"),
        fraction_of_floor=info.number("fraction_of_floor"),
        achieved_GBps=info.number("achieved_GBps"),
        threads=info.integer("threads", required=False),
    )
    if status == MEASURED:
        stats = entry_reader.child("stats")
        point.update(
            median_s=stats.number("median", required=True, positive=True),
            q1_s=stats.number("q1", required=True, positive=True),
            q3_s=stats.number("q3", required=True, positive=True),
            samples=_samples(stats.obj.get("data")),
        )
        canary = _series(info.obj.get("canary_s"))
        rounds = _series(stats.obj.get("data")) if info.obj.get("rounds_interleaved") is True else ()
        index = _round_index(info.obj.get("round_index"), len(rounds))
        if rounds and len(canary) == len(rounds) and index is not None:
            point.update(rounds=rounds, canary_s=canary, round_index=index, parallelism=info.number("parallelism"),
                         over_threads=info.obj.get("over_threads") is True)
        if info.obj.get("compile_cache") in COMPILE_CACHE_OUTCOMES:
            point.update(compile_cache=info.obj["compile_cache"])
    elif status == SKIPPED_BUDGET:
        point.update(
            predicted_s=info.number("predicted_s", positive=True),
            prediction_basis=info.text("prediction_basis", required=False),
        )
    else:
        point.update(error=info.text("error", required=False) or "no message recorded")
    return PointRecord(**point)


def _round_index(data: Any, count: int) -> tuple[int, ...] | None:
    """The rounds' indices: ``data`` if it is ``count`` increasing non-negative integers,
    ``0..count-1`` when absent (older interleaved files), None if it is anything else."""
    if data is None:
        return tuple(range(count))
    ok = (isinstance(data, list) and len(data) == count
          and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in data)
          and all(a < b for a, b in zip(data, data[1:])))
    return tuple(data) if ok else None


def _series(data: Any) -> tuple[float, ...]:
    """A list of finite positive numbers as a tuple in its order; () if it is anything else."""
    if not isinstance(data, list):
        return ()
    ok = all(isinstance(t, (int, float)) and not isinstance(t, bool) and math.isfinite(t) and t > 0 for t in data)
    return tuple(float(t) for t in data) if ok else ()


def _samples(data: Any) -> tuple[float, ...]:
    """A measured point's round times, sorted, when the file keeps them."""
    return tuple(sorted(_series(data)))


def _canary(section: dict) -> tuple[tuple[tuple[float, float], ...], str | None]:
    """The run's canary series and workload; ((), None) for older files or a malformed section."""
    canary = section.get("canary")
    if not isinstance(canary, dict) or not isinstance(canary.get("series"), list):
        return (), None
    series = []
    for item in canary["series"]:
        if not (isinstance(item, list) and len(item) == 2 and _series([item[1]]) and isinstance(item[0], (int, float))):
            return (), None
        series.append((float(item[0]), float(item[1])))
    workload = canary.get("workload")
    return tuple(series), workload if isinstance(workload, str) else None


def _bandwidth(section: _Reader) -> Bandwidth | None:
    bw = section.child("bandwidth", required=False)
    if bw is None:
        return None
    return Bandwidth(
        single_thread_GBps=bw.number("single_thread_GBps", required=True, positive=True),
        multi_thread_GBps=bw.number("multi_thread_GBps", required=True, positive=True),
        multi_threads=bw.integer("multi_threads", required=False),
        method=bw.text("method", required=False) or "not recorded",
        **_compute_roof(bw.child("compute_roof", required=False)),
    )


def _compute_roof(roof: _Reader | None) -> dict:
    if roof is None:
        return {}
    return {key: roof.number(key, required=True, positive=True)
            for key in ("single_thread_samples_per_s", "multi_thread_samples_per_s")}


def _implementations(value: Any) -> dict[str, dict]:
    """The ``implementations`` section, keeping only well-formed entries (optional: older files
    have none)."""
    if not isinstance(value, dict):
        return {}
    return {name: info for name, info in value.items() if isinstance(name, str) and isinstance(info, dict)}


def load_results(path: str | Path) -> Results:
    """Read and validate ``path``; raise :class:`ResultsError` (one line) if it is not usable."""
    path = Path(path)
    data, digest = _read_json(path)
    if not isinstance(data, dict) or "vecbench" not in data:
        raise ResultsError(f"{path}: not a vecbench results file (no 'vecbench' section)")
    top = _Reader(path, data, "$")
    section = top.child("vecbench")
    if section.obj.get("schema") != SCHEMA_VERSION:
        raise ResultsError(
            f"{path}: unsupported results schema {_short(section.obj.get('schema'))} "
            f"(this vecbench reads schema {SCHEMA_VERSION})"
        )
    entries = data.get("benchmarks")
    if not isinstance(entries, list):
        raise ResultsError(f"{path}: $.benchmarks: expected a list, got {_kind(entries)}")
    not_measured = section.obj.get(NOT_MEASURED, [])
    if not isinstance(not_measured, list):
        raise ResultsError(f"{path}: $.vecbench.{NOT_MEASURED}: expected a list, got {_kind(not_measured)}")
    entries = [*entries, *not_measured]
    points = tuple(_point(path, entry, i) for i, entry in enumerate(entries))
    if not any(p.measured for p in points):
        raise ResultsError(f"{path}: no measured points ({len(points)} entries, none with status 'measured')")
    machine = section.obj.get("machine")
    complete = section.obj.get("complete")
    canary, workload = _canary(section.obj)
    return Results(
        canary=canary,
        canary_workload=workload,
        path=path,
        sha256=digest,
        preset=section.text("preset", required=False) or "unknown",
        command=section.text("command", required=False) or "not recorded",
        started=section.text("started", required=False) or str(data.get("datetime", "unknown")),
        finished=section.text("finished", required=False),
        complete=complete if isinstance(complete, bool) else False,
        threads=section.integer("threads", required=False),
        machine=machine if isinstance(machine, dict) else {},
        implementations=_implementations(section.obj.get("implementations")),
        bandwidth=_bandwidth(section),
        points=points,
    )
