"""Run every text clue extractor over one piece of text (an OCR line or a transcript segment)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from ..packs import Pack
from ..records import Clue
from .base import TextContext
from .currency import find_currencies
from .domains import find_domains_and_emails
from .hanvariant import han_clues
from .language import LanguageIdentifier, language_clue, set_aside_han_in_japanese_items
from .phones import find_phones, place_local_numbers
from .plates import find_plates
from .registration import find_registration_numbers
from .script import script_clue
from .shortlines import joined_language_clues


class TextClueExtractor:
    """Built once per worker: holds the language identifier for the active packs."""

    CONTEXT_MIN_CONFIDENCE = 0.5

    def __init__(self, languages: list[str], regions: list[str], backend: str = "lingua",
                 packs: Sequence[Pack] = (), entities: bool = True, model_dir: Optional[Path] = None):
        self.languages = languages
        self.regions = tuple(regions)
        self.backend = backend
        # lingua's models load on the first line that needs them: lingua 2.1.1 holds the GIL
        # while loading, so a background load at the worker's start overlapped nothing and cost
        # every worker 1.2 s, also for items with no Latin line to identify (a one-image scan of
        # a plate: 3.65 -> 2.54 s median of 3, benchmarks/bench_startup.py)
        self.identifier = LanguageIdentifier(languages, backend=backend)
        self.entities = None
        if entities:
            from ..entities.extract import EntityExtractor  # noqa: PLC0415 (+20 ms at import, spaCy later in the matchers' thread)

            self.entities = EntityExtractor(packs, model_dir, background=True)  # indexes load meanwhile

    def extract(self, text_clue: Clue, spoken_language: Optional[str] = None) -> list[Clue]:
        """Clues found in the text of `text_clue`; each is linked to it as its parent.

        spoken_language: set for transcripts, whose language is already known from the
        audio and whose script is the ASR's choice, not evidence: script and text-language
        clues are then not made, and the spoken language steers the other extractors."""
        text = text_clue.value
        ctx = TextContext(locator=dict(text_clue.locator), language=spoken_language, candidate_regions=self.regions)
        out: list[Clue] = []
        if spoken_language is None:
            script = script_clue(text, ctx)
            if script is not None:
                out.append(script)
            lang = language_clue(text, ctx, self.identifier, text_clue.extra.get("box_script"))
            if lang is not None:
                out.append(lang)
                text_clue.language = lang.value
                if lang.confidence >= self.CONTEXT_MIN_CONFIDENCE:
                    # only a confident language may steer other extractors (e.g. which '¥' is meant)
                    ctx = TextContext(locator=ctx.locator, language=lang.value, candidate_regions=self.regions)
        out.extend(find_phones(text, ctx))
        out.extend(find_domains_and_emails(text, ctx))
        out.extend(find_currencies(text, ctx))
        out.extend(find_registration_numbers(text, ctx))
        if self.entities is not None:
            out.extend(self.entities.find(text, ctx, speech=spoken_language is not None))
        for c in out:
            c.parent = text_clue
        return out

    def finish_item(self, clues: list[Clue]) -> list[Clue]:
        """Clues that need the whole item (licence plates read as whole OCR boxes; Traditional or
        Simplified Chinese and written Cantonese over all OCR lines, which one Japanese line rules
        out; the language of short lines read together; foreign mentions across the lines of a
        sign; postal codes beside a matching place); call once per item."""
        set_aside_han_in_japanese_items(clues)
        out = find_plates(clues) + han_clues(clues) + joined_language_clues(clues, self.identifier)
        out += self.entities.finish_item(clues + out, self.CONTEXT_MIN_CONFIDENCE) if self.entities is not None else []
        place_local_numbers(clues + out)  # after the item's other votes are known
        return out
