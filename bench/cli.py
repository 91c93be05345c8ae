"""``vecbench SUBCOMMAND`` (also ``python -m bench SUBCOMMAND``): dispatch to each module's ``main``."""

from __future__ import annotations

import importlib
import sys

#: subcommand → (module with ``main(argv) -> int``, one-line help)
SUBCOMMANDS = {
    "run": ("bench.runner", "measure every implementation over a grid of sizes (writes reports/results/)"),
    "plot": ("bench.charts", "draw the charts from a results file"),
    "report": ("bench.report", "write REPORT.md from a results file"),
    "targets": ("bench.targets", "check the performance targets as ratios measured in one run"),
    "ablation": ("bench.ablation", "time a fused step stage by stage against the bandwidth floor"),
}


def usage() -> str:
    lines = ["usage: vecbench SUBCOMMAND [ARGS...]   (SUBCOMMAND --help for its options)", ""]
    lines += [f"  {name:<8} {text}" for name, (_, text) in SUBCOMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in SUBCOMMANDS:
        sys.stderr.write(f"vecbench: error: unknown subcommand {name!r}; choose from {', '.join(SUBCOMMANDS)}\n")
        return 2
    return call_main(importlib.import_module(SUBCOMMANDS[name][0]), rest)


def call_main(module, argv: list[str]) -> int:
    """``module.main(argv)``'s exit status, including argparse's SystemExit (--help 0, errors 2)."""
    try:
        return module.main(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2


if __name__ == "__main__":
    sys.exit(main())
