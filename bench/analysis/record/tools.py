"""The record's other sections, one per file: runs, tune's plans, ablations, scale sweeps."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from bench.analysis.report.markdown import table
from bench.analysis.report.scale_section import crossover_table, figures_table
from bench.analysis.report.speed import headline
from bench.analysis.scale import scale_figures
from bench.results.reading import load_results
from bench.results.scale import load_scale_results
from bench.results.units import format_duration, format_fraction, format_percent, format_seconds


def duration(started: str | None, finished: str | None) -> str:
    """'2 min 09 s' from two ISO times, '' when either is missing."""
    if not (started and finished):
        return ""
    return format_duration((datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds())


def run_section(path: Path) -> str:
    """A ``vecbench run`` file: preset, times, threads, and the report's headline from it."""
    results = load_results(path)
    took = duration(results.started, results.finished)
    facts = (f"`{results.command}`: preset `{results.preset}`, {results.threads} thread(s), started {results.started}"
             + (f", took {took}" if took else "") + ("" if results.complete else ", **incomplete**"))
    return f"{facts}.\n\n> {headline(results.grids()[0])}"


def plan_section(path: Path) -> str:
    """A copy of ``vecbench tune``'s plan: per regime the built-in default, the chosen variant and
    their medians on tune's problem."""
    document = json.loads(path.read_text())
    parts = []
    for plan in document.get("plans", []):
        valid = plan.get("valid_for", {})
        measured = {k: v for k, v in plan.get("measured", {}).items() if isinstance(v, dict)}
        rows = []
        for regime, entry in measured.items():
            medians = entry.get("median_s", {})
            default, best = entry.get("default"), entry.get("best")
            gain = (f"{medians[default] / medians[best]:.2f}×" if default in medians and best in medians
                    and best != default else "")
            rows.append([f"`{regime}`", f"{entry.get('n_x', '')}", f"{entry.get('m', 0):,}",
                         f"{default} ({_seconds(medians.get(default))})",
                         "the default" if best == default else f"{best} ({_seconds(medians.get(best))})",
                         gain, str(len(medians))])
        changed = sum(entry.get("best") != entry.get("default") for entry in measured.values())
        parts.append(f"Plan created {plan.get('created')} for {valid.get('cpu')} (`{valid.get('llvm_cpu')}`, "
                     f"{valid.get('cores')} cores), kernels {valid.get('kernel_version')}: {len(plan.get('variants', {}))} "
                     f"regimes, {changed} differ from the built-in defaults. Medians of tune's interleaved rounds:")
        if rows:
            parts.append(table(["regime", "n_x", "m", "built-in default (median)", "chosen (median)",
                                "default ÷ chosen", "candidates"], rows, "lrrllrr"))
        else:
            parts.append("(this copy does not hold what each candidate measured)")
    return "\n\n".join(parts)


def _seconds(value: float | None) -> str:
    return format_seconds(value) if value is not None else "?"


def ablation_section(path: Path) -> str:
    """A ``vecbench ablation`` file: each stage's median and fraction of the floor."""
    document = json.loads(path.read_text())
    bandwidth = document.get("bandwidth") or {}
    threads = document.get("threads", 1)
    probe = bandwidth.get("multi_thread_GBps" if threads > 1 else "single_thread_GBps")
    head = (f"m={document['m']:,}, n_x={document['n_x']:,}, {document['order']} order, {threads} thread(s), "
            f"{document.get('variant')} ({document.get('block')} samples per block, {document.get('variant_source')}), "
            f"{document.get('rounds')} interleaved rounds"
            + (f"; read bandwidth {probe:.1f} GB/s" if probe else "") + f"; started {document.get('started')}.")
    rows = []
    for name, stage in document.get("stages", {}).items():
        extra = "; ".join(f"{k} {format_fraction(v)}" for k, v in stage.items()
                          if "roof" in k and isinstance(v, (int, float)))
        rows.append([name, format_seconds(stage["median_s"]), format_fraction(stage["fraction_of_floor"]), extra])
    read, cached = document.get("read_once"), document.get("step_in_cache")
    if read and cached:  # why a check: files before 2026-12-02 evening have neither
        rows.append(["read X and Y once (same rounds)", format_seconds(read["median_s"]), "", ""])
        rows.append(["whole step, X in cache", format_seconds(cached["median_s"]), "",
                     f"read + this = {format_fraction(cached['read_plus_in_cache_over_step'])}× the whole step "
                     f"(1: they add up; {format_fraction(cached['overlap_bound'])}: they overlap completely)"])
    has_extra = any(row[-1] for row in rows)
    rows = [row if has_extra else row[:-1] for row in rows]
    return head + "\n\n" + table(["stage", "median", "fraction of the floor", *(["more"] if has_extra else [])],
                                 rows, "lrrl"[: len(rows[0])] if rows else "")


