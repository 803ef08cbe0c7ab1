"""Vietnamese line recognisers side by side on eval/real's Vietnamese images (issue 14, item 4).

Same line crops for every engine: RapidOCR's detector boxes (RapidOcrEngine.detect), cut with
clueextract.ocr.crops.line_variants and turned upright by RapidOCR's 0/180 classifier (the turn
RapidOcrEngine.recognise reports). Each crop is read by
  - tesseract-vie: TesseractEngine(["vie"]).read_line_detail(crop, "vie"), as the router reads it;
  - rapidocr: RapidOcrEngine.recognise (PP-OCR rec, the default reader today);
  - asterocr: asterocr.AsterOCR (ONNX, bundled weights) run in a separate Python that has it
    installed (a throwaway venv: asterocr is no dependency of clueextract), on the same crops
    saved as PNG files. Its ONNX session is rebuilt with the same thread count.

Scoring against the manifest's key_text (read by eye; lines split on " / "): words are \\w+ runs,
lower-cased, NFC; a key word is found exact when the image's readings (all lines joined) hold it
with the same letters and marks, found unmarked when they hold it after stripping every mark
(NFD, combining marks dropped, đ->d) on both sides. Multiset counts: a word twice in the key must
be read twice. "Marked words" are key words whose letters carry Vietnamese marks; "tone kept" is
how many of those were found exact; "marks added" counts unmarked key words (e.g. a receipt
printed without marks) found only with marks the image does not show. CPU seconds are this
process's (or the asterocr process's) process_time per crop, model loading excluded; wall seconds
beside them, since the machine is shared.

asterocr is run twice: "asterocr" is its public API (AsterOCR.predict, the ONNX path: pixels
scaled to [-1, 1]); "asterocr-prep" feeds the same ONNX model the preprocessing of the
package's own torch predictor (asterocr/inference/predictor.py: polarity check, 2 px padding,
pixels in [0, 1]), which reads far better, so the public ONNX path looks mis-normalised.

    python3.11 -m venv /tmp/aster && /tmp/aster/bin/pip install asterocr==1.0.2
    .venv/bin/python benchmarks/bench_vie.py /tmp/aster/bin/python [--split tune|check|all] [--threads 1]

Measured 2026-12-07 (2 cores, --threads 1; same RapidOCR boxes for every engine):

    part   crops  engine          recall  tone kept/marked  mean img recall  CPU s/line
    tune   265    tesseract-vie   0.671    87/114 (0.76)    0.557            0.0082
                  asterocr        0.491    52/114 (0.46)    0.482            0.0173
                  asterocr-prep   0.638    85/114 (0.75)    0.605            0.0199
                  rapidocr        0.722    39/114 (0.34)    0.756            0.0162
    check  159    tesseract-vie   0.749   145/185 (0.78)    0.687            0.0106
                  asterocr        0.400    76/185 (0.41)    0.364            0.0222
                  asterocr-prep   0.692   133/185 (0.72)    0.648            0.0275
                  rapidocr        0.519    64/185 (0.35)    0.457            0.0179

Tesseract `vie` keeps more tone letters than asterocr on both parts, even with asterocr given its
own predictor's preprocessing, at 2-2.6x less CPU per line, so the router keeps Tesseract `vie` for
Vietnamese boxes and asterocr is not a dependency. RapidOCR's higher tune recall is unmarked words
(receipts printed without marks, brand names); it keeps a third of the marked ones.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clueextract.ocr.crops import line_variants  # noqa: E402
from clueextract.ocr.rapid import RapidOcrEngine  # noqa: E402
from clueextract.ocr.tesseract import TesseractEngine  # noqa: E402

REAL = ROOT / "eval" / "real"
SHARED = ROOT.parent / "shared" / "realdev"  # rows with where=shared are used in place
ENGINES = ("tesseract-vie", "asterocr", "asterocr-prep", "rapidocr")

ASTER_CHILD = r"""
import json, sys, time
import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps
from asterocr import AsterOCR, __version__
paths, threads = json.loads(sys.argv[1]), int(sys.argv[2])
ocr = AsterOCR()
so = ort.SessionOptions(); so.intra_op_num_threads = threads; so.inter_op_num_threads = 1
ocr.session = ort.InferenceSession(ocr.model_path, so, providers=["CPUExecutionProvider"])

