"""Local executors: one Processor in this process, or N spawned worker processes.

Each worker process loads its models once (a Processor), then pulls one item at a time:
the driver hands an item to a worker only when that worker is idle, over the worker's own
pipe. Own pipes, not a shared multiprocessing.Queue: a process killed while it holds a
shared queue's lock can wedge every other worker, and with one pipe per worker the driver
always knows which item a dead worker held. Workers ignore SIGINT (the driver decides what
happens on Ctrl-C) and exit when the driver's end of the pipe closes, so a driver killed
with -9 leaves no worker running past its current item.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import resource
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait as wait_any
from typing import Any, Optional

from ..memory import tune_allocator
from ..process import Job, Processor
from .queue import Outcome, WorkerError, WorkerStats

START_FAILURES = 3  # workers in a row that die before they are ready: the run cannot proceed


def apply_thread_budget(threads: int) -> None:
    """Cap every threaded runtime of this process at `threads` so N workers share the cores
    instead of each spinning up one thread per core. Called before the libraries load.
    onnxruntime (RapidOCR), CTranslate2 (Whisper), the Tesseract pool and PyAV get the
    budget explicitly from the Processor; this covers BLAS/OpenMP users (numpy, OpenCV).
    setdefault: a value the user exported wins.

    Never OMP_THREAD_LIMIT: CTranslate2's OpenMP (its bundled libgomp) given cpu_threads
    above that limit silently computes garbage - with OMP_THREAD_LIMIT=1 and cpu_threads=2
    Whisper base heard a German weather report as English (p 0.33) and transcribed nothing,
    where it otherwise says German (p 0.92) with every word (measured; CI caught it as 12
    failing speech tests). whisper.load clamps cpu_threads to a limit the user exported."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))
    try:
        import cv2  # noqa: PLC0415 (optional: OpenCV may be absent)

        cv2.setNumThreads(threads)
    except Exception:  # OpenCV absent or built without a thread pool
        pass


def prepare_worker(threads: int) -> None:
    """What every worker (this process, a worker process, a Ray actor) does before its models
    load: the thread budget, and glibc's malloc set up for a long-running worker (memory.py)."""
    apply_thread_budget(threads)
    tune_allocator()


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class InlineExecutor:
    """One worker: this process (no process start, no pickling; what `--workers 1` uses)."""

    def __init__(self, config, cand, threads: int):
        self.config, self.cand, self.threads = config, cand, threads
        self.proc: Optional[Processor] = None
        self.job: Optional[tuple[str, Job]] = None
        self.stat = WorkerStats("main", os.getpid(), os.uname().nodename)

    def describe(self) -> dict[str, Any]:
        return {"engine": "local", "workers": 1, "threads": self.threads}

    def free(self) -> int:
        return 0 if self.job else 1

    def submit(self, token: str, job: Job) -> None:
        self.job = (token, job)

    def wait(self, timeout: float) -> list[Outcome]:
        if self.job is None:
            return []
        if self.proc is None:
            prepare_worker(self.threads)
            self.proc = Processor(self.config, self.cand, self.threads)
        token, job = self.job
        result = self.proc.process(job)
        self.job = None
        self.stat.items += 1
        self.stat.peak_rss_mb = peak_rss_mb()
        return [Outcome(token, result, self.stat.worker)]

    def drain(self) -> list[Outcome]:
        return []

    def stats(self) -> list[WorkerStats]:
        return [self.stat]

    def close(self, now: bool) -> None:
        self.proc = None


