"""Measuring: how one step is timed, on what data, with how many threads, on which machine.

Owns timing and the check against the reference (:mod:`.timing`), thread limits
(:mod:`.threads`), the memory read bandwidth and the floor it sets (:mod:`.bandwidth`), the
compute roof of the per-sample math and the attainable bound (:mod:`.compute_roof`), the
machine record (:mod:`.machine`), the memory guard (:mod:`.memory`), the benchmark problems
(:mod:`.problems`), the on-disk compile-cache check (:mod:`.compile_cache`) and the Dask cluster
measured on (:mod:`.dask_cluster`). It may import only
:mod:`bench.results` (the point vocabulary) and :mod:`impls`; it never imports the run, the
analysis or the performance checks.
"""
