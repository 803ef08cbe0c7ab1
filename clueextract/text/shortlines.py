"""One text-language guess for an item's short lines read together (an item pass).

Why: the text detector cuts a sign into boxes by the gaps between words, and a line of one word
is no evidence of a language (langcheck.py's `min_words`: 'TOTAL' is not Spanish). A German
parking sign of eval/real's tuning part read as four lines, 'P' / 'mit' / 'Parkausweis' /
'Nr. 1864', and gave no language and no country at all; read together, 'mit Parkausweis Nr.
1864' is German (lingua 0.90) and passes every test a line's guess must pass.

Which lines: OCR lines (not transcripts) in a script shared by many languages whose words are
too few for a guess of their own, in an item where no line of that script gave a language clue
(a guess of its own would be counted twice). At least two such lines, each text once (a video's
frames repeat them); they are read in the item's order, joined by spaces, and the joined text
goes through the same identifier and the same held_back tests as one line (min words, margin,
common words; not the box-script test: the lines come from different boxes). The clue lists the
lines it joined (`extra.joined_lines`, quoted whole by the summaries), its box is the box around
theirs, and it has no parent line.
"""
from __future__ import annotations

from typing import Optional

import regex

from ..records import Clue
from .base import TextContext
from .langcheck import rules as precision_rules
from .language import AMBIGUOUS_SCRIPTS, LanguageIdentifier, language_clue
from .script import dominant_script, script_counts

MIN_LINES = 2
_WORD = regex.compile(r"[\p{L}\p{M}]{2,}")


def _script(text: str) -> Optional[str]:
    counts = script_counts(text)
    return dominant_script(counts)[0] if counts else None


def joined_language_clues(clues: list[Clue], identifier: LanguageIdentifier) -> list[Clue]:
    """text_language clues (one per shared script at most) of an item's short OCR lines read together."""
    min_words = precision_rules()[0].min_words
    lines = [c for c in clues if c.kind == "ocr_text"]
    voiced = {_script(c.parent.value) for c in clues
              if c.kind == "text_language" and c.parent is not None and c.parent.kind == "ocr_text"}
    by_script: dict[str, list[Clue]] = {}
    for line in lines:
        script = _script(line.value)
        if script in AMBIGUOUS_SCRIPTS and script not in voiced and len(_WORD.findall(line.value)) < min_words \
                and all(c.value != line.value for c in by_script.get(script, [])):
            by_script.setdefault(script, []).append(line)
    out = []
    for _script_code, short in sorted(by_script.items()):
        if len(short) < MIN_LINES:
            continue
        text = " ".join(c.value for c in short)
        clue = language_clue(text, TextContext(locator=_union(short)), identifier)
        if clue is None:
            continue
        clue.extra["joined_lines"] = [c.value for c in short]  # no one line is its parent: quoted all
        out.append(clue)
    return out


def _union(lines: list[Clue]) -> dict:
    """The box around the lines' boxes (an image's), else the first line's locator (a video's frames)."""
    boxes = [b for b in (c.locator.get("bbox") for c in lines) if isinstance(b, (list, tuple)) and len(b) == 4]
    if len(boxes) < len(lines):
        return dict(lines[0].locator)
    return {"bbox": [min(b[0] for b in boxes), min(b[1] for b in boxes),
                     max(b[2] for b in boxes), max(b[3] for b in boxes)]}