def predictor_prep(path):
    # asterocr.inference.predictor.AsterPredictor.preprocess (its torch path), in numpy: polarity
    # check, 2 px edge-colour padding, aspect stretch, pixels in [0, 1]. AsterOCR.predict (the
    # ONNX path) instead scales pixels to [-1, 1] with none of these steps.
    img = Image.open(path).convert("RGB"); w, h = img.size
    gray = np.array(img.convert("L"))
    border = np.concatenate([gray[0, :], gray[-1, :], gray[:, 0], gray[:, -1]])
    center = gray[2:-2, 5:-5] if gray.shape[0] > 4 and gray.shape[1] > 10 else gray
    bg, p90, p10 = float(np.median(border)), float(np.percentile(center, 90)), float(np.percentile(center, 10))
    if (p90 - bg > bg - p10 and p90 - bg > 20) or bg < 90:
        img = ImageOps.invert(img)
    e = np.array(img); col = tuple(int(x) for x in e[:, [0, -1], :].mean(axis=(0, 1)))
    pad = Image.new("RGB", (w + 4, h), col); pad.paste(img, (2, 0)); w, h = pad.size
    a = w / max(1, h); sw = min(1.25, 1.0 + (a - 3.0) * 0.02) if a > 3 else 1.0
    nw = max(16, int(32 / max(1, h) * w * sw)); nw = (nw + 3) // 4 * 4
    arr = np.array(pad.resize((nw, 32), Image.BILINEAR), dtype=np.float32) / 255.0
    return arr.transpose(2, 0, 1)[None]

def prep_predict(path):
    return ocr.decode_ctc(ocr.session.run([ocr.output_name], {ocr.input_name: predictor_prep(path)})[0])

out = {}
for name, fn in (("asterocr", ocr.predict), ("asterocr-prep", prep_predict)):
    out[name] = []
    for p in paths:
        t, w = time.process_time(), time.perf_counter(); text = fn(p)
        out[name].append((text, time.process_time() - t, time.perf_counter() - w))
