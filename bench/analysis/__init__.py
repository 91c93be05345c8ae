"""Analysis: what a results file says, as cost models (:mod:`.costmodel`), REPORT.md
(:mod:`.report`) and charts (:mod:`.charts`); ``vecbench plot`` and ``vecbench report``; the
measurement record of every machine folder (:mod:`.record`).

It reads results files only (:mod:`bench.results`); it never imports measuring or the run, so a
results file from any machine can be analysed anywhere.
"""
