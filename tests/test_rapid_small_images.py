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
from clueextract.ocr.rapid import MAX_DET_UPSCALE, RapidOcrEngine, detector_limit, merge_passes

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
    assert fresh.identity()["detector"] == {"limit_type": "min", "limit_side_len": 736, "max_upscale": 3,
                                            "second_pass_at_own_size": True, "second_pass_max_overlap": 0.3}


@pytest.mark.parametrize("text", ["Fresh Bread", "Hotel Central", "OPEN 24h"])
def test_small_signs_are_read_whole(engine, text):
    lines = engine.read(small_sign(text))
    assert read_as(lines, text), [ln.text for ln in lines]


def test_router_detects_small_sign_as_one_box():
    """The router (what a scan uses) detects through the same RapidOCR object."""
    from clueextract.ocr.router import RoutedOcr
    from clueextract.packs import select

    router = RoutedOcr(select(ROOT / "language_packs", ["en"]), threads=1)
    router.rapid.second_pass = False
    lines = router.read(small_sign())
    assert read_as(lines, SIGN_TEXT), [ln.text for ln in lines]
    det = router.rapid._ocr.text_det
    assert (det.preprocess_op.limit_type, det.preprocess_op.limit_side_len) == ("min", 216)
    router.rapid.second_pass = True  # the own-size pass (72 px) adds nothing the whole line covers
    lines = router.read(small_sign())
    assert read_as(lines, SIGN_TEXT), [ln.text for ln in lines]
    assert (det.preprocess_op.limit_type, det.preprocess_op.limit_side_len) == ("min", 72)


def quad(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def test_merge_passes_by_construction():
    two_lines = quad(10, 10, 300, 120)                     # the enlarged pass merged two lines
    top, bottom = quad(12, 12, 290, 60), quad(40, 70, 250, 118)
    words = [quad(12, 12, 140, 60), quad(150, 12, 290, 60)]  # two words of one line: not lines
    elsewhere = quad(20, 200, 200, 240)                    # text the enlarged pass missed
    nudged = quad(12, 202, 205, 238)                       # the same box at another scale
    got = merge_passes([two_lines, elsewhere], [top, bottom, nudged, quad(5, 300, 60, 330)])
    assert [b.tolist() for b in got] == [top.tolist(), bottom.tolist(), elsewhere.tolist(),
                                         quad(5, 300, 60, 330).tolist()]
    one_line = quad(10, 10, 300, 62)
    assert [b.tolist() for b in merge_passes([one_line], words)] == [one_line.tolist()]
    assert merge_passes([], [top]) == [top] and merge_passes([top], []) == [top]
    # eval/real's Khmer stop sign: the first pass's boxes overlap ('85555' over 'STOP'); the second
    # pass's 'STOP' box, inside both, is the first pass's 'STOP', not a line merged into '85555'
    digits, stop = quad(206, 245, 348, 293), quad(242, 275, 292, 297)
    got = merge_passes([digits, stop], [quad(206, 246, 349, 290), quad(240, 276, 286, 296)])
    assert [b.tolist() for b in got] == [digits.tolist(), stop.tolist()]


def test_second_pass_reads_the_line_the_enlarged_pass_merged():
    """eval/real's check part: the Islampur station board (735 x 325 px, Devanagari, English and
    Urdu lines). Enlarged to a 736 px short side, the detector gave one box over the Devanagari
    and English lines (read 'RMAO'); at its own size the English line is a box of its own
    (measured: read 'ISLAMPUR' exactly)."""
    from rapidfuzz import fuzz

    rgb = decode_image((ROOT / "eval/real/img/in_station_board_islampur_hi_en_ur.jpg").read_bytes(), 200_000_000).rgb
    engine = RapidOcrEngine(threads=1)

    def texts(second_pass: bool) -> list[str]:
        boxes = engine.detect(rgb, second_pass=second_pass)
        crops = []
        for b in boxes:
            x0, y0 = np.floor(b.min(axis=0)).astype(int)
            x1, y1 = np.ceil(b.max(axis=0)).astype(int)
            crops.append(rgb[max(0, y0):y1, max(0, x0):x1])
        return [t for t, _, _ in engine.recognise(crops)]

    # (what the enlarged pass alone gives may move with another CPU's kernels; only the reading is asserted)
    assert any(fuzz.ratio("ISLAMPUR", t) >= 80 for t in texts(True)), texts(True)


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
