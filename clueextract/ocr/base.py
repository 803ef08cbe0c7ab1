from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Protocol

import numpy as np


@dataclass(frozen=True)
class OcrLine:
    text: str
    confidence: float
    bbox: tuple[int, int, int, int]          # x0, y0, x1, y1 in the upright image's pixels
    polygon: tuple[tuple[int, int], ...]     # detector quadrilateral, same frame
    engine: str                              # "rapidocr 3.10.0"
    model: str                               # recogniser model name
    model_sha256: str
    # The box's script as the script identifier decided it (class, probability); None where no
    # identifier ran (RapidOCR or EasyOCR alone).
    script: Optional[tuple[str, float]] = None
    unread: bool = False                     # a script no active pack reads: no text, only its script


class OcrEngine(Protocol):
    name: str

    def identity(self) -> dict[str, Any]:
        """Engine version and every model file it uses, with SHA-256 (for provenance and the config hash)."""

    def read(self, image_rgb: np.ndarray) -> list[OcrLine]:
        """Text lines in an upright RGB image (H x W x 3, uint8)."""