def scale_section(path: Path) -> str:
    """A ``vecbench scale`` file: the cluster, the fixed cost of a distributed step, the crossovers."""
    scale = load_scale_results(path)
    figures = scale_figures(scale)
    cluster = scale.dask_cluster or {}
    load = scale.load_average or {}
    took = duration(scale.started, scale.finished)
    head = (f"`{scale.command}`, started {scale.started}" + (f", took {took}" if took else "")
            + f"; {cluster.get('n_workers', '?')} Dask workers"
            + (" (embedded, loopback)" if cluster.get("embedded") else f" at `{cluster.get('scheduler')}`")
            + f", {scale.threads} thread(s) in process, median of {scale.rounds} steps"
            + (f"; 1-minute load average {load['start']:.2f} at the start" if load.get("start") is not None else "")
            + (f", {load['end']:.2f} at the end" if load.get("end") is not None else "")
            + ("" if scale.complete else "; **incomplete**") + ".")
    return "\n\n".join([head, figures_table(scale, figures), crossover_table(figures)])


def agreement_sentence(agreement: dict | None, most: int | None = None) -> str:
    """How far a noise summary's two runs' speedups over numpy-vectorized agreed, with the
    implementations that moved most (all, or the ``most`` first); "" in older summaries."""
    if not agreement:
        return ""
    moved = sorted(agreement["by_impl"].items(), key=lambda item: -item[1])[:most]
    return (f"The two runs' speedups over numpy-vectorized (the copy left out) differed by a median "
            f"{agreement['median']:.1%} (90th percentile {agreement['p90']:.1%}, {agreement['points']} points; "
            "median by implementation, most moved first: " + ", ".join(f"{impl} {change:.1%}" for impl, change in moved)
            + "). ")


def false_changes_sentence(points: list | None) -> str:
    """Which implementations a noise summary's false changes were, most first ("" without any:
    none, or an older summary). why: one implementation whose runtime shifts from process to
    process as a whole (an embedded Dask cluster) can take the whole rate over its bar."""
    counts: dict[str, int] = {}
    for point in points or ():
        counts[point[0]] = counts.get(point[0], 0) + 1
    if not counts:
        return ""
    listed = ", ".join(f"{impl} {n}" for impl, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    return f"False changes by implementation: {listed}. "


def noise_section(path: Path) -> str:
    """A ``vecbench noise`` summary: compare's false-change and detection rates on its A/A and A/B
    pair, the noise between the runs and the canary's range in each."""
    document = json.loads(path.read_text())

    def rate(count: str, total: str, share: str) -> str:
        value = document.get(share)
        return f"{document.get(count)} of {document.get(total)}" + ("" if value is None else f" ({format_percent(value)})")

    ranges = document.get("canary_range") or {}
    rows = [[f"`{document.get('preset')}`", f"{document.get('impl')} ×{document.get('factor'):g}",
             rate("false_changes", "points_unchanged", "false_change_rate"),
             rate("detected", "points_slowed", "detection_rate"),
             f"{document.get('noise_sigma', 0):.1%}",
             " / ".join("—" if ranges.get(run) is None else f"{ranges[run]:.2f}×" for run in ("a", "b"))]]
    head = (f"Started {document.get('started', '?')}, {document.get('threads')} thread(s), "
            f"{document.get('runs_per_side') or 1} run(s) per side; points of at "
            "least 50 µs. Verdict: " + str(document.get("verdict", "none recorded")) + ". "
            + false_changes_sentence(document.get("false_change_points"))
            + agreement_sentence(document.get("speedup_agreement")))
    return "\n\n".join([head, table(["grid", "slowed in B", "false changes (A/A)", "detected (A/B)",
                                       "noise σ", "canary range A / B"], rows, "llrrrr")])
