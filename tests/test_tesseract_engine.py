"""Tesseract crops that hold nothing readable give an empty reading, never an exception."""
from __future__ import annotations

import numpy as np
import pytest

from clueextract.ocr.tesseract import TesseractEngine, find_tessdata


@pytest.mark.skipif(find_tessdata() is None, reason="no Tesseract traineddata installed (scripts/install_system_deps.sh --ocr)")
@pytest.mark.parametrize("crop", [np.full((32, 200, 3), 255, np.uint8), np.zeros((40, 3, 3), np.uint8),
                                  np.random.default_rng(1).integers(0, 255, (30, 90, 3), dtype=np.uint8)])
def test_empty_or_noise_crops_read_as_nothing(crop):
    engine = TesseractEngine(["tha", "kor"], threads=1)
    for lang in ("tha", "kor"):
        text, conf = engine.read_line(crop, lang)
        assert isinstance(text, str) and 0.0 <= conf <= 1.0
