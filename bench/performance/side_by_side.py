"""The fraction a target point is judged by: its kernel, the read of X and Y and the per-sample
math timed side by side, round by round (``vecbench targets``).

why apart from the point's other rounds: those time every implementation one after another
(numpy-vectorized and the peers too), so the judged kernel and the read of X and Y are timed up to
a second apart, and on a shared VM the machine's speed changes within a second. On a Zen 3 VM
(2026-12-03) two runs of the same code put numba-fused at (10⁶, 100) F, one thread, at 0.91 and
0.67 of the read as a ratio of the two medians of 7 such rounds. Here the three are timed in each
round, in a shuffled order, with a short pause (they share one Numba thread pool: no other
library's idle threads to wait out), and the fraction is the median of the rounds' ratios, with
its distribution-free interval (bench.results.intervals).
"""

from __future__ import annotations

import random
from dataclasses import asdict
from typing import Callable

from bench.measure.timing import interleaved_times
from bench.results.intervals import median_interval

#: Rounds of the three calls (``--judge-rounds``); 31 gives an interval of about ±0.03 on the
#: Zen 3 VM above, where the ratio of medians of the 7 shared rounds moved by 0.2.
ROUNDS = 31
QUICK_ROUNDS = 3
#: The sleep before each timed call (the untimed call after it wakes the kernel's threads).
PAUSE_S = 0.01
#: The file's names of the three series.
STEP, READ, MATH = "step", "read_once", "per_sample_math"


def side_by_side(step: Callable[[], object], read: Callable[[], object], math: Callable[[], object],
                 math_scale: float, rounds: int, pause_s: float = PAUSE_S) -> dict:
    """Time ``step``, ``read`` (of X and Y) and ``math`` (the per-sample math alone, whose seconds
    are multiplied by ``math_scale`` to stand for the point's m samples) in ``rounds`` shuffled
    rounds. Returns the series (seconds per call, round by round) and, per round, the read over
    the step (``fraction_of_read_once``) and the slower of the read and the math over the step
    (``fraction_of_attainable``): each the median over the rounds with its interval."""
    times = interleaved_times({STEP: step, READ: read, MATH: math}, (), rounds, pause_s, shuffle=random.Random())
    step_s, read_s = times[STEP], times[READ]
    math_s = [seconds * math_scale for seconds in times[MATH]]
    of_read = median_interval([r / s for r, s in zip(read_s, step_s)])
    of_attainable = median_interval([max(r, m) / s for r, m, s in zip(read_s, math_s, step_s)])
    return {"rounds": rounds, "times_s": {STEP: step_s, READ: read_s, MATH: math_s},
            "fraction_of_read_once": asdict(of_read), "fraction_of_attainable": asdict(of_attainable)}
