"""Soak run: a real CLI scan of many small benign files; throughput, peak RSS, and whether RSS stays flat.

    python benchmarks/bench_soak.py [--files 10000] [--packs en] [--workers 1] [--keep DIR]

Why: a case holds thousands to millions of files, so what matters over a long run is that
memory does not creep (a per-item leak of 100 KB is 1 GB at 10,000 files) and that the
rate holds. The files are generated (nothing is committed): 80 % tiny PNG signs with a word
or two drawn with Pillow (a handful of designs; each file carries its own PNG tEXt chunk so
every hash differs and nothing is deduplicated), 10 % short WAV tones, 10 % small text
files (recorded as skipped), in folders of 500 (one series each).

The scan runs as its own process (the real CLI); its process tree's RSS is sampled every
0.5 s together with the number of finished items (read from the case store). "Flat" means
the median RSS over the ninth tenth of the items is within FLAT_GROWTH of the median over
the second tenth (the first and last tenths hold model loading and the final export).
"""
from __future__ import annotations

import argparse
import io
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import wave
import zlib
from pathlib import Path

import numpy as np
import psutil
from PIL import Image, ImageDraw, ImageFont

FLAT_GROWTH = 0.10
WORDS = ["BAKERY", "OPEN 24h", "PHARMACY", "Fresh Bread", "MARKET", "Café", "EXIT", "Hotel Central",
         "Tel 020 7946 0123", "SALE -50%", "Books", "Taxi"]
PER_FOLDER = 500


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _designs() -> list[bytes]:
    font = ImageFont.load_default(size=26)
    out = []
    for i, word in enumerate(WORDS):
        img = Image.new("RGB", (320, 72), (250 - 9 * i, 245, 235 - 5 * i))
        d = ImageDraw.Draw(img)
        d.text((12, 18), word, fill=(20, 20, 20 + 10 * i), font=font)
        buf = io.BytesIO()
        img.save(buf, "PNG")
        out.append(buf.getvalue())
    return out


