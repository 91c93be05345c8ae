"""How ``vecbench targets`` prints what it measured: a point's table and verdicts, the cache check."""

from __future__ import annotations

from bench.results.schema import REFERENCE
from bench.results.units import format_against, format_bounds, format_fraction, format_ratio, format_seconds

#: The name of the read of X and Y timed beside the implementations (see targets.measure_point).
READ_ONCE = "(read X and Y once)"
#: The name of the per-sample math alone (cache-resident z and y), timed beside them too.
MATH_ONLY = "(per-sample math)"
#: A preparation this long is printed beside the step's time (shorter ones are only recorded).
PREPARE_SHOWN_S = 1e-3


def _fraction(value: float | None) -> str:
    return "n/a" if value is None else format_fraction(value)


def _when(check: dict) -> str:
    """How the judged kernel and its yardstick were timed together."""
    return "in the same rounds" if check.get("low") is None else f"side by side in {check['rounds']} rounds"


def _format_check(check: dict) -> str:
    value = check.get("value")
    judged = "n/a" if value is None else format_against(value, check.get("threshold")) + format_bounds(check)
    if check["name"] == "fraction_of_read_once":
        text = (f"{check['implementation']} at {judged} of a read of X and Y timed {_when(check)} "
                f"(≥ {check['threshold']})")
        if check.get("fraction_of_attainable") is not None:
            text += f"; {format_fraction(check['fraction_of_attainable'])} of the attainable bound"
        if check.get("fraction_of_floor") is not None:
            text += f"; {format_fraction(check['fraction_of_floor'])} of the probe's floor"
    elif check["name"] == "fraction_of_attainable":
        text = (f"{check['implementation']} at {judged} of the attainable bound, the slower of the "
                f"read and the per-sample math timed {_when(check)} (≥ {check['threshold']}); "
                f"{_fraction(check.get('fraction_of_read_once'))} of the read")
    elif check["name"].startswith("speedup"):
        shown = format_ratio(value) if value is not None else "n/a"
        if check.get("low") is not None:  # files from 2026-12-03 on: paired over the shared rounds
            shown += f" [{format_ratio(check['low'])}–{format_ratio(check['high'])}, paired by round]"
        text = f"{shown} {REFERENCE} (≥ {format_ratio(check['threshold'])})"
        if check.get("reachable") is not None:
            text += f"; at most {format_ratio(check['reachable'])} reachable: {REFERENCE} is at " \
                    f"{format_fraction(1 / check['reachable'])} of the floor"
    elif check["name"] == "ahead_of_every_peer" and value is not None:
        text = f"{format_ratio(value)} the best peer ({check['detail']})"
    else:
        text = check.get("detail", check["name"])
    return f"{'PASS' if check['passed'] else 'FAIL'} {text}"


def point_lines(result: dict) -> list[str]:
    """A point's lines of the printed table."""
    threads = result.get("threads")
    head = (f"m={result['m']:.0e} n_x={result['n_x']} {result['order']}"
            f"{'' if threads is None else f', {threads} thread' + ('s' * (threads > 1))}: floor "
            f"{format_seconds(result['floor_s'])}, fastest {result['fastest']}")
    if result.get("fits_in_cache"):
        head += (f" (X and Y, {result['bytes'] / 2**20:.0f} MiB, fit in the "
                 f"{result['last_level_cache_bytes'] / 2**20:.0f} MiB last-level cache: partly read from cache)")
    lines = [head]
    read = result.get("read_once")
    if read:
        lines.append(f"    {READ_ONCE:<20} {format_seconds(read['median_s']):>10}  "
                     f"{format_fraction(result['floor_s'] / read['median_s']):>5} of floor  "
                     f"{read['achieved_GBps']:6.2f} GB/s")
    math = result.get("per_sample_math")
    if math:
        lines.append(f"    {MATH_ONLY:<20} {format_seconds(math['median_s']):>10}  "
                     f"{math['samples_per_s'] / 1e6:7.3g} M samples/s: bound by {math['bound_by']}")
    for name, entry in result["implementations"].items():
        if entry["status"] == "measured":
            lines.append(f"    {name:<20} {format_seconds(entry['median_s']):>10}  "
                         f"{format_fraction(entry['fraction_of_floor']):>5} of floor  "
                         f"{entry['achieved_GBps']:6.2f} GB/s  "
                         f"{format_fraction(entry['fraction_of_read_once']):>5} of read once"
                         + (f"  {format_fraction(entry['fraction_of_attainable']):>5} of attainable"
                            if entry.get("fraction_of_attainable") is not None else "")
                         + (f"  (prepared once in {format_seconds(entry['prepare_s'])})"
                            if entry.get("prepare_s", 0) >= PREPARE_SHOWN_S else ""))
        else:
            reason = entry.get("error") or f"~{format_seconds(entry.get('predicted_s') or entry.get('first_call_s'))}/call"
            lines.append(f"    {name:<20} {entry['status']}: {reason}")
    lines += [f"  {_format_check(check)}" for check in result["checks"]]
    return lines


def cache_lines(cache: dict) -> list[str]:
    verdict = "PASS" if cache["passed"] else "FAIL"
    detail = "every compiled function loaded from cache" if cache["passed"] else (
        f"recompiled: {', '.join(cache['recompiled']) or 'nothing loaded from cache'}")
    lines = [f"{verdict} second process, Numba on-disk cache: {detail}; fused-kernel plan "
             f"{'the same, not re-tuned' if cache.get('plan_reused') else 'NOT the same'}"]
    for name, seconds in cache["first_compile_s"].items():
        compiled = f"first compile {format_seconds(seconds)}, then " if cache["fresh_cache"] else ""
        lines.append(f"    {name:<20} {compiled}loaded from cache in {format_seconds(cache['cache_load_s'][name])}")
    return lines


def compute_roof_line(roof: dict | None) -> str:
    """The run's compute roof (bench.measure.compute_roof), as printed at the start."""
    if not roof:
        return "compute roof: not measured"
    return (f"compute roof (per-sample math alone): {roof['single_thread_samples_per_s'] / 1e6:.0f} M samples/s "
            f"on 1 thread, {roof['multi_thread_samples_per_s'] / 1e6:.0f} M on {roof['multi_threads']}")
