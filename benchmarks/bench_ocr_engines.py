"""OCR engines compared on samples_benign: per-script line recall and seconds per image.

Engines: RapidOCR alone; RapidOCR boxes + Tesseract routing (clueextract.ocr.router,
packs as given, default all); EasyOCR alone when `import easyocr` and its offline
weights work (skipped with the reason otherwise).

A manifest line counts as read when some run of 1-4 consecutive OCR lines, joined,
matches it with difflib similarity >= 0.8 (whitespace ignored): detectors split lines
into words or merge neighbours, and one wrong character in a long line is still a
usable clue. Times are wall-clock per image (median and mean, after one warm-up
image) and CPU seconds of this process per image, because build machines are shared.

    python benchmarks/bench_ocr_engines.py [--packs th,ko,...] [--threads N] [--cli]

--cli also measures Tesseract in-process (tesserocr) against one `tesseract` CLI process
per crop on 30 detector crops of the non-Latin samples (the figures quoted in
clueextract/ocr/tesseract.py).
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clueextract.media.image import decode_image  # noqa: E402
from clueextract.packs import select  # noqa: E402

SAMPLES = ROOT / "samples_benign"
READ_SIMILARITY = 0.8
ROUTED_SCRIPTS = ("Thai", "Hang", "Arab", "Deva", "Cyrl")


def _norm(s: str) -> str:
    return "".join(s.split())


def line_similarity(truth: str, texts: list[str], span: int = 4) -> float:
    """Best difflib ratio between `truth` and any run of up to `span` consecutive `texts`, joined."""
    t, best = _norm(truth), 0.0
    for i in range(len(texts)):
        for j in range(i + 1, min(len(texts), i + span) + 1):
            best = max(best, difflib.SequenceMatcher(None, t, _norm("".join(texts[i:j]))).ratio())
    return best


def load_images() -> list[tuple[dict, Any]]:
    manifest = json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))
    return [(item, decode_image((SAMPLES / item["path"]).read_bytes(), 200_000_000).rgb) for item in manifest["items"]]


def run_engine(name: str, read: Callable[[Any], list], images: list[tuple[dict, Any]]) -> dict[str, Any]:
    read(images[0][1])  # warm-up: lazy model loads and first-call allocations stay out of the timing
    walls, cpu0 = [], time.process_time()
    per_script: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item, rgb in images:
        t = time.perf_counter()
        lines = read(rgb)
        walls.append(time.perf_counter() - t)
        texts = [line.text for line in lines]
        for ln in item["lines"]:
            ok = line_similarity(ln["text"], texts) >= READ_SIMILARITY
            per_script[ln["script"]][0] += 1
            per_script[ln["script"]][1] += ok
    return {"name": name, "scripts": dict(per_script), "median_s": statistics.median(walls),
            "mean_s": statistics.fmean(walls), "cpu_s": (time.process_time() - cpu0) / len(images)}


def print_table(results: list[dict[str, Any]]) -> None:
    scripts = sorted({s for r in results for s in r["scripts"]}, key=lambda s: (s not in ROUTED_SCRIPTS, s))
    head = f"{'script':8s} {'lines':>5s} " + " ".join(f"{r['name']:>22s}" for r in results)
    print(head)
    print("-" * len(head))
    for s in scripts:
        n = max(r["scripts"].get(s, [0, 0])[0] for r in results)
        cells = []
        for r in results:
            total, ok = r["scripts"].get(s, [0, 0])
            cells.append(f"{ok:3d}/{total:<3d} ({ok / total:4.0%})" if total else "-")
        print(f"{s:8s} {n:5d} " + " ".join(f"{c:>22s}" for c in cells))
    print("-" * len(head))
    for key, label in (("median_s", "s/image median"), ("mean_s", "s/image mean"), ("cpu_s", "CPU s/image")):
        print(f"{label:14s} " + " ".join(f"{r[key]:22.2f}" for r in results))


def bench_cli(threads: int) -> None:
    """tesserocr in-process vs one `tesseract` process per crop, same prepared crops."""
    from clueextract.ocr.crops import perspective_crop
    from clueextract.ocr.rapid import RapidOcrEngine
    from clueextract.ocr.tesseract import TesseractEngine, prepare_line

    cli = shutil.which("tesseract")
    if cli is None:
        print("CLI comparison skipped: no `tesseract` executable on PATH")
        return
    lang_of = {"TH": "tha", "KR": "kor", "EG": "ara+fas", "IN": "hin", "RU": "rus+ukr"}
    engine = TesseractEngine(sorted(set(lang_of.values())), threads=1)
    rapid = RapidOcrEngine(threads=threads, max_side=2000)
    crops = []
    for item, rgb in load_images():
        if item["country"] in lang_of:
            crops += [(perspective_crop(rgb, p), lang_of[item["country"]]) for p in rapid.detect(rgb)]
    crops = crops[:: max(1, len(crops) // 30)][:30]
    for crop, lang in crops[:3]:
        engine.read_line_detail(crop, lang)  # load each model once, as a long scan would
    t = time.perf_counter()
    inproc = [engine.read_line_detail(crop, lang).text for crop, lang in crops]
    t_in = time.perf_counter() - t
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for n, (crop, _) in enumerate(crops):
            f = Path(tmp) / f"{n}.png"
            prepare_line(crop).save(f)
            files.append(f)
        t = time.perf_counter()
        for f, (_, lang) in zip(files, crops):
            cmd = [cli, str(f), "stdout", "--psm", "13", "-l", lang, "--tessdata-dir", str(engine.tessdata)]
            p = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
            out.append(" ".join(p.stdout.split()))
        t_cli = time.perf_counter() - t
    same = sum(a == b for a, b in zip(inproc, out))
    version = subprocess.run([cli, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    print(f"\nTesseract on {len(crops)} crops ({', '.join(sorted({lang for _, lang in crops}))}), PSM 13:")
    print(f"  tesserocr in-process (libtesseract {engine.version}): {t_in:6.2f} s  {t_in / len(crops):.3f} s/crop")
    print(f"  {version} CLI, a process per crop:  {t_cli:6.2f} s  {t_cli / len(crops):.3f} s/crop "
          f"({t_cli / max(t_in, 1e-9):.0f}x)")
    print(f"  same text from both on {same}/{len(crops)} crops")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packs", default="auto")
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--cli", action="store_true", help="also compare tesserocr with the tesseract CLI")
    args = ap.parse_args()
    images = load_images()
    packs = select(ROOT / "language_packs", args.packs.split(","))
    print(f"{len(images)} images in {SAMPLES.name}/, packs: {args.packs} ({len(packs)}), threads: {args.threads}")

    from clueextract.ocr.rapid import RapidOcrEngine
    from clueextract.ocr.router import RoutedOcr

    results = [run_engine("rapidocr", RapidOcrEngine(threads=args.threads).read, images)]
    router = RoutedOcr(packs, threads=args.threads)
    for w in router.warnings:
        print("router:", w)
    results.append(run_engine("rapidocr+tesseract", router.read, images))
    try:  # EasyOcrEngine raises EasyOcrUnavailable when `import easyocr` (or torch) fails
        from clueextract.ocr.easyocr_engine import EasyOcrEngine

        results.append(run_engine("easyocr", EasyOcrEngine(threads=args.threads).read, images))
    except Exception as e:  # optional engine: absent package, weights or module
        print(f"easyocr skipped: {type(e).__name__}: {e}")
    print()
    print_table(results)
    if args.cli:
        bench_cli(args.threads)


if __name__ == "__main__":
    main()
