"""All entity clues of one piece of text, and the item-level postal-code pass.

Composes the matchers (each built once per worker): places from the gazetteer, brands
from name-suggestion-index and the packs, pack terms (address words, legal forms,
dialect markers), and, when a lab has put one in the model directory, a statistical
spaCy NER model. Overlapping matches of different matchers are resolved by keeping the
longer span (a brand "Thailand Post" wins over the place "Thailand"); on equal spans
the more specific kind wins. Then foreign mentions ("twinned with …", "made in …") have
their votes set aside.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

from ..packs import Pack
from ..records import Clue
from ..text.base import TextContext
from .context import set_aside_foreign
from .packterms import PackTermMatcher
from .postal import postal_clues

# on equal spans, the earlier kind wins
KIND_PRIORITY = ("brand", "legal_form", "address_term", "dialect_marker", "organization", "place")


def _resolve_overlaps(clues: list[Clue]) -> list[Clue]:
    def key(c: Clue):
        s, e = c.extra["span"]
        return (-(e - s), KIND_PRIORITY.index(c.kind), s)

    kept: list[Clue] = []
    for c in sorted(clues, key=key):
        s, e = c.extra["span"]
        if any(s < k.extra["span"][1] and k.extra["span"][0] < e for k in kept):
            continue
        kept.append(c)
    return sorted(kept, key=lambda c: (c.extra["span"][0], KIND_PRIORITY.index(c.kind)))


class EntityExtractor:
    def __init__(self, packs: Iterable[Pack], model_dir: Optional[Path] = None):
        from .brands import BrandMatcher
        from .places import PlaceMatcher
        from .statistical import StatisticalNer, find_model

        packs = list(packs)
        self.terms = PackTermMatcher(packs)
        self.brands = BrandMatcher(packs)
        self.places = PlaceMatcher()
        path = find_model(model_dir) if model_dir else None
        self.ner = StatisticalNer(path) if path else None

    def find(self, text: str, ctx: TextContext) -> list[Clue]:
        found = self.terms.find(text, ctx)
        for m in (self.places, self.brands):
            found += m.find(text, ctx)
        if self.ner is not None:
            found += self._statistical(text, ctx)
        out = _resolve_overlaps(found)
        set_aside_foreign(text, out)
        return out

    def _statistical(self, text: str, ctx: TextContext) -> list[Clue]:
        out = []
        for label, s, e, _ in self.ner.entities(text):
            if label == "ORG":
                out.append(self.ner.organization(text, s, e, ctx))
                continue
            for c in self.places.find(text[s:e], ctx):  # a GPE/LOC counts only if the gazetteer knows it
                a, b = c.extra["span"]
                c.extra["span"] = [a + s, b + s]
                c.extra["ner"] = {"label": label, "model": self.ner.source.model}
                out.append(c)
        return out

    def finish_item(self, clues: list[Clue]) -> list[Clue]:
        """Item-level clues that need the whole item: postal codes next to a matching place."""
        texts = [c for c in clues if c.kind in ("ocr_text", "speech_segment")]
        return postal_clues(texts, clues)

    def identity(self) -> dict:
        ident = {"ner_model": None}
        if self.ner is not None:
            ident["ner_model"] = {"path": str(self.ner.path), "sha256": self.ner.sha256}
        return ident
