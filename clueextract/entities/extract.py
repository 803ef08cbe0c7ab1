"""All entity clues of one piece of text, and the item-level postal-code pass.

Composes the matchers (each built once per worker): places from the gazetteer, brands
from name-suggestion-index and the packs, pack terms (address words, legal forms,
dialect markers), and, when a lab has put one in the model directory, a statistical
spaCy NER model. Overlapping matches of different matchers are resolved by keeping the
longer span (a brand "Thailand Post" wins over the place "Thailand"); on equal spans
the more specific kind wins. Place, brand and organisation names that are ordinary words
of the text are dropped unless the line shows them to be names, with stricter rules for
speech transcripts (precision.py). Then foreign mentions ("twinned with …", "made in …")
have their votes set aside, within the line here and across the lines of one sign in
`finish_item` (layout.py).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterable, Optional

from .. import loadclock
from ..packs import Pack
from ..kinds import SPAN_PRIORITY
from ..hashing import file_sha256
from ..records import Clue
from ..text.base import TextContext
from . import gazetteer, pins
from .context import set_aside_foreign
from .gcpause import freeze_loaded
from .layout import set_aside_across_lines
from .postal import postal_clues
from .precision import NameCheck

# on equal spans, the earlier kind wins (the kinds table's `span` rank, kinds.py)
KIND_PRIORITY = SPAN_PRIORITY


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


def verify_index_files() -> None:
    """The packaged brand index and gazetteer against their pinned SHA-256 (about 10 ms for
    3 MB), before the matchers are built in the background: a tampered or truncated file raises
    here, at the worker's start, as it did when the matchers were built in the foreground."""
    for path, expected, error in ((pins.BRAND_INDEX_PATH, pins.BRAND_INDEX_SHA256, pins.BrandIndexError),
                                  (gazetteer.DATA_PATH, gazetteer.EXPECTED_SHA256, gazetteer.GazetteerError)):
        try:
            digest = file_sha256(path)
        except OSError as e:
            raise error(f"cannot read {path}: {e}") from e
        if digest != expected:
            raise error(f"{path} has SHA-256 {digest}, expected {expected}: refusing to use it")


class EntityExtractor:
    """background=True: the pack-term, brand and place matchers (spaCy's import and the
    indexes: about 1.3 CPU s of a worker's start) are built in a thread while the worker goes
    on (OCR of its first item runs mostly outside the GIL); the first `find` or `finish_item`
    waits for them, and raises what building them raised (a refused index). Then the objects
    alive are frozen out of the garbage collector's walks (gcpause.freeze_loaded: a worker's)."""

    def __init__(self, packs: Iterable[Pack], model_dir: Optional[Path] = None, background: bool = False):
        from .statistical import StatisticalNer, find_model  # noqa: PLC0415 (statistical.py is light, but its NER model is optional; kept beside its only use)

        packs = list(packs)
        self.names = NameCheck([(p.language, p.scripts) for p in packs]
                               + [(p.data["language"].get("iso639_3", ""), p.scripts) for p in packs])
        path = find_model(model_dir) if model_dir else None
        self.ner = StatisticalNer(path) if path else None
        self._error: Optional[BaseException] = None
        self._loading: Optional[threading.Thread] = None
        if background:
            verify_index_files()  # a refused index stops the worker now, not at each item's text
            self._loading = threading.Thread(target=self._load, args=(packs, True), name="entities-load",
                                             daemon=True)
            self._loading.start()
        else:
            self._load(packs)
            self._ready()

    def _load(self, packs: list[Pack], freeze: bool = False) -> None:
        try:  # (the imports too: spaCy comes with them, about 0.5 CPU s)
            from .brands import BrandMatcher  # noqa: PLC0415 (imports spaCy, ~0.5 CPU s: loaded in the matcher build thread)
            from .packterms import PackTermMatcher  # noqa: PLC0415 (as above)
            from .places import PlaceMatcher  # noqa: PLC0415 (as above)

            self._terms = PackTermMatcher(packs)
            self._brands = BrandMatcher(packs, report_global=True)  # global brands claim their span, then go
            self._places = PlaceMatcher()
            if freeze:
                freeze_loaded()  # a worker's indexes: out of the collector's walks (gcpause.py)
        except BaseException as e:  # noqa: BLE001 - handed to the thread that uses the matchers
            self._error = e

    def _ready(self) -> None:
        if self._loading is not None:
            with loadclock.loading("entity indexes (built in the background; the wait)"):
                self._loading.join()
            self._loading = None
        if self._error is not None:
            raise self._error

    @property
    def terms(self):  # type: ignore[no-untyped-def]
        self._ready()
        return self._terms

    @property
    def brands(self):  # type: ignore[no-untyped-def]
        self._ready()
        return self._brands

    @property
    def places(self):  # type: ignore[no-untyped-def]
        self._ready()
        return self._places

    def find(self, text: str, ctx: TextContext, speech: bool = False) -> list[Clue]:
        """Entity clues of one OCR line (speech=False) or transcript segment (speech=True):
        a transcript gets no OCR-repair matches and the stricter name rules of precision.py."""
        found = self.terms.find(text, ctx)
        for m in (self.places, self.brands):
            found += m.find(text, ctx, ocr_repair=not speech)
        if self.ner is not None:
            found += self._statistical(text, ctx)
        found = self.names.filter(text, found, ctx, speech=speech)
        # A brand of many countries (Honda, Shell) is a brand, not the town of the same name:
        # it takes part in the overlap resolution, then is dropped (it points nowhere).
        out = [c for c in _resolve_overlaps(found) if not (c.kind in ("brand", "organization")
                                                           and c.extra.get("global"))]
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

    def finish_item(self, clues: list[Clue], language_confidence: float = 0.5) -> list[Clue]:
        """Item-level work that needs the whole item: foreign mentions whose name is on the
        next line of the same sign and short legal forms of a language the item does not show
        (both set aside in place), then postal codes next to a matching place.
        language_confidence: a text_language clue from this confidence up shows its language."""
        self._ready()
        set_aside_across_lines(clues)
        self._terms.set_aside_out_of_language(clues, language_confidence)
        texts = [c for c in clues if c.kind in ("ocr_text", "speech_segment")]
        return postal_clues(texts, clues)

    def identity(self) -> dict:
        ident = {"ner_model": None}
        if self.ner is not None:
            ident["ner_model"] = {"path": str(self.ner.path), "sha256": self.ner.sha256}
        return ident
