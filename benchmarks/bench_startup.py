"""Fixed cost and per-item cost of a real CLI scan, against the goals of issue 17, in one run.

    python benchmarks/bench_startup.py [--runs 3] [--image FILE] [--skip-real] [--skip-video]

1. One-image scan: `clueextract scan DIR --case NEW` of one small real photo (default: the
   smallest image of eval/real's check part), end to end (start-up, ingest, models, the item,
   the export of clues.jsonl / summary.md / summary.html), median of --runs wall times; also
   the CPU seconds (user + sys) of the scan process, steadier than wall on a shared machine.
2. Images: one scan of eval/real's check part (files of ../shared/realdev/ where present), with
   each item's own seconds from the case store (decode, metadata, OCR, text clues; model loads
   not included): median, p90, and the slowest receipt or document. The OCR stage alone
   against the earlier router is benchmarks/bench_ocr_real.py.
3. Video: one scan of the real and sample videos; an item's seconds over its duration is its
   cost per second of footage (frames, OCR, speech), shown as measured and without the
   first-use loads the first items wait for (item info `load_seconds`: lingua's models of a
   script group, the Whisper model, the common-word lists, the entity indexes), which belong
   to the fixed cost of item 1.
4. Peak RSS of a worker (the scan process: --workers 1 runs the worker in it) with every pack,
   for the image scan and for the video scan (Whisper loaded).

Each scan runs as its own process, like a pipeline's call; goal and measurement are printed
side by side. Timings on a machine others use swing with their load: read the CPU column too.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "eval" / "real"
SHARED = ROOT.parent / "shared" / "realdev"
GOALS = {"one_image_s": 2.5, "receipt_s": 2.0, "video_x": 0.15, "rss_mb": 1536}


def real_files(kind: str, part: str = "check") -> list[Path]:
    """eval/real files of one kind and part (MANIFEST.tsv), those present on this machine."""
    manifest = REAL / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    out = []
    for r in csv.DictReader(manifest.open(encoding="utf-8"), delimiter="\t"):
        if r["kind"] != kind or (part != "all" and r["split"] != part):
            continue
        p = (SHARED if r["where"] == "shared" else REAL) / r["file"]
        if p.is_file():
            out.append(p)
    return out


_WRAP = ("import json, resource, subprocess, sys, time; t = time.perf_counter(); "
         "subprocess.run(sys.argv[1:], check=True); w = time.perf_counter() - t; "
         "r = resource.getrusage(resource.RUSAGE_CHILDREN); "
         "print(json.dumps([w, r.ru_utime + r.ru_stime, r.ru_maxrss / 1024]))")


def scan(evidence: Path, case: Path) -> tuple[float, float, float]:
    """Run the CLI scan in a small wrapper process that measures that one scan alone:
    (wall s, CPU s of the scan process, its peak RSS MB)."""
    out = subprocess.run([sys.executable, "-c", _WRAP, sys.executable, "-m", "clueextract", "scan", str(evidence),
                          "--case", str(case), "--quiet"], check=True, capture_output=True, text=True, cwd=ROOT)
    wall, cpu, rss = json.loads(out.stdout.strip().splitlines()[-1])
    return wall, cpu, rss


def item_seconds(case: Path) -> list[tuple[str, float, dict]]:
    con = sqlite3.connect(f"file:{case / 'case.sqlite'}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT path, info_json FROM items WHERE status = 'done' AND duplicate_of IS NULL "
                           "AND info_json IS NOT NULL").fetchall()
    finally:
        con.close()
    return [(p, json.loads(i)["seconds"], json.loads(i)) for p, i in rows]


def copy_into(files: list[Path], folder: Path) -> Path:
    """Evidence links are recorded, not followed: the files are copied."""
    folder.mkdir(parents=True)
    for f in files:
        shutil.copyfile(f, folder / f.name)
    return folder


def p90(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[int(0.9 * (len(xs) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--image", type=Path, help="the one image (default: the smallest of eval/real's check part)")
    ap.add_argument("--skip-real", action="store_true", help="no eval/real image scan")
    ap.add_argument("--skip-video", action="store_true", help="no video scan")
    args = ap.parse_args()
    check = real_files("image")
    image = args.image or (min(check, key=lambda p: p.stat().st_size) if check else
                           ROOT / "samples_benign" / "berlin_shop" / "bakery_sign.jpg")
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        tmp_p = Path(tmp)
        one = copy_into([image], tmp_p / "one")
        walls, cpus, rss_one = [], [], 0.0
        for i in range(args.runs):
            wall, cpu, rss = scan(one, tmp_p / f"case-one-{i}")
            walls.append(wall)
            cpus.append(cpu)
            rss_one = max(rss_one, rss)
        print(f"one-image scan of {image.name} ({image.stat().st_size // 1024} KB), {args.runs} runs: "
              f"wall {', '.join(f'{w:.2f}' for w in walls)} s; CPU {', '.join(f'{c:.2f}' for c in cpus)} s")
        for _, s, info in item_seconds(tmp_p / f"case-one-{args.runs - 1}"):
            print(f"  its item: {s:.2f} s, of which first-use loads {info.get('loaded') or 'none'}")
        rows.append(("one-image scan, wall (median)", f"<= {GOALS['one_image_s']} s",
                     f"{statistics.median(walls):.2f} s (CPU {statistics.median(cpus):.2f} s)"))
        rows.append(("peak RSS, image worker, every pack", f"<= {GOALS['rss_mb'] / 1024:.1f} GB", f"{rss_one:.0f} MB"))

        if not args.skip_real and check:
            wall, cpu, rss_check = scan(copy_into(check, tmp_p / "check"), tmp_p / "case-check")
            items = item_seconds(tmp_p / "case-check")
            secs = [s for _, s, _ in items]
            heavy = [(p, s) for p, s, _ in items if "receipt" in p or "_doc_" in p]
            print(f"eval/real check part: {len(items)} images, scan wall {wall:.1f} s, CPU {cpu:.1f} s; "
                  f"per image (s): " + ", ".join(f"{Path(p).stem[:28]} {s:.2f}" for p, s, _ in sorted(items)))
            rows.append(("image, median s per image (check part)", "-30 % vs today (bench_ocr_real.py: OCR)",
                         f"{statistics.median(secs):.2f} s"))
            rows.append(("image, p90 s per image (check part)", "", f"{p90(secs):.2f} s"))
            rows.append(("peak RSS, worker over the check part", f"<= {GOALS['rss_mb'] / 1024:.1f} GB",
                         f"{rss_check:.0f} MB"))
            if heavy:
                p, s = max(heavy, key=lambda h: h[1])
                rows.append(("slowest receipt/document", f"<= {GOALS['receipt_s']} s", f"{s:.2f} s ({Path(p).name})"))

        videos = real_files("video", "all") + sorted((ROOT / "samples_benign").rglob("*.mp4"))
        if not args.skip_video and videos:
            folder = tmp_p / "video"
            folder.mkdir()
            for i, v in enumerate(videos):
                shutil.copyfile(v, folder / f"{i:02d}_{v.name}")
            wall, cpu, rss_video = scan(folder, tmp_p / "case-video")
            items = item_seconds(tmp_p / "case-video")
            per = [(p, s, info.get("container", {}).get("duration_s") or 0) for p, s, info in items]
            per = [(p, s, d) for p, s, d in per if d]
            total_s, total_d = sum(s for _, s, _ in per), sum(d for _, _, d in per)
            loads = {p: info.get("load_seconds") or 0.0 for p, _, info in items}
            print(f"videos: {len(per)}, {total_d:.0f} s of footage, scan wall {wall:.1f} s, CPU {cpu:.1f} s; "
                  + ", ".join(f"{Path(p).stem[:30]} {s:.1f}/{d:.0f} s" + (f" ({loads[p]:.1f} s first-use loads)"
                                                                           if loads[p] else "")
                              for p, s, d in sorted(per)))
            rows.append(("video, item s per s of footage (all)", f"<= {GOALS['video_x']}x",
                         f"{total_s / total_d:.2f}x (median per video {statistics.median(s / d for _, s, d in per):.2f}x)"))
            # the measure: the cost beyond the fixed cost, of which the models and indexes a
            # worker loads when its first item needs them are part (item info load_seconds, loadclock.py)
            net = [(s - loads[p], d) for p, s, d in per]
            rows.append(("video, the same beyond first-use loads", f"<= {GOALS['video_x']}x",
                         f"{sum(s for s, _ in net) / total_d:.2f}x (median per video "
                         f"{statistics.median(s / d for s, d in net):.2f}x)"))
            rows.append(("peak RSS, video+speech worker, every pack", f"<= {GOALS['rss_mb'] / 1024:.1f} GB",
                         f"{rss_video:.0f} MB"))

    print(f"\nissue 17 goals on this machine ({os.cpu_count()} CPUs; load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}):")
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    print(f"  {'':{w0}}  {'goal':{w1}}  measured")
    for name, goal, got in rows:
        print(f"  {name:{w0}}  {goal:{w1}}  {got}")


if __name__ == "__main__":
    main()
