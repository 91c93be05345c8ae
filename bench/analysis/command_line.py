"""The command line shared by ``vecbench plot`` and ``vecbench report``: one optional RESULTS path."""

from __future__ import annotations

from bench.cli import OneLineParser
from bench.results.schema import DEFAULT_RESULTS


def results_parser(prog: str, description: str) -> OneLineParser:
    """A parser with one optional RESULTS path (default: the newest run's ``latest.json``)."""
    parser = OneLineParser(prog=prog, description=description)
    parser.add_argument(
        "results",
        nargs="?",
        default=str(DEFAULT_RESULTS),
        help=f"results JSON written by `vecbench run` (default: {DEFAULT_RESULTS})",
    )
    return parser
