"""Local workers: N processes give the same output as one; a worker killed mid-run costs
nothing (every item committed exactly once); Ctrl-C stops cleanly and the scan resumes;
the queue's claims make commits idempotent; older case stores migrate."""
from __future__ import annotations

import os
import signal
import sqlite3
import time

import psutil
import pytest

from clueextract import scan
from clueextract.process import thread_budget
from clueextract.records import Clue, ItemResult, Source
from clueextract.store import MIGRATIONS, SCHEMA_VERSION, CaseStore
from clueextract.workers import CaseBusy, Outcome, case_lock, run_queue
from clueextract.workers.queue import QueueResult

from conftest import run_cli
from scan_tools import PICK, events_of, integrity, query, start_scan, wait_for


@pytest.fixture(scope="module")
def reference(pick_scan):
    """The evidence scanned by one worker in this process: what every other way must equal."""
    return pick_scan.evidence, pick_scan.case, pick_scan.jsonl


def _workers(pid: int) -> list[psutil.Process]:
    return [c for c in psutil.Process(pid).children(recursive=True)
            if any("spawn_main" in part for part in c.cmdline())]


def test_two_workers_equal_one_worker(reference, tmp_path):
    ev, _, ref = reference
    proc = start_scan(ev, tmp_path / "case", "--workers", "2")
    lines = proc.stderr.readlines()
    assert proc.wait() == 0, lines
    events = events_of(lines)  # every stderr line is one JSON object
    assert (tmp_path / "case" / "clues.jsonl").read_bytes() == ref
    queue = next(e for e in events if e["event"] == "queue")
    assert queue["workers"] == 2 and queue["threads"] == thread_budget(2) and queue["pending"] == len(PICK)
    items = [e for e in events if e["event"] == "item"]
    assert sorted(e["path"] for e in items) == sorted(PICK) and all(e["status"] == "done" for e in items)
    assert all(isinstance(e["seconds"], float) for e in items)
    end = events[-1]
    assert end["event"] == "run_end" and end["status"] == "completed" and end["counts"]["done"] == len(PICK) + 1
    assert len(end["workers"]) == 2 and sum(w["items"] for w in end["workers"]) == len(PICK)
    assert all(w["peak_rss_mb"] > 100 for w in end["workers"])  # models loaded in each worker


def _claims(case) -> int:
    return query(case, "SELECT COUNT(*) FROM items WHERE claim_token IS NOT NULL")[0][0]


def test_worker_killed_mid_run_every_item_done_exactly_once(reference, tmp_path):
    ev, _, ref = reference
    case = tmp_path / "case"
    proc = start_scan(ev, case, "--workers", "2")
    lines, killed = [], None
    for line in proc.stderr:
        lines.append(line)
        if killed is None and '"event": "item"' in line:
            # Hold both workers (SIGSTOP), and wait until the driver has handed each of them an
            # item (two claims; 5 of 6 items are left): the worker that sent the first result is
            # idle until then, and killing an idle worker costs no item (the race this replaced).
            workers = _workers(proc.pid)
            for w in workers:
                w.suspend()
            try:
                wait_for(lambda: _claims(case) == 2, timeout=60, step=0.05)
            except AssertionError:
                for w in [*workers, psutil.Process(proc.pid)]:
                    w.kill()
                raise
            time.sleep(0.2)  # the second hand-out's pipe write follows its claim
            victim, other = workers
            victim.kill()
            other.resume()
            killed = victim.pid
    assert proc.wait() == 0, lines
    events = events_of(lines)
    lost = [e for e in events if e["event"] == "worker_lost"]
    assert len(lost) == 1 and "SIGKILL" in lost[0]["reason"] and lost[0]["times"] == 1
    done = [e["item_id"] for e in events if e["event"] == "item"]
    assert len(done) == len(set(done)) == len(PICK)  # each committed once, the lost one included
    assert lost[0]["item_id"] in done
    end = events[-1]
    assert end["requeued"] == 1 and len(end["workers"]) == 3  # two started, one replaced the dead one
    assert (case / "clues.jsonl").read_bytes() == ref
    assert query(case, "SELECT COUNT(*) FROM items WHERE claim_token IS NOT NULL") == [(0,)]
    assert integrity(case) == "ok"
    assert not psutil.pid_exists(killed) or psutil.Process(killed).status() == psutil.STATUS_ZOMBIE


