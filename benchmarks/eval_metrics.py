"""Scoring helpers for benchmarks/eval.py: word matching, script of a text, split rule, calibration bins.

Matching rule for "OCR word recall" (documented in eval/real/README.md):
- Both sides are NFC-normalised and case-folded. For Hebrew and Arabic words the nonspacing marks
  (niqqud, harakat) are removed on both sides: they are optional in those scripts and no engine here
  outputs them. Vietnamese tone letters and Indic vowel signs are kept: losing them is a real miss.
- Key text is split into words at whitespace; punctuation and symbols are stripped from the ends.
  A word's script is the script of most of its letters; a word without letters (a number) counts
  under "digits".
- A word of a spaced script is read when it equals a token of the item's OCR text, or, for words of
  4+ characters, when it occurs inside the OCR text with all whitespace removed (an engine that
  merges two words still read them).
- Unspaced scripts (Han, kana, Thai, Lao, Khmer, Myanmar, Tibetan): each run of the script inside a
  key word is one "word"; it is read when rapidfuzz's partial_ratio against the whitespace-free OCR
  text is >= 80 (at most ~1 character in 5 wrong or missing).
"""
from __future__ import annotations

import statistics
import unicodedata
from functools import lru_cache
from typing import Iterable

import regex
from rapidfuzz import fuzz

# ISO 15924 codes the report knows (Unicode script property names for the regex module).
SCRIPTS = {
    "Latn": "Latin", "Cyrl": "Cyrillic", "Grek": "Greek", "Arab": "Arabic", "Hebr": "Hebrew",
    "Deva": "Devanagari", "Beng": "Bengali", "Guru": "Gurmukhi", "Gujr": "Gujarati", "Orya": "Oriya",
    "Taml": "Tamil", "Telu": "Telugu", "Knda": "Kannada", "Mlym": "Malayalam", "Sinh": "Sinhala",
    "Thai": "Thai", "Laoo": "Lao", "Khmr": "Khmer", "Mymr": "Myanmar", "Tibt": "Tibetan",
    "Geor": "Georgian", "Armn": "Armenian", "Ethi": "Ethiopic", "Hani": "Han", "Hira": "Hiragana",
    "Kana": "Katakana", "Hang": "Hangul", "Thaa": "Thaana",
}
_RX = {code: regex.compile(rf"\p{{Script={name}}}") for code, name in SCRIPTS.items()}
UNSPACED = {"Hani", "Hira", "Kana", "Thai", "Laoo", "Khmr", "Mymr", "Tibt"}
MARKS_OPTIONAL = {"Hebr", "Arab"}
# manifest codes that stand for several Unicode scripts
EXPAND = {"Hans": {"Hani"}, "Hant": {"Hani"}, "Jpan": {"Hani", "Hira", "Kana"}, "Kore": {"Hang", "Hani"},
          "Zyyy": set(), "-": set()}
DIGITS = "digits"


@lru_cache(maxsize=65536)
def char_script(ch: str) -> str | None:
    """ISO 15924 code of a letter (or combining mark), None for digits, punctuation and spaces."""
    cat = unicodedata.category(ch)
    if not (cat.startswith("L") or cat.startswith("M")):
        return None
    for code, rx in _RX.items():
        if rx.match(ch):
            return code
    return "Zzzz"


def script_counts(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for ch in text:
        s = char_script(ch)
        if s and unicodedata.category(ch)[0] == "L":
            out[s] = out.get(s, 0) + 1
    return out


def main_script(text: str) -> str | None:
    """Script of most letters of the text (ties: first by code), None when it holds no letter."""
    counts = script_counts(text)
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def expand_scripts(codes: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for c in codes:
        c = c.strip()
        out |= EXPAND.get(c, {c} if c else set())
    return out


def norm(text: str, script: str | None = None) -> str:
    t = unicodedata.normalize("NFC", text).casefold()
    if script in MARKS_OPTIONAL:
        t = "".join(ch for ch in unicodedata.normalize("NFD", t) if unicodedata.category(ch) != "Mn")
        t = unicodedata.normalize("NFC", t)
    return t


def _strip_edges(word: str) -> str:
    i, j = 0, len(word)
    while i < j and unicodedata.category(word[i])[0] in "PSZ":
        i += 1
    while j > i and unicodedata.category(word[j - 1])[0] in "PSZ":
        j -= 1
    return word[i:j]


def key_words(key_text: str) -> list[tuple[str, str]]:
    """(script, word) pairs of a key_text; each run of an unspaced script is a word of its own."""
    out: list[tuple[str, str]] = []
    for segment in key_text.split(" / "):
        for raw in segment.split():
            spaced, run, run_script = [], "", None
            for ch in raw:
                s = char_script(ch)
                if s in UNSPACED or (run and unicodedata.category(ch) in ("Lm", "Mn")):
                    if run and s in UNSPACED and s != run_script:
                        out.append((run_script, run))
                        run = ""
                    if not run:
                        run_script = s
                    run += ch
                    spaced.append(" ")
                else:
                    if run:
                        out.append((run_script, run))
                        run = ""
                    spaced.append(ch)
            if run:
                out.append((run_script, run))
            for piece in "".join(spaced).split():
                w = _strip_edges(piece)
                if not w:
                    continue
                main = main_script(w)
                if main is not None:
                    out.append((main, w))
                elif any(ch.isdigit() for ch in w):
                    out.append((DIGITS, w))
    return out


class OcrText:
    """An item's OCR lines, prepared for word look-ups."""

    def __init__(self, lines: Iterable[str]):
        self.lines = [ln for ln in lines if ln]
        raw = " ".join(self.lines)
        self._tokens: dict[str | None, set[str]] = {}
        self._joined: dict[str | None, str] = {}
        self._raw = raw

    def _prep(self, script: str | None):
        key = script if script in MARKS_OPTIONAL else None
        if key not in self._tokens:
            t = norm(self._raw, key)
            self._tokens[key] = {_strip_edges(w) for w in t.split()}
            self._joined[key] = "".join(t.split())
        return self._tokens[key], self._joined[key]

    def has(self, script: str, word: str) -> bool:
        tokens, joined = self._prep(script)
        w = norm(word, script)
        if script in UNSPACED:
            w = "".join(w.split())
            if not w or not joined:
                return False
            return w in joined or fuzz.partial_ratio(w, joined) >= 80
        if w in tokens:
            return True
        return len(w) >= 4 and "".join(w.split()) in joined


def split_of(sha256: str) -> str:
    """The fixed tune/check rule of eval/real: parity of the first 8 hex digits of the file's SHA-256."""
    return "tune" if int(sha256[:8], 16) % 2 == 0 else "check"


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    if len(v) == 1:
        return v[0]
    return statistics.quantiles(v, n=100, method="inclusive")[int(q * 100) - 1]


BINS = [(0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.0001)]


def reliability(pairs: list[tuple[float, bool]]) -> list[tuple[str, int, float | None]]:
    """(bin label, items, share right) for (top probability, right) pairs."""
    out = []
    for lo, hi in BINS:
        inside = [ok for p, ok in pairs if lo <= p < hi]
        label = f"{lo:.1f}-{min(hi, 1.0):.1f}"
        out.append((label, len(inside), (sum(inside) / len(inside)) if inside else None))
    return out
