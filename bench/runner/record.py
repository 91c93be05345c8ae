"""``vecbench record``: write ``reports/RECORD.md`` and the README's generated blocks from the
committed files.

The record comes from the machine folders of ``reports/results/`` (:mod:`bench.analysis.record`).
The README's blocks sit between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` markers:
``implementations`` (from the registry, every optional implementation included whether or not
it is installed here), ``presets`` (from :data:`bench.runner.grid.PRESETS`) and ``reference``
(the run named by ``REFERENCE_RUN``: its machine and the report's headline) and ``noise`` (the
newest ``vecbench noise`` summary of any machine folder). It lives in the
runner because the presets do. ``--check`` writes nothing and exits 1 naming what differs: the
drift test and CI use it.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from bench.analysis.record import RECORD_PATH, machine_text, render_record
from bench.analysis.record.tools import agreement_sentence, duration, false_changes_sentence
from bench.analysis.report.markdown import table
from bench.analysis.report.speed import headline
from bench.cli import OneLineParser
from bench.results.folders import files_of, machine_folders
from bench.results.reading import load_results
from bench.results.schema import REFERENCE_RUN, RESULTS_DIR
from bench.results.units import format_percent
from bench.runner.grid import PRESETS

README = Path("README.md")
BLOCKS = ("implementations", "presets", "reference", "noise")


def _registered_when(module) -> str:
    libraries = getattr(module, "LIBRARIES", ())
    return "always" if not libraries else f"when {' and '.join(f'`{n}`' for n in libraries)} can be imported"


def implementations_block() -> str:
    """Every implementation the registry can hold, in registry order, installed here or not."""
    import impls
    from impls import dask_distributed, peers

    rows = [[f"`{name}`", impl.description, "always"] for name, impl in impls.IMPLEMENTATIONS.items()
            if impl.family not in ("peer", "dask")]
    rows.append(["`dask-distributed`", dask_distributed.DESCRIPTION, _registered_when(dask_distributed)])
    rows += [[f"`{name}`", module.DESCRIPTION, f"peer, {_registered_when(module)}"] for name, module in peers.PEERS]
    return table(["name", "what it is", "registered"], rows, "lll")


def _superscript(value: int) -> str:
    text = str(value)
    if value >= 100 and text.strip("0") == "1":
        return "10" + "".join("⁰¹²³⁴⁵⁶⁷⁸⁹"[int(d)] for d in str(len(text) - 1))
    return f"{value:,}"


def presets_block() -> str:
    rows = [[f"`{p.name}`", f"m ∈ {{{', '.join(map(_superscript, p.ms))}}} × n_x ∈ {{{', '.join(map(str, p.n_xs))}}}",
             f"{p.budget_s:g} s", f"{p.timing_s:g} s"] for p in PRESETS.values()]
    return table(["preset", "grid (sizes that do not fit in memory left out)", "budget per call", "timing per point"],
                 rows, "llll")


def reference_block() -> str:
    """What the reference run is, where it ran, and its headline (REPORT.md's, from the same file);
    the link is relative to the repository's root, where the README is."""
    results = load_results(REFERENCE_RUN)
    link = REFERENCE_RUN.as_posix()
    took = duration(results.started, results.finished)
    return (f"The reference run, [`{REFERENCE_RUN.name}`]({link}) (`REFERENCE_RUN` in `bench/results/schema.py`): "
            f"`{results.command}`, {results.threads} thread(s), started {results.started}"
            + (f", took {took}" if took else "") + f", on {machine_text(results.machine)[:-1]}:"
            f"\n\n> {headline(results.grids()[0])}")


def _pooled_runs(document: dict) -> str:
    runs = document.get("runs_per_side") or 1
    return f", {runs} runs per side, pooled" if runs > 1 else ""


def _noise_summary(path: Path, results_dir: Path) -> str:
    """One ``vecbench noise`` file's machine, rates and verdict, linked from the repository's root."""
    link = Path(os.path.relpath(path, Path(results_dir).parent.parent)).as_posix()  # from the README's folder
    document = json.loads(path.read_text())
    machine = document.get("machine") or {}
    ranges = document.get("canary_range") or {}
    return (f"On {machine.get('cpu', '?')} (LLVM CPU `{machine.get('llvm_cpu', '?')}`, "
            f"{machine.get('cores', '?')} cores), [`{path.name}`]({link}){_pooled_runs(document)}: compare called "
            f"{document['false_changes']} of {document['points_unchanged']} unchanged points changed "
            f"({format_percent(document['false_change_rate'])}) and found {document['detected']} of "
            f"{document['points_slowed']} points of the copy {document['factor']:g}× slower "
            f"({format_percent(document['detection_rate'])}); noise between the runs σ = {document['noise_sigma']:.1%}; "
            f"canary range {' / '.join(f'{ranges[r]:.2f}×' for r in ('a', 'b') if ranges.get(r))}. "
            + false_changes_sentence(document.get("false_change_points"))
            + agreement_sentence(document.get("speedup_agreement"), most=3)
            + f"Verdict: {document['verdict']}.")


def noise_block(results_dir: Path = RESULTS_DIR) -> str:
    """The newest ``vecbench noise`` summary of any machine folder (by the time in its name) with
    one run per side, then the newest with several runs pooled if there is one. why both: on a VM
    whose speed has states, one run per side can fail where pooled runs pass (a Zen 3, 2026-12-03:
    minutes apart), and the newest file alone would show only one of the two."""
    found = sorted((path for folder in machine_folders(results_dir) for path in files_of(folder, "noise")),
                   key=lambda path: path.name)
    if not found:
        return "No `vecbench noise` measurement is committed yet."
    pooled = [path for path in found if (json.loads(path.read_text()).get("runs_per_side") or 1) > 1]
    single = [path for path in found if path not in pooled]
    return " ".join(_noise_summary(paths[-1], results_dir) for paths in (single, pooled) if paths)


def generated_blocks(results_dir: Path = RESULTS_DIR) -> dict[str, str]:
    return {"implementations": implementations_block(), "presets": presets_block(), "reference": reference_block(),
            "noise": noise_block(results_dir)}


def _pattern(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- {name}:start -->\n)(.*?)(<!-- {name}:end -->)", re.DOTALL)


def replace_blocks(text: str, blocks: dict[str, str]) -> str:
    """``text`` with each block's content replaced; ValueError naming a block whose markers are
    missing."""
    for name, content in blocks.items():
        pattern = _pattern(name)
        if not pattern.search(text):
            raise ValueError(f"README: no <!-- {name}:start --> … <!-- {name}:end --> markers")
        text = pattern.sub(lambda match: match.group(1) + content + "\n" + match.group(3), text, count=1)
    return text


def expected_files(results_dir: Path, record: Path, readme: Path) -> dict[Path, str]:
    """Each file the command writes, with the text it should hold."""
    return {record: render_record(results_dir, record.parent),
            readme: replace_blocks(readme.read_text(), generated_blocks(results_dir))}


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="vecbench record", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if RECORD.md or a README block differs from the files")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help=f"default {RESULTS_DIR}")
    parser.add_argument("--out", type=Path, default=RECORD_PATH, help=f"the record (default {RECORD_PATH})")
    parser.add_argument("--readme", type=Path, default=README, help=f"default {README}")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        expected = expected_files(args.results_dir, args.out, args.readme)
    except (OSError, ValueError) as exc:
        print(f"vecbench record: error: {exc}", file=sys.stderr)
        return 2
    stale = [path for path, text in expected.items() if not path.is_file() or path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"vecbench record: {path} differs from what the committed results files give "
                  "(run `vecbench record` and commit)")
        return 1 if stale else 0
    for path in stale:
        path.write_text(expected[path])
    print(f"vecbench record: {', '.join(map(str, stale)) or 'nothing'} rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
