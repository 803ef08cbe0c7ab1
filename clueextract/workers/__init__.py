"""Workers: the case store's pending items are the queue; workers pull them one at a time.

`open_executor` picks where items are processed (this process for one worker, spawned
worker processes for several, a Ray cluster with `ray=`); `run_queue` hands items out
and commits each result exactly once (see queue.py for why it is built this way).
"""
from __future__ import annotations

from typing import Any, Optional

from ..process import thread_budget
from .local import InlineExecutor, ProcessExecutor
from .queue import (MAX_LOST, CaseBusy, Executor, Outcome, QueueResult, WorkerError, WorkerStats, case_lock,
                    run_queue)

__all__ = ["MAX_LOST", "CaseBusy", "Executor", "Outcome", "QueueResult", "WorkerError", "WorkerStats", "case_lock",
           "run_queue", "open_executor"]


def open_executor(config, cand, items: int, ray: Optional[Any] = None) -> Executor:
    """An executor for `items` pending items: no more workers than items, cores shared
    evenly between workers (thread_budget) unless config.threads says how many each gets.
    `ray`: "local", a cluster address, or RayOptions."""
    if ray is not None:
        from ..distributed.ray_runner import RayExecutor, RayOptions  # noqa: PLC0415 (+4 ms at import; only --ray scans)

        opts = ray if isinstance(ray, RayOptions) else RayOptions(address=str(ray))
        return RayExecutor(config, cand, opts, items)
    workers = max(1, min(config.workers, items))
    threads = config.threads or thread_budget(workers)
    if workers == 1:
        return InlineExecutor(config, cand, threads)
    return ProcessExecutor(config, cand, workers, threads)
