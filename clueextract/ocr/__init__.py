"""OCR engines behind one small interface (see base.OcrEngine)."""
from __future__ import annotations

from .base import OcrEngine, OcrLine


ENGINES = ("auto", "rapidocr", "easyocr")


def make_engine(name: str, threads: int, packs=(), min_confidence: float = 0.5, max_side: int = 2000) -> OcrEngine:
    """auto: RapidOCR finds the boxes, each box is read by the engine that reads its script
    (RapidOCR or Tesseract with the packs' traineddata), after a classifier named the box's
    script; RapidOCR alone when no Tesseract data is installed. rapidocr: RapidOCR alone (Latin, Chinese, Japanese). easyocr:
    EasyOCR alone (optional extra, English weights)."""
    if name == "auto":
        from .tesseract import find_tessdata  # noqa: PLC0415 (+4 ms at import; a scan's main process imports this package and builds no engine)

        if find_tessdata() is not None and packs:
            from .router import RoutedOcr  # noqa: PLC0415 (heavy: +43 ms at import; only the auto engine)

            return RoutedOcr(list(packs), threads=threads, min_confidence=min_confidence, max_side=max_side)
        name = "rapidocr"
    if name == "rapidocr":
        from .rapid import RapidOcrEngine  # noqa: PLC0415 (+3 ms at import; a scan's main process imports this package and builds no engine)

        return RapidOcrEngine(threads=threads, min_confidence=min_confidence, max_side=max_side)
    if name == "easyocr":
        from .easyocr_engine import EasyOcrEngine  # noqa: PLC0415 (optional engine: the easyocr extra)

        return EasyOcrEngine(threads=threads)
    raise ValueError(f"unknown OCR engine {name!r} (available: {', '.join(ENGINES)})")


__all__ = ["OcrEngine", "OcrLine", "make_engine"]
