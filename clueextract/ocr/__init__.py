"""OCR engines behind one small interface (see base.OcrEngine)."""
from __future__ import annotations

from .base import OcrEngine, OcrLine


def make_engine(name: str, threads: int) -> OcrEngine:
    if name == "rapidocr":
        from .rapid import RapidOcrEngine

        return RapidOcrEngine(threads=threads)
    raise ValueError(f"unknown OCR engine {name!r} (available: rapidocr)")


__all__ = ["OcrEngine", "OcrLine", "make_engine"]
