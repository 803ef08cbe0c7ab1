"""The same per-item processing on a Ray cluster: actors hold loaded models, the driver
stays the only writer of the case store.

- `--ray local` starts a private Ray on this machine; `--ray HOST:6379` joins a cluster
  started with `ray start --head` (the scan runs on a node of that cluster). How Ray is
  reached, its token and its temp files: ray_session.py.
- One actor = one Processor (models load once per actor), given `threads` CPUs of the
  cluster and, when the cluster has GPUs, a share of one (Whisper then runs on CUDA).
- Evidence up to `ship_max_bytes` travels as bytes (the actor verifies their SHA-256
  against the ingest hash, as it would the file), so nodes need no shared storage for
  ordinary media; larger files are opened by path, which must then be the same path on
  every node (a shared mount).
- Actors are managed here rather than with ray.util.ActorPool: when an actor dies,
  ActorPool raises without saying which submitted item it held, and the queue must give
  exactly that item back. Each hand-out is tracked by its future instead.
- An item goes only to an actor whose models are loaded (its `__ray_ready__` returned).
  A lost actor is replaced, but its replacement may never be placed (its node is gone and
  the others' CPUs are taken): items handed to it would wait forever, so it gets none
  until it is up, and the scan goes on with the actors that are. When no actor at all is
  up for START_TIMEOUT_S, the scan stops with a reason instead of waiting.
- Nothing leaves the cluster: usage statistics are switched off before Ray is imported,
  no dashboard is started, and ray is imported only when `--ray` is used.
"""
from __future__ import annotations

import os
import pickle
import time
from dataclasses import dataclass
from typing import Any, Optional

from ..ingest.hashing import open_readonly
from ..process import Job, Processor, thread_budget
from ..records import ItemResult
from ..workers.local import peak_rss_mb, prepare_worker
from ..workers.queue import Outcome, WorkerError, WorkerStats
from .ray_session import RayAuthError, RaySession, check_access

SHIP_MAX_BYTES = 64 << 20
START_FAILURES = 3
START_TIMEOUT_S = 600.0  # no actor up for this long (none placeable, or models loading forever): stop

__all__ = ["RayAuthError", "RayExecutor", "RayOptions", "check_access"]


@dataclass(frozen=True)
class RayOptions:
    address: str = "local"             # "local" = a private Ray on this machine; else HOST:PORT of a cluster
    actors: Optional[int] = None       # None: one actor per 2 cluster CPUs (at most one per item)
    ship_max_bytes: int = SHIP_MAX_BYTES
    temp_dir: Optional[str] = None     # --ray local: where its temp dir is made (else RAY_TMPDIR, else the system's)


def connect(opts: RayOptions, actors_hint: int = 1) -> RaySession:
    """Start or join Ray for one scan (close the session when done)."""
    store = 0
    if opts.address == "local":
        store = max(256 << 20, (actors_hint + 1) * min(opts.ship_max_bytes, 256 << 20))
    return RaySession(opts.address, thread_budget(1), store, opts.temp_dir)


class ProcessorActor:
    """One Processor on a Ray worker (wrapped with ray.remote at run time, so importing this
    module never imports ray or any model library)."""

    def __init__(self, payload: bytes, threads: int):
        prepare_worker(threads)
        config, cand = pickle.loads(payload)
        self.proc = Processor(config, cand, threads)
        self.host = os.uname().nodename

    def process(self, job: Job, data: Optional[bytes]) -> tuple[ItemResult, int, str, float]:
        if data is None and not os.path.exists(job.abs_path):
            result = ItemResult(status="error", error=(
                f"evidence not readable on Ray node {self.host}: {job.abs_path} (files over the ship-as-bytes "
                "limit are read by path: mount the evidence at the same path on every node)"))
        else:
            result = self.proc.process(job, data)
        return result, os.getpid(), self.host, peak_rss_mb()


@dataclass
class _Actor:
    name: str
    handle: Any
    stat: WorkerStats
    ready: Any = None                  # the __ray_ready__ future until the actor is up, then None
    future: Any = None
    token: Optional[str] = None
    done_any: bool = False


