"""``vecbench compare A.json B.json [C.json ...]``: your machine beside others, or a change beside
the noise.

Two files: per point measured in both (matched by implementation, m, n_x, dtype, order and
threads) the ratio B/A of the medians, with the machine's change of speed between the runs removed,
its interval and a verdict (faster / slower / same, see :mod:`.verdicts`), a summary per
implementation and the largest changes; ``--json`` writes the same per point, ``--fail-on-slower``
exits 1 when a point is slower beyond the noise (for CI gates). ``A1 A2 A3 --vs B1 B2 B3``: the
same, each side's runs pooled first (:mod:`bench.analysis.pooled`: on a machine whose processes
each have a speed of their own, the way to a verdict that holds). Three or more (a
class, a fleet): per machine the headline speedups at the sizes every file measured. Either way
the machines' differences that explain the numbers are put side by side. Markdown goes to stdout
(or ``--out``), charts (PNG and SVG) to ``--charts-dir``. Bad input exits 2 with one line.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from pathlib import Path

from bench.analysis.compare import charts, verdicts
from bench.analysis.compare.verdicts import SLOWER, VERDICTS, Change, Comparison, compare_runs
from bench.analysis.pooled import PoolError, pool_runs
from bench.analysis.report.machine import bandwidth_text, blas_text, caches_text
from bench.analysis.report.markdown import table
from bench.cli import OneLineParser, fail
from bench.results.intervals import quantile
from bench.results.reading import Results, ResultsError, load_results
from bench.results.schema import BASELINE, DEFAULT_RESULTS, REFERENCE, REFERENCE_RUN
from bench.results.units import format_ratio, format_seconds

PROG = "vecbench compare"
DEFAULT_CHARTS_DIR = Path("reports/compare")
LARGEST = 5  # changes listed each way
HEADLINES = (f"fastest / {BASELINE}", f"{REFERENCE} / {BASELINE}", f"fastest / {REFERENCE}")


class CompareError(ValueError):
    """The files cannot be compared (one line for the user)."""


def machine_label(results: Results) -> str:
    return f"{results.machine.get('cpu', 'unknown CPU')} ({results.path.name})"


def machines_section(files: list[Results]) -> str:
    """What differs between the machines, side by side."""
    rows = [
        ["CPU", *(f"{r.machine.get('cpu', '?')} ({r.machine.get('cores', '?')} cores)" for r in files)],
        ["caches", *(caches_text(r.machine) for r in files)],
        ["BLAS", *(blas_text(r.machine) for r in files)],
        ["threads used", *(str(r.threads or "?") for r in files)],
        ["memory read bandwidth", *("not measured" if r.bandwidth is None else bandwidth_text(r.bandwidth)
                                    for r in files)],
        ["started", *(r.started for r in files)],
    ]
    header = ["", *(f"{'AB'[i] + ': ' if len(files) == 2 else ''}`{r.path.name}`" for i, r in enumerate(files))]
    return "### The machines\n\n" + table(header, rows, "l" * (len(files) + 1))


def _change_row(change: Change) -> list[str]:
    impl, m, n_x, dtype, order, threads = change.key
    return [impl, f"{m:,}", f"{n_x:,}", f"{dtype} {order}", str(threads), format_seconds(change.a.median_s),
            format_seconds(change.b.median_s), format_ratio(change.raw_ratio), format_ratio(change.ratio),
            f"{format_ratio(change.low)}–{format_ratio(change.high)}", change.verdict]


CHANGE_HEADER = ["implementation", "m", "n_x", "layout", "threads", "A", "B", "B / A as measured",
                 "B / A, weather removed", "interval", "verdict"]
CHANGE_ALIGN = "lrrlrrrrrrl"


def _largest(title: str, found: list[Change]) -> str:
    if not found:
        return f"{title}: no point."
    return f"{title}:\n\n" + table(CHANGE_HEADER, [_change_row(c) for c in found], CHANGE_ALIGN)


def noise_text(a: Results, b: Results, comparison: Comparison) -> str:
    """What the verdicts account for: the noise between the runs, the sizes' shifts, the canaries."""
    shifts = sorted(comparison.size_shifts.values())
    timed, called = verdicts.called_among_timed(comparison.changes)
    parts = [f"Noise between the two runs, weather removed: σ = {comparison.noise:.1%} of a point's time.",
             f"Of the {timed} points of at least {format_seconds(verdicts.NOISE_FLOOR_S)} in both runs, "
             f"{called} {'was' if called == 1 else 'were'} called changed (on unchanged code, the share "
             "of false changes)."]
    if shifts:
        parts.append(f"Each size's implementations moved together by {format_ratio(shifts[0])} to "
                     f"{format_ratio(shifts[-1])} (median {format_ratio(statistics.median(shifts))}): the "
                     "machine's speed (or a change common to every implementation), removed before the verdicts.")
    if comparison.speedup_changes:
        changes = comparison.speedup_changes
        parts.append(f"The speedups over {REFERENCE} of the two runs differ by a median "
                     f"{statistics.median(changes):.1%} (90th percentile {quantile(changes, 0.9):.1%}) "
                     f"over {len(changes)} points.")
    if comparison.canary_ratio is None:
        missing = " and ".join(f"`{r.path.name}`" for r in (a, b) if not r.canary)
        parts.append(f"{missing} carries no speed canary (recorded by vecbench run from this version on).")
    else:
        parts.append(f"The speed canary's median reading, B over A: {format_ratio(comparison.canary_ratio)} "
                     "(above 1: the machine was slower during B).")
    return " ".join(parts)


