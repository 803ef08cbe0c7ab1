"""Text that names a place other than where the text stands.

"Twinned with Wiesbaden, Germany", "Made in China", "Flights to Bangkok": the place is
read correctly but it is not where the sign is. A place, brand or organisation found after
such a phrase in the same clause keeps its clue (an expert may still want it) but its
country votes are set aside: `countries` becomes empty and `extra.set_aside` records the
phrase and the votes it would have cast, so the summary can show what was discounted and
why. The phrases are data (clueextract/data/foreign_mention.json), per language.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import regex

from ..records import Clue
from .unspaced import is_unspaced

DATA = Path(__file__).resolve().parent.parent / "data" / "foreign_mention.json"
DISCOUNTED_KINDS = frozenset({"place", "brand", "organization"})


@lru_cache(maxsize=1)
def _rules() -> tuple[regex.Pattern, regex.Pattern]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    alts = []
    for phrases in data["phrases"].values():
        for p in phrases:
            body = regex.escape(p.lower()).replace(r"\ ", r"\s+")
            alts.append(body if is_unspaced(p) else rf"(?<!\w){body}(?!\w)")
    alts.sort(key=len, reverse=True)
    trigger = regex.compile("|".join(alts), regex.IGNORECASE)
    breaks = regex.compile("[" + regex.escape(data["clause_breaks"]) + "]")
    return trigger, breaks


def foreign_triggers(text: str) -> list[tuple[int, int]]:
    """(start, end) of every foreign-mention phrase in the text."""
    trigger, _ = _rules()
    return [(m.start(), m.end()) for m in trigger.finditer(text)]


def set_aside_foreign(text: str, clues: Iterable[Clue]) -> None:
    """Set aside the votes of entity clues that follow a foreign-mention phrase in the same clause."""
    triggers = foreign_triggers(text)
    if not triggers:
        return
    _, breaks = _rules()
    for c in clues:
        span = c.extra.get("span")
        if c.kind not in DISCOUNTED_KINDS or not span or not c.countries:
            continue
        for ts, te in triggers:
            if te <= span[0] and not breaks.search(text, te, span[0]):
                phrase = text[ts:te]
                c.set_aside(f"follows '{phrase}': names a place elsewhere, not where the text stands", phrase)
                break