def test_ctrl_c_exits_130_keeps_results_and_resumes(reference, tmp_path):
    ev, _, ref = reference
    case = tmp_path / "case"
    proc = start_scan(ev, case, "--workers", "2", new_session=True)
    lines, workers = [], []
    for line in proc.stderr:
        lines.append(line)
        if not workers and '"event": "item"' in line:
            workers = _workers(proc.pid)
            os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
    assert proc.wait() == 130, lines
    events = events_of(lines)
    assert events[-1] == {"event": "stopped", "exit_code": 130, "message": events[-1]["message"]}
    end = next(e for e in events if e["event"] == "run_end")
    assert end["status"] == "interrupted" and end["processed"] >= 1
    assert end["counts"]["pending"] >= 1
    assert query(case, "SELECT COUNT(*) FROM items WHERE claim_token IS NOT NULL") == [(0,)]
    assert query(case, "SELECT status FROM runs") == [("interrupted",)]
    psutil.wait_procs(workers, timeout=10)
    assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)
    again = run_cli("scan", str(ev), "--case", str(case), "--quiet")  # resumed by one worker
    assert again.returncode == 0
    assert (case / "clues.jsonl").read_bytes() == ref
    assert query(case, "SELECT status FROM runs") == [("interrupted",), ("completed",)]


# -- the queue itself: claims, give-backs, idempotent commits (no models needed) -------------
class Scripted:
    """Stands in for the worker processes (the environment, not the queue under test):
    each item meets its next scripted fate - its worker dies, it succeeds, or its result
    arrives twice."""

    def __init__(self, fates: dict[str, list[str]]):
        self.fates, self.held = fates, []

    def describe(self):
        return {"engine": "scripted", "workers": 2, "threads": 1}

    def free(self):
        return 2 - len(self.held)

    def submit(self, token, job):
        self.held.append((token, job))

    def wait(self, timeout):
        token, job = self.held.pop(0)
        fate = self.fates[job.item_id].pop(0)
        if fate == "lose":
            return [Outcome(token, None, "w1", lost="worker w1 (pid 1) killed by SIGKILL")]
        clue = Clue(kind="ocr_text", value=job.item_id, normalized=job.item_id, confidence=0.9,
                    source=Source("ocr", "scripted"))
        clue.assign_id(job.sha256, 0)
        result = ItemResult(clues=[clue], info={"seconds": 0.01})
        return [Outcome(token, result, "w1")] * (2 if fate == "twice" else 1)

    def drain(self):
        return []

    def stats(self):
        return []

    def close(self, now):
        pass


def _pending_store(path, ids):
    store = CaseStore(path)
    run_id = store.begin_run("t", {}, "h", {}, [])
    for i in ids:
        store.upsert_item(item_id=i, root="/r", path=f"{i}.jpg", path_b64=None, series="s", size=1, mtime_ns=1,
                          run_id=run_id, config_hash="h", duplicate_of=None, note=None, info_json=None,
                          media_type="image", mime="image/jpeg", sha256="ab" * 32, md5=None, sha1=None,
                          status="pending", error=None)
    return store, run_id


def test_queue_commits_once_gives_back_lost_items_and_stops_retrying_a_killer(tmp_path):
    fates = {"a": ["lose", "lose"], "b": ["lose", "ok"], "c": ["ok"], "d": ["twice"]}
    store, run_id = _pending_store(tmp_path / "c", fates)
    events = []
    q = run_queue(store, Scripted(fates), store.pending_items(), {i: f"/r/{i}.jpg" for i in fates},
                  config_hash="h", run_id=run_id, emit=events.append)
    status = {r["item_id"]: (r["status"], r["error"], r["claim_token"]) for r in store.items()}
    assert status["b"] == status["c"] == status["d"] == ("done", None, None)
    assert status["a"][0] == "error" and "died 2 times" in status["a"][1] and status["a"][2] is None
    assert (q.processed, q.requeued, q.duplicates_ignored) == (4, 2, 1)  # a once, b once
    assert sorted(e["item_id"] for e in events if e["event"] == "item") == ["a", "b", "c", "d"]
    assert [e["item_id"] for e in events if e["event"] == "worker_lost"].count("a") == 2
    assert store.db.execute("SELECT COUNT(*) FROM clues").fetchone()[0] == 3  # b, c, d; a has none
    store.close()


