"""Workers and Ray, measured side by side in one run: throughput with 1 and 2 local worker
processes, peak RSS per worker, and Ray's overhead against the local run.

    python benchmarks/bench_workers.py [--evidence DIR] [--skip-ray]

Every configuration is a real CLI scan (`clueextract scan --log-json`) of the same evidence
(default: samples_benign/, images, speech and video) into a fresh case. From the event log:
- wall: the whole command (start-up, ingest, model loads, processing, export);
- steady items/s: items finished after the first one, over the time since the first one
  finished (what a long case sees once the models are loaded);
- peak RSS per worker: what each worker reported at the end (models loaded once per worker);
- Ray: `--ray local` with the same number of workers (actors); its connect time is shown
  apart. Targets (issue 7): 2 workers >= 1.7x one worker on 2 cores; <= 1.5 GB per worker.
Each configuration must produce the same clues.jsonl as the single local worker.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples_benign"


def _ts(e: dict) -> float:
    return datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def run(evidence: Path, case: Path, *args: str) -> dict:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "clueextract", "scan", str(evidence), "--case", str(case),
                           "--log-json", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          cwd=ROOT)
    wall = time.perf_counter() - t
    events = [json.loads(x) for x in proc.stderr.splitlines() if x.startswith("{")]
    if proc.returncode != 0 or not events or events[-1].get("event") != "run_end":
        raise SystemExit(f"scan {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    items = [e for e in events if e["event"] == "item"]
    end = events[-1]
    first = min(_ts(e) for e in items)
    span = _ts(end) - first
    return {"wall": wall, "items": len(items), "steady": (len(items) - 1) / span if span > 0 else float("nan"),
            "rss": [w["peak_rss_mb"] for w in end["workers"]], "connect": end["engine"].get("connect_s"),
            "jsonl": (case / "clues.jsonl").read_bytes()}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--evidence", type=Path, default=SAMPLES)
    ap.add_argument("--skip-ray", action="store_true")
    a = ap.parse_args()
    configs = [("local, 1 worker", ("--workers", "1")), ("local, 2 workers", ("--workers", "2"))]
    if not a.skip_ray:
        configs += [("ray local, 1 actor", ("--workers", "1", "--ray", "local")),
                    ("ray local, 2 actors", ("--workers", "2", "--ray", "local"))]
    print(f"workers bench on {a.evidence} (each configuration a real CLI scan into a fresh case)")
    res = {}
    with tempfile.TemporaryDirectory(prefix="clueextract-bench-workers-") as tmp:
        for i, (name, args) in enumerate(configs):
            res[name] = run(a.evidence, Path(tmp) / f"case{i}", *args)
    base = res["local, 1 worker"]
    w = max(len(n) for n in res)
    print(f"  {'configuration':<{w}}  {'items':>5}  {'wall s':>7}  {'steady items/s':>14}  {'x 1 worker':>10}  "
          f"{'peak RSS MB per worker':<24}  same output")
    for name, r in res.items():
        ratio = r["steady"] / base["steady"]
        rss = ", ".join(f"{x:.0f}" for x in r["rss"])
        extra = f"  (Ray start {r['connect']:.1f} s)" if r["connect"] is not None else ""
        print(f"  {name:<{w}}  {r['items']:>5}  {r['wall']:>7.1f}  {r['steady']:>14.3f}  {ratio:>10.2f}  "
              f"{rss:<24}  {'yes' if r['jsonl'] == base['jsonl'] else 'NO'}{extra}")
    two = res["local, 2 workers"]["steady"] / base["steady"]
    worst = max(x for r in res.values() for x in r["rss"])
    print(f"  2 workers vs 1 (steady): {two:.2f}x (target >= 1.7x); "
          f"wall {base['wall'] / res['local, 2 workers']['wall']:.2f}x")
    print(f"  largest peak RSS of one worker: {worst:.0f} MB (target <= 1536 MB)")
    for n in ("1 actor", "2 actors"):
        r = res.get(f"ray local, {n}")
        if r:
            loc = res["local, 1 worker" if n == "1 actor" else "local, 2 workers"]
            print(f"  Ray overhead, {n}: steady {loc['steady'] / r['steady']:.2f}x the local time per item, "
                  f"wall +{r['wall'] - loc['wall']:.1f} s (Ray start {r['connect']:.1f} s)")
    return 0 if all(r["jsonl"] == base["jsonl"] for r in res.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
