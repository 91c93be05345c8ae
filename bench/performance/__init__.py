"""Performance checks: the fast kernels against the memory-bandwidth floor, in one process.

Owns ``vecbench targets`` (:mod:`.targets`: the targets as ratios measured in one run, interleaved),
``vecbench ablation`` (:mod:`.ablation`: a fused step stage by stage) and ``vecbench scale``
(:mod:`.scale`: time per step against m, in one process and on a Dask cluster). It may import
:mod:`bench.measure`, :mod:`bench.results` and :mod:`bench.analysis`; no other stage imports it.
"""