class RayExecutor:
    def __init__(self, config, cand, opts: RayOptions, items: int):
        t0 = time.perf_counter()
        self.opts = opts
        try:
            self.session = connect(opts, opts.actors or 1)
        except ImportError as e:
            raise WorkerError(f"--ray needs the ray package ({e})") from e
        except WorkerError:
            raise
        except Exception as e:  # ConnectionError, timeouts, a version mismatch with the cluster
            raise WorkerError(f"cannot start or reach Ray at {opts.address!r}: {e}") from e
        import ray  # noqa: PLC0415 (heavy: Ray, +250 ms at import; only --ray scans)

        self.ray = ray
        try:
            self._setup(config, cand, opts, items)
        except BaseException:
            self.session.close()
            raise
        self.connect_s = round(time.perf_counter() - t0, 2)

    def _setup(self, config, cand, opts: RayOptions, items: int) -> None:
        ray = self.ray
        res = ray.cluster_resources()
        cpus = max(1, int(res.get("CPU", 1)))
        gpus = float(res.get("GPU", 0))
        alive = [x for x in ray.nodes() if x.get("Alive")]
        node_cpus = max((int(x["Resources"].get("CPU", 0)) for x in alive), default=cpus)
        n = max(1, min(opts.actors or max(1, cpus // 2), items))
        self.threads = max(1, min(config.threads or cpus // n, node_cpus))
        self.gpu_each = round(min(1.0, gpus / n), 4) if gpus >= 0.0001 else 0.0
        resources: dict[str, Any] = {"num_cpus": self.threads, "max_restarts": 0, "max_task_retries": 0}
        if self.gpu_each:
            resources["num_gpus"] = self.gpu_each
        self.cls = ray.remote(ProcessorActor).options(**resources)
        self.payload = pickle.dumps((config, cand))
        self.n, self.cluster = n, {"CPU": cpus, "GPU": gpus, "nodes": len(alive)}
        self.actors: list[_Actor] = []
        self.retired: list[WorkerStats] = []
        self.started = self.failed_starts = 0
        self.none_up_since: Optional[float] = time.monotonic()
        for _ in range(n):
            self._start()

    def _start(self) -> None:
        self.started += 1
        name = f"ray{self.started}"
        handle = self.cls.remote(self.payload, self.threads)
        self.actors.append(_Actor(name, handle, WorkerStats(name), ready=handle.__ray_ready__.remote()))

    def describe(self) -> dict[str, Any]:
        return {"engine": "ray", "address": self.opts.address, "workers": self.n, "threads": self.threads,
                "gpus_per_worker": self.gpu_each, "cluster": self.cluster, "connect_s": self.connect_s}

    def free(self) -> int:
        return sum(1 for a in self.actors if a.ready is None and a.future is None)

    def submit(self, token: str, job: Job) -> None:
        a = next(a for a in self.actors if a.ready is None and a.future is None)
        a.token, a.future = token, a.handle.process.remote(job, self._bytes(job))

    def _bytes(self, job: Job) -> Optional[bytes]:
        """The file's bytes when small enough to ship (read-only, no link followed); else None."""
        try:
            fd = open_readonly(job.abs_path)
        except OSError:
            return None  # the actor records why it cannot read the path
        try:
            if os.fstat(fd).st_size > self.opts.ship_max_bytes:
                return None
            chunks = []
            while b := os.read(fd, 1 << 20):
                chunks.append(b)
            return b"".join(chunks)
        finally:
            os.close(fd)

    def _came_up(self, f) -> None:
        from ray.exceptions import RayError  # noqa: PLC0415 (heavy: Ray, +250 ms at import; only --ray scans)

        a = next((a for a in self.actors if a.ready is f), None)
        if a is None:
            return
        try:
            self.ray.get(f)
        except RayError as e:  # its __init__ raised, or its node went away while it loaded
            self._replace(a, f"{type(e).__name__}")
            return
        a.ready = None

    def _collect(self, futures: list, out: list[Outcome]) -> None:
        from ray.exceptions import RayError, RayTaskError  # noqa: PLC0415 (heavy: Ray, +250 ms at import; only --ray scans)

        for f in futures:
            a = next((a for a in self.actors if a.future is f), None)
            if a is None:
                self._came_up(f)
                continue
            token, a.future, a.token = a.token, None, None
            try:
                result, pid, host, rss = self.ray.get(f)
            except RayTaskError as e:  # the method raised (the Processor never should): retried once
                out.append(Outcome(token, None, a.name, lost=f"{a.name} raised {e.cause!r}"))
                continue
            except RayError as e:  # the actor or its node is gone
                out.append(Outcome(token, None, a.name, lost=f"{a.name} died: {type(e).__name__}"))
                self._replace(a, type(e).__name__)
                continue
            a.done_any = True
            self.failed_starts = 0
            a.stat.pid, a.stat.host, a.stat.peak_rss_mb = pid, host, rss
            a.stat.items += 1
            out.append(Outcome(token, result, a.name))

    def _replace(self, a: _Actor, why: str) -> None:
        self.actors.remove(a)
        self.retired.append(a.stat)
        try:
            self.ray.kill(a.handle)
        except Exception:
            pass
        if not a.done_any:
            self.failed_starts += 1
            if self.failed_starts >= START_FAILURES:
                raise WorkerError(f"{self.failed_starts} Ray actors in a row died before finishing an item (last: "
                                  f"{why}); is clueextract installed with its models on every node?")
        self._start()

    def wait(self, timeout: float) -> list[Outcome]:
        busy = [a.future for a in self.actors if a.future is not None]
        loading = [a.ready for a in self.actors if a.ready is not None]
        out: list[Outcome] = []
        if not busy and not loading:
            return out
        if not busy:  # nothing to deliver: wait for an actor to come up (without spinning)
            timeout = max(timeout, 1.0)
        pending = busy + loading
        ready, _ = self.ray.wait(pending, num_returns=1, timeout=timeout)
        if ready:
            ready, _ = self.ray.wait(pending, num_returns=len(pending), timeout=0)
            self._collect(ready, out)
        self._check_any_up()
        return out

    def _check_any_up(self) -> None:
        if any(a.ready is None for a in self.actors):
            self.none_up_since = None
            return
        now = time.monotonic()
        if self.none_up_since is None:
            self.none_up_since = now
        elif now - self.none_up_since > START_TIMEOUT_S:
            raise WorkerError(f"no Ray actor came up in {START_TIMEOUT_S:.0f} s: the cluster has no node with "
                              f"{self.threads} free CPU(s) for one, or its models do not load (see the cluster's logs)")

    def drain(self) -> list[Outcome]:
        busy = [a.future for a in self.actors if a.future is not None]
        out: list[Outcome] = []
        if busy:
            ready, _ = self.ray.wait(busy, num_returns=len(busy), timeout=0)
            self._collect(ready, out)
        return out

    def stats(self) -> list[WorkerStats]:
        return self.retired + [a.stat for a in self.actors]

    def close(self, now: bool) -> None:
        try:
            for a in self.actors:
                try:
                    self.ray.kill(a.handle)
                except Exception:
                    pass
        finally:
            self.session.close()
