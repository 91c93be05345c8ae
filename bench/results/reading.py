"""Read a results file written by ``vecbench run`` into small typed records, validating it.

Everything the charts and the report show comes from here. A file that is missing, empty, not
JSON, not ours (see the schema in the project brief) or without a single measured point raises
:class:`ResultsError` with a one-line message naming the file and the bad field.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from bench.results.schema import MEASURED, NOT_MEASURED, ORDERS, SCHEMA_VERSION, SKIPPED_BUDGET, STATUSES



class ResultsError(ValueError):
    """The results file cannot be used; the message is one line meant for the user."""


@dataclass(frozen=True)
class PointRecord:
    """One entry of the results read back: a point, its status and what was measured. Times in seconds per step."""

    impl: str
    m: int
    n_x: int
    dtype: str
    order: str
    status: str  # "measured", "skipped-budget" or "failed"
    median_s: float | None = None  # measured only, like q1_s / q3_s
    q1_s: float | None = None
    q3_s: float | None = None
    samples: tuple[float, ...] = ()  # measured: the rounds' times (sorted, at most MAX_SAMPLES); () in older files
    predicted_s: float | None = None  # skipped-budget only: the engine's extrapolation
    prediction_basis: str | None = None
    error: str | None = None  # failed only
    compile_s: float | None = None  # JIT implementations: first call minus median
    prepare_s: float | None = None  # moving the problem into the implementation's form, once
    bytes: int | None = None  # bytes of X and Y read once
    floor_s: float | None = None  # bytes / memory bandwidth
    fraction_of_floor: float | None = None  # floor_s / median_s
    achieved_GBps: float | None = None  # bytes / median_s / 1e9
    threads: int | None = None

    @property
    def measured(self) -> bool:
        return self.status == MEASURED

    @property
    def predicted(self) -> bool:
        return self.status == SKIPPED_BUDGET

    @property
    def time_s(self) -> float | None:
        """The measured median, or the prediction of a skipped point; None for a failed one."""
        return self.median_s if self.measured else self.predicted_s

    @property
    def layout(self) -> tuple[str, str]:
        return (self.dtype, self.order)


@dataclass(frozen=True)
class Estimate:
    """A number derived from the results; ``predicted`` when any input was a predicted time."""

    value: float
    predicted: bool


@dataclass(frozen=True)
class Bandwidth:
    """Memory read bandwidth measured by the run, GB/s (1e9 bytes per second)."""

    single_thread_GBps: float
    multi_thread_GBps: float
    multi_threads: int | None
    method: str
    #: The compute roof (bench.measure.compute_roof): samples per second of the per-sample math
    #: alone, 1 thread and multi_threads; None in files from before it was measured.
    single_thread_samples_per_s: float | None = None
    multi_thread_samples_per_s: float | None = None


@dataclass(frozen=True)
class ResultGrid:
    """The points of one (dtype, order): sizes sorted ascending, implementations in registry order."""

    dtype: str
    order: str
    impls: tuple[str, ...]
    ms: tuple[int, ...]
    nxs: tuple[int, ...]
    points: dict[tuple[str, int, int], PointRecord]

    @property
    def label(self) -> str:
        return f"{self.dtype}, {self.order} order"

    def point(self, impl: str, m: int, n_x: int) -> PointRecord | None:
        return self.points.get((impl, m, n_x))

    def time(self, impl: str, m: int, n_x: int) -> Estimate | None:
        """Seconds per step: measured, or the budget's prediction (marked); None if failed/absent."""
        point = self.point(impl, m, n_x)
        if point is None or point.time_s is None:
            return None
        return Estimate(point.time_s, point.predicted)

    def speedup(self, impl: str, baseline: str, m: int, n_x: int) -> Estimate | None:
        """``t_baseline / t_impl`` at one size; predicted if either time is."""
        mine, base = self.time(impl, m, n_x), self.time(baseline, m, n_x)
        if mine is None or base is None:
            return None
        return Estimate(base.value / mine.value, mine.predicted or base.predicted)

    def measured(self, impl: str) -> list[PointRecord]:
        return [p for p in self.points.values() if p.impl == impl and p.measured]


@dataclass(frozen=True)
class Results:
    """A validated results file."""

    path: Path
    sha256: str
    preset: str
    command: str
    started: str
    finished: str | None
    complete: bool
    threads: int | None
    machine: dict[str, Any]
    implementations: dict[str, dict]  # name → description, family, note (empty in older files)
    bandwidth: Bandwidth | None
    points: tuple[PointRecord, ...]

    @property
    def impls(self) -> tuple[str, ...]:
        """Implementation names in registry order (slowest family first): the order of the file's
        ``implementations`` section where it has one (why: an implementation none of whose
        points was measured is listed after the measured ones, and must keep its colour),
        else the order the file lists them."""
        listed = list(dict.fromkeys(p.impl for p in self.points))
        registry = [name for name in self.implementations if name in listed]
        return tuple(registry + [name for name in listed if name not in registry])

    @property
    def layouts(self) -> tuple[tuple[str, str], ...]:
        """(dtype, order) pairs present; the default float64 C first, then in file order."""
        seen = list(dict.fromkeys(p.layout for p in self.points))
        return tuple(sorted(seen, key=lambda lay: lay != ("float64", "C")))

    def grid(self, layout: tuple[str, str]) -> ResultGrid:
        chosen = [p for p in self.points if p.layout == layout]
        order = self.impls
        return ResultGrid(
            dtype=layout[0],
            order=layout[1],
            impls=tuple(i for i in order if any(p.impl == i for p in chosen)),
            ms=tuple(sorted({p.m for p in chosen})),
            nxs=tuple(sorted({p.n_x for p in chosen})),
            points={(p.impl, p.m, p.n_x): p for p in chosen},
        )

    def grids(self) -> list[ResultGrid]:
        return [self.grid(layout) for layout in self.layouts]


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
    elif status == SKIPPED_BUDGET:
        point.update(
            predicted_s=info.number("predicted_s", positive=True),
            prediction_basis=info.text("prediction_basis", required=False),
        )
    else:
        point.update(error=info.text("error", required=False) or "no message recorded")
    return PointRecord(**point)


def _samples(data: Any) -> tuple[float, ...]:
    """A measured point's round times, when the file keeps them (all finite positive numbers)."""
    if not isinstance(data, list):
        return ()
    ok = all(isinstance(t, (int, float)) and not isinstance(t, bool) and math.isfinite(t) and t > 0 for t in data)
    return tuple(sorted(float(t) for t in data)) if ok else ()


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
    return Results(
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
