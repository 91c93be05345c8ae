"""The measurement record and the README's generated blocks: regenerated from the committed files,
they must equal the committed text (no drift); an edited number is caught; the folders of
``reports/results/`` are found by scanning, and files with fields the record does not know still
show them; notes hold no figures; every file a page links to exists."""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bench.analysis.record import read_notes, render_record
from bench.results import folders
from bench.results.schema import REFERENCE_RUN
from bench.runner import record

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "reports" / "results"
ZEN5 = "2026-12-02-znver5-2cpu"
ZEN5_TARGETS = f"{ZEN5}/targets-20261202-015206.json"
#: A figure in a note: a decimal, a percentage, a ratio, or a number with a unit of time, rate or size.
FIGURE = re.compile(r"\d+\.\d+|\d\s*%|×|\d\s*(?:ms|µs|ns|s|GB/s|GB|MB|MiB|KiB)\b")


def _check(folder: Path) -> int:
    """``vecbench record --check`` on a copy laid out as the repository (folder/reports/...)."""
    return record.main(["--check", "--results-dir", str(folder / "reports" / "results"),
                        "--out", str(folder / "reports" / "RECORD.md"), "--readme", str(folder / "README.md")])


@pytest.fixture
def copy(tmp_path) -> Path:
    """The committed machine folders, RECORD.md and README.md, copied into ``tmp_path``."""
    for folder in folders.machine_folders(RESULTS):
        shutil.copytree(folder, tmp_path / "reports" / "results" / folder.name)
    shutil.copy(ROOT / "reports" / "RECORD.md", tmp_path / "reports" / "RECORD.md")
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    return tmp_path


def test_the_committed_record_and_readme_blocks_are_what_the_files_give(capsys):
    status = record.main(["--check", "--results-dir", str(RESULTS), "--out", str(ROOT / "reports" / "RECORD.md"),
                          "--readme", str(ROOT / "README.md")])
    assert status == 0, capsys.readouterr().out + "\n(run `vecbench record` and commit what it writes)"


def test_the_check_fails_when_a_committed_number_is_edited(copy, capsys):
    assert _check(copy) == 0  # the copy is as committed
    path = copy / "reports" / "results" / ZEN5_TARGETS
    original = path.read_text()
    document = json.loads(original)
    entry = document["points"][0]["implementations"]["numba-parallel"]
    entry["median_s"] *= 1.1  # a number in a results file
    path.write_text(json.dumps(document))
    assert _check(copy) == 1
    assert "RECORD.md differs" in capsys.readouterr().out
    path.write_text(original)
    record_md = copy / "reports" / "RECORD.md"
    text = record_md.read_text()
    assert "**2.78×** (3.6×)" in text  # the Zen 5 speedup at (10⁶, 100) C, first run
    record_md.write_text(text.replace("**2.78×** (3.6×)", "**2.87×** (3.6×)", 1))  # a number in the page
    assert _check(copy) == 1
    record_md.write_text(text)
    readme = copy / "README.md"
    headline = re.search(r"\*\*(\d+)×\*\*", readme.read_text().split("<!-- reference:start -->")[1]).group(0)
    edited = headline.replace("**", "**1", 1)  # the reference headline, ten-odd times larger
    readme.write_text(readme.read_text().replace(headline, edited, 1))
    assert _check(copy) == 1
    assert "README.md differs" in capsys.readouterr().out


def test_the_record_has_every_machine_and_file_newest_machine_first():
    text = (ROOT / "reports" / "RECORD.md").read_text()
    names = [folder.name for folder in folders.machine_folders(RESULTS)]
    assert names[:3] == sorted(names, reverse=True)[:3]
    positions = [text.index(f"## `{name}`") for name in names]
    assert positions == sorted(positions)
    for folder in folders.machine_folders(RESULTS):
        for kind in folders.KINDS:
            for path in folders.files_of(folder, kind):
                assert f"[`{path.name}`](results/{folder.name}/{path.name})" in text


