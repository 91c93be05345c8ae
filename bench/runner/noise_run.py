"""One run of ``vecbench noise``, in a process of its own: ``python -m bench.runner.noise_run SPEC``.

``SPEC`` is a JSON object: the copied implementation (``impl``), how much slower its copy is
(``factor``), the results file (``path``), the grid (``preset``, ``only``, ``ms``, ``n_xs``,
``threads``) and the ``command`` recorded. why a process per run: users compare runs of separate
processes, and each process has a speed of its own (its memory layout, its libraries' pools);
runs in one process would share it and show less noise than a user meets.
"""

from __future__ import annotations

import json
import sys

import impls
from bench.runner.command import measure, new_results
from bench.runner.noise import SlowedCopy, registered, run_settings


def run(spec: dict) -> int:
    """Measure the run ``spec`` describes (see the module); its exit status."""
    copy = SlowedCopy(impls.IMPLEMENTATIONS[spec["impl"]])
    copy.factor = float(spec["factor"])
    with registered(copy):
        settings = run_settings(spec["impl"], copy.name, preset=spec["preset"], only=spec.get("only"),
                                ms=spec["ms"], n_xs=spec["n_xs"], threads=spec["threads"])
        return measure(new_results(settings, spec["path"], spec["command"]), settings, plain=True, no_report=True)


if __name__ == "__main__":  # pragma: no cover (run by vecbench noise in a child process)
    sys.exit(run(json.loads(sys.argv[1])))