def _pooled_text(a: Results, b: Results) -> str:
    """A sentence on pooled sides ("" when each side is one run)."""
    runs = {side: r.path.name.count("+") + 1 for side, r in (("A", a), ("B", b))}
    if max(runs.values()) == 1:
        return ""
    return (f"A pools {runs['A']} run(s), B {runs['B']}: each point's time is the geometric mean of its "
            "runs' medians, and its rounds are pooled (paired within each run). The noise between the "
            "sides then averages over the runs' processes, each of which has a speed of its own.")


def two_files_markdown(a: Results, b: Results, comparison: Comparison, charts_link: str | None = None) -> str:
    found = comparison.changes
    by_impl: dict[str, list[Change]] = {}
    for change in found:
        by_impl.setdefault(change.key[0], []).append(change)
    pooled = comparison.implementations or {}
    summary = [[impl, format_ratio(pooled[impl][0]) if impl in pooled else "—",
                f"{format_ratio(pooled[impl][1])}–{format_ratio(pooled[impl][2])}" if impl in pooled else "—",
                *(str(sum(c.verdict == v for c in mine)) for v in VERDICTS)]
               for impl, mine in by_impl.items()]
    ordered = sorted(found, key=lambda c: c.ratio)
    parts = [
        f"## `{b.path.name}` (B) against `{a.path.name}` (A)",
        _pooled_text(a, b),
        f"{len(found)} points measured in both. B / A is B's median time over A's: below 1× B is "
        "faster. The verdicts account for the variation between runs, not only within one: each "
        "point's ratio is taken relative to the other implementations of its size (timed side by "
        "side, they share the machine's weather), and its interval combines the noise measured "
        "between the two runs with the point's own rounds. *slower* or *faster* needs the whole "
        "interval on one side of 1× and a change of at least 5 %, or the implementation's points "
        "pooled showing that change and this point moving the same way by at least 5 %; anything "
        "else is *same*.",
        noise_text(a, b, comparison),
        machines_section([a, b]),
        "### Per implementation\n\n" + table(["implementation", "B / A, its points pooled", "interval", *VERDICTS], summary),
        "### The largest changes\n\n" + _largest("B faster", [c for c in ordered if c.ratio < 1][:LARGEST])
        + "\n\n" + _largest("B slower", [c for c in ordered[::-1] if c.ratio > 1][:LARGEST]),
        "### Every shared point\n\n" + table(CHANGE_HEADER, [_change_row(c) for c in found], CHANGE_ALIGN),
        f"![B / A per point]({charts_link}/compare_ratio.png)" if charts_link is not None else "",
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def comparison_json(a: Results, b: Results, comparison: Comparison) -> dict:
    """``--json``: per shared point its ratio (B / A, weather removed), interval and verdict."""
    points = [{"impl": c.key[0], "m": c.key[1], "n_x": c.key[2], "dtype": c.key[3], "order": c.key[4],
               "threads": c.key[5], "a_median_s": c.a.median_s, "b_median_s": c.b.median_s,
               "raw_ratio": c.raw_ratio, "ratio": c.ratio, "interval": [c.low, c.high], "verdict": c.verdict,
               "evidence": c.evidence}
              for c in comparison.changes]
    pooled = {impl: {"ratio": ratio, "interval": [low, high], "points": n}
              for impl, (ratio, low, high, n) in (comparison.implementations or {}).items()}
    agreement = verdicts.speedup_agreement(a, b)
    timed, called = verdicts.called_among_timed(comparison.changes)
    return {"a": str(a.path), "b": str(b.path), "noise_sigma": comparison.noise,
            "canary_ratio": comparison.canary_ratio, "speedup_over_reference_change": agreement,
            "counts": {v: sum(p["verdict"] == v for p in points) for v in VERDICTS},
            "timed_points": {"min_median_s": verdicts.NOISE_FLOOR_S, "points": timed, "changed": called},
            "implementations": pooled, "points": points}


def headline_speedups(results: Results, sizes: set[tuple]) -> dict[str, float]:
    """The median over ``sizes`` (m, n_x, dtype, order) of each of :data:`HEADLINES`."""
    values: dict[str, list[float]] = {name: [] for name in HEADLINES}
    for m, n_x, dtype, order in sizes:
        times = {p.impl: p.median_s for p in results.points
                 if p.measured and (p.m, p.n_x, p.dtype, p.order) == (m, n_x, dtype, order)}
        fastest = min(times.values())
        values[HEADLINES[0]].append(times[BASELINE] / fastest)
        values[HEADLINES[1]].append(times[BASELINE] / times[REFERENCE])
        values[HEADLINES[2]].append(times[REFERENCE] / fastest)
    return {name: statistics.median(series) for name, series in values.items()}


def shared_sizes(files: list[Results]) -> set[tuple]:
    """The sizes where every file measured both baselines."""
    def sizes(results: Results) -> set[tuple]:
        found = {impl: {(p.m, p.n_x, p.dtype, p.order) for p in results.points if p.measured and p.impl == impl}
                 for impl in (BASELINE, REFERENCE)}
        return found[BASELINE] & found[REFERENCE]

    return set.intersection(*(sizes(r) for r in files))


def many_files_markdown(files: list[Results], sizes: set[tuple],
                        charts_link: str | None = None) -> tuple[str, dict[str, list[float]]]:
    per_file = [headline_speedups(r, sizes) for r in files]
    rows = [[machine_label(r), *(format_ratio(s[name]) for name in HEADLINES)] for r, s in zip(files, per_file)]
    parts = [
        f"## {len(files)} machines",
        f"Median speedups over the {len(sizes)} sizes (m, n_x, dtype, order) where every file "
        f"measured both {BASELINE} and {REFERENCE}; *fastest* is the fastest implementation at each size.",
        table(["machine (file)", *HEADLINES], rows),
        machines_section(files),
        f"![Headline speedups per machine]({charts_link}/compare_machines.png)" if charts_link is not None else "",
    ]
    return "\n\n".join(part for part in parts if part) + "\n", {name: [s[name] for s in per_file] for name in HEADLINES}


def compare_markdown(files: list[Results], charts_dir: Path | None = None, charts_link: str | None = None) -> str:
    """The comparison's Markdown; with ``charts_dir``, its charts are drawn there and embedded by
    ``charts_link`` (the folder as the Markdown's reader sees it; default ``charts_dir``).
    CompareError if the files share no measured point (two files) or no size with both
    baselines (more)."""
    if charts_dir is not None and charts_link is None:
        charts_link = Path(charts_dir).as_posix()
    if len(files) == 2:
        comparison = compare_runs(*files)
        found = comparison.changes
        if not found:
            raise CompareError(f"{files[0].path} and {files[1].path} have no measured point in common "
                               "(same implementation, m, n_x, dtype, order and threads)")
        if charts_dir is not None:
            charts_dir.mkdir(parents=True, exist_ok=True)
            charts.ratio_chart(found, *files, charts_dir)
        return two_files_markdown(*files, comparison, charts_link)
    sizes = shared_sizes(files)
    if not sizes:
        raise CompareError(f"the {len(files)} files share no size where all measured {BASELINE} and {REFERENCE}")
    text, speedups = many_files_markdown(files, sizes, charts_link)
    if charts_dir is not None:
        charts_dir.mkdir(parents=True, exist_ok=True)
        charts.machines_chart([machine_label(r).replace(" (", "\n(") for r in files], speedups, charts_dir)
    return text


def parse_args(argv: list[str]):
    parser = OneLineParser(prog=PROG, description=__doc__.split("\n\n")[0].replace("``", ""))
    parser.add_argument("files", nargs="*", metavar="RESULTS", help="results files of vecbench run")
    parser.add_argument("--vs", nargs="+", metavar="RESULTS",
                        help="pool the files given before --vs as A and these as B, and compare the two (runs "
                             "of one machine and thread count; more runs per side, steadier verdicts)")
    parser.add_argument("--against-reference", action="store_true",
                        help=f"compare one file (default {DEFAULT_RESULTS}) with the reference run {REFERENCE_RUN}")
    parser.add_argument("--out", help="write the Markdown here instead of printing it")
    parser.add_argument("--json", metavar="PATH", help="two files: also write each shared point's ratio, interval and verdict as JSON")
    parser.add_argument("--fail-on-slower", action="store_true",
                        help="two files: exit with status 1 when any point of B is slower than A beyond the noise (for CI gates)")
    parser.add_argument("--charts-dir", help=f"where the charts go (default: charts/ next to --out, else {DEFAULT_CHARTS_DIR})")
    args = parser.parse_args(argv)
    if args.vs is not None:
        if args.against_reference or not args.files:
            parser.error("--vs compares the files before it (A, pooled) with those after it (B, pooled); "
                         f"give at least one before it{' and no --against-reference' if args.against_reference else ''}")
        args.sides = [args.files, args.vs]
        args.files = [*args.files, *args.vs]
        return args
    args.sides = None
    if args.against_reference:
        if len(args.files) > 1:
            parser.error("--against-reference compares one file with the reference; give at most one")
        args.files = [str(REFERENCE_RUN), args.files[0] if args.files else str(DEFAULT_RESULTS)]
    elif len(args.files) < 2:
        parser.error(f"give at least two results files (or one with --against-reference); got {len(args.files)}")
    if (args.json or args.fail_on_slower) and len(args.files) != 2:
        parser.error(f"--json and --fail-on-slower compare two files; got {len(args.files)}")
    if args.json and not args.json.endswith(".json"):
        parser.error(f"--json must name a .json file; got {args.json!r}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    out = Path(args.out) if args.out else None
    charts_dir = Path(args.charts_dir) if args.charts_dir else (out.parent / "charts" if out else DEFAULT_CHARTS_DIR)
    try:
        files = [load_results(path) for path in args.files]
        if args.sides is not None:
            files = [pool_runs(files[:len(args.sides[0])]), pool_runs(files[len(args.sides[0]):])]
        link = Path(os.path.relpath(charts_dir, out.parent)).as_posix() if out else None
        text = compare_markdown(files, charts_dir, link)
    except (ResultsError, CompareError, PoolError) as exc:
        return fail(PROG, str(exc))
    status = 0
    if len(files) == 2 and (args.json or args.fail_on_slower):
        comparison = compare_runs(*files)
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(json.dumps(comparison_json(*files, comparison), indent=1) + "\n")
        slower = [c for c in comparison.changes if c.verdict == SLOWER]
        if args.fail_on_slower and slower:
            print(f"{PROG}: {len(slower)} points slower beyond the noise (--fail-on-slower)", file=sys.stderr)
            status = 1
    if out is None:
        sys.stdout.write(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"{PROG}: wrote {out} and the charts in {charts_dir}")
    return status