def test_ctrl_c_while_a_result_commits_leaves_no_claim(tmp_path):
    # The interrupt lands inside the commit of "a" (after its claim left the in-flight list):
    # its transaction is rolled back and its claim, like "b"'s, is given back at once.
    fates = {"a": ["ok"], "b": ["ok"]}
    store, run_id = _pending_store(tmp_path / "c", fates)
    real_commit = store.commit_result

    def interrupted(*args, **kw):
        store.commit_result = real_commit
        raise KeyboardInterrupt

    store.commit_result = interrupted
    with pytest.raises(KeyboardInterrupt):
        run_queue(store, Scripted(fates), store.pending_items(), {i: f"/r/{i}.jpg" for i in fates},
                  config_hash="h", run_id=run_id)
    assert [(r["item_id"], r["status"], r["claim_token"]) for r in store.items()] == [
        ("a", "pending", None), ("b", "pending", None)]
    store.close()


def test_a_stale_claim_commits_nothing(tmp_path):
    store, run_id = _pending_store(tmp_path / "c", ["x"])
    assert store.claim("x", "old") and not store.claim("x", "other")  # one claim at a time
    assert store.requeue_stale() == 1  # the scan holding "old" died
    assert store.claim("x", "new")
    assert store.commit_result("x", "done", None, [], {}, "h", run_id, claim="new")
    assert not store.commit_result("x", "error", "late", [], {}, "h", run_id, claim="old")
    assert not store.commit_result("x", "error", "again", [], {}, "h", run_id, claim="new")
    assert store.get_item("x")["status"] == "done" and store.get_item("x")["error"] is None
    store.close()


class InterruptedWhileWaiting(Scripted):
    """Ctrl-C lands while the queue waits for its second batch; meanwhile one result had
    already arrived (what `drain` hands over), plus a copy of one already committed."""

    def __init__(self, fates):
        super().__init__(fates)
        self.waits = 0
        self.arrived: list[Outcome] = []

    def wait(self, timeout):
        self.waits += 1
        got = super().wait(timeout)  # the first batch: a; then b, whose result arrives as Ctrl-C comes
        if self.waits == 1:
            self.arrived = list(got)  # a is delivered again at the interrupt: it must not commit twice
            return got
        self.arrived += got
        raise KeyboardInterrupt

    def drain(self):
        return self.arrived


def test_ctrl_c_commits_what_already_arrived_and_gives_back_only_its_own_claims(tmp_path):
    fates = {"a": ["ok"], "b": ["ok"], "c": ["ok"], "d": ["ok"]}
    store, run_id = _pending_store(tmp_path / "c", [*fates, "z"])
    assert run_id == 1 and store.claim("z", "r12-another-run")  # "r12-" is not this run's "r1-"
    rows = [r for r in store.pending_items() if r["item_id"] != "z"]
    out, events = QueueResult(), []
    with pytest.raises(KeyboardInterrupt):
        run_queue(store, InterruptedWhileWaiting(fates), rows, {i: f"/r/{i}.jpg" for i in fates}, config_hash="h",
                  run_id=run_id, emit=events.append, out=out)
    state = {r["item_id"]: (r["status"], r["claim_token"]) for r in store.items()}
    # a committed before the interrupt, b (arrived meanwhile) committed by the drain, the
    # repeated result of a ignored; c (in flight) and d (never handed out) pending and free
    assert state == {"a": ("done", None), "b": ("done", None), "c": ("pending", None), "d": ("pending", None),
                     "z": ("pending", "r12-another-run")}
    assert (out.processed, out.duplicates_ignored) == (2, 1)
    assert [e["item_id"] for e in events if e["event"] == "item"] == ["a", "b"]
    store.close()


def test_an_item_claimed_by_someone_else_is_skipped_and_progress_is_reported(tmp_path):
    store, run_id = _pending_store(tmp_path / "c", ["x", "y"])
    assert store.claim("x", "r7-elsewhere")  # e.g. claimed between the listing and the hand-out
    rows = store.pending_items()
    assert [r["item_id"] for r in rows] == ["x", "y"]
    calls = []
    q = run_queue(store, Scripted({"y": ["ok"]}), rows, {"x": "/r/x.jpg", "y": "/r/y.jpg"}, config_hash="h",
                  run_id=run_id, progress=lambda *a: calls.append(a))
    assert q.processed == 1 and calls == [("process", 1, 2)]
    assert store.get_item("x")["claim_token"] == "r7-elsewhere" and store.get_item("x")["status"] == "pending"
    assert store.get_item("y")["status"] == "done"
    store.close()


