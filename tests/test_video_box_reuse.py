"""A video's boxes that show again unchanged are read once (clueextract/ocr/reuse.py): the
router's frames are rendered here with real text and read by the real engines; the
mechanism is forced by what changes between frames, not by hoping a video sits past a
threshold."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from clueextract.ocr.reuse import BoxMemory, ReuseRules, region, same_pixels
from clueextract.ocr.router import RoutedOcr
from clueextract.packs import select

ROOT = Path(__file__).resolve().parent.parent


def frame(board: str, clock: str, noise_seed: int | None = None) -> np.ndarray:
    """A 640 x 360 frame: a departure board line, a clock, and (optionally) a patch of noise far
    from both, as a moving train or passer-by would change a view."""
    img = Image.new("RGB", (640, 360), (30, 40, 60))
    d = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=34)
    d.text((30, 40), board, fill=(250, 250, 250), font=font)
    d.text((470, 40), clock, fill=(255, 220, 0), font=font)
    a = np.asarray(img).copy()
    if noise_seed is not None:
        a[220:340, 300:620] = np.random.default_rng(noise_seed).integers(0, 255, (120, 320, 3), dtype=np.uint8)
    return a


@pytest.fixture(scope="module")
def router() -> RoutedOcr:
    return RoutedOcr(select(ROOT / "language_packs", ["en", "de"]), threads=2)


def test_unchanged_boxes_are_reused_and_a_changed_one_is_read_again(router):
    frames = [frame("Gleis 3 Zurich HB", "08:12"), frame("Gleis 3 Zurich HB", "08:12", noise_seed=1),
              frame("Gleis 3 Zurich HB", "08:13", noise_seed=2)]
    alone = [sorted(line.text for line in router.read(f)) for f in frames]
    lines, counts = router.read_frames(frames)
    assert [sorted(line.text for line in ls) for ls in lines] == alone   # the same text, frame by frame
    assert any("08:13" in t for t in alone[2]) and any("Gleis" in t for t in alone[0]), alone
    first = len(alone[0])
    # frame 2: every box of frame 1 again (the noise is elsewhere); frame 3: the clock changed
    assert counts["reused"] >= first + (first - 1), counts
    assert counts["read"] <= first + 1 + 1, counts  # frame 1's boxes, the new clock (and at most one noise box)
    assert any("08:13" in line.text for line in lines[2])


def test_a_box_grown_by_a_word_is_not_taken_for_the_earlier_one(router):
    a, b = frame("Gleis 3", "08:12"), frame("Gleis 3 Bern", "08:12")
    lines, counts = router.read_frames([a, b])
    assert any("Bern" in line.text for line in lines[1]), [line.text for line in lines[1]]


def test_one_changed_character_of_a_long_line_is_a_different_box():
    long_a = frame("Abfahrt 08:12 Gleis 3 Richtung Bern", "")
    long_b = frame("Abfahrt 08:17 Gleis 3 Richtung Bern", "")
    rect = (20, 30, 620, 90)
    assert not same_pixels(region(long_b, rect), region(long_a, rect), ReuseRules().max_diff)
    assert same_pixels(region(long_a, rect), region(long_a.copy(), rect), ReuseRules().max_diff)
    memory = BoxMemory()
    memory.add(long_a, ((30, 40), (600, 40), (600, 80), (30, 80)), "decision")
    assert memory.find(long_a, ((31, 40), (601, 40), (601, 81), (31, 81))) == "decision"
    assert memory.find(long_b, ((31, 40), (601, 40), (601, 81), (31, 81))) is None
    assert memory.find(long_a, ((300, 200), (600, 200), (600, 240), (300, 240))) is None  # elsewhere
