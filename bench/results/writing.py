"""Writing the results file: pytest-benchmark's JSON plus a ``vecbench`` section (see schema).

While a run goes on, every finished point is appended to a checkpoint (one JSON line, flushed)
and the results file is rewritten atomically with ``complete: false``; so Ctrl-C or a crash
keeps every finished point, and ``--resume`` continues from the file.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest_benchmark
from pytest_benchmark.plugin import pytest_benchmark_generate_machine_info
from pytest_benchmark.utils import get_commit_info

from bench.results.schema import LATEST_NAME, NOT_MEASURED, RESULTS_DIR, entry_key



class ResumeError(ValueError):
    """No run to resume, or the file given cannot be resumed (one-line message)."""


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def default_path(results_dir: Path = RESULTS_DIR) -> Path:
    """``run-YYYYmmdd-HHMMSS.json`` in ``results_dir`` (``-2``, ``-3``… if that name is taken)."""
    stem = f"run-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    path, number = results_dir / f"{stem}.json", 1
    while path.exists():
        number += 1
        path = results_dir / f"{stem}-{number}.json"
    return path


def new_document(vecbench: dict) -> dict:
    """An empty results document in pytest-benchmark's format, with our ``vecbench`` section."""
    return {
        "machine_info": pytest_benchmark_generate_machine_info(),
        "commit_info": get_commit_info(),
        "benchmarks": [],
        "datetime": now_iso(),
        "version": pytest_benchmark.__version__,
        "vecbench": vecbench,
    }


def write_json_atomically(path: Path, document: dict) -> None:
    """Write ``document`` so that ``path`` always holds either the old or the new full file.

    No fsync (why: it costs more than a fast point; a crash of the process cannot leave a partial
    file, and the checkpoint, which is fsynced, covers a crash of the machine).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w") as handle:
        json.dump(document, handle, indent=1)
    os.replace(temporary, path)


#: The whole file is rewritten at most this often while points come in (and always at the end).
#: why: rewriting it after every point cost seconds per quick run (the document grows with every
#: point's rounds); each point is safe in the fsynced checkpoint the moment it finishes, and an
#: interrupted run's file is brought up to date from it (:meth:`ResultsFile.write`, ``load``).
WRITE_EVERY_S = 5.0


class ResultsFile:
    """A results document on disk, with its checkpoint and the ``latest.json`` copy beside it."""

    def __init__(self, path: Path, document: dict) -> None:
        self.path = Path(path)
        self.document = document
        self._written_at: float | None = None  # time.monotonic() of the last full write
        self.latest_path = self.path.parent / LATEST_NAME
        self.checkpoint_path = self.path.parent / "checkpoints" / f"{self.path.stem}.jsonl"

    @property
    def entries(self) -> list[dict]:
        """Every recorded point: measured ones (``benchmarks``) and the others (``not_measured``)."""
        return [*self.document["benchmarks"], *self.vecbench.get(NOT_MEASURED, [])]

    def _file(self, entry: dict) -> None:
        """Put ``entry`` where it belongs: a measured point in ``benchmarks``; a skipped or failed
        one in ``vecbench.not_measured`` (why: pytest-benchmark's own compare refuses a file
        with a single ``"stats": null`` entry, and this file is in its format)."""
        if entry.get("stats") is not None:
            self.document["benchmarks"].append(entry)
        else:
            self.vecbench.setdefault(NOT_MEASURED, []).append(entry)

    @property
    def vecbench(self) -> dict:
        return self.document["vecbench"]

    @contextmanager
    def locked(self):
        """Only one process writes a results file: a lock file holds the writer's pid.

        Raises ResumeError if another live process holds it (a stale lock is taken over).
        """
        lock = self.checkpoint_path.with_suffix(".lock")
        lock.parent.mkdir(parents=True, exist_ok=True)
        try:
            holder = int(lock.read_text())
        except (OSError, ValueError):
            holder = None
        if holder and holder != os.getpid() and _alive(holder):
            raise ResumeError(f"{self.path} is being written by another run (process {holder})")
        lock.write_text(str(os.getpid()))
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)

    def add(self, entry: dict) -> None:
        """Record one finished point: checkpoint line first, then the whole file (at most every
        WRITE_EVERY_S; the first point at once)."""
        self.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.checkpoint_path, "a") as checkpoint:
            checkpoint.write(json.dumps(entry) + "\n")
            checkpoint.flush()
            os.fsync(checkpoint.fileno())
        self._file(entry)
        if self._written_at is None or time.monotonic() - self._written_at >= WRITE_EVERY_S:
            self.write()

    def write(self) -> None:
        """The whole document to ``path`` and ``latest.json`` (atomically, each)."""
        self._written_at = time.monotonic()
        write_json_atomically(self.path, self.document)
        if self.latest_path != self.path:
            write_json_atomically(self.latest_path, self.document)

    def finish(self) -> None:
        """Mark the run complete and drop its checkpoint (the file now holds every point)."""
        self.vecbench.update(complete=True, finished=now_iso())
        self.write()
        self.checkpoint_path.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> ResultsFile:
        """An interrupted run, with the points only its checkpoint holds added back."""
        try:
            document = json.loads(Path(path).read_text())
            document["vecbench"]["settings"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ResumeError(f"cannot resume {path}: not a vecbench results file ({exc})") from None
        results = cls(path, document)
        if results.vecbench.get("complete"):
            raise ResumeError(f"cannot resume {path}: that run is already complete")
        known = {entry_key(entry) for entry in results.entries}
        for entry in results._checkpoint_entries():
            if entry_key(entry) not in known:
                results._file(entry)
                known.add(entry_key(entry))
        return results

    def _checkpoint_entries(self) -> list[dict]:
        if not self.checkpoint_path.exists():
            return []
        entries = []
        for line in self.checkpoint_path.read_text().splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:  # why: a crash can cut the last line short; it is simply re-measured
                break
        return entries


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def latest_incomplete(results_dir: Path = RESULTS_DIR) -> Path:
    """The newest ``run-*.json`` in ``results_dir`` whose run did not complete."""
    for path in sorted(results_dir.glob("run-*.json"), reverse=True):
        try:
            if not json.loads(path.read_text())["vecbench"].get("complete", True):
                return path
        except (OSError, ValueError, KeyError, TypeError):
            continue
    raise ResumeError(f"no interrupted run to resume in {results_dir}/ (looked for run-*.json with complete=false)")
