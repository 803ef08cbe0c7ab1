"""Workers and Ray, measured side by side in one run: throughput with 1 and 2 local worker
processes, peak RSS per worker, and Ray's overhead against the local run.

    python benchmarks/bench_workers.py [--evidence DIR] [--skip-ray]

Every configuration is a real CLI scan (`clueextract scan --log-json`) of the same evidence
(default: samples_benign/, images, speech and video) into a fresh case. From the event log:
- wall: the whole command (start-up, ingest, model loads, processing, export);
- steady items/s: items over the processing window, from the moment the first item began
  (its commit time less its own processing seconds: the first worker has its models
  loaded) to the last item's commit (the export after it is not processing). What a long
  case sees once the models are loaded. The window counts every item whole. The earlier
  measure, "(items - 1) since the first item finished", left out the first item, and the
  queue hands out the longest first (a 21 s video here): one worker read 0.470 items/s by
  it against 0.423 by this window, two workers 0.579 against 0.539 (only one of their two
  first items was left out), so it understated what the second worker adds;
- cpu: user + system seconds of the scan and its worker processes, and that over the wall
  time (how many of the cores the configuration kept busy; not for Ray, whose workers are
  not this command's children);
- peak RSS per worker: what each worker reported at the end (models loaded once per worker);
- "1 worker, 1 thread" (--threads 1): one worker on one core's worth of threads, the unit
  that workers multiply. One worker with the default budget already runs OCR, speech and
  decoding on every core (2 threads here), so "2 workers vs 1" can reach at most
  2 / (the cores one worker keeps busy); the 1-thread row shows the scaling per core;
- Ray: `--ray local` with the same number of workers (actors); its connect time is shown
  apart. Targets (issue 7): 2 workers >= 1.7x one worker on 2 cores, read as what the
  second worker adds at equal threads per worker (2 workers get one thread each here, so
  against the 1-thread worker); <= 1.5 GB per worker.
Each configuration must produce the same clues.jsonl as the single local worker.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from clueextract.process import thread_budget  # noqa: E402
SAMPLES = ROOT / "samples_benign"


def _ts(e: dict) -> float:
    return datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def run(evidence: Path, case: Path, *args: str) -> dict:
    t = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "-m", "clueextract", "scan", str(evidence), "--case", str(case),
                           "--log-json", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          cwd=ROOT)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    events = [json.loads(x) for x in proc.stderr.splitlines() if x.startswith("{")]
    if proc.returncode != 0 or not events or events[-1].get("event") != "run_end":
        raise SystemExit(f"scan {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    items = [e for e in events if e["event"] == "item"]
    end = events[-1]
    first = min(_ts(e) - (e.get("seconds") or 0.0) for e in items)
    span = max(_ts(e) for e in items) - first
    return {"wall": wall, "cpu": cpu, "items": len(items), "steady": len(items) / span if span > 0 else float("nan"),
            "rss": [w["peak_rss_mb"] for w in end["workers"]], "connect": end["engine"].get("connect_s"),
            "jsonl": (case / "clues.jsonl").read_bytes()}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--evidence", type=Path, default=SAMPLES)
    ap.add_argument("--skip-ray", action="store_true")
    a = ap.parse_args()
    configs = [("local, 1 worker", ("--workers", "1")), ("local, 2 workers", ("--workers", "2")),
               ("local, 1 worker, 1 thread", ("--workers", "1", "--threads", "1"))]
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
    print(f"  {'configuration':<{w}}  {'items':>5}  {'wall s':>7}  {'cpu s':>6}  {'cores':>5}  {'steady items/s':>14}  "
          f"{'x 1 worker':>10}  {'peak RSS MB per worker':<24}  same output")
    for name, r in res.items():
        ratio = r["steady"] / base["steady"]
        rss = ", ".join(f"{x:.0f}" for x in r["rss"])
        extra = f"  (Ray start {r['connect']:.1f} s)" if r["connect"] is not None else ""
        ray = r["connect"] is not None
        cpu, cores = ("-", "-") if ray else (f"{r['cpu']:.0f}", f"{r['cpu'] / r['wall']:.2f}")
        print(f"  {name:<{w}}  {r['items']:>5}  {r['wall']:>7.1f}  {cpu:>6}  {cores:>5}  {r['steady']:>14.3f}  {ratio:>10.2f}  "
              f"{rss:<24}  {'yes' if r['jsonl'] == base['jsonl'] else 'NO'}{extra}")
    two_r, one_thread = res["local, 2 workers"], res["local, 1 worker, 1 thread"]
    two = two_r["steady"] / base["steady"]
    worst = max(x for r in res.values() for x in r["rss"])
    cores = thread_budget(1)  # the cores a scan's one worker gets: all this process may use
    busy = base["cpu"] / base["wall"]
    ceiling = cores / busy * base["cpu"] / two_r["cpu"]
    print(f"  workers at one thread each, 1 -> 2 workers (steady): {two_r['steady'] / one_thread['steady']:.2f}x "
          f"(target >= 1.7x on 2 cores)")
    print(f"  with the default budget (one worker gets a thread per core), 1 -> 2 workers: {two:.2f}x, "
          f"wall {base['wall'] / two_r['wall']:.2f}x; one worker alone kept {busy:.2f} of {cores} cores busy and "
          f"used {base['cpu']:.0f} cpu-s against {two_r['cpu']:.0f}, so at most {cores} / {busy:.2f} x "
          f"{base['cpu']:.0f} / {two_r['cpu']:.0f} = {ceiling:.2f}x here")
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
