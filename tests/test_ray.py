"""Ray: a scan on a private local Ray (`--ray local`) and on a two-node cluster started with
`ray start` under Ray's token authentication (`--ray HOST:PORT`) gives byte for byte the output
of the local scan (sign images in five series and a duplicate); an actor or a whole node lost
mid-run costs nothing (every item committed exactly once); a token missing or refused stops
the scan at once (exit 2, one line).

Hermetic: every Ray process here is found through this test's own processes (the scan's process
tree, or the session that `ray start` was given) and nothing else on the host is touched; Ray's
temp dirs and the cluster's token lie under the test's temp dirs and are removed with them.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import psutil
import pytest

from clueextract import scan

from conftest import ROOT
from scan_tools import PICK, events_of, integrity, query

SHIP_LIMIT = 100_000  # the two ~83 kB images travel as bytes, the four ~126-145 kB ones are read by path
RAY = str(Path(sys.executable).with_name("ray"))


@pytest.fixture(scope="module")
def reference(pick_scan):
    sizes = sorted(p.stat().st_size for p in pick_scan.evidence.rglob("*") if p.is_file())
    assert sizes[0] <= SHIP_LIMIT < sizes[-1]  # both ways are exercised
    return pick_scan.evidence, pick_scan.jsonl


@pytest.fixture()
def ray_tmp(monkeypatch) -> Iterator[Path]:
    """RAY_TMPDIR for `--ray local`: a short folder in the system temp dir (Ray's socket paths
    must fit in 107 bytes, pytest's temp paths do not leave room), removed after the test. The
    scan makes its own temp dir in it and must remove it."""
    d = Path(tempfile.mkdtemp(prefix="ce-rt-"))
    monkeypatch.setenv("RAY_TMPDIR", str(d))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def _is_actor(p: psutil.Process) -> bool:
    try:
        return "ProcessorActor" in p.name() or any("ProcessorActor" in part for part in p.cmdline())
    except psutil.Error:
        return False


def _ray_processes_under(pid: int) -> list[psutil.Process]:
    """This scan's Ray processes: its private raylet and GCS are its children, actors theirs."""
    try:
        kids = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []
    out = []
    for p in kids:
        try:
            if p.name() in ("raylet", "gcs_server") or p.name().startswith("ray::") or _is_actor(p):
                out.append(p)
        except psutil.Error:
            pass
    return out


def _token_file_state() -> tuple:
    p = Path.home() / ".ray" / "auth_token"
    return (p.exists(), p.stat().st_mtime_ns if p.exists() else None)


class _KillWhenBothActorsHoldAnItem(threading.Thread):
    """Watches the scan's own case store until two items are claimed at once (the queue claims
    an item only for an actor whose models are loaded, and an actor holds at most one: so both
    actors hold one), then calls `kill()` once."""

    def __init__(self, case: Path, kill):
        super().__init__(daemon=True)
        self.case, self.kill, self.stop = case, kill, threading.Event()
        self.killed, self.error = False, None

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                claimed, = query(self.case, "SELECT COUNT(*) FROM items WHERE claim_token IS NOT NULL")[0]
            except sqlite3.Error:  # not created yet
                claimed = 0
            if claimed == 2:
                try:
                    self.kill()
                    self.killed = True
                except BaseException as e:  # reported by finish()
                    self.error = e
                return
            self.stop.wait(0.1)

    def finish(self) -> None:
        self.stop.set()
        self.join(timeout=30)
        if self.error is not None:
            raise self.error
        assert self.killed, "the scan ended before both actors held an item"


def _assert_each_item_once(events: list[dict], case: Path, ref: bytes) -> dict:
    lost = [e for e in events if e["event"] == "worker_lost"]
    log = [(e["event"], e.get("worker"), e.get("reason") or e.get("path"), e.get("ts")) for e in events]
    assert len(lost) == 1 and "died" in lost[0]["reason"], log
    done = [e["item_id"] for e in events if e["event"] == "item"]
    assert len(done) == len(set(done)) == len(PICK) and lost[0]["item_id"] in done  # the lost one too
    end = next(e for e in events if e["event"] == "run_end")
    assert end["status"] == "completed" and end["requeued"] == 1
    assert (case / "clues.jsonl").read_bytes() == ref
    assert query(case, "SELECT COUNT(*) FROM items WHERE claim_token IS NOT NULL") == [(0,)]
    assert integrity(case) == "ok"
    return end


def test_ray_local_equals_the_local_scan_an_actor_killed_mid_run_and_leaves_nothing(reference, tmp_path, ray_tmp):
    """In-process `--ray local` with two actors; once both hold an item one of them (a process
    of this scan's own private Ray, under this process) is killed: its item is handed out
    again, a replacement actor takes its place, every item is committed exactly once and the
    clues equal the local scan's, byte for byte. Afterwards the private Ray is gone, its temp
    dir removed, the Ray variables of this process as they were, ~/.ray untouched."""
    from clueextract.distributed.ray_runner import RayOptions

    ev, ref = reference
    case = tmp_path / "case"
    events: list[dict] = []
    keys = ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_USAGE_STATS_ENABLED")
    env_before, token_before = {k: os.environ.get(k) for k in keys}, _token_file_state()

    def kill_one_actor() -> None:
        actors = [p for p in _ray_processes_under(os.getpid()) if _is_actor(p)]  # this scan's own
        assert len(actors) == 2, actors
        actors[0].kill()

    watcher = _KillWhenBothActorsHoldAnItem(case, kill_one_actor)
    watcher.start()
    try:
        report = scan([ev], case=case, events=events.append,
                      ray=RayOptions(address="local", actors=2, ship_max_bytes=SHIP_LIMIT))
    finally:
        watcher.finish()
    assert report.counts["done"] == len(PICK) + 1 and report.counts.get("error", 0) == 0
    queue = next(e for e in events if e["event"] == "queue")
    assert queue["engine"] == "ray" and queue["workers"] == 2 and queue["cluster"]["CPU"] >= 1
    end = _assert_each_item_once(events, case, ref)
    assert len(end["workers"]) == 3  # the lost actor was replaced on this machine
    assert sum(w["items"] for w in end["workers"]) == len(PICK)  # the duplicate is not processed again
    assert all(w["peak_rss_mb"] > 100 for w in end["workers"] if w["items"])  # models loaded in each actor
    # The private cluster is gone with the scan, and left nothing behind in this process or on disk.
    _, alive = psutil.wait_procs(_ray_processes_under(os.getpid()), timeout=30)
    assert not alive, alive
    assert list(ray_tmp.iterdir()) == []  # its session folders, sockets and logs
    assert {k: os.environ.get(k) for k in keys} == env_before  # its token and auth mode were put back
    assert _token_file_state() == token_before  # ~/.ray/auth_token neither written nor touched


# -- a cluster started with `ray start`, token authentication on ------------------------------------------

@dataclass
class Cluster:
    address: str
    token: Path
    sessions: dict[str, int]   # node -> the session id its `ray start` ran in: that node's processes
    base: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session_processes(sid: int) -> list[psutil.Process]:
    """Processes in session `sid`: those one `ray start` of this test started (it ran with
    start_new_session, so its daemons, their agents and workers keep its pid as session id)."""
    out = []
    for p in psutil.process_iter():
        try:
            if os.getsid(p.pid) == sid:
                out.append(p)
        except (ProcessLookupError, PermissionError, psutil.Error):
            pass
    return out


def _ray_start(base: Path, name: str, env: dict, *args: str) -> int:
    log = base / f"{name}.log"
    with open(log, "wb") as out:
        p = subprocess.Popen([RAY, "start", "--num-cpus=1", f"--temp-dir={base / name}", *args], env=env,
                             stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=base)
        rc = p.wait(timeout=180)
    assert rc == 0, log.read_text(errors="replace")[-3000:]
    return p.pid


def _stop(sid: int) -> list[psutil.Process]:
    """`ray stop` for one node, scoped: the processes of that node's session only (`ray stop`
    itself ends every Ray process on the host, whoever started it). Returns any left."""
    procs = _session_processes(sid)
    for p in procs:
        try:
            p.send_signal(signal.SIGTERM)
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=5)
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=10)
    return _session_processes(sid)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    """A head (`ray start --head`, Ray's default: token authentication on because a token is
    found) and a second node (`ray start --address`, RAY_AUTH_MODE=token as Ray's docs ask of
    every node), one CPU each, each with its own temp dir; the token in a file under the
    test's temp dir, named by RAY_AUTH_TOKEN_PATH (never ~/.ray/auth_token)."""
    base = tmp_path_factory.mktemp("rc")  # short: Ray's socket paths must fit in 107 bytes
    token = base / "token"
    token.write_text(secrets.token_hex(32))
    token.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update(RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_TOKEN_PATH=str(token))
    port = _free_port()
    sessions = {}
    try:
        sessions["head"] = _ray_start(base, "head", env, "--head", f"--port={port}", "--include-dashboard=false")
        sessions["node2"] = _ray_start(base, "node2", {**env, "RAY_AUTH_MODE": "token"}, f"--address=127.0.0.1:{port}")
        yield Cluster(f"127.0.0.1:{port}", token, sessions, base)
    finally:
        left = [p for sid in reversed(sessions.values()) for p in _stop(sid)]
    assert not left, left


