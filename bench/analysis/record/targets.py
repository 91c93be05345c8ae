"""The record's targets tables: one per ``targets-*.json``, every figure read from the file.

Two vintages of the file are read: the current one judges ``numba-parallel`` (or ``numba-fused``
on one thread) by the read of X and Y timed in the same rounds (check ``fraction_of_read_once``,
the probe's floor beside it; from 2026-12-03 on, timed side by side in rounds of their own, the
median of the rounds' ratios with its interval); files written before 2026-12-02 judged it by
the probe's floor (check ``fraction_of_floor``, the read beside it as ``of_read_once``). The
column the point was judged by is marked; the other is shown in brackets. Fields the record
does not know (a new check, a new figure) are shown by name, so that a newer file never loses a
column.
"""

from __future__ import annotations

from bench.analysis.report.markdown import table
from bench.results.schema import REFERENCE
from bench.results.units import format_against, format_bounds, format_fraction, format_ratio, format_seconds
from impls import _fused_plan

#: the yardsticks a point may be judged by (fraction_of_attainable: the slower of the read and the
#: per-sample math, for few features)
JUDGED_CHECKS = ("fraction_of_read_once", "fraction_of_floor", "fraction_of_attainable")
SPEEDUP_CHECK = f"speedup_over_{REFERENCE}"
PEER_CHECK = "ahead_of_every_peer"
KNOWN_CHECKS = (*JUDGED_CHECKS, SPEEDUP_CHECK, PEER_CHECK)
#: fields a point carries that the record shows when present (e.g. a compute roof)
ROOF_WORD = "roof"


def _power(value: int) -> str:
    """10⁶ for 1,000,000; the number itself when it is not a power of ten."""
    text = str(value)
    if value >= 10 and text.strip("0") == "1":
        return "10" + "".join("⁰¹²³⁴⁵⁶⁷⁸⁹"[int(d)] for d in str(len(text) - 1))
    return f"{value:,}"


def point_label(point: dict) -> str:
    return f"({_power(point['m'])}, {point['n_x']:,})"


def _judged(point: dict) -> tuple[dict | None, str | None]:
    """The yardstick check and the implementation it judged."""
    check = next((c for c in point["checks"] if c["name"] in JUDGED_CHECKS), None)
    if check is None:
        return None, None
    name = check.get("implementation")
    if name is None:  # older files: the implementation whose fraction the check holds
        name = next((impl for impl, entry in point["implementations"].items()
                     if entry.get("fraction_of_floor") == check.get("value")), None)
    return check, name


def _mark(text: str, passed: bool) -> str:
    return f"**{text}**" if passed else text


def _fractions(check: dict | None) -> str:
    """'0.80 (0.77)': the judged fraction first (bold if it met the threshold), the other in brackets;
    a fraction of the attainable bound says so, with the fraction of the read in brackets."""
    if check is None or check.get("value") is None:
        return "—"
    text = _mark(format_against(check["value"], check["threshold"]), check["passed"])
    text += format_bounds(check) + f" ≥ {check['threshold']}"
    if check["name"] == "fraction_of_attainable":
        other = check.get("fraction_of_read_once")
        return text + " of attainable" + (f" ({format_fraction(other)} of the read)" if other is not None else "")
    other = check.get("fraction_of_floor") if check["name"] == "fraction_of_read_once" else check.get("of_read_once")
    return text + (f" ({format_fraction(other)})" if other is not None else "")


def _speedup(point: dict) -> str:
    check = next((c for c in point["checks"] if c["name"] == SPEEDUP_CHECK), None)
    if check is None or check.get("value") is None:
        return ""
    text = _mark(format_ratio(check["value"]), check["passed"]) + format_bounds(check, format_ratio)
    return text + (f" ({format_ratio(check['reachable'])})" if check.get("reachable") else "")


def _peer(point: dict) -> tuple[str, str]:
    """(best peer and its time, its time ÷ the fastest non-peer implementation's): the margin of
    the suite's own kernels; in bold when the point's peer check passed."""
    names = _peer_names(point)
    measured = {name: entry["median_s"] for name, entry in point["implementations"].items()
                if entry.get("status") == "measured"}
    peers = {name: s for name, s in measured.items() if name in names}
    own = {name: s for name, s in measured.items() if name not in names}
    if not peers or not own:
        return "", ""
    best = min(peers, key=peers.get)
    check = next((c for c in point["checks"] if c["name"] == PEER_CHECK), None)
    ratio = format_ratio(peers[best] / min(own.values()))
    return f"{best} ({format_seconds(peers[best])})", _mark(ratio, bool(check and check["passed"]))


def _peer_names(point: dict) -> set[str]:
    """The peers the point names (its peer check), else the registry's peer names."""
    for check in point["checks"]:
        if check["name"] == PEER_CHECK and check.get("peers"):
            return set(check["peers"])
    from impls import peers

    return {name for name, _ in peers.PEERS}