def test_a_folder_dropped_in_appears_and_unknown_fields_are_shown(tmp_path):
    results = tmp_path / "results"
    source = json.loads((RESULTS / ZEN5_TARGETS).read_text())
    plain = results / "2026-12-03-znver4-2cpu"
    plain.mkdir(parents=True)
    (plain / "targets-20261203-010000.json").write_text(json.dumps(source))
    text = render_record(results, tmp_path)
    assert "## `2026-12-03-znver4-2cpu`" in text and "| more |" not in text
    extra = results / "2026-12-04-znver4-2cpu"
    extra.mkdir()
    point = source["points"][0]
    point["implementations"]["numba-parallel"]["fraction_of_compute_roof"] = 0.4321
    point["checks"].append({"name": "fraction_of_compute_roof", "value": 0.4321, "threshold": 0.5, "passed": False})
    (extra / "targets-20261204-010000.json").write_text(json.dumps(source))
    ablation = {"kind": "vecbench-ablation", "m": 1000, "n_x": 3, "order": "C", "threads": 1, "rounds": 3,
                "started": "2026-12-04T01:00:00+00:00", "variant": "feature-major, 2 MiB blocks", "block": 2048,
                "variant_source": "built-in", "bandwidth": {"single_thread_GBps": 12.5},
                "machine": {"cpu": "AMD EPYC", "llvm_cpu": "znver4", "cores": 2},
                "stages": {"logits pass only": {"median_s": 0.00125, "fraction_of_floor": 0.875}}}
    (extra / "ablation-20261204-020000.json").write_text(json.dumps(ablation))
    text = render_record(results, tmp_path)
    first, second = text.index("## `2026-12-04-znver4-2cpu`"), text.index("## `2026-12-03-znver4-2cpu`")
    assert first < second  # newest first
    newest = text[first:second]
    assert "| more |" in newest and "fraction_of_compute_roof FAIL 0.432" in newest
    assert "fraction_of_compute_roof 0.43" in newest
    assert "| logits pass only | 1.25 ms | 0.88 |" in newest and "read bandwidth 12.5 GB/s" in newest


def test_folder_names_and_dated_paths(tmp_path):
    machine = {"cpu": "AMD EPYC", "llvm_cpu": "znver4", "cores": 2}
    when = datetime(2026, 12, 2, 23, 59, 58, tzinfo=timezone.utc)
    folder = folders.machine_folder(machine, when, tmp_path)
    assert folder == tmp_path / "2026-12-02-znver4-2cpu"
    assert folders.cpu_slug({"cpu": "Intel(R) Xeon(R) Processor", "cores": 2}) == "intel-r-xeon-r-processor-2cpu"
    first = folders.dated_path(folder, "ablation", when)
    assert first.name == "ablation-20261202-235958.json"
    folder.mkdir()
    first.write_text("{}")
    assert folders.dated_path(folder, "ablation", when).name == "ablation-20261202-235958-2.json"
    (tmp_path / "2026-12-03-znver5-2cpu").mkdir()
    (tmp_path / "not-a-machine").mkdir()
    assert [p.name for p in folders.machine_folders(tmp_path)] == ["2026-12-03-znver5-2cpu", "2026-12-02-znver4-2cpu"]
    with pytest.raises(ValueError, match="kind must be one of"):
        folders.dated_path(folder, "other", when)


def test_notes_hold_no_figures_and_only_known_keys(tmp_path):
    notes = [path for folder in folders.machine_folders(RESULTS) for path in folder.glob(folders.NOTES_NAME)]
    assert notes, "the committed machine folders have notes"
    for path in notes:
        for key, text in read_notes(path.parent).items():
            assert not FIGURE.findall(text), f"{path} [{key}] holds figures {FIGURE.findall(text)}: put them in a results file"
    assert FIGURE.findall("ahead by 3.48× in 12 ms, 5 %")  # the rule can fail
    (tmp_path / folders.NOTES_NAME).write_text('speed = "fast"\n')
    with pytest.raises(ValueError, match="speed"):
        read_notes(tmp_path)


def _links(page: Path) -> list[Path]:
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text())
    return [page.parent / target for target in targets if "://" not in target]


@pytest.mark.parametrize("page", ["README.md", "reports/RECORD.md", "reports/findings.md", "reports/peers.md",
                                  "reports/dask.md", "reports/performance.md", "reports/running.md"])
def test_every_file_a_page_links_to_exists(page):
    missing = [str(path) for path in _links(ROOT / page) if not path.exists()]
    assert not missing, f"{page} links to missing files: {missing}"


