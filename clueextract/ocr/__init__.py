"""OCR engines behind one small interface (see base.OcrEngine)."""
from __future__ import annotations

from .base import OcrEngine, OcrLine


ENGINES = ("rapidocr", "easyocr")


def make_engine(name: str, threads: int) -> OcrEngine:
    """rapidocr: RapidOCR alone (Latin, Chinese, Japanese). easyocr: EasyOCR alone (optional extra,
    English weights)."""
    if name == "rapidocr":
        from .rapid import RapidOcrEngine

        return RapidOcrEngine(threads=threads)
    if name == "easyocr":
        from .easyocr_engine import EasyOcrEngine

        return EasyOcrEngine(threads=threads)
    raise ValueError(f"unknown OCR engine {name!r} (available: {', '.join(ENGINES)})")


__all__ = ["OcrEngine", "OcrLine", "make_engine"]
