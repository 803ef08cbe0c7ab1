"""Licence plates in OCR boxes -> `licence_plate` clues, from per-country formats kept as data.

Why it works this way:
- A plate is a short code that means something only as a whole: "B 1234 ABC" inside a
  sentence is a part number, alone on a plate it is Jakarta. So a plate counts only when
  the whole text of an OCR box is the plate. Real plates are often read as two boxes: the
  two lines of a two-line plate (Vietnamese motorbikes, Japanese plates, the state/city
  band over a Brazilian number) or a one-line plate cut in two (a Russian region number
  in smaller type). Two boxes are joined when they sit as one plate would: stacked with
  overlapping columns and a gap under half a line (only two-line layouts are tried on
  such a pair: "KZ" over "241" is not a one-line plate), or side by side on one row with
  a gap under one line height (three boxes on a row are tried before two: "AB" "1895" "KA"
  is Yogyakarta, "AB 1895" alone a Malaysian layout). A joined reading that matches replaces its parts'.
- Formats live in clueextract/data/plates.json (pattern, script, region table, votes).
  Many layouts overlap ("ABC-1234" is Brazilian, Philippine, Taiwanese and Ecuadorian),
  so the vote of a bare layout reflects how distinctive it is, and several formats
  matching one plate share at most `max_total`. Region codes give the strong evidence:
  a format with a region group counts only when the code is in its table (Indian state,
  Chinese province character, Vietnamese province number, Russian region ...), and the
  region goes into the reason and `extra.region` (ISO 3166-2 where one exists).
- OCR reads the Cyrillic letters of Russian, Ukrainian and Bulgarian plates (the twelve
  that look Latin) as Latin or Cyrillic at random, and German plates sometimes as
  Cyrillic; text is compared with those letters folded to Latin. Punctuation a detector
  adds at the ends of a box ("@MN- AE 1209)") is dropped.
- Prices and labels look like generic plates ("THB 250" is a Malaysian layout): a box
  that is only a currency code or a label word (TAX, NO, TEL ...) and a number, in either
  order, is not a plate.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import pycountry

from clueextract.countries import country_name
from clueextract.records import Clue, CountryVote, Source

DATA = Path(__file__).resolve().parent.parent / "data" / "plates.json"
_LOOKALIKES = str.maketrans("АВЕКМНОРСТУХІ", "ABEKMHOPCTYXI")
_ENDS = re.compile(r"^[^\w]+|[^\w]+$")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_WORD_NUMBER = re.compile(r"(?P<word>[A-Z]+)[\s\-·.:]*\d[\d\s.,]*")
_NUMBER_WORD = re.compile(r"\d[\d\s.,]*(?P<word>[A-Z]+)")
STACK_GAP = 0.5      # two lines of one plate: vertical gap under half a line height
ROW_GAP = 1.0        # two halves of one plate: horizontal gap under one line height
MIN_OVERLAP = 0.5    # share of the narrower (stacked) / lower (side by side) box the other covers


@dataclass(frozen=True)
class Format:
    id: str
    name: str
    script: str
    pattern: re.Pattern
    votes: tuple[tuple[str, float], ...]
    regions: Optional[dict[str, list]]
    note: str
    lines: int = 1
    require_digits: int = 0


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    """First or last words that make a box a price or a label: ISO 4217 codes (pycountry) and the data's list."""
    d = json.loads(DATA.read_text(encoding="utf-8"))
    return frozenset(c.alpha_3 for c in pycountry.currencies) | frozenset(d["not_a_plate_words"])


@lru_cache(maxsize=1)
def _formats() -> tuple[tuple[Format, ...], float, int]:
    d = json.loads(DATA.read_text(encoding="utf-8"))
    out = tuple(Format(id=f["id"], name=f["name"], script=f["script"], pattern=re.compile(f["pattern"], re.ASCII),
                       votes=tuple(f["votes"].items()), regions=f.get("regions"), note=f["note"],
                       lines=int(f.get("lines", 1)), require_digits=int(f.get("require_digits", 0)))
                for f in d["formats"])
    return out, float(d["max_total"]), int(d["max_chars"])


@lru_cache(maxsize=1)
def _source() -> Source:
    return Source(stage="text", engine="clueextract plate formats", model="plates.json", model_sha256=None)


def normalize(text: str) -> str:
    """Upper case, Latin-looking Cyrillic folded to Latin, end punctuation dropped, spaces collapsed."""
    t = " ".join(text.split()).upper().translate(_LOOKALIKES)
    return _ENDS.sub("", t)


