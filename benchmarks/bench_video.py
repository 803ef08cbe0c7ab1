"""Frame selection vs naive one-frame-per-second sampling, same videos, same OCR engine, one run.

For every video in samples_benign/manifest_video.json: OCR calls and text recall (manifest
texts that RapidOCR can read, found in the OCR output) for (a) clueextract's selection and
(b) OCR on one frame per second; and clueextract's processing time (selection + OCR) as a
fraction of the video's duration. Targets: at most 0.1x the calls at equal or better
recall; at most 0.3x of the duration on 2 cores. Besides the short samples (16-22 s with
up to 7 distinct views each, where one call per view is the floor), a 3-minute long take
is generated at run time from three sample signs, like most real footage.
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


LONG_TAKE_SCENES = ["paris_cafe/menu_board.jpg", "berlin_shop/bakery_sign.jpg", "tokyo_station/ramen_shop_sign.jpg"]


def long_take(path: Path, seconds_per_scene: int = 60, fps: int = 5) -> dict:
    """A generated 3-minute 'long take' (what seized video mostly is): three still scenes
    from samples_benign, a minute each, with small hand-held jitter and sensor noise."""
    from PIL import Image

    images = json.loads((SAMPLES / "manifest.json").read_text(encoding="utf-8"))["items"]
    texts, rng = [], np.random.default_rng(5)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps, options={"crf": "28", "preset": "veryfast"})
        s.width, s.height, s.pix_fmt = 1280, 720, "yuv420p"
        for k, rel in enumerate(LONG_TAKE_SCENES):
            entry = next(i for i in images if i["path"] == rel)
            start = k * seconds_per_scene
            texts += [{"text": ln["text"], "rapidocr_reads": True, "intervals": [[start, start + seconds_per_scene]]}
                      for ln in entry["lines"] if ln.get("rapidocr_reads")]
            img = Image.open(SAMPLES / rel).convert("RGB")
            img.thumbnail((1240, 680))
            base = np.full((740, 1300, 3), 40, dtype=np.uint8)
            y0, x0 = (740 - img.height) // 2, (1300 - img.width) // 2
            base[y0:y0 + img.height, x0:x0 + img.width] = np.asarray(img)
            for _ in range(seconds_per_scene * fps):
                dx, dy = rng.integers(0, 5, 2)
                frame = base[10 + dy - 2:10 + dy - 2 + 720, 10 + dx - 2:10 + dx - 2 + 1280].astype(np.int16)
                frame = np.clip(frame + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8)
                for p in s.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                    c.mux(p)
        for p in s.encode():
            c.mux(p)
    return {"path": str(path), "duration_s": float(len(LONG_TAKE_SCENES) * seconds_per_scene), "texts": texts}


def main() -> None:
    import tempfile

    manifest = json.loads((SAMPLES / "manifest_video.json").read_text(encoding="utf-8"))
    tmp = tempfile.TemporaryDirectory()
    generated = long_take(Path(tmp.name) / "long_take.mp4")
    manifest["items"].append({**generated, "path": generated["path"]})
    ocr = make_engine("rapidocr", thread_budget(1))
    ocr.read(np.zeros((64, 64, 3), dtype=np.uint8))  # load models before timing
    print(f"{'video':40} {'dur s':>6} {'calls sel':>9} {'calls 1fps':>10} {'ratio':>6} "
          f"{'recall sel':>10} {'recall 1fps':>11} {'proc s':>7} {'x dur':>6}")
    tot = {"sel": 0, "naive": 0, "dur": 0.0, "proc": 0.0}
    worst_recall_gap = 0.0
    for item in manifest["items"]:
        path = SAMPLES / item["path"]  # an absolute path (the generated long take) stays as it is
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
        name = "long take (generated, 3 x 60 s)" if Path(item["path"]).is_absolute() else item["path"]
        print(f"{name:40} {dur:6.1f} {len(sel.frames):9d} {len(naive_frames):10d} "
              f"{len(sel.frames) / max(1, len(naive_frames)):6.2f} {r_sel:10.2f} {r_naive:11.2f} {proc:7.2f} {proc / dur:6.2f}")
    print(f"total: {tot['sel']} OCR calls vs {tot['naive']} at 1 fps ({tot['sel'] / tot['naive']:.2f}x, target <= 0.10x); "
          f"recall never below 1 fps: {'yes' if worst_recall_gap <= 0 else 'no'}; "
          f"processing {tot['proc']:.1f} s for {tot['dur']:.1f} s of video ({tot['proc'] / tot['dur']:.2f}x, target <= 0.30x)")


if __name__ == "__main__":
    main()