def worker_main(conn: Connection, threads: int, payload: bytes) -> None:
    """A worker process: load the models once, then process one item per request."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    prepare_worker(threads)  # before the payload's unpickling imports anything threaded
    config, cand = pickle.loads(payload)
    proc = Processor(config, cand, threads)
    try:
        conn.send(("ready", os.getpid(), peak_rss_mb()))
    except OSError:  # the driver died while the models loaded
        return
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):  # the driver is gone
            return
        if msg[0] != "job":
            return
        _, token, job = msg
        result = proc.process(job)
        try:
            conn.send(("result", token, result, peak_rss_mb()))
        except OSError:
            return


@dataclass
class _Worker:
    name: str
    proc: Any
    conn: Connection
    stat: WorkerStats
    token: Optional[str] = None
    ready: bool = False


class ProcessExecutor:
    """N spawned worker processes (spawn: no forked copies of runtime threads or locks)."""

    def __init__(self, config, cand, workers: int, threads: int):
        self.threads = threads
        self.n = workers
        self.payload = pickle.dumps((config, cand))
        self.ctx = mp.get_context("spawn")
        self.workers: list[_Worker] = []
        self.retired: list[WorkerStats] = []
        self.started = 0
        self.failed_starts = 0
        for _ in range(workers):
            self._start()

    def _start(self) -> _Worker:
        self.started += 1
        name = f"w{self.started}"
        mine, theirs = self.ctx.Pipe(duplex=True)
        p = self.ctx.Process(target=worker_main, args=(theirs, self.threads, self.payload),
                             name=f"clueextract-worker-{name}", daemon=True)
        p.start()
        theirs.close()
        w = _Worker(name, p, mine, WorkerStats(name, p.pid, os.uname().nodename))
        self.workers.append(w)
        return w

    def describe(self) -> dict[str, Any]:
        return {"engine": "local", "workers": self.n, "threads": self.threads}

    def free(self) -> int:
        return sum(1 for w in self.workers if w.token is None)

    def submit(self, token: str, job: Job) -> None:
        w = next(w for w in self.workers if w.token is None)
        w.token = token
        w.conn.send(("job", token, job))  # waits in the pipe while the worker still loads its models

    def _read(self, w: _Worker, out: list[Outcome]) -> bool:
        """Take one message from a worker; False when its pipe is closed."""
        try:
            msg = w.conn.recv()
        except (EOFError, OSError):
            return False
        if msg[0] == "ready":
            w.ready = True
            self.failed_starts = 0
            w.stat.peak_rss_mb = msg[2]
        elif msg[0] == "result":
            _, token, result, rss = msg
            w.token = None
            w.stat.items += 1
            w.stat.peak_rss_mb = rss
            out.append(Outcome(token, result, w.name))
        return True

    def _buried(self, w: _Worker, out: list[Outcome]) -> None:
        """A worker process ended: keep what it sent, give back what it held, start another."""
        while True:  # a result sent just before the end still counts
            try:
                if not w.conn.poll(0):
                    break
            except OSError:
                break
            if not self._read(w, out):
                break
        w.proc.join(5)
        code = w.proc.exitcode
        why = f"exit code {code}" if code is None or code >= 0 else f"killed by {signal.Signals(-code).name}"
        if w.token is not None:
            out.append(Outcome(w.token, None, w.name, lost=f"worker {w.name} (pid {w.proc.pid}) {why}"))
        w.conn.close()
        self.workers.remove(w)
        self.retired.append(w.stat)
        if not w.ready:
            self.failed_starts += 1
            if self.failed_starts >= START_FAILURES:
                raise WorkerError(f"{self.failed_starts} worker processes in a row ended before their models "
                                  f"loaded (last: {why}); see the messages above")
        self._start()

    def wait(self, timeout: float) -> list[Outcome]:
        out: list[Outcome] = []
        by_conn = {w.conn: w for w in self.workers}
        by_sentinel = {w.proc.sentinel: w for w in self.workers}
        ready = wait_any(list(by_conn) + list(by_sentinel), timeout)
        dead = []
        for r in ready:
            if r in by_conn:
                w = by_conn[r]
                if not self._read(w, out) and w not in dead:
                    dead.append(w)
            elif by_sentinel[r] not in dead:
                dead.append(by_sentinel[r])
        for w in dead:
            self._buried(w, out)
        return out

    def drain(self) -> list[Outcome]:
        out: list[Outcome] = []
        for w in list(self.workers):
            try:
                while w.conn.poll(0) and self._read(w, out):
                    pass
            except OSError:
                pass
        return out

    def stats(self) -> list[WorkerStats]:
        return self.retired + [w.stat for w in self.workers]

    def close(self, now: bool) -> None:
        for w in self.workers:
            try:
                if now:
                    w.proc.terminate()
                else:
                    w.conn.send(("stop",))
            except (OSError, ValueError):
                pass
        for w in self.workers:
            w.proc.join(3 if now else 30)
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(5)
            w.conn.close()
