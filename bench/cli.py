"""``vecbench SUBCOMMAND`` (also ``python -m bench SUBCOMMAND``): dispatch to each module's ``main``.

Also the command-line vocabulary every subcommand shares: a parser whose usage errors are one
line and exit status 2, the parsing of sizes and counts, and how a long command shows its
progress. This module imports no stage of
``bench`` at import time (subcommands are imported by name when they run), so every stage may
import it.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import math
import sys
from typing import NoReturn

#: subcommand → (module with ``main(argv) -> int``, one-line help)
SUBCOMMANDS = {
    "run": ("bench.runner.command", "measure every implementation over a grid of sizes (writes reports/results/)"),
    "plot": ("bench.analysis.charts", "draw the charts from a results file"),
    "report": ("bench.analysis.report", "write REPORT.md from a results file"),
    "compare": ("bench.analysis.compare", "compare results files: a change against the noise, machines side by side"),
    "noise": ("bench.runner.noise", "how far this machine can be trusted: compare's false-change and detection rates"),
    "targets": ("bench.performance.targets", "check the performance targets as ratios measured in one run"),
    "ablation": ("bench.performance.ablation", "time a fused step stage by stage against the bandwidth floor"),
    "tune": ("bench.performance.tune", "measure the fused kernels' fastest variants on this machine (a plan file)"),
    "scale": ("bench.performance.scale", "time per step against m, in one process and on a Dask cluster"),
    "record": ("bench.runner.record", "write reports/RECORD.md and the README's generated blocks from the results files"),
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


def console_main() -> int:
    """The ``vecbench`` command and ``python -m bench``: :func:`main`, then a quick exit."""
    status = main()
    # why: at exit the interpreter's last collections walk every object still alive, and
    # torch.compile, JAX and Dask leave many: 2.1 s of a 16.7 s process on an Intel Xeon
    # (rocketlake), 0.35 s with them frozen first (throwaway script). Freezing frees nothing the
    # operating system does not free at exit; atexit handlers still run, and so do the
    # finalizers of objects that reference counting frees (files, the Dask cluster).
    gc.freeze()
    return status


def call_main(module, argv: list[str]) -> int:
    """``module.main(argv)``'s exit status, including argparse's SystemExit (--help 0, errors 2)."""
    try:
        return module.main(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())} (see --help)\n")


def fail(prog: str, message: str) -> int:
    """Print ``prog: error: message`` on one line to stderr; return exit status 2."""
    print(f"{prog}: error: {' '.join(message.split())}", file=sys.stderr)
    return 2


def parse_size(name: str, text: str) -> int:
    """A positive integer size from the command line; ``1e3`` and ``1_000`` mean 1000."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{name} must be a positive integer; got {text!r}") from None
        if not (math.isfinite(number) and number.is_integer()):
            raise ValueError(f"{name} must be a positive integer; got {text!r}") from None
        value = int(number)
    if value < 1:
        raise ValueError(f"{name} must be a positive integer; got {text!r}")
    return value


def size_type(name: str):
    """An argparse ``type`` for a size named ``name`` (see :func:`parse_size`)."""

    def parse(text: str) -> int:
        try:
            return parse_size(name, text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = name  # why: argparse names the type in its own messages
    return parse


def positive_int(text: str) -> int:
    """An argparse ``type``: a count such as rounds or threads."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


class Progress:
    """How a long command shows its progress: a bar on a terminal, one line per unit otherwise.

    The bar (tqdm) names what just finished and what is left (the command's own estimate of the
    time left, not tqdm's average rate); texts marked ``keep`` (failures, result tables) are
    printed above it, so they do not scroll away. With ``plain`` (``--plain``, or output that is
    not a terminal: a file, a pipe, a notebook) every unit prints its text.
    """

    def __init__(self, total: int, done: int = 0, *, plain: bool | None = None, stream=None) -> None:
        self.stream = stream or sys.stdout
        self.plain = plain if plain is not None else not _is_terminal(self.stream)
        self.bar = None
        if not self.plain:
            from tqdm import tqdm  # why: only a terminal run pays its import

            self.bar = tqdm(total=total, initial=done, file=self.stream, dynamic_ncols=True,
                            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt}{postfix}", leave=True)

    def advance(self, description: str, status: str, text: str, *, keep: bool = False) -> None:
        """One unit done: ``text`` printed in plain mode (and above the bar when ``keep``);
        on the bar, ``description`` names what finished and ``status`` what is left."""
        if self.bar is None:
            print(text, file=self.stream, flush=True)
            return
        if keep:
            self.bar.write(text, file=self.stream)
        self.bar.set_description_str(description, refresh=False)
        self.bar.set_postfix_str(status, refresh=False)
        self.bar.update(1)

    def write(self, text: str) -> None:
        """A message that is not a point (an error), above the bar if there is one."""
        if self.bar is None:
            print(text, file=self.stream, flush=True)
        else:
            self.bar.write(text, file=self.stream)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


if __name__ == "__main__":
    sys.exit(main())