def test_the_reference_run_lives_in_a_machine_folder():
    assert (ROOT / REFERENCE_RUN).is_file()
    assert folders.FOLDER_PATTERN.match(REFERENCE_RUN.parent.name)


def test_a_point_judged_by_the_attainable_bound_shows_that_fraction_and_the_reads():
    from bench.analysis.record.targets import targets_table

    source = json.loads((RESULTS / ZEN5_TARGETS).read_text())
    point = source["points"][0]
    point["checks"][0] = {"name": "fraction_of_attainable", "implementation": "numba-parallel", "value": 0.8125,
                          "threshold": 0.75, "fraction_of_read_once": 0.5625, "passed": True}
    source["points"] = [point]
    row = targets_table(source).splitlines()[-1]
    assert "| `numba-parallel` |" in row and "**0.81** ≥ 0.75 of attainable (0.56 of the read)" in row
    assert "fraction_of_attainable" not in row  # not shown again as an unknown check


def test_a_fraction_just_below_its_bar_is_not_rounded_onto_it():
    from bench.analysis.record.targets import targets_table
    from bench.performance.target_lines import _format_check
    from bench.results.units import format_against

    assert [format_against(v, 0.85) for v in (0.849, 0.8499, 0.85, 0.851, 0.93)] == [
        "0.849", "0.8499", "0.85", "0.851", "0.93"]
    source = json.loads((RESULTS / ZEN5_TARGETS).read_text())
    point = source["points"][0]
    point["checks"][0].update(name="fraction_of_read_once", value=0.849, threshold=0.85, passed=False)
    source["points"] = [point]
    assert "| 0.849 ≥ 0.85" in targets_table(source)
    assert _format_check(point["checks"][0]).startswith(f"FAIL {point['checks'][0]['implementation']} at 0.849 of")


def test_a_fraction_timed_side_by_side_shows_its_interval_in_the_record_and_the_output():
    from bench.analysis.record.targets import targets_table, yardstick_sentence
    from bench.performance.target_lines import _format_check

    source = json.loads((RESULTS / ZEN5_TARGETS).read_text())
    point = source["points"][0]
    point["checks"][0] = {"name": "fraction_of_read_once", "implementation": "numba-parallel", "value": 0.6875,
                          "low": 0.625, "high": 0.75, "rounds": 31, "threshold": 0.85, "passed": False}
    source["points"], source["judge_rounds"] = [point], 31
    assert "| 0.69 [0.62–0.75] ≥ 0.85" in targets_table(source)
    assert "in 31 rounds of their own" in yardstick_sentence(source)
    assert _format_check(point["checks"][0]).startswith(
        "FAIL numba-parallel at 0.69 [0.62–0.75] of a read of X and Y timed side by side in 31 rounds")


def test_the_readme_noise_block_shows_the_newest_single_run_and_the_newest_pooled_summary(tmp_path):
    folder = tmp_path / "results" / "2026-12-03-znver3-2cpu"
    folder.mkdir(parents=True)
    summary = {"machine": {"cpu": "AMD EPYC", "llvm_cpu": "znver3", "cores": 2}, "factor": 1.25,
               "points_unchanged": 100, "false_changes": 1, "false_change_rate": 0.01, "points_slowed": 15,
               "noise_sigma": 0.1, "canary_range": {"a": 1.5, "b": 1.2}}
    files = {"noise-20261203-100000.json": (1, 15, "trusted"), "noise-20261203-110000.json": (3, 15, "trusted"),
             "noise-20261203-120000.json": (1, 0, "NOT trusted"), "noise-20261203-090000.json": (3, 0, "old")}
    for name, (runs, detected, verdict) in files.items():
        (folder / name).write_text(json.dumps({**summary, "runs_per_side": runs, "detected": detected,
                                               "detection_rate": detected / 15, "verdict": verdict}))
    block = record.noise_block(tmp_path / "results")
    single, pooled = block.index("noise-20261203-120000.json"), block.index("noise-20261203-110000.json")
    assert single < pooled and "noise-20261203-100000" not in block and "noise-20261203-090000" not in block
    assert "found 0 of 15" in block and "Verdict: NOT trusted." in block and "3 runs per side, pooled" in block
