"""Traditional or Simplified Chinese, and written Cantonese, on the OCR lines of one item.

Why: a sign in Traditional characters points to Taiwan, Hong Kong or Macau, one in
Simplified to Mainland China or Singapore, and the language clue alone ("zh") cannot tell
them apart (issue 15: a Traditional locksmith sign ranked China first). Written Cantonese
particles (嘅, 咗, 冇 ...) point to Hong Kong and Macau.

How (numbers and lists: clueextract/data/han_variants.json):
- Character repertoires from CC-CEDICT (`hanzidentifier` 1.3.0, via `zhon`): a character
  only the Traditional system writes (門, 車, 廠), only the Simplified one (门, 车, 厂), or
  both (中, 山, 后, 台, 干: most short strings). Picked by measurement over OpenCC's
  conversion tables, which call 后 (queen, also Traditional), 台 and 干 Simplified-only and
  so read Hong Kong's 皇后大道中 as Simplified: on 71 strings written for this, CEDICT's
  sets with the Japanese check below got 64 right with 3 harmful errors, OpenCC's tables 61
  with 6, CEDICT's sets alone 57 with 7 (CEDICT lists Japanese forms such as 駅 as both).
- Japanese: kana on a line, or a Japanese-only character form (OpenCC's `jp2t` changes it,
  and it is no Simplified form: 駅, 営, 広, 渋), makes the line Japanese; one Japanese line
  makes the whole item Japanese, since kanji-only Japanese lines (駐車場) are character for
  character Traditional or Simplified. Japanese gives no variant clue.
- A line gives a `script` clue Hant or Hans when its distinguishing characters are all of
  one kind; none when they are mixed or absent. Transcripts are never read: Whisper writes
  Mandarin in Traditional characters at times, so there the variant is the recogniser's
  choice, not evidence (docs/ARCHITECTURE.md, "Measured facts").
- Cantonese characters give `dialect_marker` clues (unless a pack already reported the same
  character on the same span).
"""
from __future__ import annotations

import hashlib
import importlib.metadata as md
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional

import regex

from ..countries import country_name
from ..records import Clue, CountryVote, Source

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "han_variants.json"
MAX_LISTED = 8

_HAN = regex.compile(r"\p{Script=Han}")
_KANA = regex.compile(r"[\p{Script=Hiragana}\p{Script=Katakana}]")


@dataclass(frozen=True)
class Reading:
    """What the Han characters of one line say."""

    japanese: bool
    traditional: tuple[str, ...]   # Traditional-only characters, in order of appearance
    simplified: tuple[str, ...]

    @property
    def variant(self) -> Optional[str]:
        if self.japanese or (self.traditional and self.simplified):
            return None
        if self.traditional:
            return "Hant"
        if self.simplified:
            return "Hans"
        return None


@lru_cache(maxsize=1)
def _data() -> tuple[dict[str, Any], str]:
    raw = DATA_FILE.read_bytes()
    return json.loads(raw), hashlib.sha256(raw).hexdigest()


@lru_cache(maxsize=1)
def _sets() -> tuple[frozenset[str], frozenset[str]]:
    from hanzidentifier import helpers  # noqa: PLC0415 (+12 ms at import; only Han text)

    trad, simp = helpers.TRADITIONAL_CHARACTERS, helpers.SIMPLIFIED_CHARACTERS
    return frozenset(trad - simp), frozenset(simp - trad)


@lru_cache(maxsize=1)
def _converters() -> tuple[Any, Any]:
    import opencc  # noqa: PLC0415 (+2 ms at import; only Han text)

    return opencc.OpenCC("jp2t"), opencc.OpenCC("s2t")


@lru_cache(maxsize=8192)
def japanese_only(ch: str) -> bool:
    """A Japanese shinjitai form that neither Traditional nor Simplified Chinese writes."""
    jp2t, s2t = _converters()
    return jp2t.convert(ch) != ch and s2t.convert(ch) == ch and ch not in _sets()[1]


