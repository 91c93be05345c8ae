"""Bad input: every implementation raises the same clear ValueError, naming the argument.

Each bad case changes one argument of a valid ``(w, b, X, Y)`` step (n_x = 3, m = 4). The error
message must start with the argument's name and mention what was given (and, for shapes, what
was expected).
"""

from __future__ import annotations

import re
from typing import Any, Callable, NamedTuple

import numpy as np
import pytest

import impls
from impls.model import validated


def _valid_step() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    return {
        "w": rng.standard_normal((3, 1)),
        "b": 0.5,
        "X": rng.standard_normal((3, 4)),
        "Y": np.array([[0.0, 1.0, 1.0, 0.0]]),
    }


class BadCase(NamedTuple):
    argument: str  # the argument the message must name first
    change: Callable[[dict[str, Any]], dict[str, Any]]  # valid inputs -> the same with one bad
    mentions: tuple[str, ...]  # substrings the message must contain (given, expected)


def _with(key: str, make: Callable[[Any], Any], *mentions: str) -> BadCase:
    """The case where argument ``key`` is replaced by ``make(its valid value)``."""
    return BadCase(key, lambda step: {**step, key: make(step[key])}, mentions)


def _with_value_at(key: str, index: tuple[int, int], value, *mentions: str) -> BadCase:
    """The case where one element of array ``key`` is set to ``value`` (on a copy)."""

    def make(array):
        array = array.copy()
        array[index] = value
        return array

    return _with(key, make, *mentions)


def _empty(shape_x, shape_w, shape_y) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda step: {**step, "X": np.ones(shape_x), "w": np.ones(shape_w), "Y": np.ones(shape_y)}


STEP_CASES: dict[str, BadCase] = {
    "X-1d": _with("X", lambda X: X[0], "(4,)", "(n_x, m)"),
    "X-3d": _with("X", lambda X: X[..., None], "(3, 4, 1)", "(n_x, m)"),
    "X-m=0": BadCase("X", _empty((3, 0), (3, 1), (1, 0)), ("(3, 0)",)),
    "X-n_x=0": BadCase("X", _empty((0, 4), (0, 1), (1, 4)), ("(0, 4)",)),
    "X-nan": _with_value_at("X", (1, 2), np.nan, "nan at index (1, 2)"),
    "X-inf": _with_value_at("X", (0, 3), np.inf, "inf at index (0, 3)"),
    "X--inf": _with_value_at("X", (2, 0), -np.inf, "-inf at index (2, 0)"),
    "X-strings": _with("X", lambda X: X.astype(str), "<U"),
    "X-object": _with("X", lambda X: X.astype(object), "object"),
    "X-complex": _with("X", lambda X: X.astype(complex), "complex128"),
    "X-float16": _with("X", lambda X: X.astype(np.float16), "float16"),
    "X-ragged-list": _with("X", lambda X: [[1.0, 2.0], [3.0]], "list"),
    "Y-(m,)": _with("Y", lambda Y: Y[0], "(4,)", "(1, 4)"),
    "Y-(m,1)": _with("Y", lambda Y: Y.T, "(4, 1)", "(1, 4)"),
    "Y-(1,m+1)": _with("Y", lambda Y: np.hstack([Y, [[1.0]]]), "(1, 5)", "(1, 4)"),
    "Y-label-2": _with_value_at("Y", (0, 1), 2, "2"),
    "Y-label--1": _with_value_at("Y", (0, 1), -1, "-1"),
    "Y-label-0.5": _with_value_at("Y", (0, 2), 0.5, "0.5"),
    "Y-nan": _with_value_at("Y", (0, 0), np.nan, "nan"),
    "Y-strings": _with("Y", lambda Y: Y.astype(str), "<U"),
    "Y-complex": _with("Y", lambda Y: Y.astype(complex), "complex128"),
    "w-(n_x,)": _with("w", lambda w: w[:, 0], "(3,)", "(3, 1)"),
    "w-(1,n_x)": _with("w", lambda w: w.T, "(1, 3)", "(3, 1)"),
    "w-(n_x+1,1)": _with("w", lambda w: np.vstack([w, [[1.0]]]), "(4, 1)", "(3, 1)"),
    "w-nan": _with_value_at("w", (1, 0), np.nan, "nan at index (1, 0)"),
    "w-inf": _with_value_at("w", (2, 0), np.inf, "inf at index (2, 0)"),
    "w-complex": _with("w", lambda w: w.astype(complex), "complex128"),
    "w-object": _with("w", lambda w: w.astype(object), "object"),
    "b-nan": _with("b", lambda b: float("nan"), "nan"),
    "b-inf": _with("b", lambda b: float("inf"), "inf"),
    "b--inf": _with("b", lambda b: -np.inf, "inf"),
    "b-complex": _with("b", lambda b: 0.5 + 1j, "complex"),
    "b-string": _with("b", lambda b: "0.5", "'0.5'"),
    "b-None": _with("b", lambda b: None, "None"),
    "b-2-values": _with("b", lambda b: np.array([0.5, 0.5]), "(2,)"),
}

#: the cases that do not involve Y, for predict(w, b, X)
PREDICT_CASES = {name: case for name, case in STEP_CASES.items() if case.argument != "Y"}

