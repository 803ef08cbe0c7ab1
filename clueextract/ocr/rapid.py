"""RapidOCR engine: PP-OCR detection + orientation + recognition ONNX models from the rapidocr wheel."""
from __future__ import annotations

from importlib.metadata import version
from typing import Any

import numpy as np

from ..models import spec, verified_path
from .base import OcrLine

DET, REC, CLS = "PP-OCRv6_det_small", "PP-OCRv6_rec_small", "ch_ppocr_mobile_v2.0_cls"
MAX_ASPECT = 10  # long side / short side of what RapidOCR's detector is given


def bounded_aspect(img: np.ndarray, max_aspect: int = MAX_ASPECT) -> np.ndarray:
    """The image padded at the bottom or right (box coordinates do not move) with its mean
    colour until long side / short side <= max_aspect; unchanged when already within.

    Why: RapidOCR caps the long side at 2000 px, then raises the short side to 30 px and its
    detector raises it to 736 px, keeping the aspect ratio. A 20000x1 PNG of a few hundred
    bytes became a 1,472,000 x 736 float32 tensor and the scan was killed at 20 GB RSS
    (hostile corpus, measured). At 10:1 the detector input is at most 7360 x 736."""
    h, w = img.shape[:2]
    if min(h, w) * max_aspect >= max(h, w):
        return img
    fill = img.reshape(-1, img.shape[2]).mean(axis=0).astype(img.dtype) if img.size else 255
    if w > h:
        pad = np.empty((-(-w // max_aspect) - h, w, img.shape[2]), dtype=img.dtype)
        pad[...] = fill
        return np.ascontiguousarray(np.concatenate([img, pad], axis=0))
    pad = np.empty((h, -(-h // max_aspect) - w, img.shape[2]), dtype=img.dtype)
    pad[...] = fill
    return np.ascontiguousarray(np.concatenate([img, pad], axis=1))


def onnx_device() -> str:
    """'cuda' when the installed onnxruntime has the CUDA provider (onnxruntime-gpu on a GPU
    machine), else 'cpu'. The device is part of the engine identity (and so of the
    configuration hash): GPU and CPU kernels may differ in the last digits of a score."""
    try:
        import onnxruntime

        return "cuda" if "CUDAExecutionProvider" in onnxruntime.get_available_providers() else "cpu"
    except Exception:  # a broken GPU install must not stop a CPU scan
        return "cpu"


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self, threads: int = 1, min_confidence: float = 0.5, max_side: int = 2000):
        from rapidocr import RapidOCR

        self.version = version("rapidocr")
        paths = {m: verified_path(m) for m in (DET, REC, CLS)}
        self.device = onnx_device()
        self.max_side = max_side
        # Explicit model paths: RapidOCR never reaches its download code, and the
        # files used are exactly the verified ones.
        self._ocr = RapidOCR(params={
            "Global.log_level": "error",
            "Global.text_score": min_confidence,
            "Global.max_side_len": max_side,
            "Det.model_path": str(paths[DET]),
            "Rec.model_path": str(paths[REC]),
            "Cls.model_path": str(paths[CLS]),
            "EngineConfig.onnxruntime.intra_op_num_threads": max(1, threads),
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "EngineConfig.onnxruntime.use_cuda": self.device == "cuda",
        })
        self._engine = f"rapidocr {self.version} ({self.device})"

    def identity(self) -> dict[str, Any]:
        return {"engine": self._engine,
                "models": {m: spec(m).sha256 for m in (DET, REC, CLS)}}

    def read(self, image_rgb: np.ndarray) -> list[OcrLine]:
        h, w = image_rgb.shape[:2]
        scale = 1.0
        img = image_rgb
        if max(h, w) > self.max_side:
            from PIL import Image

            scale = self.max_side / max(h, w)
            img = np.asarray(Image.fromarray(image_rgb).resize((max(1, round(w * scale)), max(1, round(h * scale)))))
        res = self._ocr(np.ascontiguousarray(bounded_aspect(img)[:, :, ::-1]))  # RapidOCR takes BGR arrays
        if res.boxes is None or res.txts is None:
            return []
        rec_sha = spec(REC).sha256
        lines = []
        for box, text, score in zip(res.boxes, res.txts, res.scores):
            text = " ".join(str(text).split())
            if not text:
                continue
            pts = tuple((int(round(x / scale)), int(round(y / scale))) for x, y in np.asarray(box).tolist())
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            bbox = (max(0, min(xs)), max(0, min(ys)), min(w, max(xs)), min(h, max(ys)))
            lines.append(OcrLine(text, float(score), bbox, pts, self._engine, REC, rec_sha))
        return lines
