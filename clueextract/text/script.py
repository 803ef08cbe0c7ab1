"""Writing-system (ISO 15924 script) detection for a piece of text.

Why: the script of a sign is the cheapest, most reliable text clue there is. It
needs no model, it works on one word, and for a handful of scripts (Thai, Hangul,
kana, Georgian, Sinhala ...) it already narrows the country to one or two. It is
also what language identification must decide first: a statistical detector is
only asked to choose among languages that share a script (Latin, Cyrillic,
Arabic, Devanagari, Han).

Scripts come from the Unicode Script property (`regex`'s `\\p{Script=...}`, strict
Script, not Script_Extensions), counted over letters and combining marks only:
digits, punctuation, symbols and characters of the Common/Inherited pseudo-scripts
(e.g. the kana prolonged-sound mark, combining accents) are ignored.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import pycountry
import regex

from clueextract.countries import country_name
from clueextract.records import Clue, CountryVote, Source
from clueextract.text.base import TextContext

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "script_countries.json"
ENGINE = f"unicode-scripts regex {regex.__version__}"

# A script must make up at least this share of the letters to vote for a country.
MIN_VOTE_SHARE = 0.1
# A script that makes up half the letters (a bilingual sign) already votes fully.
FULL_VOTE_SHARE = 0.5
MIN_LETTERS = 2

_LETTER = regex.compile(r"[\p{L}\p{M}]")
_IGNORED = frozenset({"Zyyy", "Zinh", "Zzzz"})
_KANA = frozenset({"Hira", "Kana"})
# Scripts most text is in, tried first (only affects speed).
_FIRST = ("Latn", "Hani", "Cyrl", "Arab", "Thai", "Hang", "Hira", "Kana", "Deva", "Grek", "Hebr")
_NAMES = {"Jpan": "Japanese (Han + kana)", "Hani": "Han", "Hang": "Hangul", "Hrkt": "Kana"}


def _unicode_scripts() -> list[str]:
    """ISO 15924 codes that are Unicode Script property values known to `regex`."""
    codes = []
    for s in pycountry.scripts:
        code = s.alpha_4
        if code in _IGNORED:
            continue
        try:
            regex.compile(r"\p{Script=%s}" % code)
        except regex.error:
            continue  # not a Unicode script (Jpan, Kore, Hans, Zmth ...)
        codes.append(code)
    rest = sorted(c for c in codes if c not in _FIRST)
    return [c for c in _FIRST if c in codes] + rest


_SCRIPT_CODES = _unicode_scripts()
_SCRIPT_RE = regex.compile("|".join(r"(?P<%s>\p{Script=%s})" % (c, c) for c in _SCRIPT_CODES))


@lru_cache(maxsize=65536)
def char_script(ch: str) -> Optional[str]:
    """ISO 15924 code of one letter or mark, or None (not a letter, or Common/Inherited)."""
    if not _LETTER.match(ch):
        return None
    m = _SCRIPT_RE.match(ch)
    return m.lastgroup if m else None


def script_counts(text: str) -> Counter[str]:
    """Letters per script; Han and kana are merged into `Jpan` when any kana is present."""
    counts: Counter[str] = Counter()
    for ch in text:
        code = char_script(ch)
        if code is not None:
            counts[code] += 1
    if any(counts.get(k) for k in _KANA):
        counts["Jpan"] = sum(counts.pop(k, 0) for k in ("Hani", "Hira", "Kana"))
    return counts


def dominant_script(counts: Counter[str]) -> tuple[str, int]:
    """The script with the most letters in `counts` (script_counts) and its count; ties go to the
    code later in the alphabet. `counts` must not be empty."""
    return max(counts.items(), key=lambda kv: (kv[1], kv[0]))


def script_profile(text: str) -> list[tuple[str, float]]:
    """[(ISO 15924 code, share of letters)], largest share first; [] when there are no letters."""
    counts = script_counts(text)
    total = sum(counts.values())
    if not total:
        return []
    return sorted(((c, round(n / total, 4)) for c, n in counts.items()), key=lambda x: (-x[1], x[0]))


def script_name(code: str) -> str:
    """Short English name of a script: 'Thai', 'Hangul', 'Devanagari'."""
    if code in _NAMES:
        return _NAMES[code]
    s = pycountry.scripts.get(alpha_4=code)
    return s.name.split(" (")[0] if s else code


def words_in_script(text: str, code: str) -> str:
    """The words of `text` written (mostly) in script `code`, joined by spaces.

    Used to hand a statistical language detector only the part of a mixed sign it
    is asked about ("PHARMACY ร้านขายยา" -> "PHARMACY" for Latin)."""
    parts = []
    for word in regex.findall(r"[\p{L}\p{M}'’\-]+", text):
        counts = script_counts(word)
        if counts and counts.most_common(1)[0][0] == code:
            parts.append(word)
    return " ".join(parts)


@lru_cache(maxsize=1)
def script_country_data() -> tuple[dict[str, Any], str]:
    """(parsed script_countries.json, its SHA-256)."""
    raw = DATA_FILE.read_bytes()
    return json.loads(raw), hashlib.sha256(raw).hexdigest()


def _votes(profile: list[tuple[str, float]], counts: Counter[str]) -> list[CountryVote]:
    data, _ = script_country_data()
    best: dict[str, CountryVote] = {}
    for code, share in profile:
        entry = data["scripts"].get(code)
        if entry is None or share < MIN_VOTE_SHARE or counts[code] < MIN_LETTERS:
            continue
        scale = min(1.0, share / FULL_VOTE_SHARE)
        for cc, weight in entry["countries"].items():
            reason = (f"{entry['note']} ({share:.0%} of the letters are {script_name(code)}; "
                      f"points to {country_name(cc)})")
            vote = CountryVote(cc, round(weight * scale, 4), reason)
            if cc not in best or vote.weight > best[cc].weight:
                best[cc] = vote
    return sorted(best.values(), key=lambda v: (-v.weight, v.country))


def script_clue(text: str, ctx: TextContext) -> Optional[Clue]:
    """A `script` clue for the dominant script of `text`, or None if it has < 2 letters.

    Country votes come only from scripts listed in script_countries.json (scripts
    specific to few countries); Latin, Cyrillic, Arabic, Han and Devanagari never
    vote here - the language clue speaks for them. Every script with >= 10 % of the
    letters may vote, so a bilingual "PHARMACY ร้านขายยา" still points to Thailand."""
    counts = script_counts(text)
    if sum(counts.values()) < MIN_LETTERS:
        return None
    profile = script_profile(text)
    code, share = profile[0]
    _, sha = script_country_data()
    return Clue(
        kind="script",
        value=code,
        normalized=code,
        confidence=share,
        source=Source(stage="text", engine=ENGINE, model=DATA_FILE.name, model_sha256=sha),
        locator=dict(ctx.locator),
        countries=_votes(profile, counts),
        extra={"profile": [[c, s] for c, s in profile], "name": script_name(code)},
    )