def match_plate(text: str, stacked: bool = False) -> list[tuple[Format, Optional[str], Optional[list]]]:
    """(format, region code, region entry) for every format the whole text matches; `stacked`: the
    text joins two stacked boxes, and only two-line layouts are tried."""
    formats, _, max_chars = _formats()
    norm = normalize(text)
    if not norm or len(norm) > max_chars or not any(ch.isdigit() for ch in norm):
        return []
    m = _WORD_NUMBER.fullmatch(norm) or _NUMBER_WORD.fullmatch(norm)
    if m and m.group("word") in _stop_words():
        return []  # "THB 250", "TAX 12", "1234 USD": a price or a label
    out = []
    for f in formats:
        if stacked and f.lines < 2:
            continue
        m = f.pattern.fullmatch(norm)
        if m is None or sum(ch.isdigit() for ch in norm) < f.require_digits:
            continue
        code = m.groupdict().get("region")
        entry = None
        if "region" in f.pattern.groupindex and f.regions is not None and code is not None:
            entry = f.regions.get(code)
            if entry is None:
                continue  # a region code outside the table: not this format
        out.append((f, code, entry))
    if _CYRILLIC.search(text) and any(f.script == "Cyrl" for f, _, _ in out):
        out = [m for m in out if m[0].script == "Cyrl"]  # Cyrillic letters read as such: a Cyrillic layout
    return out


def plate_clue(text: str, matches: list, parent: Clue, boxes: list[str]) -> Clue:
    _, max_total, _ = _formats()
    votes: dict[str, tuple[float, str]] = {}
    regions = []
    for f, code, entry in matches:
        where = f"; {code} is {entry[0]}" + (f" ({entry[1]})" if entry[1] else "") if entry else ""
        if entry:
            regions.append({"format": f.id, "code": code, "name": entry[0], "iso": entry[1]})
        for cc, w in f.votes:
            article = "an" if f.name[:1].lower() in "aeiou" else "a"
            reason = (f"reads as {article} {f.name} of {country_name(cc)}: {f.note}{where} (plates.json format '{f.id}'; "
                      f"the whole OCR box is the plate)")
            if cc not in votes or votes[cc][0] < w:
                votes[cc] = (w, reason)
    total = sum(w for w, _ in votes.values())
    scale = min(1.0, max_total / total) if total else 1.0
    extra: dict[str, Any] = {"formats": [f.id for f, _, _ in matches], "boxes": boxes}
    if regions:
        extra["region"], extra["region_name"] = regions[0]["iso"], regions[0]["name"]
        extra["regions"] = regions
    return Clue(kind="licence_plate", value=text, normalized=normalize(text), confidence=min(0.9, parent.confidence),
                source=_source(), locator=dict(parent.locator), language=None,
                countries=[CountryVote(cc, w * scale, r) for cc, (w, r) in sorted(votes.items(), key=lambda kv: -kv[1][0])],
                extra=extra, parent=parent)


def _box(c: Clue) -> Optional[tuple[float, float, float, float]]:
    b = c.locator.get("bbox")
    if isinstance(b, (list, tuple)) and len(b) == 4:
        x0, y0, x1, y1 = (float(v) for v in b)
        if x1 > x0 and y1 > y0:
            return x0, y0, x1, y1
    return None


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _pair(a: tuple, b: tuple) -> Optional[str]:
    """'stack' when b is the next line of a plate whose first line is a, 'row' when b continues a on its right."""
    ax0, ay0, ax1, ay1 = a
    bx0, by0, bx1, by1 = b
    ha, hb = ay1 - ay0, by1 - by0
    if max(ha, hb) > 5 * min(ha, hb):  # a plate's band is often in much smaller type
        return None
    if by0 >= ay0 + 0.5 * ha and _overlap(ax0, ax1, bx0, bx1) >= MIN_OVERLAP * min(ax1 - ax0, bx1 - bx0) \
            and by0 - ay1 <= STACK_GAP * max(ha, hb):
        return "stack"
    if max(ha, hb) <= 2 * min(ha, hb) and bx0 >= ax0 + 0.5 * (ax1 - ax0) and _overlap(ay0, ay1, by0, by1) >= MIN_OVERLAP * min(ha, hb) \
            and bx0 - ax1 <= ROW_GAP * max(ha, hb):
        return "row"
    return None


def find_plates(texts: list[Clue]) -> list[Clue]:
    """Plate clues among the OCR boxes of one item (one frame of a video at a time)."""
    _, _, max_chars = _formats()
    groups: dict[str, list[Clue]] = {}
    for c in texts:
        if c.kind == "ocr_text" and c.value and len(c.value) <= max_chars:
            groups.setdefault(json.dumps(c.locator.get("frame_time_s")), []).append(c)
    out = []
    for boxes in groups.values():
        used: set[int] = set()
        placed = [(c, _box(c)) for c in boxes]
        for i, (a, ba) in enumerate(placed):
            for j, (_, bb) in enumerate(placed):
                if i == j or ba is None or bb is None or i in used or j in used:
                    continue
                how = _pair(ba, bb)
                if how is None:
                    continue
                # a third box on the row first: "AB" "1895" "KA" is one Indonesian plate
                thirds = [[i, j, k] for k, (_, bk) in enumerate(placed) if how == "row" and k not in (i, j)
                          and k not in used and bk is not None and _pair(bb, bk) == "row"]
                for parts in thirds + [[i, j]]:
                    values = [placed[n][0].value for n in parts]
                    joined = " ".join(values)
                    matches = match_plate(joined, stacked=how == "stack")
                    if matches:
                        used.update(parts)
                        out.append(plate_clue(joined, matches, a, values))
                        break
        for i, (c, _) in enumerate(placed):
            if i not in used:
                matches = match_plate(c.value)
                if matches:
                    out.append(plate_clue(c.value, matches, c, [c.value]))
    return out
