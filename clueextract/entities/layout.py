"""Foreign mentions across the lines of one sign: "Twinned with" above "Wiesbaden".

Why: on a real town sign or label the phrase and the name it introduces sit on different
OCR lines ("TWINNED WITH" / "WIESBADEN" / "GERMANY"; "Made in" / "China"), so the per-line
pass of context.py never sees them together and the foreign town outvoted the sign's own
(issue 15: a British town sign ranked Germany first). This pass runs once per item, with
every OCR line and its clues (TextClueExtractor.finish_item).

How: an OCR line whose last clause holds a foreign-mention phrase (nothing after it but
names, no clause break) continues on the next line of the same sign: the closest line
below it that overlaps it horizontally, starts within `max_gap_heights` line heights and
has a similar height (`height_ratio`); for video lines, one on screen at the same time.
The place/brand/organisation clues of that line are set aside like a same-line mention;
so are those of up to `max_lines` further lines that continue the list (short lines of
names, no phrase of their own: "WIESBADEN" / "GERMANY"), and the text-language clue of a
line that is nothing but such names ("Wiesbaden" reads as German; the sign is English). The numbers are data
(clueextract/data/foreign_mention.json, "layout").
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional

from ..records import Clue
from .context import DATA, DISCOUNTED_KINDS, _rules, foreign_triggers


@dataclass(frozen=True)
class LayoutRules:
    max_gap_heights: float = 1.5   # vertical gap to the next line, in heights of the trigger line
    height_ratio: float = 2.0      # the two line heights within this factor of each other
    min_overlap: float = 0.3       # horizontal overlap, as a share of the narrower line
    max_lines: int = 3             # lines after the phrase that can carry the names
    max_words: int = 5             # a continuation line is short: a name, a region, a country


@lru_cache(maxsize=1)
def layout_rules() -> LayoutRules:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return LayoutRules(**{k: v for k, v in data.get("layout", {}).items() if not k.startswith("_")})


@dataclass
class _Line:
    clue: Clue
    box: tuple[int, int, int, int]
    times: Optional[tuple[float, float]]
    entities: list[Clue]

    @property
    def height(self) -> int:
        return max(1, self.box[3] - self.box[1])

    @property
    def width(self) -> int:
        return max(1, self.box[2] - self.box[0])


def _box(clue: Clue) -> Optional[tuple[int, int, int, int]]:
    b = clue.locator.get("bbox")
    if not isinstance(b, (list, tuple)) or len(b) != 4:
        return None
    try:
        x0, y0, x1, y1 = (int(v) for v in b)
    except (TypeError, ValueError):
        return None
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def _times(clue: Clue) -> Optional[tuple[float, float]]:
    s, e = clue.locator.get("start_s"), clue.locator.get("end_s")
    if isinstance(s, (int, float)) and isinstance(e, (int, float)):
        return float(s), float(e)
    return None


def _dangling(text: str) -> Optional[str]:
    """The phrase when the line's last clause holds a foreign-mention phrase, else None."""
    _, breaks = _rules()
    triggers = foreign_triggers(text)
    if not triggers:
        return None
    ts, te = triggers[-1]
    if breaks.search(text, te):
        return None
    return text[ts:te]


def _next_below(line: _Line, lines: list[_Line], r: LayoutRules) -> Optional[_Line]:
    best: Optional[tuple[int, _Line]] = None
    x0, y0, x1, y1 = line.box
    for other in lines:
        if other is line:
            continue
        ox0, oy0, ox1, oy1 = other.box
        if oy0 < y0 + line.height / 2:
            continue  # not below
        gap = oy0 - y1
        if gap > r.max_gap_heights * line.height:
            continue
        ratio = other.height / line.height
        if not (1 / r.height_ratio <= ratio <= r.height_ratio):
            continue
        overlap = min(x1, ox1) - max(x0, ox0)
        if overlap < r.min_overlap * min(line.width, other.width):
            continue
        if line.times and other.times and (other.times[0] > line.times[1] or line.times[0] > other.times[1]):
            continue  # never on screen together
        if best is None or gap < best[0]:
            best = (gap, other)
    return best[1] if best else None


def _set_aside(c: Clue, phrase: str) -> None:
    c.set_aside(f"on the line after '{phrase}' on the same sign: names a place elsewhere, not where the text stands",
                phrase)


def _only_names(line: _Line) -> bool:
    """The line's letters are (almost) all inside its entity spans: a name, nothing else."""
    text = line.clue.value
    covered = bytearray(len(text))
    for c in line.entities:
        s, e = c.extra.get("span", (0, 0))
        covered[s:e] = b"\x01" * (max(0, min(e, len(text)) - s))
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    return bool(letters) and sum(covered[i] for i in letters) >= 0.8 * len(letters)


def set_aside_across_lines(clues: list[Clue]) -> int:
    """Set aside the votes of entity clues on the lines that continue a foreign mention; returns
    how many clues were set aside. Works in place on the item's clues."""
    r = layout_rules()
    by_parent: dict[int, list[Clue]] = {}
    lang_of: dict[int, list[Clue]] = {}
    for c in clues:
        if c.kind in DISCOUNTED_KINDS and c.parent is not None:
            by_parent.setdefault(id(c.parent), []).append(c)
        elif c.kind == "text_language" and c.parent is not None:
            lang_of.setdefault(id(c.parent), []).append(c)
    lines = []
    for c in clues:
        if c.kind == "ocr_text":
            box = _box(c)
            if box is not None:
                lines.append(_Line(c, box, _times(c), by_parent.get(id(c), [])))
    done = 0
    for line in lines:
        phrase = _dangling(line.clue.value)
        if phrase is None:
            continue
        cur = line
        for n in range(r.max_lines):
            nxt = _next_below(cur, lines, r)
            if nxt is None or foreign_triggers(nxt.clue.value):
                break
            if n > 0 and (len(nxt.clue.value.split()) > r.max_words or not nxt.entities):
                break  # only short lines of names continue the list
            for c in nxt.entities:
                if c.countries:
                    _set_aside(c, phrase)
                    done += 1
            if nxt.entities and _only_names(nxt):
                for c in lang_of.get(id(nxt.clue), ()):  # "Wiesbaden" reads as German: not the sign's language
                    if c.countries:
                        _set_aside(c, phrase)
                        done += 1
            cur = nxt
    return done


def describe() -> dict[str, Any]:
    """The layout numbers in force (for reports and tests)."""
    return layout_rules().__dict__.copy()