TRAINING_CASES: dict[str, tuple[str, Any, str]] = {
    "num_iterations=-1": ("num_iterations", -1, "-1"),
    "num_iterations=2.5": ("num_iterations", 2.5, "2.5"),
    "num_iterations=10.0": ("num_iterations", 10.0, "10.0"),
    "num_iterations='10'": ("num_iterations", "10", "'10'"),
    "num_iterations=None": ("num_iterations", None, "None"),
    "num_iterations=True": ("num_iterations", True, "True"),
    "learning_rate=0": ("learning_rate", 0.0, "0.0"),
    "learning_rate=-0.1": ("learning_rate", -0.1, "-0.1"),
    "learning_rate=nan": ("learning_rate", float("nan"), "nan"),
    "learning_rate=inf": ("learning_rate", float("inf"), "inf"),
    "learning_rate=-inf": ("learning_rate", -float("inf"), "-inf"),
    "learning_rate='0.1'": ("learning_rate", "0.1", "'0.1'"),
    "learning_rate=None": ("learning_rate", None, "None"),
    "learning_rate=complex": ("learning_rate", 0.1j, "complex"),
}


def _assert_mentions(excinfo: pytest.ExceptionInfo, mentions) -> None:
    """The message is one line and mentions each given substring."""
    message = str(excinfo.value)
    assert "\n" not in message, f"one-line message expected: {message!r}"
    for mention in mentions:
        assert mention in message, f"{mention!r} not in {message!r}"


def _raises_naming(argument: str):
    return pytest.raises(ValueError, match=rf"^{re.escape(argument)}\b")


@pytest.mark.parametrize("case", STEP_CASES.values(), ids=STEP_CASES.keys())
def test_propagate_rejects(impl, case):
    step = case.change(_valid_step())
    with _raises_naming(case.argument) as excinfo:
        impl.propagate(step["w"], step["b"], step["X"], step["Y"])
    _assert_mentions(excinfo, case.mentions)


@pytest.mark.parametrize("case", STEP_CASES.values(), ids=STEP_CASES.keys())
def test_optimize_rejects_bad_step_inputs(impl, case):
    step = case.change(_valid_step())
    with _raises_naming(case.argument) as excinfo:
        impls.optimize(impl.propagate, step["w"], step["b"], step["X"], step["Y"], 1, 0.1)
    _assert_mentions(excinfo, case.mentions)


@pytest.mark.parametrize(("argument", "value", "mention"), TRAINING_CASES.values(), ids=TRAINING_CASES.keys())
def test_optimize_rejects_bad_training_arguments(impl, argument, value, mention):
    step = _valid_step()
    arguments = {"num_iterations": 3, "learning_rate": 0.1, argument: value}
    with _raises_naming(argument) as excinfo:
        impls.optimize(impl.propagate, step["w"], step["b"], step["X"], step["Y"], **arguments)
    _assert_mentions(excinfo, (mention,))


@pytest.mark.parametrize("case", STEP_CASES.values(), ids=STEP_CASES.keys())
def test_validation_runs_before_any_arithmetic(case):
    """The shared wrapper rejects bad input without ever calling the kernel."""
    calls = []
    propagate = validated(lambda *args: calls.append(args))
    step = case.change(_valid_step())
    with _raises_naming(case.argument):
        propagate(step["w"], step["b"], step["X"], step["Y"])
    assert calls == []


@pytest.mark.parametrize("case", PREDICT_CASES.values(), ids=PREDICT_CASES.keys())
def test_predict_rejects(case):
    step = case.change(_valid_step())
    with _raises_naming(case.argument) as excinfo:
        impls.predict(step["w"], step["b"], step["X"])
    _assert_mentions(excinfo, case.mentions)


MAKE_PROBLEM_CASES: dict[str, tuple[str, dict[str, Any], str]] = {
    "m=0": ("m", {"m": 0}, "0"),
    "m=-1": ("m", {"m": -1}, "-1"),
    "m=2.5": ("m", {"m": 2.5}, "2.5"),
    "m='10'": ("m", {"m": "10"}, "'10'"),
    "m=True": ("m", {"m": True}, "True"),
    "n_x=0": ("n_x", {"n_x": 0}, "0"),
    "n_x=-3": ("n_x", {"n_x": -3}, "-3"),
    "n_x=1.5": ("n_x", {"n_x": 1.5}, "1.5"),
    "dtype=int32": ("dtype", {"dtype": np.int32}, "int32"),
    "dtype=float16": ("dtype", {"dtype": np.float16}, "float16"),
    "dtype=complex128": ("dtype", {"dtype": "complex128"}, "complex128"),
    "dtype='not-a-dtype'": ("dtype", {"dtype": "not-a-dtype"}, "not-a-dtype"),
    "order='K'": ("order", {"order": "K"}, "'K'"),
    "order='c'": ("order", {"order": "c"}, "'c'"),
    "order=None": ("order", {"order": None}, "None"),
}


@pytest.mark.parametrize(
    ("argument", "change", "mention"), MAKE_PROBLEM_CASES.values(), ids=MAKE_PROBLEM_CASES.keys()
)
def test_make_problem_rejects(argument, change, mention):
    arguments = {"m": 10, "n_x": 3, **change}
    with _raises_naming(argument) as excinfo:
        impls.make_problem(arguments.pop("m"), arguments.pop("n_x"), **arguments)
    _assert_mentions(excinfo, (mention,))
