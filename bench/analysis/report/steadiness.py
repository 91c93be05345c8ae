"""The report's "How steady the machine was" section: the speed canary and honest threads."""

from __future__ import annotations

from bench.analysis.paired import UNSTEADY, canary_summary
from bench.analysis.report.markdown import table
from bench.results.reading import PointRecord, Results
from bench.results.units import format_seconds


def canary_sentence(results: Results) -> str:
    """One sentence: how much the machine's speed varied during the run, and what follows."""
    summary = canary_summary(results.canary)
    if summary is None:
        return ("This results file carries no speed canary (written before vecbench recorded one): "
                "how steady the machine was is unknown.")
    text = (f"The speed canary ({results.canary_workload or 'a fixed workload'}, timed in every round) "
            f"ran between 1.00× and {summary.range:.2f}× of its fastest time during this run "
            f"({summary.readings} readings over {summary.seconds:.0f} s, each a running median of 5).")
    if summary.unsteady:
        text += (f" That is beyond {UNSTEADY:.2f}×: this run's absolute times are less reliable than its "
                 "speedups, which divide rounds measured side by side.")
    else:
        text += f" Within {UNSTEADY:.2f}×: the machine was steady enough for its absolute times too."
    return text


def over_threads_points(results: Results) -> list[PointRecord]:
    """Measured points that used more CPU than their thread budget (``over_threads``)."""
    return [p for p in results.points if p.measured and p.over_threads]


def steadiness_section(results: Results, chart: str = "") -> str:
    """The section: the canary's sentence and chart, and the points over their thread budget."""
    parts = ["## How steady the machine was", canary_sentence(results), chart]
    interleaved = [p for p in results.points if p.measured and p.interleaved]
    if interleaved:
        parts.append(
            "Every size's implementations were timed in the same rounds, in an order shuffled every "
            "round, so each sampled the same machine states; speedups are the median of the "
            "per-round ratios, shown with their 95 % interval.")
        flagged = over_threads_points(results)
        if flagged:
            rows = [[p.impl, f"{p.m:,}", f"{p.n_x:,}", f"{p.dtype} {p.order}", format_seconds(p.median_s),
                     f"{p.parallelism:.2f}", str(p.threads)] for p in flagged]
            parts.append("**Points that used more CPU than their thread budget** (CPU seconds of the "
                         "process and its children over wall seconds while timed, more than 15 % above "
                         "the budget): their times are not a fair comparison.\n\n"
                         + table(["implementation", "m", "n_x", "layout", "median", "cores used", "budget"],
                                 rows, "lrrlrrr"))
        else:
            parts.append(f"No point used more CPU than its thread budget ({results.threads}) by more "
                         "than 15 % (CPU seconds of the process and its children over wall seconds while timed).")
    return "\n\n".join(part for part in parts if part)
