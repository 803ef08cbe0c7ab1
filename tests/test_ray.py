"""Ray: a scan on a private local Ray cluster gives byte-for-byte the output of the local scan
(sign images in five series and a duplicate), small files shipped to the actors as verified
bytes and larger ones read by path; an actor killed mid-run costs nothing."""
from __future__ import annotations

import psutil
import pytest

from clueextract import scan

from scan_tools import PICK, events_of, integrity, query, start_scan

SHIP_LIMIT = 100_000  # the two ~83 kB images travel as bytes, the four ~126-145 kB ones are read by path


@pytest.fixture(scope="module")
def reference(pick_scan):
    sizes = sorted(p.stat().st_size for p in pick_scan.evidence.rglob("*") if p.is_file())
    assert sizes[0] <= SHIP_LIMIT < sizes[-1]  # both ways are exercised
    return pick_scan.evidence, pick_scan.jsonl


def _actors() -> list[psutil.Process]:
    out = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            if any("ProcessorActor" in part for part in p.info["cmdline"] or []):
                out.append(p)
        except psutil.Error:
            pass
    return out


def test_ray_local_scan_equals_the_local_scan(reference, tmp_path):
    from clueextract.distributed.ray_runner import RayOptions

    ev, ref = reference
    case = tmp_path / "case"
    events: list[dict] = []
    report = scan([ev], case=case, events=events.append,
                  ray=RayOptions(address="local", actors=2, ship_max_bytes=SHIP_LIMIT))
    assert report.counts["done"] == len(PICK) + 1 and report.counts.get("error", 0) == 0
    queue = next(e for e in events if e["event"] == "queue")
    assert queue["engine"] == "ray" and queue["workers"] == 2 and queue["cluster"]["CPU"] >= 1
    end = next(e for e in events if e["event"] == "run_end")
    assert end["status"] == "completed" and len(end["workers"]) == 2
    assert sum(w["items"] for w in end["workers"]) == len(PICK)  # the duplicate is not processed again
    assert all(w["peak_rss_mb"] > 100 for w in end["workers"] if w["items"])  # models loaded in each actor
    assert (case / "clues.jsonl").read_bytes() == ref
    assert not _actors()  # the private cluster is gone with the scan


def test_actor_killed_mid_run_every_item_done_exactly_once(reference, tmp_path):
    ev, ref = reference
    case = tmp_path / "case"
    proc = start_scan(ev, case, "--ray", "local", "--workers", "2")
    lines, killed = [], None
    for line in proc.stderr:
        lines.append(line)
        if killed is None and '"event": "item"' in line:
            actors = _actors()
            assert actors, "no Ray actor process found"
            actors[0].kill()
            killed = actors[0].pid
    assert proc.wait() == 0, lines
    events = events_of(lines)
    lost = [e for e in events if e["event"] == "worker_lost"]
    assert len(lost) == 1 and "died" in lost[0]["reason"], lost
    done = [e["item_id"] for e in events if e["event"] == "item"]
    assert len(done) == len(set(done)) == len(PICK) and lost[0]["item_id"] in done  # the lost one too
    assert events[-1]["requeued"] == 1
    assert (case / "clues.jsonl").read_bytes() == ref
    assert query(case, "SELECT COUNT(*) FROM items WHERE claim_token IS NOT NULL") == [(0,)]
    assert integrity(case) == "ok"
