"""When a text-language guess may become a `text_language` clue (issue 15: a clue that is
probably wrong is worse than no clue).

Why: lingua chooses among the candidate languages of the active packs and has no answer
"none of them" or "too short to say". On the real tuning set (eval/real, all packs) 40 of 100
hand-labelled OCR lines got a wrong language: one-word headers and names ('TOTAL' Spanish,
'Code' German, 'MAN' Tagalog, 'IRAN' Malay), receipt lines printed without Vietnamese marks
('Tong tien chua thue' Tagalog), a Swedish book page (German at 0.95; Swedish is no
candidate), OCR garbage ('вд цовця' Ukrainian at 0.98), URLs. Tagalog alone moved the
Philippines up to 0.24 on Vietnamese and English receipts. The numbers below live in
data/language_precision.json.

A guess the backend made among the candidates of a shared script (Latin, Cyrillic, Arabic,
Devanagari) becomes a clue only if
- the line has `min_words` words of two letters or more and `min_letters` letters in them;
- the backend's first language leads the second by `min_margin` plus `concentration_margin`
  times the share of the language's country vote that goes to its first country (a wrong
  Tagalog moves the Philippines, a wrong English moves nobody, so Tagalog needs more);
- the line's words are common words of that language (`min_common_words` of them among its
  3,000 most frequent words) and not clearly more common in another language
  (`other_language_zipf`): the table is read from the word lists wordfreq ships (read-only,
  ~1 s and a few MB once per worker, on first use, all wordfreq languages of those scripts, also ones no
  pack covers, which is how Swedish is told from German), Latin words compared without
  accents so unaccented Vietnamese still reads as Vietnamese words.
Any guess is dropped when the OCR box's script, as the line-script classifier names it with
probability >= `box_sure`, is one the language is not written in.

Measured on those 100 lines (/tmp-free: the labelled sample is listed in
tests/test_clue_precision.py): before, 100 clues, 60 right; after, see the report of the
commit that introduced this module.
"""
from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional

import regex

from clueextract import loadclock
from clueextract.text.script import words_in_script

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "language_precision.json"
SHARED_SCRIPTS = {"Latn": "Latin", "Cyrl": "Cyrillic", "Arab": "Arabic", "Deva": "Devanagari"}
TOP_N = 3000
_WORDFREQ_CODE = {"fil": "tl"}  # wordfreq's code -> the project's ISO 639-1 code
_PROJECT_CODE = {"tl": "fil"}
_WORD = regex.compile(r"[\p{L}\p{M}]{2,}")
# URLs, e-mail addresses, domains and file names: their letters are no language
_ADDRESS = regex.compile(r"\S*(?:://|www\.|@)\S*|\S*[\p{Ll}\d]\.[a-z]{2,6}(?:/\S*)?(?=[\s,;)]|$)")
_NO_SCRIPT = ("Zyyy", "none", None)
# compiled once: fold() runs on every word of wordfreq's lists when common_words() is built
# (123,000 calls), and a pattern given as a string is looked up in regex's cache each time:
# the build took 2.6 s, 0.9-1.1 s with compiled patterns and fold's ASCII shortcut (same table)
_LATIN = regex.compile(r"\p{Script=Latin}")
_IN_SCRIPT = {code: regex.compile(rf"\p{{Script={name}}}") for code, name in SHARED_SCRIPTS.items()}


@dataclass(frozen=True)
class Rules:
    min_words: int
    min_letters: int
    min_margin: float
    concentration_margin: float
    other_language_zipf: float
    min_common_words: int
    box_sure: float


@lru_cache(maxsize=1)
def rules() -> tuple[Rules, str]:
    """(the rules of data/language_precision.json, that file's SHA-256)."""
    raw = RULES_FILE.read_bytes()
    data = json.loads(raw)
    fields = Rules.__dataclass_fields__
    return Rules(**{k: v for k, v in data.items() if k in fields}), hashlib.sha256(raw).hexdigest()


