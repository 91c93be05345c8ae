"""The results file: its vocabulary (:mod:`.schema`), writing (:mod:`.writing`), reading into
typed records (:mod:`.reading`), and how its numbers are written for people (:mod:`.units`);
where results files go, one folder per machine and day (:mod:`.folders`).

The bottom of the pipeline: it imports no other stage of ``bench``. Every name the file uses
(fields, statuses, schema version, the baseline and reference implementations) is defined once,
in :mod:`.schema`.
"""
