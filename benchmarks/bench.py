"""make bench: speed and memory of the image pipeline on samples_benign, measured in one run.

Prints median seconds per image for OCR alone and for the whole per-item processing
(decode + metadata + OCR + text clues) measured inside a real CLI scan, the OCR share
of item time, the scan's images/s (ingest, model loads and export included), and
peak RSS of the OCR engine alone and of the scan process. Then runs the text
language-ID comparison (benchmarks/langid_compare.py), the OCR engine benches (on the samples,
and on eval/real's check part: the script-first router with every pack against the router before
it with 21 packs, bench_ocr_real.py), the fixed cost of a one-image scan, image and video cost per item
and peak RSS per worker against issue 17's goals (bench_startup.py), audio and video benches,
1 vs 2 workers and Ray (bench_workers.py), the 10,000-file soak (bench_soak.py) and the review application on 1,000 series (bench_serve.py).
"""
from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clueextract import TOOL  # noqa: E402
from clueextract.config import ScanConfig  # noqa: E402
from clueextract.export.published import iter_records  # noqa: E402
from clueextract.media.image import decode_image  # noqa: E402
from clueextract.ocr import make_engine  # noqa: E402
from clueextract.process import thread_budget  # noqa: E402
from clueextract.store import CaseStore  # noqa: E402

SAMPLES = ROOT / "samples_benign"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    images = sorted(p for p in SAMPLES.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    cfg = ScanConfig()
    print(f"{TOOL} bench on {len(images)} images in {SAMPLES.name}/ "
          f"(threads per worker: {thread_budget(1)})")

    t = time.perf_counter()
    engine = make_engine(cfg.ocr_engine, thread_budget(1))
    load_s = time.perf_counter() - t
    ocr_times = []
    for p in images:
        img = decode_image(p.read_bytes(), cfg.max_image_pixels)
        t = time.perf_counter()
        engine.read(img.rgb)
        ocr_times.append(time.perf_counter() - t)
    rss_after_ocr = peak_rss_mb()

    with tempfile.TemporaryDirectory() as tmp:
        # The scan runs as its own process (the real CLI) so its peak RSS is its own.
        case = Path(tmp) / "case"
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "clueextract", "scan", str(SAMPLES), "--case", str(case), "--quiet"],
                       check=True)
        wall = time.perf_counter() - t
        scan_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        store = CaseStore(case)
        infos = [json.loads(r["info_json"]) for r in store.items()
                 if r["media_type"] == "image" and r["duplicate_of"] is None and r["info_json"]]
        n_clues = sum(1 for r in iter_records(store) if r["record"] == "clue")
        counts = store.counts()
        store.close()

    item_s = [i["seconds"] for i in infos]
    ocr_med, item_med = statistics.median(ocr_times), statistics.median(item_s)
    ocr_share = statistics.median(i["ocr_seconds"] / i["seconds"] for i in infos if i.get("ocr_seconds"))
    n_img = len(item_s)
    rows = [
        ("OCR engine load (s)", f"{load_s:.2f}"),
        ("OCR median s/image", f"{ocr_med:.3f}"),
        ("OCR p90 s/image", f"{sorted(ocr_times)[int(0.9 * (len(ocr_times) - 1))]:.3f}"),
        ("whole item median s/image (in the scan)", f"{item_med:.3f}"),
        ("OCR share of item time in the scan (median ratio)", f"{ocr_share:.2f}"),
        ("scan wall s (ingest+models+process+export)", f"{wall:.2f}"),
        ("scan images/s", f"{n_img / wall:.2f}"),
        ("clues", str(n_clues)),
        ("peak RSS MB, OCR engine alone (this process)", f"{rss_after_ocr:.0f}"),
        ("peak RSS MB, scan process (CLI, all stages)", f"{scan_rss:.0f}"),
    ]
    w = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"  {k:<{w}}  {v}")
    print(f"  items: {counts}")
    print()
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "langid_compare.py")], check=False)
    # workers: 1 vs 2 local workers, RSS per worker, Ray overhead; soak: 10,000 generated files, RSS flat
    # serve: the review application on 1,000 series and 50,000 generated clues (page p95, a decision)
    # startup: one-image scan wall, image median/p90 on eval/real's check part, video cost per second
    # of footage and peak RSS per worker, each beside issue 17's goal
    for extra in ("bench_startup.py", "bench_ocr_engines.py", "bench_ocr_real.py", "bench_audio.py", "bench_video.py",
                  "bench_workers.py",
                  "bench_soak.py", "bench_serve.py"):
        print()
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / extra)], check=False)


if __name__ == "__main__":
    main()