def fold(word: str) -> str:
    """Casefold; Latin letters also lose their accents (and đ its bar)."""
    word = word.casefold().replace("đ", "d")
    if word.isascii() or not _LATIN.search(word):
        return word
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def common_words() -> dict[str, tuple[str, dict[str, float]]]:
    """language -> (script, {folded word: Zipf}) for the TOP_N most frequent words of every
    language wordfreq ships a list for whose words are mostly in one of SHARED_SCRIPTS."""
    with loadclock.loading("common-word lists (wordfreq)"):
        return _common_words()


def _common_words() -> dict[str, tuple[str, dict[str, float]]]:
    import wordfreq  # noqa: PLC0415 (heavy: +54 ms at import; only lines that reach the check need it)

    out: dict[str, tuple[str, dict[str, float]]] = {}
    for lang, path in sorted(wordfreq.available_languages("small").items()):
        row: dict[str, float] = {}
        n = 0
        for i, words in enumerate(wordfreq.read_cBpack(path)):  # bin i: frequency 10^(-i/100)
            zipf = round(9 - i / 100, 2)
            for w in words:
                if _WORD.fullmatch(w):
                    row.setdefault(fold(w), zipf)
            n += len(words)
            if n >= TOP_N:
                break
        votes = {code: sum(1 for w in list(row)[:300] if pattern.search(w)) for code, pattern in _IN_SCRIPT.items()}
        script, count = max(votes.items(), key=lambda kv: kv[1])
        if count >= 0.8 * min(300, len(row)):
            out[_WORDFREQ_CODE.get(lang, lang)] = (script, row)
    return out


def strip_addresses(text: str) -> str:
    """`text` without URLs, e-mail addresses, domains and file names."""
    return _ADDRESS.sub(" ", text)


def line_words(text: str, script: str) -> list[str]:
    return _WORD.findall(words_in_script(text, script))


def word_scores(words: Iterable[str], script: str) -> dict[str, tuple[float, int]]:
    """language -> (sum of the words' Zipf among its common words, how many were found)."""
    folded = [fold(w) for w in words]
    out = {}
    for lang, (s, row) in common_words().items():
        if s == script:
            hits = [row[w] for w in folded if w in row]
            out[lang] = (round(sum(hits), 2), len(hits))
    return out


def box_conflict(code: str, scripts: frozenset[str], box_script: Optional[dict[str, Any]]) -> Optional[str]:
    """Why a language cannot be the language of an OCR box the classifier is sure about, or None."""
    if not box_script:
        return None
    cls, p = box_script.get("class"), float(box_script.get("p") or 0.0)
    if cls in _NO_SCRIPT or p < rules()[0].box_sure:
        return None
    if cls == "Viet":
        ok = code == "vi"
    elif cls == "Jpan":
        ok = code == "ja"
    elif cls == "Latn" and code == "vi":
        ok = True  # Vietnamese printed without its marks
    else:
        ok = cls in scripts
    return None if ok else f"the OCR box is {cls} script (p {p:.2f}); {code} is not written in it"


def doubt(code: str, script: Optional[str], confidence: float, alternatives: list[tuple[str, float]],
          text: str, concentration: float) -> Optional[str]:
    """Why a guess the backend made among the candidates of a shared script is not a clue, or None."""
    if script not in SHARED_SCRIPTS:
        return None
    r = rules()[0]
    words = line_words(text, script)
    letters = sum(len(w) for w in words)
    if len(words) < r.min_words or letters < r.min_letters:
        return f"too short to tell ({len(words)} words, {letters} letters)"
    margin = confidence - max((p for _, p in alternatives), default=0.0)
    need = r.min_margin + r.concentration_margin * concentration
    if margin < need:
        return f"{code} leads by {margin:.2f}, needs {need:.2f}"
    scores = word_scores(words, script)
    if code in scores:
        mine, found = scores[code]
        if found < r.min_common_words:
            return f"none of the words is a common {code} word"
        other, best = max(((s, lang) for lang, (s, _) in scores.items() if lang != code), default=(0.0, ""))
        if other - mine >= r.other_language_zipf:
            return f"the words are more common in {best} ({other:.1f}) than in {code} ({mine:.1f})"
    return None