def _wav(n: int) -> bytes:
    rate = 16000
    t = np.arange(rate // 2) / rate
    pcm = (np.sin(2 * np.pi * (300 + n % 50 * 7) * t) * 2000).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def generate(root: Path, count: int) -> dict[str, int]:
    """count files under root; returns how many of each kind."""
    designs = _designs()
    kinds = {"png": 0, "wav": 0, "txt": 0}
    for n in range(count):
        folder = root / f"batch_{n // PER_FOLDER:03d}"
        if n % PER_FOLDER == 0:
            folder.mkdir(parents=True, exist_ok=True)
        r = n % 10
        if r < 8:
            base = designs[n % len(designs)]
            data = base[:33] + _png_chunk(b"tEXt", b"Comment\x00soak file %d" % n) + base[33:]
            (folder / f"sign_{n:06d}.png").write_bytes(data)
            kinds["png"] += 1
        elif r == 8:
            (folder / f"tone_{n:06d}.wav").write_bytes(_wav(n))
            kinds["wav"] += 1
        else:
            (folder / f"note_{n:06d}.txt").write_text(f"Shopping list {n}: bread, milk, tea.\n", encoding="utf-8")
            kinds["txt"] += 1
    return kinds


def _finished(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
        try:
            return con.execute("SELECT count(*) FROM items WHERE status != 'pending'").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return -1


def run_scan(evidence: Path, case: Path, packs: str, workers: int) -> tuple[float, list[tuple[float, int, int]], int]:
    """(wall s, samples of (t, tree RSS bytes, finished items), exit status)."""
    cmd = [sys.executable, "-m", "clueextract", "scan", str(evidence), "--case", str(case), "--quiet",
           "--packs", packs, "--workers", str(workers)]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    me = psutil.Process(proc.pid)
    samples: list[tuple[float, int, int]] = []
    last_count = 0.0
    done = 0
    while proc.poll() is None:
        rss = 0
        try:
            for p in [me, *me.children(recursive=True)]:
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        now = time.monotonic() - t0
        if now - last_count >= 2.0:  # the store is read every 2 s, RSS every 0.5 s
            n = _finished(case / "case.sqlite")
            done = n if n >= 0 else done
            last_count = now
        samples.append((now, rss, done))
        time.sleep(0.5)
    err = proc.stderr.read() if proc.stderr else ""
    if proc.returncode != 0:
        print(err[-3000:], file=sys.stderr)
    return time.monotonic() - t0, samples, proc.returncode


def flatness(samples: list[tuple[float, int, int]], total: int) -> tuple[float, float, float]:
    """(median RSS MB over the second tenth of items, over the ninth, growth fraction).
    Not the first and last tenths: those hold the model loading and the end-of-scan export
    (measured: 374 MB while models load, 916 MB through the run, 635 MB after the workers
    close), which would read as growth or shrinkage that is not a leak."""
    def decile(d: int) -> list[int]:
        return [s[1] for s in samples if total * d / 10 < s[2] <= total * (d + 1) / 10]

    first, last = decile(1), decile(8)
    ingest_done = [s for s in samples if s[2] > 0]
    first = first or [s[1] for s in ingest_done[:5]]
    last = last or [s[1] for s in ingest_done[-5:]]
    a, b = statistics.median(first) / 2**20, statistics.median(last) / 2**20
    return a, b, (b - a) / a


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--packs", default="en")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep it (and the case)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="clueextract-soak-") as tmp:
        base = args.keep or Path(tmp)
        evidence, case = base / "evidence", base / "case"
        t = time.monotonic()
        kinds = generate(evidence, args.files)
        gen_s = time.monotonic() - t
        print(f"soak: {args.files} generated files ({kinds['png']} PNG signs, {kinds['wav']} WAV tones, "
              f"{kinds['txt']} text) in {gen_s:.1f} s; scanning with --packs {args.packs} --workers {args.workers}",
              flush=True)
        wall, samples, rc = run_scan(evidence, case, args.packs, args.workers)
        con = sqlite3.connect(case / "case.sqlite")
        counts = dict(con.execute("SELECT status, count(*) FROM items GROUP BY status").fetchall())
        per_item = [r[0] for r in con.execute(
            "SELECT json_extract(info_json, '$.seconds') FROM items WHERE info_json IS NOT NULL "
            "AND media_type='image'").fetchall() if r[0] is not None]
        con.close()

    total = sum(counts.values())
    first, last, growth = flatness(samples, total)
    peak = max(s[1] for s in samples) / 2**20
    first_item = next((s[0] for s in samples if s[2] > 0), None)
    rows = [
        ("exit status", str(rc)),
        ("files (recorded items)", f"{args.files} ({total})"),
        ("items by status", ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))),
        ("scan wall s (ingest+models+process+export)", f"{wall:.1f}"),
        ("files/s (all files, whole scan)", f"{args.files / wall:.2f}"),
        ("images/s", f"{kinds['png'] / wall:.2f}"),
        ("median s per image (in the scan)", f"{statistics.median(per_item):.3f}" if per_item else "-"),
        ("first item finished at s", f"{first_item:.1f}" if first_item else "-"),
        ("peak RSS MB (scan process tree)", f"{peak:.0f}"),
        ("RSS MB, median over items 10-20 %", f"{first:.0f}"),
        ("RSS MB, median over items 80-90 %", f"{last:.0f}"),
        ("RSS growth 2nd -> 9th decile", f"{growth * 100:+.1f} %"),
        (f"RSS flat (growth < {FLAT_GROWTH * 100:.0f} %)", "yes" if growth < FLAT_GROWTH else "NO"),
    ]
    w = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"  {k:<{w}}  {v}")
    print("  RSS over the run (by items finished):")
    for d in range(10):
        sel = [s[1] for s in samples if total * d / 10 < s[2] <= total * (d + 1) / 10]
        if sel:
            print(f"    {d * 10:>3}-{(d + 1) * 10:>3} %  {statistics.median(sel) / 2**20:7.0f} MB  (max {max(sel) / 2**20:.0f})")
    if rc != 0:
        sys.exit(rc)


if __name__ == "__main__":
    main()
