"""Case-store durability: a scan killed with -9 at seeded points and resumed ends with the
same records as an uninterrupted scan; `review` run while a scan writes loses nothing.

Kill points are counted in the scan's own progress (after the k-th committed item, then a
short delay), not in seconds: a timer measured on one machine fired after the scan had
finished on a faster one. The seed is fixed so a run is repeatable; CLUEEXTRACT_KILL_SEED=N
replays seed N, CLUEEXTRACT_KILL_SEED=random draws a new one (printed on failure)."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import psutil
import pytest

from conftest import ROOT, run_cli
from scan_tools import PICK, integrity, query, start_scan

DEFAULT_SEED = 20261207
_asked = os.environ.get("CLUEEXTRACT_KILL_SEED", "")
SEED = time.time_ns() % (1 << 31) if _asked == "random" else int(_asked or DEFAULT_SEED)
KILL_DELAY_S = 0.2  # at most, after the k-th item: lands anywhere in the driver's next commit/claim/hand-out


@pytest.fixture(scope="module")
def reference(pick_scan):
    return pick_scan.evidence, pick_scan.case


def _kill_after_items(proc: subprocess.Popen, rng: random.Random) -> tuple[bool, int]:
    """Read the scan's event log to its `queue` event, then to the k-th `item` event (k drawn
    so that at least 3 items are still to do), wait up to KILL_DELAY_S and SIGKILL the driver
    only, as an OOM killer or a power cut would. (Was the scan still running, k)."""
    k = None
    seen = 0
    for line in proc.stderr:
        if k is None and '"event": "queue"' in line:
            pending = json.loads(line)["pending"]
            k = rng.randrange(0, max(1, pending - 2))
        elif '"event": "item"' in line:
            seen += 1
        if k is not None and seen >= k:
            break
    time.sleep(rng.uniform(0.0, KILL_DELAY_S))
    running = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=180)  # EOF on its stderr: orphaned workers have exited too
    return running, -1 if k is None else k


def test_scan_killed_at_seeded_points_resumes_to_the_same_records(reference, tmp_path):
    ev, ref = reference
    case = tmp_path / "case"
    rng = random.Random(SEED)
    why = f"(kill points from seed {SEED}; rerun with CLUEEXTRACT_KILL_SEED={SEED})"
    kills = []
    for _ in range(3):
        kills.append(_kill_after_items(start_scan(ev, case, "--workers", "2"), rng))
        if (case / "case.sqlite").exists():
            assert integrity(case) == "ok", why
    # the first scan had 6 items to do and was killed after at most 3 of them: it was running
    assert kills[0][0], f"the first kill came after the scan had finished {kills} {why}"
    run_cli("scan", str(ev), "--case", str(case), "--quiet")
    assert (case / "clues.jsonl").read_bytes() == (ref / "clues.jsonl").read_bytes(), why
    assert integrity(case) == "ok"
    assert query(case, "SELECT COUNT(*) FROM items WHERE claim_token IS NOT NULL OR status='pending'") == [(0,)]
    runs = [r[0] for r in query(case, "SELECT status FROM runs ORDER BY run_id")]
    assert runs[-1] == "completed" and set(runs[:-1]) <= {"aborted"}, (runs, kills, why)  # killed runs are marked


def _items_and_clues(case) -> list[str]:
    return [line for line in (case / "clues.jsonl").read_text(encoding="utf-8").splitlines()
            if '"record":"item"' in line or '"record":"clue"' in line]


def _review(case, series: str, flag: str, cc: str, n: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "clueextract", "review", str(case), "--series", series, flag, cc,
                             "--reviewer", f"expert-{n}", "--note", f"decision {n}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def _workers(pid: int) -> list[psutil.Process]:
    return [c for c in psutil.Process(pid).children(recursive=True)
            if any("spawn_main" in part for part in c.cmdline())]


def test_reviews_while_a_scan_writes_all_land(reference, tmp_path):
    ev, ref = reference
    case = tmp_path / "case"
    decisions = [("berlin_shop", "--confirm", "DE"), ("seoul_street", "--confirm", "KR"),
                 ("tokyo_station", "--exclude", "CN"), ("shanghai_store", "--confirm", "CN"),
                 ("sao_paulo_padaria", "--confirm", "BR"), ("seoul_street", "--exclude", "KP")]
    proc = start_scan(ev, case, "--workers", "2")
    lines = []
    for line in proc.stderr:  # reviews need the series: wait until ingest has recorded them
        lines.append(line)
        if '"event": "queue"' in line:
            break
    # The first two reviews land while the scan surely runs: its workers are held (SIGSTOP)
    # until they are written - on a fast machine the whole scan can end before a review
    # process has started. The rest run beside the working scan, as long as it lasts.
    workers: list[psutil.Process] = []
    end = time.monotonic() + 120
    while len(workers) < 2 and time.monotonic() < end:
        workers = _workers(proc.pid)
        time.sleep(0.05)
    assert len(workers) == 2, "the scan's two workers did not start"
    for w in workers:
        w.suspend()
    n = during = 0
    try:
        while proc.poll() is None or n < len(decisions):  # two at a time, as long as the scan runs
            batch = [_review(case, *decisions[(n + k) % len(decisions)], n + k) for k in range(2)]
            n += 2
            for b in batch:
                out, err = b.communicate(timeout=120)
                assert b.returncode == 0, err
            if proc.poll() is None:
                during = n
            for w in workers:
                if w.is_running():
                    w.resume()
    finally:
        for w in workers:
            if w.is_running():
                w.resume()
    lines += proc.stderr.readlines()
    assert proc.wait() == 0, lines
    assert during >= 2, "no review overlapped the scan"
    got = query(case, "SELECT reviewer, note FROM reviews ORDER BY review_id")
    assert sorted(got) == sorted((f"expert-{i}", f"decision {i}") for i in range(n))
    assert integrity(case) == "ok"
    end = json.loads(lines[-1])
    assert end["event"] == "run_end" and end["counts"]["done"] == len(PICK) + 1
    assert _items_and_clues(case) == _items_and_clues(ref)  # assessments and reviews differ by design
    exported = run_cli("export", str(case), "--format", "jsonl").stdout.splitlines()
    assert sum('"record":"review"' in line for line in exported) == n
