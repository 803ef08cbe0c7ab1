"""The work queue: the case store's pending items, claimed one at a time for a worker.

Why this shape:
- The driver is the only writer. Workers (local processes or Ray actors) only read
  evidence and return results; the driver commits each result with its item's status in
  one transaction. One writer keeps SQLite simple and lets `review` write beside a scan.
- Every hand-out is a claim with a fresh token stored on the item. A result commits only
  while its token still holds the pending item, so a late, repeated or stale result
  commits nothing: an item is committed exactly once.
- A worker that dies (kill -9, OOM killer, a native crash on hostile input) gives its item
  back to the queue; an item that takes down `MAX_LOST` workers is recorded as an error
  instead of being retried forever. A driver that dies leaves claims that the next scan
  gives back (`CaseStore.requeue_stale`) — safe because one scan holds a case at a time
  (`case_lock`).
- Ctrl-C: results that already arrived are committed, items in flight are given back
  (still pending), and the interrupt goes on to the caller.
"""
from __future__ import annotations

import os
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Protocol

from ..process import Job
from ..records import ItemResult
from ..store import CaseStore

MAX_LOST = 2  # workers an item may take down before it is recorded as an error

Emit = Callable[[dict[str, Any]], None]


@dataclass
class Outcome:
    """One item back from a worker: its result, or None with `lost` saying why the worker died."""

    token: str
    result: Optional[ItemResult]
    worker: str
    lost: Optional[str] = None


@dataclass
class WorkerStats:
    worker: str
    pid: Optional[int] = None
    host: Optional[str] = None
    items: int = 0
    peak_rss_mb: Optional[float] = None

    def to_json(self) -> dict[str, Any]:
        return {"worker": self.worker, "pid": self.pid, "host": self.host, "items": self.items,
                "peak_rss_mb": self.peak_rss_mb}


class Executor(Protocol):
    """Where items are processed: in this process, in local worker processes, or on Ray."""

    def describe(self) -> dict[str, Any]: ...          # engine, workers, threads per worker
    def free(self) -> int: ...                         # items that may be submitted now
    def submit(self, token: str, job: Job) -> None: ...
    def wait(self, timeout: float) -> list[Outcome]: ...  # what finished (or was lost) meanwhile
    def drain(self) -> list[Outcome]: ...              # what already arrived, without waiting
    def stats(self) -> list[WorkerStats]: ...
    def close(self, now: bool) -> None: ...


@dataclass
class QueueResult:
    processed: int = 0
    requeued: int = 0
    duplicates_ignored: int = 0
    lost: dict[str, int] = field(default_factory=dict)


def run_queue(store: CaseStore, executor: Executor, rows: list, locations: dict[str, str], *, config_hash: str,
              run_id: int, progress: Optional[Callable[[str, int, int], None]] = None,
              emit: Optional[Emit] = None, out: Optional[QueueResult] = None) -> QueueResult:
    """Hand every pending row to the executor, commit each result exactly once. `out`, when
    given, is filled as it goes (the caller still has the counts after an interrupt)."""
    out = out if out is not None else QueueResult()
    todo = deque(rows)
    inflight: dict[str, tuple[Any, Job]] = {}
    total = len(rows)

    def commit(token: str, row, job: Job, result: ItemResult, worker: str) -> None:
        if not store.commit_result(job.item_id, result.status, result.error, result.clues, result.info,
                                   config_hash, run_id, claim=token):
            out.duplicates_ignored += 1
            return
        out.processed += 1
        if emit:
            emit({"event": "item", "item_id": job.item_id, "path": row["path"], "series": row["series"],
                  "media_type": job.media_type, "status": result.status, "error": result.error,
                  "clues": len(result.clues), "seconds": result.info.get("seconds"), "worker": worker})
        if progress:
            progress("process", out.processed, total)

    def settle(o: Outcome) -> None:
        if o.token not in inflight:  # delivered twice, or from a claim already given back
            out.duplicates_ignored += 1
            return
        row, job = inflight.pop(o.token)
        if o.result is not None:
            commit(o.token, row, job, o.result, o.worker)
            return
        n = out.lost[job.item_id] = out.lost.get(job.item_id, 0) + 1
        if emit:
            emit({"event": "worker_lost", "worker": o.worker, "item_id": job.item_id, "path": row["path"],
                  "reason": o.lost, "times": n})
        if n >= MAX_LOST:  # the item itself is the likely cause: record it, do not loop
            commit(o.token, row, job, ItemResult(status="error", error=(
                f"the worker processing this file died {n} times ({o.lost}); not retried"),
                info={"workers_lost": n}), o.worker)
        else:
            store.release(job.item_id, o.token)
            todo.appendleft(row)
            out.requeued += 1

    prefix = f"r{run_id}-"
    try:
        while todo or inflight:
            while todo and executor.free() > 0:
                row = todo.popleft()
                token = f"{prefix}{uuid.uuid4().hex[:16]}"
                if not store.claim(row["item_id"], token):
                    continue  # finished or claimed meanwhile
                job = Job(row["item_id"], locations[row["item_id"]], row["sha256"], row["media_type"], row["mime"])
                inflight[token] = (row, job)
                executor.submit(token, job)
            for o in executor.wait(1.0 if inflight else 0.0):
                settle(o)
    except BaseException:
        if store.db.in_transaction:  # interrupted between BEGIN and COMMIT: nothing of it is kept
            store.db.execute("ROLLBACK")
        try:
            for o in executor.drain():  # finished results are kept
                settle(o)
        finally:
            # In flight: pending again, the next scan does them. By token prefix, not from
            # `inflight`: Ctrl-C may land between a claim and its entry there, or between a
            # result leaving `inflight` and its commit (rolled back): a claim left then was
            # given back only by the next scan (the Ctrl-C test caught such a claim once).
            store.release_claims(prefix)
        raise
    return out


class CaseBusy(RuntimeError):
    """Another scan holds this case."""


class WorkerError(RuntimeError):
    """The run cannot proceed: workers do not start (or Ray cannot be reached)."""


class case_lock:
    """One scan per case at a time: an exclusive flock on CASE/.scan.lock, released by the
    kernel when the scan's process ends however it ends (kill -9 included). A scan that ends
    normally removes the file while it still holds the lock (only a killed scan leaves one, with
    no meaning once its process is gone); whoever locks a file checks it is still the one at the
    path, so a scan that opened the file just before it was removed never holds a stale lock."""

    def __init__(self, case_dir: str | Path):
        self.path = Path(case_dir) / ".scan.lock"
        self.fd: Optional[int] = None

    def __enter__(self) -> "case_lock":
        try:
            import fcntl  # noqa: PLC0415 (optional: POSIX only)
        except ImportError:  # not POSIX: no lock, stale claims are still given back at start
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown process"
                os.close(fd)
                raise CaseBusy(f"another scan is writing to {self.path.parent} ({holder}); "
                               "wait for it to finish or stop it, then run the scan again") from None
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the file was removed by the scan that just ended: lock the new one
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {os.uname().nodename} since {time.strftime('%Y-%m-%d %H:%M:%S')}"
                  .encode(), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            try:
                os.unlink(self.path)  # while still locked: nobody can hold a lock on it after us
            except OSError:
                pass
            os.close(self.fd)  # closing the descriptor releases the flock
            self.fd = None