def _driver_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def _cli_scan(ev: Path, case: Path, address: str, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clueextract", "scan", str(ev), "--case", str(case), "--log-json",
                           "--ray", address, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


def test_cluster_without_the_token_stops_at_once_with_one_line(cluster, reference, tmp_path):
    """No token anywhere (an empty home, no RAY_AUTH_* variable): exit 2 before any evidence
    is read, one line saying where the token goes; no 20 s of InvalidAuthToken retries."""
    home = tmp_path / "home"
    home.mkdir()
    case = tmp_path / "case"
    proc = _cli_scan(reference[0], case, cluster.address, _driver_env(HOME=str(home)))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, lines
    stopped = json.loads(lines[0])
    assert stopped["event"] == "stopped" and stopped["exit_code"] == 2
    assert "requires token authentication and no token was found" in stopped["message"]
    assert "ray get-auth-token" in stopped["message"] and "RAY_AUTH_TOKEN_PATH" in stopped["message"]
    assert not (case / "case.sqlite").exists()  # stopped before the case was opened
    assert list(home.iterdir()) == []


def test_cluster_with_a_wrong_token_stops_at_once_with_one_line(cluster, reference, tmp_path):
    wrong = tmp_path / "wrong_token"
    wrong.write_text(secrets.token_hex(32))
    case = tmp_path / "case"
    proc = _cli_scan(reference[0], case, cluster.address, _driver_env(RAY_AUTH_TOKEN_PATH=str(wrong)))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, lines
    message = json.loads(lines[0])["message"]
    assert f"refused the token from RAY_AUTH_TOKEN_PATH={wrong}" in message, message
    assert not (case / "case.sqlite").exists()


def test_cluster_scan_equals_the_local_scan_and_survives_losing_a_node(cluster, reference, tmp_path):
    """Two actors, one per node (one CPU each); once both hold an item, the second node's raylet is
    killed: its actor dies with it, the item it held is handed to the head's actor, every item
    is committed exactly once and the clues equal the local scan's. The lost actor's
    replacement finds no free CPU (its node is gone): the scan finishes without it."""
    ev, ref = reference
    case = tmp_path / "case"
    env = _driver_env(RAY_AUTH_TOKEN_PATH=str(cluster.token))  # no RAY_AUTH_MODE: on because a token is found

    def kill_node2_raylet() -> None:
        raylets = [p for p in _session_processes(cluster.sessions["node2"]) if p.name() == "raylet"]
        assert len(raylets) == 1, raylets
        raylets[0].kill()

    watcher = _KillWhenBothActorsHoldAnItem(case, kill_node2_raylet)
    watcher.start()
    try:
        proc = _cli_scan(ev, case, cluster.address, env, "--workers", "2")
    finally:
        watcher.finish()
    assert proc.returncode == 0, proc.stderr
    events = events_of(proc.stderr.splitlines())
    queue = next(e for e in events if e["event"] == "queue")
    assert queue["address"] == cluster.address and queue["cluster"]["nodes"] == 2 and queue["workers"] == 2
    _assert_each_item_once(events, case, ref)
