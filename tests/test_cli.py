"""``vecbench run`` argument errors: one line on stderr naming the problem, exit 2, nothing written."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench import cli
from bench.cli import parse_size


@pytest.mark.parametrize(
    "args, named",
    [
        (["--impl", "no-such-impl"], "unknown implementation 'no-such-impl'"),
        (["--m", "abc"], "m must be a positive integer; got 'abc'"),
        (["--m", "-5"], "m must be a positive integer; got '-5'"),
        (["--m", "0"], "m must be a positive integer; got '0'"),
        (["--n-x", "2.5"], "n_x must be a positive integer; got '2.5'"),
        (["--budget", "0"], "--budget must be a positive number of seconds"),
        (["--budget", "-1"], "--budget must be a positive number of seconds"),
        (["--budget", "nan"], "--budget must be a positive number of seconds"),
        (["--budget", "soon"], "argument --budget: invalid float value: 'soon'"),
        (["--timing", "0"], "--timing must be a positive number of seconds"),
        (["--timing", "inf"], "--timing must be a positive number of seconds"),
        (["--resume", "--timing", "1"], "do not combine it with --timing"),
        (["--resume", "--sizes-in-turn"], "do not combine it with --sizes-in-turn"),
        (["--threads", "0"], "--threads must be an integer from 1 to"),
        (["--threads", "999"], "--threads must be an integer from 1 to"),
        (["--threads", "two"], "argument --threads: invalid int value: 'two'"),
        (["--dtype", "float16"], "--dtype must be one of float64, float32; got 'float16'"),
        (["--order", "K"], "--order must be one of C, F; got 'K'"),
        (["--preset", "huge"], "argument --preset: invalid choice: 'huge'"),
        (["--out", "results.txt"], "--out must name a .json file"),
        (["--resume", "--m", "10"], "do not combine it with --m"),
        (["--resume"], "no interrupted run to resume"),
        (["--resume", "missing.json"], "cannot resume missing.json"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    ],
)
def test_bad_arguments_exit_2_with_one_line_and_write_nothing(tmp_path, monkeypatch, capsys, args, named):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("vecbench run: error: ") and captured.err.count("\n") == 1
    assert named in captured.err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text, value", [("1000", 1000), ("1e3", 1000), ("1_000", 1000), ("1E6", 10**6)])
def test_sizes_accept_integral_notations(text, value):
    assert parse_size("m", text) == value


def test_unknown_subcommand_and_help():
    assert cli.main(["measure"]) == 2
    assert cli.main(["--help"]) == 0
    assert cli.main([]) == 2


def test_python_dash_m_bench_run_help_explains_every_option():
    result = subprocess.run([sys.executable, "-m", "bench", "run", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for option in ("--preset", "--impl", "--m", "--n-x", "--dtype", "--order", "--threads", "--budget",
                   "--timing", "--sizes-in-turn", "--out", "--resume", "--no-report", "quick", "default", "full"):
        assert option in result.stdout