def test_a_busy_case_names_the_scan_holding_it(tmp_path):
    with case_lock(tmp_path / "case"):
        with pytest.raises(CaseBusy) as busy:
            with case_lock(tmp_path / "case"):
                pass
    assert f"pid {os.getpid()} on {os.uname().nodename} since " in str(busy.value)
    with case_lock(tmp_path / "case"):  # released when the holder left
        pass


def test_schema_1_store_migrates_and_keeps_its_items(tmp_path):
    db = sqlite3.connect(tmp_path / "case.sqlite")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for ddl in MIGRATIONS[1]:
        db.execute(ddl)
    db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    db.execute("INSERT INTO items (item_id, root, path, series, media_type, status, sha256) "
               "VALUES ('i1', '/r', 'a.jpg', 's', 'image', 'pending', 'ab')")
    db.commit()
    db.close()
    store = CaseStore(tmp_path)
    assert store.schema_version() == SCHEMA_VERSION == 4
    assert store.get_item("i1")["claim_token"] is None and store.claim("i1", "t")
    assert store.get_item("i1")["known_json"] is None
    store.close()
    assert CaseStore(tmp_path).schema_version() == 4  # opening again migrates nothing


def test_one_scan_per_case(small_evidence, tmp_path):
    with case_lock(tmp_path / "case"):
        with pytest.raises(CaseBusy, match="another scan"):
            scan([small_evidence], case=tmp_path / "case")


def test_entity_matchers_do_not_load_pytorch_into_every_worker():
    """thinc imports torch whenever it is installed (~490 MB per worker, measured); the
    matchers never use it, so spaCy is imported without it - and torch still imports
    afterwards for the optional EasyOCR engine."""
    import subprocess
    import sys

    code = ("import sys\nfrom clueextract.entities.extract import EntityExtractor\n"
            "from clueextract.entities.nlp import blank\nblank()\nprint('torch' in sys.modules)\n"
            "import importlib.util\nif importlib.util.find_spec('torch'):\n    import torch\n    print(torch.__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    lines = out.stdout.split()
    assert lines[0] == "False", out.stdout + out.stderr
    assert lines[1:] in ([], ["torch"])


def test_queue_hands_out_the_longest_items_first():
    """Videos, then audio, then images, larger first within each: with several workers the scan
    does not end on one long video while the others wait. The order never changes the output
    (test_two_workers_equal_one_worker)."""
    from clueextract.api import _longest_first

    rows = [{"item_id": "a", "media_type": "image", "size": 900_000},
            {"item_id": "b", "media_type": "other", "size": 5_000_000},
            {"item_id": "c", "media_type": "audio", "size": 300_000},
            {"item_id": "d", "media_type": "video", "size": 200_000},
            {"item_id": "e", "media_type": "image", "size": 2_000_000},
            {"item_id": "f", "media_type": "video", "size": 4_000_000},
            {"item_id": "g", "media_type": "image", "size": None}]
    assert [r["item_id"] for r in sorted(rows, key=_longest_first)] == ["f", "d", "c", "e", "a", "g", "b"]


def test_threads_per_worker_can_be_set_and_do_not_change_the_config_hash():
    from clueextract.config import ScanConfig
    from clueextract.packs import Candidates, select
    from clueextract.workers import open_executor

    config = ScanConfig(packs=("en",), threads=3)
    cand = Candidates.from_packs(select(config.resolved_packs_dir(), config.packs))
    ex = open_executor(config, cand, items=5)  # one worker: this process, nothing loads until the first item
    try:
        assert ex.describe() == {"engine": "local", "workers": 1, "threads": 3}
    finally:
        ex.close(now=True)
    assert open_executor(ScanConfig(packs=("en",)), cand, items=5).describe()["threads"] == thread_budget(1)
    assert config.result_affecting() == ScanConfig(packs=("en",)).result_affecting()