def _variant(document: dict, point: dict) -> str:
    """The plan's variant for the point's regime (and its block in samples), if the file
    recorded a plan."""
    variants = ((document.get("machine") or {}).get("fused_kernel_plan") or {}).get("variants")
    threads = point.get("threads") or document.get("threads")
    if not variants or threads is None:
        return ""
    regime = _fused_plan.regime_of(point["order"], point.get("dtype", "float64"), point["n_x"], threads)
    if regime.key not in variants:
        return ""
    walk, block_bytes = variants[regime.key]
    if walk not in _fused_plan.WALK_NAMES:
        return f"walk {walk} ({block_bytes} bytes)"
    variant = _fused_plan.Variant(walk, block_bytes)
    return f"{_fused_plan.WALK_NAMES[walk]} ({variant.block(point['n_x'])})"


def _extra(point: dict, judged: str | None) -> list[str]:
    """Figures beyond the known ones: other checks, and any field naming a roof (point or judged
    implementation), as ``name value``."""
    texts = [f"{c['name']} {'PASS' if c['passed'] else 'FAIL'}"
             + (f" {c['value']:.3g}" if isinstance(c.get("value"), float) else "")
             for c in point["checks"] if c["name"] not in KNOWN_CHECKS]
    entry = point["implementations"].get(judged, {}) if judged else {}
    for source in (point, entry):
        for key, value in source.items():
            if ROOF_WORD in key and isinstance(value, (int, float)) and not isinstance(value, bool):
                texts.append(f"{key} {format_fraction(value) if 'fraction' in key else f'{value:.3g}'}")
    return texts


def targets_table(document: dict) -> str:
    """One row per point: the judged kernel's fractions, the speedups, the peers, the verdict."""
    has_variant = any(_variant(document, p) for p in document["points"])
    header = ["point", "order", "threads", "judged", *(["plan's variant (block)"] if has_variant else []),
              "fraction of the read (or floor, or attainable bound), judged (other)", f"× {REFERENCE} (most reachable)",
              "best peer (its time)", "× best peer (÷ our fastest)", "fastest", "verdict"]
    extras = {id(p): _extra(p, _judged(p)[1]) for p in document["points"]}
    if any(extras.values()):
        header.insert(-1, "more")
    rows = []
    for point in document["points"]:
        check, judged = _judged(point)
        peer, ratio = _peer(point)
        row = [point_label(point), point["order"], str(point.get("threads") or document.get("threads", "")),
               f"`{judged}`" if judged else "—", *([_variant(document, point)] if has_variant else []),
               _fractions(check), _speedup(point), peer, ratio, f"`{point['fastest']}`" if point.get("fastest") else "—",
               "PASS" if point["passed"] else "FAIL"]
        if any(extras.values()):
            row.insert(-1, "; ".join(extras[id(point)]))
        rows.append(row)
    return table(header, rows, "l" * len(header))


def yardstick_sentence(document: dict) -> str:
    names = {c["name"] for p in document["points"] for c in p["checks"]}
    if any(c.get("low") is not None for p in document["points"] for c in p["checks"]):
        return ("Judged by the read of the same X and Y (or the attainable bound) timed side by side with the kernel "
                f"in {document.get('judge_rounds', '?')} rounds of their own: the median of the rounds' ratios, its "
                "95% interval in square brackets (the probe's floor in brackets); bold meets its target.")
    if "fraction_of_read_once" in names:
        return ("Judged by the read of the same X and Y in the same rounds (the probe's floor in brackets); "
                "bold meets its target.")
    return "Judged by the probe's floor (this file predates the same-round read; the read in brackets); bold meets its target."


def summary_lines(document: dict) -> list[str]:
    """The bandwidth probe, the compile-cache check and the overall verdict, as list items."""
    lines = []
    bandwidth = document.get("bandwidth") or {}
    if bandwidth.get("multi_thread_GBps"):
        lines.append(f"read bandwidth (probe at the start): {bandwidth['single_thread_GBps']:.1f} GB/s on 1 thread, "
                     f"{bandwidth['multi_thread_GBps']:.1f} GB/s on {bandwidth.get('multi_threads', '?')}")
    cache = document.get("compile_cache")
    if cache:
        compiles = ", ".join(f"`{name}` {format_seconds(s)}" for name, s in cache.get("first_compile_s", {}).items())
        plan = {True: "; the same fused-kernel plan, not re-tuned", False: "; NOT the same plan"}.get(
            cache.get("plan_reused"), "")
        lines.append(f"on-disk cache check: {'PASS' if cache['passed'] else 'FAIL'} (first compiles: {compiles}){plan}")
    failed = sum(not p["passed"] for p in document["points"])
    lines.append(f"{len(document['points']) - failed} of {len(document['points'])} points pass"
                 + ("" if document.get("complete", True) else "; **incomplete** (interrupted)")
                 + (" (`--quick`: small sizes, verdicts mean nothing)" if document.get("quick") else ""))
    return [f"- {line}" for line in lines]
