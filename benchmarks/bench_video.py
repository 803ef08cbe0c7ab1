"""Frame selection vs naive one-frame-per-second sampling, same videos, same OCR engine, one run.

For every video in samples_benign/manifest_video.json: OCR calls and text recall (manifest
texts that RapidOCR can read, found in the OCR output) for (a) clueextract's selection and
(b) OCR on one frame per second; and clueextract's processing time (selection + OCR) as a
fraction of the video's duration. Targets: at most 0.1x the calls at equal or better
recall; at most 0.3x of the duration on 2 cores.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import av  # noqa: E402
import numpy as np  # noqa: E402

from clueextract.ocr import make_engine  # noqa: E402
from clueextract.process import thread_budget  # noqa: E402
from clueextract.video.frames import select_frames  # noqa: E402

SAMPLES = ROOT / "samples_benign"


def squash(s: str) -> str:
    return "".join(s.split()).casefold()


def recall(texts: list[dict], read: list[str]) -> float:
    want = [squash(t["text"]) for t in texts if t.get("rapidocr_reads")]
    got = squash(" ".join(read))
    return sum(w in got for w in want) / max(1, len(want))


def one_per_second(path: Path) -> list[np.ndarray]:
    """Upright RGB frames at 0.5 s, 1.5 s, ... (what a naive sampler would OCR)."""
    frames, next_t = [], 0.5
    with av.open(str(path)) as c:
        for frame in c.decode(video=0):
            if frame.time is not None and frame.time >= next_t:
                frames.append(frame.to_ndarray(format="rgb24"))
                next_t += 1.0
    return frames


def main() -> None:
    manifest = json.loads((SAMPLES / "manifest_video.json").read_text(encoding="utf-8"))
    ocr = make_engine("rapidocr", thread_budget(1))
    ocr.read(np.zeros((64, 64, 3), dtype=np.uint8))  # load models before timing
    print(f"{'video':40} {'dur s':>6} {'calls sel':>9} {'calls 1fps':>10} {'ratio':>6} "
          f"{'recall sel':>10} {'recall 1fps':>11} {'proc s':>7} {'x dur':>6}")
    tot = {"sel": 0, "naive": 0, "dur": 0.0, "proc": 0.0}
    worst_recall_gap = 0.0
    for item in manifest["items"]:
        path = SAMPLES / item["path"]
        t = time.perf_counter()
        with open(path, "rb") as f:
            sel = select_frames(f, threads=thread_budget(1))
        sel_text = [ln.text for fr in sel.frames for ln in ocr.read(fr.image)]
        proc = time.perf_counter() - t
        naive_frames = one_per_second(path)
        naive_text = [ln.text for img in naive_frames for ln in ocr.read(img)]
        r_sel, r_naive = recall(item["texts"], sel_text), recall(item["texts"], naive_text)
        worst_recall_gap = max(worst_recall_gap, r_naive - r_sel)
        dur = item["duration_s"]
        tot["sel"] += len(sel.frames)
        tot["naive"] += len(naive_frames)
        tot["dur"] += dur
        tot["proc"] += proc
        print(f"{item['path']:40} {dur:6.1f} {len(sel.frames):9d} {len(naive_frames):10d} "
              f"{len(sel.frames) / max(1, len(naive_frames)):6.2f} {r_sel:10.2f} {r_naive:11.2f} {proc:7.2f} {proc / dur:6.2f}")
    print(f"total: {tot['sel']} OCR calls vs {tot['naive']} at 1 fps ({tot['sel'] / tot['naive']:.2f}x, target <= 0.10x); "
          f"recall never below 1 fps: {'yes' if worst_recall_gap <= 0 else 'no'}; "
          f"processing {tot['proc']:.1f} s for {tot['dur']:.1f} s of video ({tot['proc'] / tot['dur']:.2f}x, target <= 0.30x)")


if __name__ == "__main__":
    main()
