"""The checks of a ``vecbench targets`` point: what must be reached (:class:`TargetPoint`) and
the verdicts on what was measured there: the judged kernel's fraction (timed side by side, see
bench.performance.side_by_side), the speedup over the reference and the margin over the peers."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import impls
from bench.results.intervals import median_interval
from bench.results.schema import REFERENCE
from bench.results.units import format_seconds

#: An implementation predicted (from smaller probes) or measured (first call) to need more than
#: this per call is not timed: it cannot be the fastest, and 7 rounds of it would take minutes.
MAX_CALL_S = 1.0


@dataclass(frozen=True)
class TargetPoint:
    """A problem size and what must be reached on it: ``judged`` at ≥ ``min_fraction_of_read`` of
    the read of X and Y timed beside it (of the attainable bound if ``of_attainable``); the
    fastest implementation ≥ ``min_speedup_over_reference`` × the reference and/or ahead of every
    peer. ``threads``: None for all cores; ``only``: the implementations to time (None: all)."""

    m: int
    n_x: int
    min_fraction_of_read: float
    judged: str = "numba-parallel"
    min_speedup_over_reference: float | None = None
    ahead_of_peers: bool = False
    threads: int | None = None
    only: tuple[str, ...] | None = None
    #: judged against the attainable bound (the slower of the read and the per-sample math)
    of_attainable: bool = False


#: the installed peers (the libraries users would pick instead of the suite's kernels)
PEERS = tuple(name for name, impl in impls.IMPLEMENTATIONS.items() if impl.family == "peer")


def point_checks(point: TargetPoint, entries: dict, floor: dict, side: dict | None) -> tuple[str | None, list[dict]]:
    """The fastest implementation's name and the point's checks (each with ``passed``); the
    judged fraction comes from ``side`` (see bench.performance.side_by_side; None: not timed)."""
    medians = {name: e["median_s"] for name, e in entries.items() if e["status"] == "measured"}
    if not medians:
        return None, [{"name": "measured", "passed": False, "detail": "no implementation was measured"}]
    fastest = min(medians, key=medians.get)
    name = "fraction_of_attainable" if point.of_attainable else "fraction_of_read_once"
    judged = side[name] if side else {"value": None}
    fraction = judged["value"]
    checks = [{"name": name, "implementation": point.judged, **judged,
               "threshold": point.min_fraction_of_read, "rounds": side["rounds"] if side else None,
               "fraction_of_floor": entries.get(point.judged, {}).get("fraction_of_floor"),
               "fraction_of_read_once": side["fraction_of_read_once"]["value"] if side else None,
               "fraction_of_attainable": side["fraction_of_attainable"]["value"] if side else None,
               "passed": fraction is not None and fraction >= point.min_fraction_of_read}]
    if point.min_speedup_over_reference is not None:
        checks.append(speedup_check(point, fastest, entries, floor["floor_s"]))
    if point.ahead_of_peers:
        checks.append(peer_check(fastest, entries, medians))
    return fastest, checks


def speedup_check(point: TargetPoint, fastest: str, entries: dict, floor_s: float) -> dict:
    """Is ``fastest`` at least ``point.min_speedup_over_reference`` × the reference? The speedup is
    the median over the shared rounds of the reference's time over the fastest's in the same
    round, with its interval (``low``, ``high``). Also records ``reachable``: the speedup of a
    step exactly at the floor, the most any implementation can reach over the reference as it
    ran in this very run (its median)."""
    check = {"name": f"speedup_over_{REFERENCE}", "value": None, "threshold": point.min_speedup_over_reference,
             "reachable": None, "passed": False}
    reference = entries.get(REFERENCE, {})
    if reference.get("status") != "measured":
        return check
    speedup = median_interval([r / f for r, f in zip(reference["times_s"], entries[fastest]["times_s"])])
    return {**check, **asdict(speedup),
            "reachable": reference["median_s"] / floor_s, "passed": speedup.value >= point.min_speedup_over_reference}


def slow_call_s(entry: dict) -> float | None:
    """A skipped-slow entry's measured first call, else its prediction (None if neither)."""
    return entry.get("first_call_s") or entry.get("predicted_s")


def peer_check(fastest: str, entries: dict, medians: dict) -> dict:
    """Is ``fastest`` ahead of every peer? ``value``: the best peer's time over the fastest of the
    suite's own implementations (below 1 when a peer is the fastest). A peer skipped as too slow
    counts with its measured first call or predicted time (said so in the detail); a failed peer
    makes the check fail."""
    peer_names = [name for name in PEERS if name in entries]
    check = {"name": "ahead_of_every_peer", "threshold": None, "peers": peer_names}
    if not peer_names:
        return {**check, "value": None, "passed": False, "detail": "no peer was timed (none is installed: "
                "pip install -e .[peers]; or --impl named none): nothing to compare with"}
    failed = [name for name in peer_names if entries[name]["status"] == "failed"]
    if failed:
        return {**check, "value": None, "passed": False, "detail": f"peer failed: {', '.join(failed)}"}
    peer_s = {name: medians.get(name) or slow_call_s(entries[name]) for name in peer_names}
    best_peer = min(peer_names, key=peer_s.get)
    own_s = [seconds for name, seconds in medians.items() if name not in peer_names]
    if not own_s:
        return {**check, "value": None, "passed": False, "detail": "none of the suite's own implementations was measured"}
    ratio = peer_s[best_peer] / min(own_s)  # > 1: the suite's fastest is ahead of the best peer
    slow = [name for name in peer_names if name not in medians]
    note = f"; not timed, too slow (≥ {format_seconds(MAX_CALL_S)}/call): {', '.join(slow)}" if slow else ""
    return {**check, "value": ratio, "passed": fastest not in peer_names and ratio > 1.0,
            "detail": f"best peer {best_peer}: {format_seconds(peer_s[best_peer])}{note}"}
