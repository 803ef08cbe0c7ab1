#!/usr/bin/env python3
"""Which of clueextract's engines can use this machine's GPU, and how fast they are on it.

    python scripts/gpu_check.py [--asr-model FOLDER] [--det-model FILE.onnx] [--images DIR] [--json OUT]

ASR (CTranslate2 / faster-whisper): the CUDA device count, then the same child-process probe
that a scan runs before it puts Whisper on a GPU (clueextract.audio.whisper.cuda_probe), then,
when the probe passes, encoder passes on CUDA against CPU. OCR (RapidOCR on onnxruntime): the
providers of the installed onnxruntime, then the detector model on CUDA against CPU when the
CUDA provider is there. Scans keep RapidOCR on CPU unless asked (README, GPUs), so this check
sets CLUEEXTRACT_OCR_DEVICE=cuda unless it is set. --images times RapidOcrEngine end to end
on a folder of images (run it again with CUDA_VISIBLE_DEVICES="" for the CPU figure).
Defaults are the installed, verified models; the flags take any other CTranslate2 Whisper
folder or ONNX detector. Needs only numpy, ctranslate2 and onnxruntime (and rapidocr for
--images), so it also runs on a bare GPU machine with those installed. Prints the report as
JSON; --json also writes it to a file.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _best_of(fn, n: int) -> float:
    fn()  # warm-up (kernel selection, allocator)
    best = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def gpu_facts() -> dict:
    smi = shutil.which("nvidia-smi")
    if not smi:
        return {"nvidia_smi": None}
    r = subprocess.run([smi, "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                       capture_output=True, text=True, check=False)
    return {"nvidia_smi": r.stdout.strip() or r.stderr.strip()}


def asr_check(folder: str | None, runs: int) -> dict:
    from importlib.metadata import version

    import numpy as np

    from clueextract.audio import whisper

    out: dict = {"ctranslate2": version("ctranslate2")}
    if folder is None:
        folder = str(whisper.resolve("whisper-base")[0])
    out["model"] = folder
    out["cuda_devices"] = whisper.cuda_devices()
    if not out["cuda_devices"]:
        out["device"], _, out["why"] = whisper.pick_device(Path(folder))
        return out
    import ctranslate2

    out["cuda_compute_types"] = sorted(ctranslate2.get_supported_compute_types("cuda"))
    t = time.perf_counter()
    ok, detail = whisper.cuda_probe(folder)
    out["probe_s"] = round(time.perf_counter() - t, 2)
    out["probe_ok"], out["probe_detail"] = ok, detail
    out["device"], _, out["why"] = whisper.pick_device(Path(folder))
    if not ok:
        return out
    timings = {}
    for device, compute in (("cuda", "float16"), ("cpu", "int8")):
        m = ctranslate2.models.Whisper(folder, device=device, compute_type=compute)
        for batch in (1, 8):
            feats = ctranslate2.StorageView.from_array(np.zeros((batch, m.n_mels, 3000), np.float32))
            s = _best_of(lambda m=m, feats=feats: m.encode(feats), runs if device == "cuda" else 1)
            timings[f"{device} {compute} batch {batch}"] = {"s": round(s, 4), "audio_s_per_s": round(30 * batch / s, 1)}
        del m
    out["encode"] = timings
    return out


def ocr_check(det: str | None, runs: int) -> dict:
    import numpy as np
    import onnxruntime as ort

    from clueextract.ocr.rapid import onnx_device

    out: dict = {"onnxruntime": ort.__version__, "providers": ort.get_available_providers(),
                 "rapidocr_device": onnx_device()}
    if det is None:
        from clueextract.models import verified_path
        from clueextract.ocr.rapid import DET

        det = str(verified_path(DET))
    out["det_model"] = det
    x = np.random.default_rng(0).random((1, 3, 736, 736), dtype=np.float32)
    timings = {}
    for prov in ("CUDAExecutionProvider", "CPUExecutionProvider"):
        if prov not in out["providers"]:
            continue
        sess = ort.InferenceSession(det, providers=[prov])
        used = sess.get_providers()[0]
        name = sess.get_inputs()[0].name
        s = _best_of(lambda sess=sess, name=name: sess.run(None, {name: x}), runs if prov.startswith("CUDA") else 2)
        timings[prov] = {"provider_used": used, "s_per_736px_image": round(s, 4)}
    out["det"] = timings
    return out


def ocr_images(folder: str, threads: int) -> dict:
    """RapidOcrEngine end to end on every .jpg/.png under ``folder``: the device it chose,
    seconds per image (first image, which loads the models, left out) and the lines read."""
    import numpy as np
    from PIL import Image

    from clueextract.ocr.rapid import RapidOcrEngine

    engine = RapidOcrEngine(threads=threads)
    paths = sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    times, lines = [], {}
    for p in paths:
        img = np.asarray(Image.open(p).convert("RGB"))
        t = time.perf_counter()
        read = engine.read(img)
        times.append(time.perf_counter() - t)
        lines[str(p.relative_to(folder))] = [ln.text for ln in read]
    steady = times[1:] or times
    return {"engine": engine.identity()["engine"], "threads": threads, "images": len(paths),
            "s_per_image": round(sum(steady) / len(steady), 4), "lines": lines}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--asr-model", help="CTranslate2 Whisper folder (default: the installed whisper-base)")
    ap.add_argument("--det-model", help="ONNX text detector (default: RapidOCR's, verified)")
    ap.add_argument("--runs", type=int, default=10, help="timed runs on the GPU (best is reported)")
    ap.add_argument("--images", help="also time RapidOcrEngine end to end on the images in this folder")
    ap.add_argument("--threads", type=int, default=4, help="onnxruntime threads for --images")
    ap.add_argument("--json", help="also write the report as JSON here")
    a = ap.parse_args()
    # RapidOCR stays on CPU unless asked (clueextract.ocr.rapid.onnx_device): ask, to check CUDA.
    os.environ.setdefault("CLUEEXTRACT_OCR_DEVICE", "cuda")
    report: dict = {"gpu": gpu_facts()}
    checks = [("asr", asr_check, a.asr_model, a.runs), ("ocr", ocr_check, a.det_model, a.runs)]
    if a.images:
        checks.append(("ocr_images", ocr_images, a.images, a.threads))
    for key, fn, arg, n in checks:
        try:
            report[key] = fn(arg, n)
        except Exception as e:  # report what failed and go on to the next engine
            report[key] = {"error": f"{type(e).__name__}: {e}"}
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if a.json:
        Path(a.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
