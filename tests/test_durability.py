"""Case-store durability: a scan killed with -9 at random points and resumed ends with the
same records as an uninterrupted scan; `review` run while a scan writes loses nothing."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest


from conftest import ROOT, run_cli
from scan_tools import PICK, integrity, query, start_scan

SEED = int(os.environ.get("CLUEEXTRACT_KILL_SEED") or time.time_ns() % (1 << 31))


@pytest.fixture(scope="module")
def reference(pick_scan):
    return pick_scan.evidence, pick_scan.case, pick_scan.wall_s


def test_scan_killed_at_random_points_resumes_to_the_same_records(reference, tmp_path):
    ev, ref, wall = reference
    case = tmp_path / "case"
    rng = random.Random(SEED)
    why = f"(kill delays from seed {SEED}; rerun with CLUEEXTRACT_KILL_SEED={SEED})"
    hits = []
    for _ in range(3):
        delay = rng.uniform(0.5, wall)
        proc = start_scan(ev, case, "--workers", "2")
        time.sleep(delay)
        hits.append(proc.poll() is None)
        proc.send_signal(signal.SIGKILL)  # the driver only, as an OOM killer or a power cut would
        proc.communicate(timeout=180)  # EOF on its stderr: orphaned workers have exited too
        if (case / "case.sqlite").exists():
            assert integrity(case) == "ok", why
    assert hits[0], f"the first kill came after the scan had finished {why}"
    run_cli("scan", str(ev), "--case", str(case), "--quiet")
    assert (case / "clues.jsonl").read_bytes() == (ref / "clues.jsonl").read_bytes(), why
    assert integrity(case) == "ok"
    assert query(case, "SELECT COUNT(*) FROM items WHERE claim_token IS NOT NULL OR status='pending'") == [(0,)]
    runs = [r[0] for r in query(case, "SELECT status FROM runs ORDER BY run_id")]
    assert runs[-1] == "completed" and set(runs[:-1]) <= {"aborted"}, (runs, why)  # killed runs are marked


def _items_and_clues(case) -> list[str]:
    return [line for line in (case / "clues.jsonl").read_text(encoding="utf-8").splitlines()
            if '"record":"item"' in line or '"record":"clue"' in line]


def _review(case, series: str, flag: str, cc: str, n: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "clueextract", "review", str(case), "--series", series, flag, cc,
                             "--reviewer", f"expert-{n}", "--note", f"decision {n}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def test_reviews_while_a_scan_writes_all_land(reference, tmp_path):
    ev, ref, _ = reference
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
    n = during = 0
    while proc.poll() is None or n < len(decisions):  # two at a time, as long as the scan runs
        batch = [_review(case, *decisions[(n + k) % len(decisions)], n + k) for k in range(2)]
        n += 2
        for b in batch:
            out, err = b.communicate(timeout=120)
            assert b.returncode == 0, err
        if proc.poll() is None:
            during = n
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
