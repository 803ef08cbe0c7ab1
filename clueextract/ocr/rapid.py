"""RapidOCR engine: PP-OCR detection + orientation + recognition ONNX models from the rapidocr wheel."""
from __future__ import annotations

from importlib.metadata import version
from typing import Any

import numpy as np

from ..models import spec, verified_path
from .base import OcrLine

DET, REC, CLS = "PP-OCRv6_det_small", "PP-OCRv6_rec_small", "ch_ppocr_mobile_v2.0_cls"


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self, threads: int = 1, min_confidence: float = 0.5, max_side: int = 2000):
        from rapidocr import RapidOCR

        self.version = version("rapidocr")
        paths = {m: verified_path(m) for m in (DET, REC, CLS)}
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
        })
        self._engine = f"rapidocr {self.version}"

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
        res = self._ocr(np.ascontiguousarray(img[:, :, ::-1]))  # RapidOCR takes BGR arrays
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