print(json.dumps({"version": __version__, "model": ocr.model_path, "readings": out}))
"""


def vie_rows(split: str) -> list[dict]:
    with open(REAL / "MANIFEST.tsv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [r for r in rows if r["kind"] == "image" and "Latn" in r["scripts"].split(",")
            and "vi" in r["languages"].split(",") and (split == "all" or r["split"] == split)]


def words(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFC", text).lower())


def unmarked(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c)).replace("đ", "d")


def score(key_text: str, read: str) -> dict[str, int]:
    key = [w for line in key_text.split(" / ") for w in words(line)]
    got = words(read)
    exact, plain = Counter(got), Counter(unmarked(w) for w in got)
    found_exact = found_plain = marked = tone_kept = added = 0
    for w in key:
        hit = exact[w] > 0
        if hit:
            exact[w] -= 1
            found_exact += 1
        plain_hit = plain[unmarked(w)] > 0
        if plain_hit:
            plain[unmarked(w)] -= 1
            found_plain += 1
        if unmarked(w) != w:
            marked += 1
            tone_kept += hit
        elif plain_hit and not hit:
            added += 1  # an unmarked key word read only with marks the sign does not show
    return {"total": len(key), "exact": found_exact, "plain": found_plain, "marked": marked, "tone": tone_kept,
            "added": added}


def crops_of(rows: list[dict], rapid: RapidOcrEngine, out: Path) -> list[tuple[str, Path, np.ndarray]]:
    """(image file, png path, upright RGB crop) for every detected box of every image."""
    crops = []
    for r in rows:
        rgb = np.asarray(Image.open((REAL if r["where"] == "repo" else SHARED) / r["file"]).convert("RGB"))
        for i, poly in enumerate(rapid.detect(rgb)):
            _, variants = line_variants(rgb, poly)
            crop = next(iter(variants.values()))
            if min(crop.shape[:2]) < 2:
                continue
            flip = rapid.recognise([crop])[0][2]
            crop = np.ascontiguousarray(np.rot90(crop, 2)) if flip else crop
            png = out / f"{Path(r['file']).stem}_{i:03d}.png"
            Image.fromarray(crop).save(png)
            crops.append((r["file"], png, crop))
    return crops


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("aster_python", help="a Python with asterocr installed (throwaway venv)")
    ap.add_argument("--split", default="tune", choices=("tune", "check", "all"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--crops", help="folder for the PNG crops (default: a temporary one)")
    ap.add_argument("--json", help="write per-line readings here")
    a = ap.parse_args()

    rows = vie_rows(a.split)
    tmp = tempfile.TemporaryDirectory()
    out = Path(a.crops or tmp.name)
    out.mkdir(parents=True, exist_ok=True)
    rapid = RapidOcrEngine(threads=a.threads)
    tess = TesseractEngine(["vie"], threads=a.threads)
    crops = crops_of(rows, rapid, out)
    readings: dict[str, list[str]] = {e: [] for e in ENGINES}
    cpu: dict[str, float] = {e: 0.0 for e in ENGINES}
    wall: dict[str, float] = {e: 0.0 for e in ENGINES}

    tess.read_line_detail(crops[0][2], "vie")  # warm-up: loads the model
    for _, _, crop in crops:
        t, w = time.process_time(), time.perf_counter()
        readings["tesseract-vie"].append(tess.read_line_detail(crop, "vie").text)
        cpu["tesseract-vie"] += time.process_time() - t
        wall["tesseract-vie"] += time.perf_counter() - w
    for _, _, crop in crops:
        t, w = time.process_time(), time.perf_counter()
        readings["rapidocr"].append(rapid.recognise([crop])[0][0])
        cpu["rapidocr"] += time.process_time() - t
        wall["rapidocr"] += time.perf_counter() - w
    child = subprocess.run([a.aster_python, "-c", ASTER_CHILD, json.dumps([str(p) for _, p, _ in crops]),
                            str(a.threads)], capture_output=True, text=True, check=True)
    aster = json.loads(child.stdout.strip().splitlines()[-1])
    for name, rs in aster["readings"].items():
        readings[name] = [t for t, _, _ in rs]
        cpu[name], wall[name] = sum(r[1] for r in rs), sum(r[2] for r in rs)

    print(f"split={a.split}: {len(rows)} images, {len(crops)} line crops (RapidOCR detector, upright); "
          f"tesseract vie {tess.model_sha256('vie')[:12]}, asterocr {aster['version']}, {rapid.identity()['engine']}")
    per_image: dict[str, dict[str, dict[str, int]]] = {}
    for e in ENGINES:
        for r in rows:
            text = "\n".join(t for (f, _, _), t in zip(crops, readings[e]) if f == r["file"])
            per_image.setdefault(r["file"], {})[e] = score(r["key_text"], text)
    print(f"\n{'image':58s} " + " ".join(f"{e:>22s}" for e in ENGINES))
    print(f"{'':58s} " + " ".join(f"{'exact/plain/total':>22s}" for _ in ENGINES))
    for f, s in per_image.items():
        print(f"{Path(f).stem[:58]:58s} " + " ".join(
            f"{s[e]['exact']:>8d}/{s[e]['plain']:d}/{s[e]['total']:<6d}".rjust(22) for e in ENGINES))
    print(f"\n{'engine':14s} {'exact':>5s} {'unmarked':>8s} {'total':>5s} {'recall':>6s} {'recall-unm':>10s} "
          f"{'tone kept/marked':>16s} {'marks added':>11s} {'mean img recall':>15s} {'CPU s/line':>10s} {'wall s/line':>11s}")
    for e in ENGINES:
        t = Counter()
        for s in per_image.values():
            t.update(s[e])
        mean = sum(s[e]["exact"] / s[e]["total"] for s in per_image.values() if s[e]["total"]) / len(per_image)
        tone = f"{t['tone']}/{t['marked']} ({t['tone'] / max(1, t['marked']):.2f})"
        print(f"{e:14s} {t['exact']:5d} {t['plain']:8d} {t['total']:5d} {t['exact'] / t['total']:6.3f} "
              f"{t['plain'] / t['total']:10.3f} {tone:>16s} {t['added']:11d} {mean:15.3f} "
              f"{cpu[e] / len(crops):10.4f} {wall[e] / len(crops):11.4f}")
    if a.json:
        Path(a.json).write_text(json.dumps(
            [{"file": f, "png": p.name, **{e: readings[e][i] for e in ENGINES}}
             for i, (f, p, _) in enumerate(crops)], ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