def read(text: str) -> Reading:
    """The Traditional-only / Simplified-only characters of `text`, and whether it is Japanese."""
    trad_only, simp_only = _sets()
    chars = _HAN.findall(text)
    japanese = bool(_KANA.search(text)) or any(japanese_only(c) for c in set(chars))
    trad = tuple(dict.fromkeys(c for c in chars if c in trad_only))
    simp = tuple(dict.fromkeys(c for c in chars if c in simp_only))
    return Reading(japanese, trad, simp)


@lru_cache(maxsize=1)
def engine() -> str:
    return f"hanzidentifier {md.version('hanzidentifier')} + opencc {md.version('opencc')}"


def _source() -> Source:
    _, sha = _data()
    return Source(stage="text", engine=engine(), model=DATA_FILE.name, model_sha256=sha)


def variant_clue(line: Clue, reading: Reading) -> Optional[Clue]:
    """A `script` clue Hant/Hans for one OCR line, or None."""
    code = reading.variant
    if code is None:
        return None
    data, _ = _data()
    entry = data["variants"][code]
    chars = reading.traditional if code == "Hant" else reading.simplified
    factor = data["one_char_factor"] if len(chars) == 1 else 1.0
    shown = "".join(chars[:MAX_LISTED]) + ("…" if len(chars) > MAX_LISTED else "")
    votes = [CountryVote(cc, round(w * factor, 4),
                         f"{entry['name']} ({shown}): {entry['note']}; points to {country_name(cc)}")
             for cc, w in entry["countries"].items()]
    return Clue(kind="script", value=code, normalized=code, confidence=round(0.95 * factor, 3),
                source=_source(), locator=dict(line.locator), countries=votes,
                extra={"name": entry["name"], "characters": list(chars[:MAX_LISTED * 4]),
                       "distinct": len(chars)},
                parent=line)


def cantonese_clues(line: Clue, taken: Iterable[tuple[int, int]] = ()) -> list[Clue]:
    """`dialect_marker` clues for written-Cantonese characters on one line."""
    data, _ = _data()
    canto = data["cantonese"]
    text = line.value
    taken = set(taken)
    out: list[Clue] = []
    seen: set[str] = set()
    for i, ch in enumerate(text):
        m = canto["markers"].get(ch)
        if m is None or ch in seen or (i, i + 1) in taken:
            continue
        if (i > 0 and text[i - 1] in m.get("not_after", "")) or \
                (i + 1 < len(text) and text[i + 1] in m.get("not_before", "")):
            continue
        seen.add(ch)
        votes = [CountryVote(cc, w, f"'{ch}' is written Cantonese, {m['note']}: Cantonese is written "
                                    f"on signs in Hong Kong and Macau; points to {country_name(cc)}")
                 for cc, w in canto["countries"].items()]
        out.append(Clue(kind="dialect_marker", value=ch, normalized=ch, confidence=0.85, source=_source(),
                        locator=dict(line.locator), countries=votes,
                        extra={"span": [i, i + 1], "term": ch, "dialect": "yue", "note": m["note"]},
                        parent=line))
    return out


def han_clues(clues: list[Clue]) -> list[Clue]:
    """Variant and Cantonese clues for the OCR lines of one item (never for transcripts)."""
    lines = [c for c in clues if c.kind == "ocr_text" and _HAN.search(c.value or "")]
    if not lines:
        return []
    readings = [read(c.value) for c in lines]
    if any(r.japanese for r in readings):
        return []  # a Japanese item: its kanji-only lines are Japanese too
    taken: dict[int, list[tuple[int, int]]] = {}
    for c in clues:
        if c.kind == "dialect_marker" and c.parent is not None and c.extra.get("span"):
            taken.setdefault(id(c.parent), []).append(tuple(c.extra["span"]))
    out: list[Clue] = []
    for line, reading in zip(lines, readings):
        v = variant_clue(line, reading)
        if v is not None:
            out.append(v)
        out.extend(cantonese_clues(line, taken.get(id(line), ())))
    return out
