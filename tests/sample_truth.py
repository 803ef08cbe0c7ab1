"""What counts as read on the samples, one definition for the tests and for
scripts/sample_misses.py (which records a scan's misses in the manifests as `expected_miss`).

The manifests' texts are the truth drawn or spoken (independent of any engine): every line on
an image (manifest.json `lines`), every text shown in a clip (manifest_video.json `texts`) and
the whole script of every speech span (manifest_audio.json `text`). What a default scan does
not read today is kept beside it as an expected miss, so the tests measure recall over the
whole truth and a loss shows, instead of asserting only what an engine already read.
"""
from __future__ import annotations

import difflib
import re

NEAR = 0.8          # difflib ratio at which one OCR line is a near reading of a manifest line
MIN_WORD_LEN = 4    # words of a spoken script that count (short words are too easily misheard)

# The names an `expected_miss` list of an image line holds: the default scan does not read the
# line exactly ("scan"), or not even nearly ("scan-near"). A video text: "scan".
MISS_EXACT, MISS_NEAR = "scan", "scan-near"


def squash(s: str) -> str:
    """Text compared without whitespace or case."""
    return "".join(s.split()).casefold()


def read_exactly(text: str, ocr: list[str]) -> bool:
    """The line's text (whitespace and case aside) is inside the item's OCR text: a box split
    or joined differently is the same reading."""
    return squash(text) in squash("".join(ocr))


def read_nearly(text: str, ocr: list[str]) -> bool:
    return read_exactly(text, ocr) or any(
        difflib.SequenceMatcher(None, squash(text), squash(o)).ratio() >= NEAR for o in ocr)


def video_text_read(text: str, ocr: list[str]) -> bool:
    """A clip's text is inside one OCR clue (a video clue is one distinct text on screen)."""
    return any(squash(text) in squash(o) for o in ocr)


def words(text: str) -> set[str]:
    """Whole words (letters only, case-folded): 'grad' is not found inside 'grade'."""
    return set(re.findall(r"[^\W\d_]+", text.casefold()))


def script_words(span: dict) -> list[str]:
    """The words of a span's spoken script that recall is measured over."""
    return sorted(w for w in words(span["text"]) if len(w) >= MIN_WORD_LEN)


def in_span(clue: dict, span: dict) -> bool:
    """A transcript segment belongs to the span its middle falls in (1 s of slack each side)."""
    mid = (clue["locator"]["start_s"] + clue["locator"]["end_s"]) / 2
    return span["start_s"] - 1 <= mid <= span["end_s"] + 1


def heard_in_span(segments: list[dict], span: dict) -> set[str]:
    return set().union(*(words(c["normalized"]) for c in segments if in_span(c, span)))


def currency_codes(clues: list[dict]) -> set[str]:
    """Every ISO code a currency clue of the item names ('£' is GBP|FKP|GIP|SHP)."""
    return {code for c in clues if c["kind"] == "currency" for code in c["normalized"].split("|")}
