"""Performance checks: the fast kernels against the memory-bandwidth floor, in one process.

Owns ``vecbench targets`` (:mod:`.targets`: the targets as ratios measured in one run, interleaved)
and ``vecbench ablation`` (:mod:`.ablation`: a fused step stage by stage). It may import
:mod:`bench.measure`, :mod:`bench.results` and :mod:`bench.analysis`; no other stage imports it.
"""
