"""Human-readable numbers shared by the charts and the report (one formatting everywhere)."""

from __future__ import annotations

import math

_TIME_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))


def format_number(value: float, digits: int = 3) -> str:
    """``digits`` significant digits, never in exponent notation above 1: 1234.5 → '1,234'."""
    return f"{value:,.0f}" if value >= 10**digits - 0.5 else f"{value:.{digits}g}"


def format_fraction(value: float) -> str:
    """A fraction of a limit: two decimals, or two significant digits below 0.1 (0.0012)."""
    return f"{value:.2f}" if value >= 0.095 else f"{value:.2g}"


def format_against(value: float, bar: float) -> str:
    """:func:`format_fraction`, with more decimals while rounding would make ``value`` read as
    ``bar`` (0.849 beside a bar of 0.85 is '0.849', not '0.85')."""
    text = format_fraction(value)
    for digits in (3, 4):
        if value == bar or float(text) != bar:
            break
        text = f"{value:.{digits}f}"
    return text


def format_percent(rate: float) -> str:
    """A rate as a whole percentage, with one decimal where rounding would hide a part of a
    percent (0.054 → '5.4%', not '5%' beside a bar of 5 %)."""
    percent = rate * 100
    return f"{percent:.0f}%" if abs(percent - round(percent)) < 0.05 else f"{percent:.1f}%"


def format_seconds(seconds: float, digits: int = 3) -> str:
    """Seconds with a unit and ``digits`` significant digits: 0.001234 → '1.23 ms', 250 → '250 s'."""
    if seconds == 0:
        return "0 s"
    for scale, unit in _TIME_UNITS:
        if seconds >= scale * 0.9995 or unit == "ns":
            value = seconds / scale
            return f"{format_number(value, digits)} {unit}"
    raise AssertionError("unreachable")


def format_duration(seconds: float) -> str:
    """A wall-clock duration: '45 s', '3 min 05 s', '1 h 02 min'."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def format_ratio(ratio: float, digits: int = 3) -> str:
    """A speedup: 3 significant digits, thousands separated: 0.5 → '0.5×', 1234.6 → '1,235×'."""
    return f"{format_number(ratio, digits)}×"


def _two_digits(value: float) -> str:
    """Two significant digits without exponent notation: 4.56 → '4.6', 456 → '456'."""
    return f"{value:.0f}" if value >= 99.5 else f"{value:.2g}"


def format_short_ratio(ratio: float) -> str:
    """A speedup in a few characters for heatmap cells and ticks: '0.52×', '12×', '456×', '3.4k×'."""
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if ratio >= scale * 0.9995:
            return f"{_two_digits(ratio / scale)}{suffix}×"
    return f"{_two_digits(ratio)}×"


def format_count(value: float) -> str:
    """A size to two significant digits with thousands separators: 1234.5 → '1,200'."""
    if value <= 0 or not math.isfinite(value):
        return f"{value:g}"
    digits = int(math.floor(math.log10(value)))
    rounded = round(value, 1 - digits)
    return f"{rounded:,.0f}" if rounded >= 10 else f"{rounded:g}"


def format_size(m: int, n_x: int) -> str:
    """'m=1,000, n_x=10' — how every table and sentence names a problem size."""
    return f"m={m:,}, n_x={n_x:,}"


def format_compact_count(value: float) -> str:
    """An axis tick for a size: 10 → '10', 1000 → '1k', 2e6 → '2M'."""
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"{value / scale:g}{suffix}"
    return f"{value:g}"


def format_bytes(value: float) -> str:
    """Decimal bytes for an axis tick: 1e3 → '1 kB', 8e8 → '800 MB'."""
    for scale, unit in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if value >= scale:
            return f"{value / scale:g} {unit}"
    return f"{value:g} B"


def format_bounds(item: dict, formatter=format_fraction) -> str:
    """' [0.65–0.71]': the interval of a figure with ``low`` and ``high`` (files before 2026-12-03
    have none: then '')."""
    return "" if item.get("low") is None else f" [{formatter(item['low'])}–{formatter(item['high'])}]"
