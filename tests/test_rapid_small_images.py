"""RapidOCR's detector on small images: enlarged at most MAX_DET_UPSCALE times, not to a 736 px short side.

Real engine and models, no mocks. With RapidOCR's own limit (short side raised to 736 px),
the 320 x 72 px sign below was a 3264 x 736 detector input, took over a second and was
read as "Tel 020 7" / "7946" / "0123"; with the cap it is a 960 x 224 input and one line.
Photos with a short side of 246 px or more must be detected exactly as before (module
docstring of clueextract/ocr/rapid.py).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from clueextract.media.image import decode_image
from clueextract.ocr.rapid import MAX_DET_UPSCALE, RapidOcrEngine, detector_limit

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples_benign"
SIGN_TEXT = "Tel 020 7946 0123"


def small_sign(text: str = SIGN_TEXT) -> np.ndarray:
    """A 320 x 72 px sign as benchmarks/bench_soak.py draws them (Pillow's bundled font, 26 px)."""
    img = Image.new("RGB", (320, 72), (178, 245, 195))
    ImageDraw.Draw(img).text((12, 18), text, fill=(20, 20, 100), font=ImageFont.load_default(size=26))
    return np.asarray(img)


def squash(text: str) -> str:
    return "".join(text.split())


def read_as(lines, text: str) -> bool:
    """One line whose text is the sign's within one character in ten (at least one), spaces
    aside: what is under test is that the detector finds the sign as one box; the recogniser's
    exact characters may move with another CPU's onnxruntime kernels or a new model
    (measured: all read exactly)."""
    from rapidfuzz.distance import Levenshtein

    return len(lines) == 1 and Levenshtein.distance(squash(lines[0].text), squash(text)) <= max(1, len(squash(text)) // 10)


def detector_input_shape(engine: RapidOcrEngine, image_rgb: np.ndarray) -> tuple[int, int]:
    """(h, w) the detector's resize step of the last call makes of `image_rgb` (no padding applies here)."""
    det = engine._ocr.text_det
    assert det is not None and det.preprocess_op is not None
    return det.preprocess_op.resize(image_rgb).shape[:2]


@pytest.fixture(scope="module")
def engine() -> RapidOcrEngine:
    return RapidOcrEngine(threads=1)


@pytest.fixture(scope="module")
def default_engine() -> RapidOcrEngine:
    """The same engine with RapidOCR's own detector limit for every image."""
    return RapidOcrEngine(threads=1, max_det_upscale=None)


def test_rule():
    assert MAX_DET_UPSCALE == 3
    assert detector_limit(72, "min", 736) == ("min", 216)
    assert detector_limit(30, "min", 736) == ("min", 90)
    assert detector_limit(245, "min", 736) == ("min", 735)
    assert detector_limit(246, "min", 736) == ("min", 736)       # from here on: RapidOCR's default
    assert detector_limit(700, "min", 736) == ("min", 736)
    assert detector_limit(72, "max", 2000) == ("max", 2000)      # only the "min" limit enlarges
    assert detector_limit(72, "min", 736, max_upscale=None) == ("min", 736)


def test_small_sign_is_read_whole_on_first_use():
    """A fresh engine (the detector is created lazily, on the first call) reads the sign as one line."""
    fresh = RapidOcrEngine(threads=1)
    assert fresh._ocr.text_det is None
    sign = small_sign()
    lines = fresh.read(sign)
    assert read_as(lines, SIGN_TEXT), [ln.text for ln in lines]
    det = fresh._ocr.text_det
    assert (det.preprocess_op.limit_type, det.preprocess_op.limit_side_len) == ("min", 216)
    assert detector_input_shape(fresh, sign) == (224, 960)       # RapidOCR's default: (736, 3264)
    assert fresh.identity()["detector"] == {"limit_type": "min", "limit_side_len": 736, "max_upscale": 3}


@pytest.mark.parametrize("text", ["Fresh Bread", "Hotel Central", "OPEN 24h"])
def test_small_signs_are_read_whole(engine, text):
    lines = engine.read(small_sign(text))
    assert read_as(lines, text), [ln.text for ln in lines]


def test_router_detects_small_sign_as_one_box():
    """The router (what a scan uses) detects through the same RapidOCR object."""
    from clueextract.ocr.router import RoutedOcr
    from clueextract.packs import select

    router = RoutedOcr(select(ROOT / "language_packs", ["en"]), threads=1)
    lines = router.read(small_sign())
    assert read_as(lines, SIGN_TEXT), [ln.text for ln in lines]
    det = router.rapid._ocr.text_det
    assert (det.preprocess_op.limit_type, det.preprocess_op.limit_side_len) == ("min", 216)


@pytest.mark.parametrize("path", ["mexico_city_tienda/street_sign.jpg", "berlin_shop/receipt.png"])
def test_sample_photo_detected_as_with_rapidocr_defaults(engine, default_engine, path):
    """Short side 700 / 760 px: the default detector limit, and the very same lines, boxes and scores."""
    rgb = decode_image((SAMPLES / path).read_bytes(), 200_000_000).rgb
    got, want = engine.read(rgb), default_engine.read(rgb)
    det = engine._ocr.text_det
    assert (det.preprocess_op.limit_type, det.preprocess_op.limit_side_len) == ("min", 736)
    assert detector_input_shape(engine, rgb) == detector_input_shape(default_engine, rgb)
    assert want and got == want
    if path.startswith("mexico_city"):
        assert any(read_as([ln], "Av. Madero") for ln in got), [ln.text for ln in got]  # within 1 character
